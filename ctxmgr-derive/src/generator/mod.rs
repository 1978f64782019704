//! `#[ctxmgr::contextmanager]`: a context manager from one function split at
//! its `yield_!`, Python's `@contextmanager` generator.
//!
//! Stages: [`split`] (find the one top-level `yield_!`, check the function,
//! all errors combined) → [`expand`] (the enter closure returning the value
//! and the exit closure). The halves stay closures, so `?` and `return`
//! mean there what they mean in any closure: no body rewrite is needed, and
//! none is duplicated from `with!`.

mod expand;
mod split;

use proc_macro2::TokenStream;

use crate::diag::Errors;
use crate::krate::runtime_path;

/// The attribute's name, as messages say it.
pub const ATTRIBUTE: &str = "#[ctxmgr::contextmanager]";

/// `#[ctxmgr::contextmanager]`.
pub fn contextmanager(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if let Some(first) = args.clone().into_iter().next() {
        errors.push(syn::Error::new(
            first.span(),
            format!("`{ATTRIBUTE}` takes no arguments"),
        ));
    }
    // A method in an impl block parses as a free function too.
    let mut func = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(f)) => f,
        Ok(other) => {
            errors.push(syn::Error::new(
                crate::tokens::item_span(&other),
                format!("`{ATTRIBUTE}` goes on a function with one `yield_!(value)`"),
            ));
            return errors.before(&item);
        }
        // Not an item at all: let the compiler report its own error.
        Err(_) => return item,
    };
    let parts = split::split(&mut func, &mut errors);
    // On an error, the function with the manager's signature and a stub
    // body, so that callers type-check and the only errors are ours.
    let parts = if errors.is_empty() { parts } else { None };
    let out = expand::expand(&mut func, parts, &runtime_path(None));
    errors.before(&out)
}
