//! Split stage of `#[ctxmgr::contextmanager]`: the function's top-level
//! statements before the one `yield_!(value)` (the enter half), the value,
//! the pattern that binds the `Outcome`, and the statements after it (the
//! exit half). Every misuse is an error spanned on the tokens at fault.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Expr, ItemFn, Macro, Stmt};

use super::ATTRIBUTE;
use crate::diag::Errors;
use crate::walk::ExprVisitor;

/// The halves of the function's body.
pub struct Parts {
    pub before: TokenStream,
    /// The expression inside `yield_!(..)`, `()` when empty.
    pub value: TokenStream,
    /// `PAT` of `let PAT = yield_!(..);`, binding the `Outcome`.
    pub pat: Option<TokenStream>,
    pub after: TokenStream,
    /// The last statement of the exit half, where a wrong tail type is reported.
    pub last: Option<proc_macro2::Span>,
}

const SHAPE: &str = "`yield_!(value);` or `let outcome = yield_!(value);`";

/// Is this `yield_!` / `ctxmgr::yield_!`?
fn is_yield(mac: &Macro) -> bool {
    matches!(mac.path.segments.last(), Some(s) if s.ident == "yield_")
}

/// The yield of a top-level statement, if the statement is one.
fn top_level_yield(stmt: &Stmt) -> Option<(&Macro, Option<&syn::Pat>)> {
    match stmt {
        Stmt::Macro(m) if is_yield(&m.mac) => Some((&m.mac, None)),
        Stmt::Expr(Expr::Macro(m), _) if is_yield(&m.mac) => Some((&m.mac, None)),
        Stmt::Local(local) => match &local.init {
            Some(init) if init.diverge.is_none() => match &*init.expr {
                Expr::Macro(m) if is_yield(&m.mac) => Some((&m.mac, Some(&local.pat))),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Every `yield_!` below a statement (nested items aside: theirs).
#[derive(Default)]
struct NestedYields(Vec<proc_macro2::Span>);

impl ExprVisitor for NestedYields {
    fn visit_macro(&mut self, mac: &mut Macro) {
        if is_yield(mac) {
            self.0.push(match mac.path.segments.last() {
                Some(s) => s.ident.span(),
                None => proc_macro2::Span::call_site(),
            });
        }
    }
}

/// Checks the function and splits its body at the yield. `None` when there
/// is no usable yield (the error is in `errors`).
pub fn split(func: &mut ItemFn, errors: &mut Errors) -> Option<Parts> {
    let sig = &func.sig;
    if let Some(receiver) = sig.receiver() {
        errors.push_spanned(
            receiver,
            format!(
                "`{ATTRIBUTE}` makes a manager of a function, not of a method with `self`: \
                 take the value as an ordinary argument, e.g. `fn name(this: &Self)`"
            ),
        );
    }
    if let Some(constness) = &sig.constness {
        errors.push_spanned(
            constness,
            format!("`{ATTRIBUTE}` cannot make a `const fn`: remove `const`"),
        );
    }

    let mut at = None;
    let mut misplaced = false;
    for (i, stmt) in func.block.stmts.iter_mut().enumerate() {
        if let Some((mac, _)) = top_level_yield(stmt) {
            if at.is_some() {
                errors.push_spanned(
                    &mac.path,
                    format!(
                        "a `{ATTRIBUTE}` function yields once: this is a second `yield_!`; \
                         the code before the first is enter, the code after it is exit"
                    ),
                );
            } else {
                at = Some(i);
            }
            continue;
        }
        let mut nested = NestedYields::default();
        nested.visit_stmt(stmt);
        for &span in &nested.0 {
            misplaced = true;
            errors.push(syn::Error::new(
                span,
                format!(
                    "`yield_!` must be a statement of the function's top-level block, \
                     not inside a loop, branch, block or closure: {SHAPE}"
                ),
            ));
        }
    }
    let Some(at) = at else {
        if misplaced {
            return None;
        }
        errors.push_spanned(
            &func.sig.ident,
            format!(
                "a `{ATTRIBUTE}` function needs one `yield_!(value)` between its enter and \
                 exit code: {SHAPE}"
            ),
        );
        return None;
    };
    let stmts = &func.block.stmts;
    let (mac, pat) = top_level_yield(&stmts[at])?;
    // `yield_!()` yields `()`.
    let value = if mac.tokens.is_empty() {
        quote::quote!(())
    } else {
        match syn::parse2::<Expr>(mac.tokens.clone()) {
            Ok(value) => value.to_token_stream(),
            Err(e) => {
                errors.push(syn::Error::new(
                    e.span(),
                    format!("expected the value to yield in `yield_!(value)`: {e}"),
                ));
                return None;
            }
        }
    };
    let mut before = TokenStream::new();
    for stmt in &stmts[..at] {
        stmt.to_tokens(&mut before);
    }
    let mut after = TokenStream::new();
    for stmt in &stmts[at + 1..] {
        stmt.to_tokens(&mut after);
    }
    Some(Parts {
        before,
        value,
        pat: pat.map(ToTokens::to_token_stream),
        after,
        last: stmts[at + 1..].last().map(syn::spanned::Spanned::span),
    })
}
