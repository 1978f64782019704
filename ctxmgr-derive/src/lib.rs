//! Procedural macros of [`ctxmgr`](https://docs.rs/ctxmgr). Use them through
//! that crate: this one is an implementation detail and its items have no
//! stable API of their own.
#![forbid(unsafe_code)]

mod derive;
mod diag;
#[cfg(test)]
mod fuzz_tests;
mod generator;
#[cfg(test)]
mod golden_tests;
mod krate;
mod result_type;
mod tokens;
mod walk;
mod with;
mod wrap;

/// The implementation of `ctxmgr::with!`, which forwards here with its own
/// `$crate` path first: `with_impl! { $crate; EXPR as PAT => { BODY } }`.
#[doc(hidden)]
#[proc_macro]
pub fn with_impl(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    with::with_impl(input.into()).into()
}

/// `#[derive(ContextManager)]`: documented on the re-export in `ctxmgr`.
#[proc_macro_derive(ContextManager, attributes(ctxmgr))]
pub fn derive_context_manager(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    derive::expand::derive(input.into()).into()
}

/// `#[ctxmgr::context_manager]`: documented on the re-export in `ctxmgr`.
#[proc_macro_attribute]
pub fn context_manager(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    derive::expand::context_manager(args.into(), item.into()).into()
}

/// `#[ctxmgr::contextmanager]`: documented on the re-export in `ctxmgr`.
#[proc_macro_attribute]
pub fn contextmanager(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    generator::contextmanager(args.into(), item.into()).into()
}

/// `#[ctxmgr::wrap(..)]`: documented on the re-export in `ctxmgr`.
#[proc_macro_attribute]
pub fn wrap(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    wrap::wrap(args.into(), item.into()).into()
}
