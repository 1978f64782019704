//! Expand stage of `with!`: the guard around each manager, nested inside out.
//!
//! Input:  `with!(EXPR as PAT => { BODY })`
//! Output (N = expansion id; names are `Span::mixed_site()` hygienic and
//! made by [`Names`]):
//!
//! ```text
//! {
//!     use KRATE::__private::{self as p, probes::*};   // every probe trait, as `_`
//!     let GUARD = EXPR;
//!     let KIND = (&&&&p::Kind(&GUARD)).__ctxmgr_kind(); // KIND enters, exits, propagates
//!     let mut GUARD = KIND.guard((GUARD,).0);          // `(GUARD,).0` spans the user's EXPR
//!     <if the body calls macros `with!` cannot see into:
//!      let mut GUARD = p::Noted::new(GUARD, || "`m!`, ..");>
//!     <site setup>                   // RET tied to the fn's return type; the suppression probe
//!     let mut SLOT_i = p::None; ...  // one per `?` / valued `break` site
//!     let mut FLOW: u32 = 0;
//!     let RESULT = 'with_N: {
//!         'body_N: {
//!             let PAT = match KIND.enter(&mut GUARD) { p::Continue(v) => v, p::Break(r) => return r };
//!             break 'with_N BODY;     // sites: store, set FLOW, `break 'body_N;`
//!         }                          // what PAT bound is dropped here
//!         let OUTCOME = match FLOW { i => <view of SLOT_i / RET>, _ => p::Outcome::Ok };
//!         if let p::Break(r) = KIND.finish(&mut GUARD, OUTCOME) { return r; }
//!         match FLOW { i => <resume site i: `break 'with_N (SUPPRESS.check(..).resume(taken(SLOT_i)))?`
//!                                  (the `?`, or `Default::default()` if the manager swallowed it) /
//!                                  `return` / `break 'l` / `continue 'l`> }
//!     };
//!     let EXIT = KIND.finish(&mut GUARD, p::Outcome::Ok);   // the normal end (a no-op after a site)
//!     GUARD = { GUARD };   // ends enter's borrow for borrowck (a no-op; see `ExitBorrow`)
//!     if let p::Break(r) = EXIT { return r; }
//!     RESULT
//! }
//! ```
//!
//! With an unlabelled `break`/`continue` site, `BODY` and the resumed sites
//! yield `Some(..)`, and those sites are resumed after the block, where no
//! label is in the way (E0695). A body without sites gets the short form: no
//! labels, no `FLOW`, one `finish` with `Outcome::Ok`.
//!
//! Exit's `&mut GUARD` and `GUARD = { GUARD };` are shown on the body's closing
//! brace, enter's `&mut GUARD` on `EXPR`: rustc's error for a bound value
//! that leaves the body then points at both (see [`ExitBorrow`]).

use std::cell::Cell;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Block, Expr};

use super::awaited::AsyncLevel;
use super::guard::{entry, Entry, ExitBorrow};
use super::parse::{self, Flavor, Manager, WithInput};
use super::rewrite::{self, ExpandNested};
use super::sites::SiteCode;
use crate::tokens::Names;
use crate::walk::{self, ExprVisitor};

/// Expands the managers and body of one macro call, and any `with!` nested
/// in its body (they share the numbering of generated names).
pub struct Expander<'k> {
    krate: &'k TokenStream,
    next_id: Cell<usize>,
}

impl<'k> Expander<'k> {
    pub fn new(krate: &'k TokenStream) -> Self {
        Expander {
            krate,
            next_id: Cell::new(0),
        }
    }

    fn fresh_names(&self) -> Names {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        Names::new(id)
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
    /// the nested `with!` (see `expand_one_with`).
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
    /// parsed with a placeholder where the body goes, and the body's tokens
    /// are spliced in as an opaque `Expr::Verbatim`: neither re-parsed nor
    /// re-visited (callgrind: re-parsing whole nested expansions was a
    /// quarter of the macro's time).
    fn expand_nested_one(
        &self,
        manager: &Manager,
        body: Block,
        call: Span,
        note: Option<&str>,
    ) -> Expr {
        let (skeleton, placeholder, body) = self.expand_one_with(manager, body, call, true, note);
        let Some(placeholder) = placeholder else {
            return Expr::Verbatim(skeleton);
        };
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
        self.expand_one_with(manager, body, call, false, note).0
    }

    /// The expansion of one level; with `placeholder`, the body is left out
    /// and returned beside it, with the identifier standing in for it.
    /// `call` is where the `with!` is: the tail that hands its value on is
    /// shown there ("first borrow later used here" when the bound value
    /// leaves the body: see `ExitBorrow`). Only a nested `with!` needs it,
    /// the outermost is at the macro's own span.
    fn expand_one_with(
        &self,
        manager: &Manager,
        mut body: Block,
        call: Span,
        placeholder: bool,
        note: Option<&str>,
    ) -> (TokenStream, Option<syn::Ident>, TokenStream) {
        let names = self.fresh_names();
        let krate = self.krate;
        let m = Span::mixed_site();
        let exit = ExitBorrow::new(&names, body.brace_token.span.close());
        // One short alias of `KRATE::__private` per expansion: the paths
        // below are most of what it emits.
        let p = quote_spanned!(m=> __ctxmgr_p);
        let sites = rewrite::rewrite(
            &mut body,
            &names,
            &p,
            self,
            matches!(manager.flavor, Flavor::Async(_)),
        );
        // What stands where the body goes, and the body kept aside.
        let (body, placeholder, kept) = if placeholder {
            let ident = names.ident("splice");
            (
                ident.to_token_stream(),
                Some(ident),
                body.into_token_stream(),
            )
        } else {
            (body.into_token_stream(), None, TokenStream::new())
        };
        let kind = names.ident("kind");
        let result = names.ident("result");
        // RESULT where it is handed on, the `with!`'s value.
        let result_out = names.ident_at("result", call);
        let on_break = quote_spanned!(m=> return ret);
        let Entry {
            mut new_guard,
            enter,
            bind,
        } = entry(&p, &names, manager, &on_break);
        // A body calling macros `with!` cannot look into: a guard whose drop
        // names them if a path through one of them leaves the body unseen
        // and exit fails (an async level's drop_exit cannot fail).
        if let (Some(note), Flavor::Sync) = (note, manager.flavor) {
            let guard = names.ident("guard");
            new_guard.extend(quote_spanned! {m=>
                let mut #guard = #p::Noted::new(#guard, || #note);
            });
        }
        // One `use`: the alias, and every probe trait by a glob, which
        // counts as used when any of them is (the kind probe always is): no
        // `#[allow(unused_imports)]`, whose lint scope rustc would build per
        // expansion.
        let imports = quote_spanned! {m=>
            use #krate::__private::{self as #p, probes::*};
        };
        let setup = new_guard;
        if let Flavor::Async(kw) = manager.flavor {
            let level = AsyncLevel {
                p: &p,
                names: &names,
                exit: &exit,
                call,
                kw,
                expr_span: manager.expr.span(),
                setup,
                enter,
                bind,
                body,
            };
            let tokens = if sites.is_empty() {
                level.short(&imports)
            } else {
                let code = sites.code(&names, &p, true, manager.expr.span());
                level.with_sites(&imports, &code)
            };
            return (tokens, placeholder, kept);
        }
        let enter = quote!(#enter #bind);
        // Spanned like `enter` (in `entry`), on the user's expression: a
        // function that cannot return the manager's error is one error there,
        // not one for enter and one for each exit.
        let finish = syn::Ident::new("finish", manager.expr.span());
        let ExitBorrow {
            borrow: exit_borrow,
            release,
            ..
        } = &exit;
        let finish_ok = quote_spanned! {m=>
            #[allow(unreachable_code)]
            let exit = #kind.#finish(#exit_borrow, #p::Outcome::Ok);
            #release
            if let #p::Break(ret) = exit {
                return ret;
            }
        };

        if sites.is_empty() {
            // Short form: the body can only end normally (or panic).
            let tokens = quote_spanned! {m=>
                {
                    #imports
                    #setup
                    #[allow(unused_braces)]
                    let #result = {
                        #enter
                        #body
                    };
                    #finish_ok
                    #result_out
                }
            };
            return (tokens, placeholder, kept);
        }

        let code = sites.code(&names, &p, false, manager.expr.span());
        let unlabelled = sites.has_unlabelled();
        let outer = names.label("with");
        let label = names.label("body");
        let flow = names.ident("flow");
        let outcome = names.ident("outcome");
        // The body is the break's value itself, so that a body that always
        // leaves makes the break unreachable and `with!` diverges.
        let normal = if unlabelled {
            quote_spanned!(m=> #p::Some(#body))
        } else {
            body
        };
        let resumes = &code.resumes;
        let dispatch = quote_spanned! {m=>
            match #flow {
                #resumes
                _ => #p::unreachable_flow(),
            }
        };
        let (dispatch, tail) = if unlabelled {
            let late = &code.late_resumes;
            (
                quote_spanned!(m=> #dispatch; #p::None),
                quote_spanned! {m=>
                    match #result_out {
                        #p::Some(val) => val,
                        #p::None => match #flow {
                            #late
                            _ => #p::unreachable_flow(),
                        },
                    }
                },
            )
        } else {
            (dispatch, result_out.to_token_stream())
        };
        let SiteCode {
            setup: site_setup,
            slots,
            outcomes,
            ..
        } = &code;
        let tokens = quote_spanned! {m=>
            {
                #imports
                #setup
                #site_setup
                #slots
                let mut #flow: u32 = 0;
                let #result = #outer: {
                    #label: {
                        #enter
                        #[allow(unused_braces, unreachable_code)]
                        break #outer #normal;
                    }
                    // Reached from a site only: the bound value is gone.
                    let #outcome = match #flow {
                        #outcomes
                        _ => #p::Outcome::Ok,
                    };
                    if let #p::Break(ret) = #kind.#finish(#exit_borrow, #outcome) {
                        return ret;
                    }
                    #dispatch
                };
                #finish_ok
                #tail
            }
        };
        (tokens, placeholder, kept)
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
    tokens
        .into_iter()
        .flat_map(|tt| -> Vec<proc_macro2::TokenTree> {
            match tt {
                proc_macro2::TokenTree::Ident(ref i) if i == placeholder => {
                    body.clone().into_iter().collect()
                }
                proc_macro2::TokenTree::Group(g) => {
                    let mut group = proc_macro2::Group::new(
                        g.delimiter(),
                        splice_tokens(g.stream(), placeholder, body),
                    );
                    group.set_span(g.span());
                    vec![group.into()]
                }
                other => vec![other],
            }
        })
        .collect()
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
