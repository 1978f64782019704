//! One way to report errors, for every macro of the crate.
//!
//! Every error is a [`syn::Error`] spanned on the tokens at fault. Several
//! independent errors are collected in one [`Errors`] and reported together
//! (serde's `Ctxt`), so a user fixes all mistakes in one compile.

use proc_macro2::TokenStream;

/// Several independent errors, reported together.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub fn push_spanned(&mut self, tokens: &dyn quote::ToTokens, message: impl std::fmt::Display) {
        self.push(spanned(tokens, &message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// `compile_error!`s, one per collected error (nothing when empty).
    pub fn to_compile_errors(&self) -> TokenStream {
        self.0
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }

    /// The `compile_error!`s, then `item`: what a macro emits when its
    /// input is kept as it is beside the errors. (A `quote!` of the two
    /// would cost this crate's compile more than the function: each
    /// `quote!` is code, ~2 M instructions of it plus ~0.5 M per token.)
    pub fn before(&self, item: &dyn quote::ToTokens) -> TokenStream {
        let mut out = self.to_compile_errors();
        item.to_tokens(&mut out);
        out
    }
}

/// `syn::Error::new_spanned` behind `dyn`: one instantiation of the generic
/// constructor for every caller (each distinct pair of argument types is
/// code compiled into this crate).
pub fn spanned(tokens: &dyn quote::ToTokens, message: &dyn std::fmt::Display) -> syn::Error {
    syn::Error::new_spanned(tokens, message)
}

/// `error` as a type that fails to evaluate with its message: `[(); {
/// panic!(MESSAGE) }]`. It stands for a type the broken input left undefined
/// (the value of a missing `#[enter]`): rustc reports it once, where it is
/// defined, and a type that holds an error reports nothing where it is
/// used, so a body using the value adds no second error. (`compile_error!` in
/// a type position expands to `()`, whose uses would.)
pub fn error_as_type(error: &syn::Error) -> TokenStream {
    let message = error.to_string();
    quote::quote_spanned!(error.span()=> [(); { ::core::panic!(#message) }])
}
