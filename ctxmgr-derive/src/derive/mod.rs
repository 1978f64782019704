//! `#[derive(ContextManager)]` and `#[ctxmgr::context_manager]`.
//!
//! A derive never sees impl blocks, so the work is split:
//!
//! * the attribute on the impl block finds the `#[enter]` and `#[exit]`
//!   methods and implements the hidden `__private::Methods` for the impl's
//!   self type (the value and error types, adapters to the trait's method
//!   shapes, and what the named guard keeps of the value);
//! * the derive on the type implements `ContextManager` by delegating to
//!   `Methods` (bounded by `Self: Methods`, so a forgotten attribute is one
//!   error at the derive) and emits the named guard `{Name}Guard`.
//!
//! Stages, one file each: [`parse`] (tokens → typed input borrowing syn),
//! [`validate`] (method shapes → specs, all errors combined), [`expand`]
//! (quote, with a stub impl next to any error). [`attr`] names every
//! attribute and key; [`krate`] finds the path of the runtime crate.

pub mod attr;
pub mod expand;
pub mod krate;
pub mod parse;
pub mod validate;

/// Several independent errors, reported together (serde's `Ctxt`).
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn push_spanned(&mut self, tokens: impl quote::ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn to_compile_errors(&self) -> proc_macro2::TokenStream {
        self.0
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}

/// A copy of a syntax tree node, by printing and re-parsing it (the
/// workspace builds syn without `clone-impls`). syn re-parses its own
/// output, so this does not fail on a node syn produced.
pub fn dup<T: syn::parse::Parse + quote::ToTokens>(node: &T) -> T {
    syn::parse2(node.to_token_stream()).expect("syn re-parses its own output")
}

/// What the derive reads of the type: its attributes, visibility, name and
/// generics (any struct, enum or union).
pub struct DeriveInput {
    pub attrs: Vec<syn::Attribute>,
    pub vis: syn::Visibility,
    pub ident: syn::Ident,
    pub generics: syn::Generics,
}

impl syn::parse::Parse for DeriveInput {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        let item: syn::Item = input.parse()?;
        match item {
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
            other => Err(syn::Error::new_spanned(
                other,
                "`#[derive(ContextManager)]` goes on a struct, enum or union",
            )),
        }
    }
}
