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
        // A body that does not parse (mid-edit): read statement by statement
        // as `with!` reads one, so the expansion still binds the names and
        // rust-analyzer completes in it; syn's error is reported after it.
        Err(e) => match recover_fn(&item) {
            Some(f) => {
                errors.push(e);
                f
            }
            // Not a function at all: let the compiler report its own error.
            None => return item,
        },
        Ok(other) => {
            errors.push(syn::Error::new(
                crate::tokens::item_span(&other),
                format!("`{ATTRIBUTE}` goes on a function: it runs the function's body inside the manager"),
            ));
            return errors.before(&item);
        }
    };
    let Some(managers) = managers else {
        // The function as written, so callers still type-check.
        return errors.before(&func);
    };
    // The new block's braces are the body's own, each on its own token: a
    // span joined over the whole body would put the tokens of the expansion
    // that are shown on the body's closing brace (exit's `&mut GUARD`) over
    // every name in it, and rust-analyzer's hover and goto on a name would
    // find them too.
    let brace_token = syn::token::Brace(func.block.brace_token.span);
    let span = func.block.brace_token.span.join();
    let m = proc_macro2::Span::mixed_site();
    // `return { BODY };`, built as nodes: a body read statement by statement
    // holds tokens that do not parse (no `parse_quote!`, which would panic).
    let user_block = std::mem::replace(
        &mut *func.block,
        syn::Block {
            brace_token,
            stmts: Vec::new(),
        },
    );
    let brace_token = syn::token::Brace(user_block.brace_token.span);
    let ret = syn::Stmt::Expr(
        syn::Expr::Return(syn::ExprReturn {
            attrs: Vec::new(),
            return_token: syn::Token![return](m),
            expr: Some(Box::new(syn::Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: user_block,
            }))),
        }),
        Some(syn::Token![;](m)),
    );
    let body = syn::Block {
        brace_token,
        stmts: vec![ret],
    };
    let expansion = with::expand(WithInput {
        krate: runtime_path(None),
        managers,
        body,
        opaque: None,
    });
    func.block.stmts = vec![syn::Stmt::Expr(
        syn::Expr::Verbatim(quote_spanned!(span=> #expansion)),
        None,
    )];
    let errors = errors.to_compile_errors();
    quote!(#func #errors)
}

/// A function whose signature parses and whose body does not: the body is
/// read statement by statement ([`with::recover::recover_block`]).
///
/// Input:  `fn f(p: &Path) -> R { f.write_all(b"a")?; placeholder f.flush()?; }`
/// Output: the `ItemFn` with body `{ f.write_all(b"a")?; placeholder; f.flush()?; }`
fn recover_fn(item: &TokenStream) -> Option<syn::ItemFn> {
    let mut tts: Vec<proc_macro2::TokenTree> = item.clone().into_iter().collect();
    let body = match tts.pop()? {
        proc_macro2::TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Brace => g,
        _ => return None,
    };
    let mut empty = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, TokenStream::new());
    empty.set_span(body.span());
    tts.push(empty.into());
    // As an `Item`, the parse `wrap` already instantiates (one copy of
    // syn's parser less to compile): a fn item is `Item::Fn` exactly.
    let syn::Item::Fn(mut func) = syn::parse2::<syn::Item>(tts.into_iter().collect()).ok()? else {
        return None;
    };
    *func.block = with::recover::recover_block(proc_macro2::TokenTree::Group(body).into())?;
    Some(func)
}
