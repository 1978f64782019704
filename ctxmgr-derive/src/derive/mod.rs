//! `#[derive(ContextManager)]` and `#[ctxmgr::context_manager]`.
//!
//! A derive never sees impl blocks, so the work is split:
//!
//! * the attribute on the impl block finds the `#[enter]` and `#[exit]`
//!   methods and implements the hidden `__private::Methods` (or
//!   `AsyncMethods`) for the impl's self type: "this type has the
//!   methods", and what the named guard keeps of the value. Knowing sync
//!   from async, it then implements `ContextManager` (or
//!   `AsyncContextManager`), whose `enter` and `exit` call the methods
//!   (`enter` first requires `__private::Derived` of its type); an
//!   optional `#[suppress]` method becomes that impl's `suppresses`, and the
//!   type `Suppress` (or `AsyncSuppress`);
//! * the derive on the type implements `__private::Derived` and emits the
//!   named guard `{Name}Guard`.
//!
//! Forgetting either half is one error that names it: a missing derive on
//! the impl block's type (`Derived` unmet in `enter`), a missing
//! attribute where the type is used as a manager (`with!` probes
//! `Methods`/`AsyncMethods`, `ctxmgr/src/private/derive.rs`). A derive
//! rustc cannot find (not imported) is rustc's error, then that one on the
//! impl block. (Until session 13 the trait impls were bounded `for<'x> Self:
//! Derived` instead, so that a missing derive was reported only where the
//! type was used; proving that bound at every `with!` level cost 2.7 % of
//! checking the 500-site crate, bench/HISTORY.md.)
//!
//! Stages, one file each: [`parse`] (tokens → typed input borrowing syn),
//! [`validate`] (method shapes → the [`spec`] types, all errors combined), [`expand`]
//! (quote, with a stub impl next to any error). [`attr`] names every
//! attribute and key. The runtime crate's path comes from
//! [`crate::krate`], errors are collected in [`crate::diag::Errors`].

pub mod attr;
pub mod expand;
pub mod parse;
pub mod spec;
mod types;
pub mod validate;

/// What the derive reads of the type: its attributes, visibility, name and
/// generics (any struct, enum or union).
pub struct DeriveInput {
    pub attrs: Vec<syn::Attribute>,
    pub vis: syn::Visibility,
    pub ident: syn::Ident,
    pub generics: syn::Generics,
}

impl DeriveInput {
    /// The derive's input, parsed as the `syn::Item` the attributes parse
    /// too (one instantiation of syn's parser for both).
    pub fn parse2(input: proc_macro2::TokenStream) -> syn::Result<Self> {
        match syn::parse2::<syn::Item>(input)? {
            syn::Item::Struct(s) => Ok(DeriveInput {
                attrs: s.attrs,
                vis: s.vis,
                ident: s.ident,
                generics: s.generics,
            }),
            syn::Item::Enum(e) => Ok(DeriveInput {
                attrs: e.attrs,
                vis: e.vis,
                ident: e.ident,
                generics: e.generics,
            }),
            syn::Item::Union(u) => Ok(DeriveInput {
                attrs: u.attrs,
                vis: u.vis,
                ident: u.ident,
                generics: u.generics,
            }),
            other => Err(crate::diag::spanned(
                &other,
                &"`#[derive(ContextManager)]` goes on a struct, enum or union",
            )),
        }
    }
}
