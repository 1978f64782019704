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
        Ok(other) => {
            errors.push(syn::Error::new(
                crate::tokens::item_span(&other),
                format!("`{ATTRIBUTE}` goes on a function: it runs the function's body inside the manager"),
            ));
            let errors = errors.to_compile_errors();
            return quote!(#errors #item);
        }
        // Not an item at all: let the compiler report its own error.
        Err(_) => return item,
    };
    let Some(managers) = managers else {
        // The function as written, so callers still type-check.
        let errors = errors.to_compile_errors();
        return quote!(#errors #func);
    };
    let block = &func.block;
    let span = block.brace_token.span.join();
    let body: syn::Block = syn::parse_quote_spanned! {span=>
        {
            return #block;
        }
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
