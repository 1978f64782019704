//! `with!`, and the one expander every macro that runs a body inside
//! managers calls.
//!
//! A one-way pipeline, each stage in its own file, none importing a later
//! one: [`parse`] (tokens → [`WithInput`]) → [`rewrite`] (the body's ways
//! out; [`macros`] says which macro calls in it are looked into) → [`plan`] (a level's typed plan: its manager, rewritten body and
//! sites, [`plan::Level`]) → one renderer per flavor, [`sync`] and
//! [`awaited`], which share [`guard`] (the guard made, entered, and exit's
//! borrow of it) and [`sites`] (the code that views and resumes the sites).
//! [`mod@expand`] drives it: levels outermost first, each inner level (and
//! each `with!` in a body) planned and rendered while the level around it
//! rewrites its body, its ways out handed to that rewrite as
//! [`plan::Escape`]s, so nothing rendered is parsed again. The rewrite
//! expands a nested `with!` through [`rewrite::ExpandNested`], which the
//! expand stage implements, so it never imports the stages after it.

mod awaited;
mod expand;
mod guard;
mod macros;
pub mod parse;
mod plain;
mod plan;
pub mod recover;
mod rewrite;
mod sites;
mod sync;

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
            Err(malformed) => guard::malformed(*malformed),
        },
    }
}

/// A `with!` whose managers parse but whose body does not (yet: a
/// half-typed `f.` mid-edit), as the whole expansion of the body read
/// statement by statement ([`recover::recover_block`]), its unparsable tokens
/// left as they are. rust-analyzer completes in the body by expanding the
/// call again with a placeholder at the cursor, which often makes the body
/// parse, and finds the cursor in one expansion at its offset in the other:
/// the two expansions must have the same text up to the cursor, or it lands
/// on another expression (and `f.` lists another type's methods). syn's
/// error follows the body's tokens, where it moves no offset up to the
/// cursor.
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
        ..
    } = *m;
    // syn's error goes after the body's tokens, where it moves no offset up
    // to the cursor. The unparsable tokens stay too: rustc reports them as
    // it would outside `with!` (a second error, on the same tokens), and
    // where rustc parses what syn cannot, syn's error still stops the build
    // (a `?` in tokens left as they are would not be seen by exit).
    let error = error.to_compile_error();
    // The `;` before it on the body's closing brace: where rustc, if it
    // stops at the unparsable tokens, points, as it would without `with!`.
    let close = body.brace_token.span.close();
    body.stmts.push(syn::Stmt::Expr(
        syn::Expr::Verbatim(quote::quote_spanned!(close=> ; #error)),
        None,
    ));
    Ok(WithInput {
        krate,
        managers,
        body,
        opaque: None,
    })
}
