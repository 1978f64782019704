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
        Err(malformed) => match as_verbatim_body(*malformed) {
            Ok(input) => expand(input),
            Err(malformed) => expand::malformed(malformed),
        },
    }
}

/// A `with!` whose managers parse but whose body does not (yet: a
/// half-typed `f.` mid-edit), as the whole expansion with the body's tokens
/// left as they are, and the error. rust-analyzer completes in the body by
/// expanding the call again with a placeholder at the cursor, which often
/// makes the body parse: the two expansions must then have the same shape
/// up to the cursor, or it maps the cursor to the wrong expression (and
/// `f.` lists another type's methods): rust-analyzer finds the cursor in
/// one expansion at its offset in the other. So the error goes after the
/// body's tokens, where it moves no offset up to the cursor. rustc reports
/// the body's own syntax error on the user's tokens.
fn as_verbatim_body(m: parse::Malformed) -> Result<WithInput, parse::Malformed> {
    let group = match m.body.as_ref().and_then(|b| b.clone().into_iter().next()) {
        Some(proc_macro2::TokenTree::Group(g)) if !m.managers.is_empty() => g,
        _ => return Err(m),
    };
    let parse::Malformed {
        error,
        krate,
        managers,
        recovered,
        ..
    } = m;
    let mut body = recovered.unwrap_or_else(|| syn::Block {
        brace_token: syn::token::Brace(group.delim_span()),
        stmts: vec![syn::Stmt::Expr(syn::Expr::Verbatim(group.stream()), None)],
    });
    // After the body's tokens: no offset up to the cursor moves.
    let error = error.to_compile_error();
    body.stmts.push(syn::Stmt::Expr(
        syn::Expr::Verbatim(quote::quote!(; #error)),
        None,
    ));
    Ok(WithInput {
        krate,
        managers,
        body,
    })
}
