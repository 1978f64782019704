//! `with!`, and the one expander every macro that runs a body inside
//! managers calls.
//!
//! A one-way pipeline, each stage in its own file, none importing a later
//! one: [`parse`] (tokens → [`WithInput`]) → [`rewrite`] (the body's ways
//! out → [`sites::Sites`]) → [`sites`] (the code that views and resumes
//! them) → [`expand`] (the guard around each manager). The rewrite expands a
//! nested `with!` through [`rewrite::ExpandNested`], which the expand stage
//! implements.

mod expand;
pub mod parse;
mod rewrite;
mod sites;

use proc_macro2::TokenStream;

pub use parse::WithInput;

/// Expands managers around a body: the one entry for `with!` and for the
/// attribute macros that run a function body inside managers.
pub fn expand(input: WithInput) -> TokenStream {
    let krate = input.krate.clone();
    expand::Expander::new(&krate).expand(input)
}

/// `with_impl! { KRATE; EXPR as PAT => { BODY } }`, what `ctxmgr::with!`
/// forwards to: the expansion, or the parse error with the body kept.
pub fn with_impl(input: TokenStream) -> TokenStream {
    match parse::parse_with(input) {
        Ok(input) => expand(input),
        Err(malformed) => expand::malformed(*malformed),
    }
}
