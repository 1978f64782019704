//! `#[ctxmgr::wrap(EXPR as PAT)]`: a function's whole body run inside
//! managers, Python's `ContextDecorator`. The body goes to the one `with!`
//! expander, [`crate::with::expand`].
//!
//! Input:
//!
//! ```text
//! #[ctxmgr::wrap(EXPR as PAT)]
//! fn f(ARGS) -> R { BODY }
//! ```
//!
//! Output:
//!
//! ```text
//! fn f(ARGS) -> R { <with::expand of `EXPR as PAT => { return { BODY }; }`> }
//! ```
//!
//! The body's tail value becomes a `return`, so exit sees an `Err` tail as
//! `Outcome::Err`, as it would `return Err(..)`. `EXPR` is evaluated afresh
//! on each call, with the arguments (and `self`) in scope.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use crate::diag::Errors;
use crate::krate::runtime_path;
use crate::with::{self, WithInput};

/// The attribute's name, as messages say it.
const ATTRIBUTE: &str = "#[ctxmgr::wrap]";

/// `#[ctxmgr::wrap(..)]`.
pub fn wrap(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let managers = match with::parse::parse_manager_list(args) {
        Ok(managers) => Some(managers),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let mut func = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(f)) => f,
        // Mid-edit, the body may not parse: the function is expanded as if
        // it did, its body read statement by statement, the error after
        // the body's tokens (rust-analyzer: see `with::with_impl`).
        Err(e) => match recover_fn(&item) {
            Some((mut func, mut block)) => {
                let error = e.to_compile_error();
                block
                    .stmts
                    .push(syn::Stmt::Expr(syn::Expr::Verbatim(quote!(; #error)), None));
                func.block = Box::new(block);
                func
            }
            // Not an item at all: let the compiler report its own error.
            None => return item,
        },
        Ok(other) => {
            errors.push(syn::Error::new(
                crate::tokens::item_span(&other),
                format!("`{ATTRIBUTE}` goes on a function: it runs the function's body inside the manager"),
            ));
            let errors = errors.to_compile_errors();
            return quote!(#errors #item);
        }
    };
    let Some(managers) = managers else {
        // The function as written, so callers still type-check.
        let errors = errors.to_compile_errors();
        return quote!(#errors #func);
    };
    let block = &func.block;
    // The new block's braces are the body's own, each on its own token: a
    // span joined over the whole body would put the tokens of the expansion
    // that are shown on the body's closing brace (exit's `&mut GUARD`) over
    // every name in it, and rust-analyzer's hover and goto on a name would
    // find them too.
    let brace_token = syn::token::Brace(block.brace_token.span);
    let span = block.brace_token.span.join();
    let ret: syn::Stmt =
        syn::parse_quote_spanned!(proc_macro2::Span::mixed_site()=> return #block;);
    let body = syn::Block {
        brace_token,
        stmts: vec![ret],
    };
    let expansion = with::expand(WithInput {
        krate: runtime_path(None),
        managers,
        body,
    });
    func.block.stmts = vec![syn::Stmt::Expr(
        syn::Expr::Verbatim(quote_spanned!(span=> #expansion)),
        None,
    )];
    quote!(#func)
}

/// A function whose body does not parse: its signature (parsed with an empty
/// body) and its body as [`with::parse::recover_block`] reads it.
fn recover_fn(item: &TokenStream) -> Option<(syn::ItemFn, syn::Block)> {
    let mut tts: Vec<proc_macro2::TokenTree> = item.clone().into_iter().collect();
    let body = match tts.pop()? {
        proc_macro2::TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Brace => g,
        _ => return None,
    };
    let signature: TokenStream = tts.into_iter().collect();
    let func = syn::parse2::<syn::ItemFn>(quote!(#signature {})).ok()?;
    let block = with::parse::recover_block(proc_macro2::TokenTree::Group(body).into())?;
    Some((func, block))
}
