//! The derive's named guard: `{Name}Guard` (or the name of
//! `#[context_manager(guard = ..)]`), an alias of the one generic runtime
//! type `DerivedGuard`.
//!
//! Input: `#[derive(ContextManager)] pub struct Tx<'c, T: Bound> { .. }`.
//! Output:
//!
//! ```text
//! /// The named guard of [`Tx`].
//! pub type TxGuard<'__ctxmgr_g, 'c, T> = ::ctxmgr::DerivedGuard<'__ctxmgr_g, Tx<'c, T>>;
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::Ident;

use crate::derive::DeriveInput;

/// The alias: its code is type-checked once in `ctxmgr`, not once per
/// derive (bench/run).
pub(super) fn guard_alias(
    input: &DeriveInput,
    guard: Option<&Ident>,
    krate: &TokenStream,
) -> TokenStream {
    let name = &input.ident;
    let vis = &input.vis;
    let (_, ty_generics, _) = input.generics.split_for_impl();
    let guard = match guard {
        Some(guard) => guard.clone(),
        None => format_ident!("{}Guard", name, span = name.span()),
    };
    let g = syn::Lifetime::new("'__ctxmgr_g", Span::mixed_site());
    let mut params = Vec::new();
    for param in input.generics.params.pairs() {
        params.push(alias_param(param.value()));
    }
    // Short: every derive emits it. rustdoc shows the aliased
    // `DerivedGuard<..>`, linked to its page, which says how the guard
    // enters and exits.
    let doc = format!("The named guard of [`{name}`].");
    quote! {
        #[doc = #doc]
        #vis type #guard <#g, #(#params),*> = #krate::DerivedGuard<#g, #name #ty_generics>;
    }
}

/// A parameter of the type as the alias declares it: without bounds or
/// defaults (`type_alias_bounds`).
fn alias_param(param: &syn::GenericParam) -> TokenStream {
    match param {
        syn::GenericParam::Lifetime(l) => {
            let l = &l.lifetime;
            quote!(#l)
        }
        syn::GenericParam::Type(t) => {
            let t = &t.ident;
            quote!(#t)
        }
        syn::GenericParam::Const(c) => {
            let (ident, ty) = (&c.ident, &c.ty);
            quote!(const #ident: #ty)
        }
    }
}
