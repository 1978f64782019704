//! Rewrite stage of `with!`: every way out of the body that `with!` must
//! see (`?`, `return`, `break`/`continue` to targets outside) becomes a
//! *site*. In a sync level it leaves by `break 'SITE_i VALUE`, out of the
//! labelled block of its own site, right after which exit runs and the site
//! is resumed; in an async level it returns from the body's async block
//! with what it carries.
//!
//! Left alone, because they belong to something else: closures, async
//! blocks, const blocks, `try` blocks, nested items, and `break`/`continue`
//! whose target is a loop or labelled block inside the body.

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};
use syn::{Block, Expr, Lifetime, Macro, Stmt};

use super::macros::{as_block, is_with_macro, EXPR_MACROS};
use super::plan::{site_value, Escape, Escapes, SiteKind, Sites};
use crate::tokens::{Names, Trees};
use crate::walk::{self, ExprVisitor};

/// How the rewrite expands a `with!` nested in the body, provided by the
/// expand stage (this stage does not import it).
pub trait ExpandNested {
    /// The nested `with!`'s expansion, its escapes (enter and exit errors,
    /// resumed sites) made sites of this body by `outer`; or `None` when
    /// its input is malformed: it is then left for the compiler to expand
    /// (and report).
    fn expand_nested(&self, mac: &Macro, outer: &dyn Escapes) -> Option<TokenStream>;
}

/// Rewrites the sites of `body` in place and returns them. The body of an
/// async level runs as an async block, which cannot break to a label
/// outside it: its sites `return` from that block instead. `outermost`:
/// the level's own escapes leave the function (see [`SiteKind::Inner`]).
pub fn rewrite(
    body: &mut Block,
    names: &Names,
    p: &Trees,
    nested: &dyn ExpandNested,
    (in_async_block, outermost): (bool, bool),
) -> Sites {
    let mut rewriter = Rewriter::new(names, p, nested, (in_async_block, outermost));
    rewriter.visit_block(body);
    rewriter.sites
}

/// The sites of a body that is the inner levels of the same `with!(A, B,
/// ..)`: `inner` renders them with their escapes made this body's sites
/// (through the [`Escapes`] it is given), and returns their tokens.
pub fn rewrite_levels(
    names: &Names,
    p: &Trees,
    nested: &dyn ExpandNested,
    (in_async_block, outermost): (bool, bool),
    inner: impl FnOnce(&dyn Escapes) -> TokenStream,
) -> (TokenStream, Sites) {
    let mut rewriter = Rewriter::new(names, p, nested, (in_async_block, outermost));
    let tokens = inner(&Outer(std::cell::RefCell::new(&mut rewriter)));
    (tokens, rewriter.sites)
}

/// A body's rewrite as the levels nested in it see it: each escape of
/// theirs is rewritten as the same code written in the body would be.
struct Outer<'s, 'r>(std::cell::RefCell<&'s mut Rewriter<'r>>);

impl Escapes for Outer<'_, '_> {
    fn escape(&self, escape: Escape) -> TokenStream {
        self.0.borrow_mut().escape(escape)
    }

    fn visit_manager(&self, expr: &mut Expr) {
        self.0.borrow_mut().visit_expr(expr);
    }
}

/// What a site carries out of the body.
enum Carry {
    /// A `?`'s residual, a `break`'s value, an inner level's error.
    Value(TokenStream),
    /// A `return`'s value: typed by RET (see `leave`).
    Ret(TokenStream),
    Nothing,
}

struct Rewriter<'r> {
    nested: &'r dyn ExpandNested,
    /// The path of the runtime's `__private` module.
    p: &'r Trees,
    /// Sites leave by `return p::Err(..)` from the body's async block
    /// rather than by `break 'SITE_i`.
    in_async_block: bool,
    names: &'r Names,
    /// Sync: the tie of the `return` sites' value (`p::Tie`); async: their
    /// slot.
    ret: Trees,
    sites: Sites,
    /// Loops entered inside the body: an unlabelled `break`/`continue`
    /// targets one of them when non-zero.
    loops: usize,
    /// Labels of loops and blocks defined inside the body, innermost last.
    labels: Vec<String>,
    /// The level's own escapes leave the function: an inner level's error
    /// is a [`SiteKind::Inner`] site, not a `return` one.
    outermost: bool,
}

impl<'r> Rewriter<'r> {
    fn new(
        names: &'r Names,
        p: &'r Trees,
        nested: &'r dyn ExpandNested,
        (in_async_block, outermost): (bool, bool),
    ) -> Self {
        Rewriter {
            nested,
            p,
            in_async_block,
            ret: names.ret(),
            names,
            sites: Sites::default(),
            loops: 0,
            labels: Vec::new(),
            outermost,
        }
    }

    /// The code of a nested level's escape in this body (see [`Escapes`]).
    fn escape(&mut self, escape: Escape) -> TokenStream {
        match escape {
            // What the function returns, typed by the `return` sites' tie
            // before the body, or (outermost, sync) right after its site's
            // block (see `SiteKind::Inner`).
            Escape::Error(name) if self.outermost && !self.in_async_block => {
                let index = self.sites.shared(SiteKind::Inner);
                self.leave(index, Carry::Value(name.into_token_stream()))
            }
            Escape::Error(name) => self.return_site(name.into_token_stream()),
            Escape::Return(value) => self.return_site(value),
            Escape::Try(question, operand) => {
                let mut group =
                    proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, operand);
                group.set_span(question);
                self.try_site(question, &group)
            }
            Escape::Break(label, value) => match self.break_site(label.as_ref(), value.as_ref()) {
                Some(site) => site,
                None => super::plan::plain(Escape::Break(label, value)),
            },
            Escape::Continue(label) => match self.continue_site(label.as_ref()) {
                Some(site) => site,
                None => super::plan::plain(Escape::Continue(label)),
            },
        }
    }

    /// `return VALUE` leaving the body.
    fn return_site(&mut self, value: TokenStream) -> TokenStream {
        let index = self.sites.shared(SiteKind::Return);
        self.leave(index, Carry::Ret(value))
    }

    /// `break 'l VALUE` leaving the body, `None` when it targets a loop or
    /// block inside it.
    fn break_site(
        &mut self,
        label: Option<&Lifetime>,
        value: Option<&TokenStream>,
    ) -> Option<TokenStream> {
        if !self.targets_outside(label) {
            return None;
        }
        let index = self.sites.shared(SiteKind::Break {
            label: label.cloned(),
            value: value.is_some(),
        });
        let carry = match value {
            Some(e) => Carry::Value(e.clone()),
            None => Carry::Nothing,
        };
        Some(self.leave(index, carry))
    }

    /// `continue 'l` leaving the body, `None` when it targets a loop inside
    /// it.
    fn continue_site(&mut self, label: Option<&Lifetime>) -> Option<TokenStream> {
        if !self.targets_outside(label) {
            return None;
        }
        let index = self.sites.shared(SiteKind::Continue {
            label: label.cloned(),
        });
        Some(self.leave(index, Carry::Nothing))
    }

    fn targets_outside(&self, label: Option<&Lifetime>) -> bool {
        match label {
            None => self.loops == 0,
            Some(l) => {
                for inside in &self.labels {
                    if l.ident == inside {
                        return false;
                    }
                }
                true
            }
        }
    }

    /// `(break 'SITE_i VALUE)`: the site leaves its own labelled block
    /// with what it carries (a `return`'s value as `RET.put(VALUE)`, so
    /// that RET's type, the function's return type, is VALUE's expected
    /// type). In an async level's body, `(return p::Err(<site i's
    /// value>))`: the site leaves the body's async block carrying its value
    /// (see [`site_value`]), so the block captures no slot.
    fn leave(&self, index: u32, carry: Carry) -> TokenStream {
        let Rewriter { p, ret, .. } = self;
        let m = Span::mixed_site();
        // Already visited: kept as tokens, not parsed back; parenthesized so
        // that, as tokens, it stays one operand wherever the user's
        // `return`/`break` stood (`return > x` is an expression too).
        if self.in_async_block {
            // A `return`'s value still goes to RET, captured by the block:
            // RET is typed by the function's return type before the body,
            // which a nested `with!`'s own return slot needs to be typed
            // in time for its probes.
            let (store, payload) = match carry {
                Carry::Value(value) => (TokenStream::new(), value),
                Carry::Ret(value) => (
                    quote_spanned!(m=> #ret = #p::Some(#value);),
                    quote_spanned!(m=> ()),
                ),
                Carry::Nothing => (TokenStream::new(), quote_spanned!(m=> ())),
            };
            let value = site_value(p, index, payload);
            quote_spanned!(m=> ({ #store return #p::Err(#value); }))
        } else {
            let label = self.names.site_label(index);
            match carry {
                Carry::Value(value) => quote_spanned!(m=> (break #label #value)),
                Carry::Ret(value) => quote_spanned!(m=> (break #label #ret.put(#value))),
                Carry::Nothing => quote_spanned!(m=> (break #label)),
            }
        }
    }

    /// `INNER?` leaving the body on its `Break`.
    fn try_site(&mut self, question: Span, inner: &dyn ToTokens) -> TokenStream {
        let index = self.sites.push_try(question);
        let p = self.p;
        let branch = quote_spanned!(question=> #p::branch);
        let leave = self.leave(
            index,
            Carry::Value(quote_spanned!(Span::mixed_site()=> ret)),
        );
        // Parenthesized: as tokens, nothing else would keep `x?.f();` from
        // starting a statement with a `match`.
        let mut inner_tokens = TokenStream::new();
        inner.to_tokens(&mut inner_tokens);
        quote_spanned! {Span::mixed_site()=>
            (match #branch(#inner_tokens) {
                #p::Continue(val) => val,
                #p::Break(ret) => #leave,
            })
        }
    }

    fn rewrite_macro(&mut self, mac: &mut Macro) -> Option<Expr> {
        if is_with_macro(mac) {
            // Expand the nested `with!` here: its escapes (its enter and
            // exit errors, its resumed `?`, `return`, `break`) leave *our*
            // body, so they come back through `Outer` as sites of it.
            let nested = self.nested;
            let tokens = nested.expand_nested(mac, &Outer(std::cell::RefCell::new(self)))?;
            return Some(as_block(tokens));
        }
        let name = mac.path.segments.last()?.ident.to_string();
        if name == "bail" || name == "ensure" {
            return Some(self.rewrite_early_return(mac, name == "bail"));
        }
        if name == "matches" {
            self.rewrite_first_argument(mac);
            return None;
        }
        if !EXPR_MACROS.contains(&name.as_str()) {
            return None;
        }
        // The arguments read as the elements of an array, `[ARGS]`: a
        // comma-separated list, or `vec![elem; len]`'s repeat. (One parse of
        // an `Expr`, the one this crate compiles anyway, not one per shape.)
        let group = proc_macro2::Group::new(proc_macro2::Delimiter::Bracket, mac.tokens.clone());
        let before = self.sites.count();
        match syn::parse2::<Expr>(group.into_token_stream()) {
            Ok(Expr::Array(mut array)) => {
                for arg in array.elems.pairs_mut() {
                    self.visit_expr(arg.into_value());
                }
                if self.sites.count() != before {
                    mac.tokens = array.elems.into_token_stream();
                }
            }
            Ok(Expr::Repeat(mut repeat)) if name == "vec" => {
                self.visit_expr(&mut repeat.expr);
                self.visit_expr(&mut repeat.len);
                if self.sites.count() != before {
                    let mut tokens = repeat.expr.into_token_stream();
                    repeat.semi_token.to_tokens(&mut tokens);
                    repeat.len.to_tokens(&mut tokens);
                    mac.tokens = tokens;
                }
            }
            _ => {}
        }
        None
    }

    /// `bail!(..)` and `ensure!(..)` (anyhow's, eyre's, any of those names)
    /// are a `return Err(..)` hidden in a macro: run the call in a closure
    /// and make its `Err` a return site, so exit sees it.
    ///
    /// Input:  bail!(ARGS)
    /// Output: (match (|| -> p::Result<p::Never, _> { bail!(ARGS) })() {
    ///             p::Ok(never) => match never {},
    ///             p::Err(e) => (break 'SITE_i RET.put(p::Err(e))),
    ///         })
    /// Input:  ensure!(ARGS)
    /// Output: (match (|| -> p::Result<(), _> { ensure!(ARGS); p::Ok(()) })() {
    ///             p::Ok(()) => {},
    ///             p::Err(e) => (break 'SITE_i RET.put(p::Err(e))),
    ///         })
    fn rewrite_early_return(&mut self, mac: &Macro, diverges: bool) -> Expr {
        let p = self.p;
        let m = Span::mixed_site();
        let index = self.sites.shared(SiteKind::Return);
        let leave = self.leave(index, Carry::Ret(quote_spanned!(m=> #p::Err(err))));
        // The two forms differ in the closure's `Ok` type, its body and the
        // `Ok` arm: one skeleton.
        let (ok, body, ok_arm) = if diverges {
            (
                quote_spanned!(m=> #p::Never),
                quote_spanned!(m=> #mac),
                quote_spanned!(m=> #p::Ok(never) => match never {},),
            )
        } else {
            (
                quote_spanned!(m=> ()),
                quote_spanned!(m=> #mac; #p::Ok(())),
                quote_spanned!(m=> #p::Ok(()) => {}),
            )
        };
        Expr::Verbatim(quote_spanned! {m=>
            (match (|| -> #p::Result<#ok, _> { #body })() {
                #ok_arm
                #p::Err(err) => #leave,
            })
        })
    }

    /// `matches!(EXPR, PATTERN)`: the expression is rewritten, the pattern
    /// left as it is.
    fn rewrite_first_argument(&mut self, mac: &mut Macro) {
        let tts: Vec<proc_macro2::TokenTree> = mac.tokens.clone().into_iter().collect();
        let mut comma = None;
        for (at, tt) in tts.iter().enumerate() {
            if matches!(tt, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                comma = Some(at);
                break;
            }
        }
        let Some(comma) = comma else { return };
        let Ok(mut first) = syn::parse2::<Expr>(tts[..comma].iter().cloned().collect()) else {
            return;
        };
        let before = self.sites.count();
        self.visit_expr(&mut first);
        if self.sites.count() != before {
            let mut tokens = first.into_token_stream();
            tokens.extend(tts[comma..].iter().cloned());
            mac.tokens = tokens;
        }
    }

    /// Visits a loop (`in_loop`: its `while` condition `cond` and its body
    /// `block`) or a labelled block inside the body, with its label (if
    /// any) defined.
    fn visit_labelled(
        &mut self,
        label: Option<&syn::Label>,
        in_loop: bool,
        cond: Option<&mut Expr>,
        block: &mut Block,
    ) {
        if let Some(l) = label {
            self.labels.push(l.name.ident.to_string());
        }
        self.loops += usize::from(in_loop);
        if let Some(cond) = cond {
            self.visit_expr(cond);
        }
        self.visit_block(block);
        self.loops -= usize::from(in_loop);
        if label.is_some() {
            self.labels.pop();
        }
    }
}

impl ExprVisitor for Rewriter<'_> {
    fn visit_expr(&mut self, expr: &mut Expr) {
        match expr {
            // Their `?`, `return`, `break` and `continue` are their own.
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) | Expr::TryBlock(_) => {}
            // Input:  expr?
            // Output: (match p::branch(expr) { p::Continue(v) => v, p::Break(r) => (break 'SITE_i r) })
            Expr::Try(t) => {
                self.visit_expr(&mut t.expr);
                *expr = Expr::Verbatim(self.try_site(t.question_token.span, &t.expr));
            }
            // Input:  return expr
            // Output: (break 'SITE_i RET.put(expr))
            Expr::Return(r) => {
                if let Some(e) = &mut r.expr {
                    self.visit_expr(e);
                }
                let value = match &r.expr {
                    Some(e) => e.to_token_stream(),
                    None => quote_spanned!(r.return_token.span=> ()),
                };
                *expr = Expr::Verbatim(self.return_site(value));
            }
            // Input:  break 'outer value
            // Output: (break 'SITE_i value)
            Expr::Break(b) => {
                if let Some(e) = &mut b.expr {
                    self.visit_expr(e);
                }
                let value = b.expr.as_ref().map(|e| e.to_token_stream());
                if let Some(site) = self.break_site(b.label.as_ref(), value.as_ref()) {
                    *expr = Expr::Verbatim(site);
                }
            }
            // Input:  continue 'outer
            // Output: (break 'SITE_i)
            Expr::Continue(c) => {
                if let Some(site) = self.continue_site(c.label.as_ref()) {
                    *expr = Expr::Verbatim(site);
                }
            }
            Expr::ForLoop(f) => {
                // The iterator expression is outside the loop it feeds.
                self.visit_expr(&mut f.expr);
                self.visit_labelled(f.label.as_ref(), true, None, &mut f.body);
            }
            Expr::While(w) => {
                self.visit_labelled(w.label.as_ref(), true, Some(&mut w.cond), &mut w.body);
            }
            Expr::Loop(l) => self.visit_labelled(l.label.as_ref(), true, None, &mut l.body),
            Expr::Block(b) if b.label.is_some() => {
                self.visit_labelled(b.label.as_ref(), false, None, &mut b.block);
            }
            Expr::Macro(m) => {
                if let Some(new) = self.rewrite_macro(&mut m.mac) {
                    *expr = new;
                }
            }
            _ => walk::walk_expr(self, expr),
        }
    }

    fn visit_stmt(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(m) = stmt {
            if let Some(new) = self.rewrite_macro(&mut m.mac) {
                *stmt = Stmt::Expr(new, m.semi_token.take());
            }
        } else {
            walk::walk_stmt(self, stmt);
        }
        if let Stmt::Expr(Expr::Verbatim(tokens), _) = stmt {
            if let Some(inner) = unparenthesized_site(tokens) {
                *tokens = inner;
            }
        }
    }

    // Nested items have their own control flow.
    fn visit_item(&mut self, _: &mut syn::Item) {}
}

/// A rewritten site that is a whole statement (`x?;`, `return y;`) leaves
/// its parentheses off: `match ..;`, `break ..;` or `{ .. };` starts the
/// statement.
///
/// Input:  `(match p::branch(x) { .. })`, `(break 'SITE_1 RET.put(v))`, `({ return p::Err(..); })`
/// Output: `match p::branch(x) { .. }`, `break 'SITE_1 RET.put(v)`, `{ return p::Err(..); }`
///
/// Why: rust-analyzer completes in an attribute's item (`#[wrap]`) by
/// expanding it with a placeholder at the cursor, after fixing the item's
/// syntax errors with tokens it takes out of the expansion again. On an
/// empty line before `f.flush()?;` that leaves `placeholder (match ..)`: a
/// call, an expression position, where it offers no `let` and no item
/// keywords. Before `match` or `{` the placeholder still ends a statement.
/// Only our own output is touched: a parenthesized `match` or block.
fn unparenthesized_site(tokens: &TokenStream) -> Option<TokenStream> {
    use proc_macro2::{Delimiter, TokenTree};
    let mut iter = tokens.clone().into_iter();
    let (Some(TokenTree::Group(group)), None) = (iter.next(), iter.next()) else {
        return None;
    };
    if group.delimiter() != Delimiter::Parenthesis {
        return None;
    }
    let inner = group.stream();
    let mut tts = inner.clone().into_iter();
    match (tts.next()?, tts.next()) {
        (TokenTree::Ident(ident), _) if ident == "match" || ident == "break" => Some(inner),

        (TokenTree::Group(block), None) if block.delimiter() == Delimiter::Brace => Some(inner),
        _ => None,
    }
}
