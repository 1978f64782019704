//! Expand stage of `with!`: the guard around each manager, nested inside out.
//!
//! Input:  `with!(EXPR as PAT => { BODY })`
//! Output (N = expansion id; names are `Span::mixed_site()` hygienic and
//! made by [`Names`]; S is the level's state, one local named after the
//! first name PAT binds, `__ctxmgr_N` when it binds none):
//!
//! ```text
//! {
//!     use KRATE::__private::{self as p, probes::*};   // every probe trait, as `_`
//!     let S = EXPR;
//!     let S = ((&&&&p::Kind(&S)).__ctxmgr_kind(), S);  // KIND enters, exits, propagates
//!     let mut S = (S.0, S.0.guard((S.1,).0), RET, FLOW, SLOT_1, ..);
//!                                    // S.0 = KIND, S.1 = GUARD (`(S.1,).0` spans the user's EXPR;
//!                                    // `p::Noted::new(..)` around it when the body calls macros
//!                                    // `with!` cannot see into); RET = p::None with `return` sites,
//!                                    // FLOW = 0u32 with unlabelled ones, SLOT_i = p::None per `?` /
//!                                    // valued `break`; `()` where a level has none, none at the end
//!     <if false { return p::Option::unwrap(RET); }>    // RET tied to the fn's return type
//!     let result = 'with_N: {
//!         let flow: u32 = 'body_N: {
//!             let PAT = match KIND.enter(&mut GUARD) { p::Continue(v) => v, p::Break(r) => return r };
//!             break 'with_N BODY;     // sites: store, `break 'body_N i;`
//!         };                         // what PAT bound is dropped here
//!         let outcome = match flow { i => <view of SLOT_i / p::returned(RET's error, view)>, _ => p::Outcome::Ok };
//!         if let p::Break(r) = KIND.finish(&mut GUARD, outcome) { return r; }
//!         match flow { i => <resume site i: `break 'with_N (<suppress probe>.check(..).resume(taken(SLOT_i)))?`
//!                                  (the `?`, or `Default::default()` if the manager swallowed it) /
//!                                  `return taken(RET)` / `break 'l` / `continue 'l`> }
//!     };
//!     let exit = KIND.finish(&mut GUARD, p::Outcome::Ok);   // the normal end (a no-op after a site)
//!     GUARD = { GUARD };   // ends enter's borrow for borrowck (a no-op; see `ExitBorrow`)
//!     if let p::Break(r) = exit { return r; }
//!     result
//! }
//! ```
//!
//! With an unlabelled `break`/`continue` site, `BODY` and the resumed sites
//! yield `Some(..)`, and those sites are resumed after the block, where no
//! label is in the way (E0695); FLOW is then S's field. A body without sites
//! gets the short form: no labels, no `flow`, one `finish` with
//! `Outcome::Ok`. A body whose only way out is one `?`, or (outermost level)
//! an inner level's enter or exit error, leaves `'body_N` with what it
//! carries as the block's value (`let residual = 'body_N: {..};`): no slot,
//! no index. A nested level returns its errors as `return __ctxmgr_err`
//! (`plan::INNER_ERROR`), which the enclosing level's rewrite takes as an
//! inner error, not as a `return`.
//!
//! Exit's `&mut GUARD` and `GUARD = { GUARD };` are shown on the body's closing
//! brace, enter's `&mut GUARD` on `EXPR`: rustc's error for a bound value
//! that leaves the body then points at both (see [`ExitBorrow`]).

use std::cell::Cell;

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};
use syn::{Block, Expr};

use super::guard::{entry, Entry, ExitBorrow};
use super::parse::{self, Flavor, Manager, WithInput};
use super::plan::{Level, Shared};
use super::rewrite::{self, ExpandNested};
use super::{awaited, sync};
use crate::tokens::Names;
use crate::walk::{self, ExprVisitor};

/// Expands the managers and body of one macro call, and any `with!` nested
/// in its body (they share the numbering of generated names).
pub struct Expander<'k> {
    krate: &'k TokenStream,
    next_id: Cell<usize>,
    /// The state names the levels expanded so far took (see `Names`).
    taken: std::cell::RefCell<Vec<String>>,
}

impl<'k> Expander<'k> {
    pub fn new(krate: &'k TokenStream) -> Self {
        Expander {
            krate,
            next_id: Cell::new(0),
            taken: std::cell::RefCell::default(),
        }
    }

    fn fresh_names(&self, manager: &Manager) -> Names {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let sync = matches!(manager.flavor, Flavor::Sync);
        Names::for_level(id, manager.pat.as_ref(), sync, &mut self.taken.borrow_mut())
    }

    /// Several managers nest: `with!(A, B => body)` is
    /// `with!(A => { with!(B => body) })`, built inside out.
    pub fn expand(&self, input: WithInput) -> TokenStream {
        // The macro's own span is the user's `with!(..)`.
        let call = Span::mixed_site();
        let note = rewrite::opaque_note(&input.body);
        let note = note.as_deref();
        match self.nest_inner_levels(input, call, note) {
            Ok((manager, body)) => self.expand_one(&manager, body, call, note),
            Err(body) => body.into_token_stream(),
        }
    }

    /// [`Expander::expand`] as an expression that an enclosing rewrite
    /// visits: a `with!` nested in a body. `call` is where diagnostics show
    /// the nested `with!` (see [`Level::call`]).
    fn expand_expr(&self, input: WithInput, call: Span) -> Expr {
        let note = rewrite::opaque_note(&input.body);
        let note = note.as_deref();
        match self.nest_inner_levels(input, call, note) {
            Ok((manager, body)) => self.expand_nested_one(&manager, body, call, note),
            Err(body) => Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: body,
            }),
        }
    }

    /// Expands all levels but the outermost, inside out, and returns the
    /// outermost manager with its body (`Err(body)` without managers, which
    /// `parse` never returns).
    fn nest_inner_levels(
        &self,
        input: WithInput,
        call: Span,
        note: Option<&str>,
    ) -> Result<(Manager, Block), Block> {
        let WithInput {
            krate: _,
            mut managers,
            body,
        } = input;
        let Some(mut manager) = managers.pop() else {
            return Err(body);
        };
        // An outer level's body is the inner levels' expansion; it ends, and
        // its exit runs, where the user's body ends.
        let close = Span::mixed_site().located_at(body.brace_token.span.close());
        let mut body = body;
        while let Some(outer) = managers.pop() {
            let inner = self.expand_nested_one(&manager, body, call, note);
            body = Block {
                brace_token: syn::token::Brace(close),
                stmts: vec![syn::Stmt::Expr(inner, None)],
            };
            manager = outer;
        }
        Ok((manager, body))
    }

    /// One level whose expansion an enclosing rewrite will visit: its
    /// resumption code (`return`, `?`, `break`, `continue`) leaves the
    /// enclosing body. Its own body, already rewritten, is not visited again:
    /// nothing in it leaves further than this level. So the skeleton is
    /// rendered and parsed with a placeholder where the body goes, and the
    /// body's tokens are spliced in as an opaque `Expr::Verbatim`: neither
    /// re-parsed nor re-visited (callgrind: re-parsing whole nested
    /// expansions was a quarter of the macro's time).
    fn expand_nested_one(
        &self,
        manager: &Manager,
        body: Block,
        call: Span,
        note: Option<&str>,
    ) -> Expr {
        let level = self.plan(manager, body, call, note, true);
        let placeholder = level.names.ident("splice");
        let skeleton = self.render(&level, placeholder.to_token_stream());
        let p = quote_spanned!(Span::mixed_site()=> __ctxmgr_p);
        let body = level
            .sites
            .place(&level.names, &p, level.body.into_token_stream());
        // It always parses, but it embeds user tokens, so rather than trust
        // that, fall back to the raw tokens and let the compiler report
        // whatever is wrong with them: never a macro panic.
        match syn::parse2::<Expr>(skeleton.clone()) {
            Ok(mut expr) => {
                let mut splice = Splice {
                    placeholder: &placeholder,
                    body: Some(body),
                };
                splice.visit_expr(&mut expr);
                match splice.body {
                    None => expr,
                    // Not found (cannot happen): the tokens as they are.
                    Some(body) => Expr::Verbatim(splice_tokens(skeleton, &placeholder, &body)),
                }
            }
            Err(_) => Expr::Verbatim(splice_tokens(skeleton, &placeholder, &body)),
        }
    }

    fn expand_one(
        &self,
        manager: &Manager,
        body: Block,
        call: Span,
        note: Option<&str>,
    ) -> TokenStream {
        let level = self.plan(manager, body, call, note, false);
        let p = quote_spanned!(Span::mixed_site()=> __ctxmgr_p);
        let body = level
            .sites
            .place(&level.names, &p, level.body.to_token_stream());
        self.render(&level, body)
    }

    /// The plan of one level: fresh names, and the body rewritten, its
    /// sites found (a nested `with!` in it is expanded through `self`).
    fn plan<'a>(
        &self,
        manager: &'a Manager,
        mut body: Block,
        call: Span,
        note: Option<&'a str>,
        nested: bool,
    ) -> Level<'a> {
        let names = self.fresh_names(manager);
        let mut sites = rewrite::rewrite(
            &mut body,
            &names,
            &quote_spanned!(Span::mixed_site()=> __ctxmgr_p),
            self,
            matches!(manager.flavor, Flavor::Async(_)),
        );
        sites.settle(!nested);
        Level {
            names,
            manager,
            body,
            sites,
            call,
            note,
            nested,
        }
    }

    /// Renders a level with `body` where its body goes (the body itself, or
    /// the placeholder a nested level's body is spliced at): what every
    /// flavor shares, the guard made and entered ([`entry`]), then the
    /// flavor's renderer, [`sync::render`] or [`awaited::render`].
    fn render(&self, level: &Level, body: TokenStream) -> TokenStream {
        let Level {
            names,
            manager,
            note,
            ..
        } = level;
        let m = Span::mixed_site();
        // One short alias of `KRATE::__private` per expansion: the paths
        // below are most of what it emits.
        let p = quote_spanned!(m=> __ctxmgr_p);
        let krate = self.krate;
        // A body calling macros `with!` cannot look into: a guard whose drop
        // names them if a path through one of them leaves the body unseen
        // and exit fails (an async level's drop_exit cannot fail).
        let noted = |guard: TokenStream| quote_spanned!(m=> #p::Noted::new(#guard, || #note));
        let wrap: Option<&dyn Fn(TokenStream) -> TokenStream> = match (note, manager.flavor) {
            (Some(_), Flavor::Sync) => Some(&noted),
            _ => None,
        };
        let Entry {
            new_guard,
            enter,
            bind,
        } = entry(
            &p,
            names,
            manager,
            (&level.error_name(), &level.error_return()),
            wrap,
            &level.sites.state_fields(names, &p),
        );
        let shared = Shared {
            p: &p,
            // One `use` per macro call, in its outermost level: the alias,
            // and every probe trait by a glob, which counts as used when any
            // of them is (the kind probe always is): no
            // `#[allow(unused_imports)]`, whose lint scope rustc would build
            // per expansion.
            imports: if level.nested {
                TokenStream::new()
            } else {
                quote_spanned! {m=>
                    use #krate::__private::{self as #p, probes::*};
                }
            },
            exit: ExitBorrow::new(names, level.body.brace_token.span.close()),
            setup: new_guard,
            enter,
            bind,
            body,
        };
        match manager.flavor {
            Flavor::Sync => sync::render(level, &shared),
            Flavor::Async(kw) => awaited::render(level, &shared, kw),
        }
    }
}

/// Puts the body back where the placeholder stands, as opaque tokens.
struct Splice<'p> {
    placeholder: &'p syn::Ident,
    /// Taken when spliced.
    body: Option<TokenStream>,
}

impl ExprVisitor for Splice<'_> {
    fn visit_expr(&mut self, expr: &mut Expr) {
        if self.body.is_none() {
            return;
        }
        if let Expr::Path(path) = expr {
            if path.path.is_ident(self.placeholder) {
                if let Some(body) = self.body.take() {
                    *expr = Expr::Verbatim(body);
                }
                return;
            }
        }
        // An async level's body is inside its `p::pin!(async { .. })`.
        if let Expr::Macro(m) = expr {
            if m.mac.path.segments.last().is_some_and(|s| s.ident == "pin") {
                if let Ok(mut inner) = syn::parse2::<Expr>(m.mac.tokens.clone()) {
                    self.visit_expr(&mut inner);
                    m.mac.tokens = inner.into_token_stream();
                }
                return;
            }
        }
        walk::walk_expr(self, expr);
    }
}

/// The same splice on tokens, when the skeleton did not parse.
fn splice_tokens(tokens: TokenStream, placeholder: &syn::Ident, body: &TokenStream) -> TokenStream {
    let mut out = Vec::new();
    for tt in tokens {
        match tt {
            proc_macro2::TokenTree::Ident(ref i) if i == placeholder => out.extend(body.clone()),
            proc_macro2::TokenTree::Group(g) => {
                let mut group = proc_macro2::Group::new(
                    g.delimiter(),
                    splice_tokens(g.stream(), placeholder, body),
                );
                group.set_span(g.span());
                out.push(group.into());
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

impl ExpandNested for Expander<'_> {
    fn expand_nested(&self, mac: &syn::Macro) -> Option<Expr> {
        let tokens = mac.tokens.clone();
        // Only `with_impl!` starts with `KRATE;`. In a user's `with!`, a
        // top-level `;` is a mistake for the compiler to report, not a crate
        // path to split off and drop.
        let last = mac.path.segments.last();
        let (krate, tts) = if last.is_some_and(|s| s.ident == "with_impl") {
            parse::split_krate_if_present(tokens)
        } else {
            (None, tokens.into_iter().collect())
        };
        let krate = krate.unwrap_or_else(|| self.krate.clone());
        let input = parse::parse_with_body(krate, &tts).ok()?;
        // Shown on the macro's name: a nested `with!`'s tokens carry the
        // span of the outermost one.
        let call = last.map_or_else(Span::mixed_site, |s| {
            Span::mixed_site().located_at(s.ident.span())
        });
        Some(self.expand_expr(input, call))
    }
}
