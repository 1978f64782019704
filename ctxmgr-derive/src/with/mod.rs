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
        Err(malformed) => match as_verbatim_body(malformed) {
            Ok(input) => expand(input),
            Err(malformed) => expand::malformed(*malformed),
        },
    }
}

/// A `with!` whose managers parse but whose body does not (yet: a
/// half-typed `f.` mid-edit), as the whole expansion of the body read
/// statement by statement ([`parse::recover_block`]), its unparsable tokens
/// left as they are. rust-analyzer completes in the body by expanding the
/// call again with a placeholder at the cursor, which often makes the body
/// parse, and finds the cursor in one expansion at its offset in the other:
/// the two expansions must have the same text up to the cursor, or it lands
/// on another expression (and `f.` lists another type's methods). rustc
/// reports the unparsable tokens as it would outside `with!`.
fn as_verbatim_body(mut m: Box<parse::Malformed>) -> Result<WithInput, Box<parse::Malformed>> {
    // Only a body that does not parse: other mistakes (no `,` before the
    // body) keep the short error form, whose body cannot add errors.
    let recovered = m.recovered.take();
    let (Some(mut body), false) = (recovered, m.managers.is_empty()) else {
        return Err(m);
    };
    let parse::Malformed {
        error,
        krate,
        managers,
        recovered_closed,
        ..
    } = *m;
    // The unparsable tokens stay in the output, where rustc reports them
    // exactly as it would outside `with!` (syn and rustc agree on what does
    // not parse): that is the one error. When nothing is left unparsed (a
    // `;` was added, or every statement parsed on its own), syn's error is
    // the one, after the body's tokens, where it moves no offset up to the
    // cursor.
    if parse::recovered_needs_error(&body, recovered_closed) {
        let error = error.to_compile_error();
        body.stmts.push(syn::Stmt::Expr(
            syn::Expr::Verbatim(quote::quote!(; #error)),
            None,
        ));
    }
    Ok(WithInput {
        krate,
        managers,
        body,
    })
}
