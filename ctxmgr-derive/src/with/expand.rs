//! Expand stage of `with!`: the guard around each manager, the outermost
//! level first, each inner one rendered inside the rewrite of the body around
//! it.
//!
//! Input:  `with!(EXPR as PAT => { BODY })`
//! Output (N = expansion id; names are `Span::mixed_site()` hygienic and
//! made by [`Names`]; S is the level's state, one local named after the
//! first name PAT binds, `__ctxmgr_N` when it binds none):
//!
//! ```text
//! {
//!     use KRATE::__private::{self as p, probes::*};   // every probe trait, as `_`
//!     let S = p::Kind { m: EXPR };
//!     let mut S = {
//!         let kind = (&S).__ctxmgr_kind();            // KIND enters, exits, propagates
//!         (kind, kind.guard((S.m,).0), RET, FLOW, SLOT_i, ..)
//!     };                             // S.0 = KIND, S.1 = GUARD (`(S.m,).0` spans the user's EXPR;
//!                                    // `p::Noted::new(..)` around it when the body calls macros
//!                                    // `with!` cannot see into); RET = p::tie() with `return`
//!                                    // sites; FLOW = 0u32 and SLOT_i = p::None only for unlabelled
//!                                    // `break`/`continue` sites; `()` where a level has none,
//!                                    // none at the end
//!     <if false { return RET.get(); }>   // RET tied to the fn's return type
//!     let result = 'with_N: {
//!         let residual = 'site1_N: {     // one labelled block per site, the last innermost
//!             let ret = 'site2_N: {
//!                 let PAT = match KIND.enter(&mut GUARD) { p::Continue(v) => v, p::Break(r) => return r };
//!                 break 'with_N BODY;   // sites: `x?` → `break 'site1_N r`,
//!             };                       //        `return v` → `break 'site2_N RET.put(v)`
//!             // what PAT bound is dropped by now; site 2's handler:
//!             let outcome = <p::returned(ret's error, view)>;
//!             if let p::Break(r) = KIND.finish(&mut GUARD, outcome) { return r; }
//!             return ret;
//!         };
//!         let outcome = p::Outcome::Err(<view of residual>);
//!         if let p::Break(r) = KIND.finish(&mut GUARD, outcome) { return r; }
//!         break 'with_N (<suppress probe>.check(&mut GUARD, outcome).resume(residual))?;
//!     };                           // (the `?`, or `Default::default()` if the manager swallowed it)
//!     let exit = KIND.finish(&mut GUARD, p::Outcome::Ok);   // the normal end (a no-op after a site)
//!     GUARD = { GUARD };   // ends enter's borrow for borrowck (a no-op; see `ExitBorrow`)
//!     if let p::Break(r) = exit { return r; }
//!     result
//! }
//! ```
//!
//! Each site carries its value out of the body as its block's value: no
//! slot, no index. A `break 'l v`/`continue 'l` site's handler exits with
//! `Outcome::Ok` and resumes it as written. With an unlabelled
//! `break`/`continue` site, `BODY` and the resumed `?` sites yield
//! `Some(..)`, and those sites leave the `with!`'s block with `None` and
//! are resumed after it, where no label is in the way (E0695); FLOW (which
//! of several) and their carried values are S's fields. A body without sites
//! gets the short form: no labels, one `finish` with `Outcome::Ok`. At the
//! outermost level an inner level's enter or exit error is a site of its
//! own (its value the function's return value, its type tied right after
//! its block); in a nested level it is a `return` site. A nested level (an
//! inner manager, or a `with!` in a body) emits its enter and exit errors
//! and its resumed sites through [`Out::escape`]: the enclosing level's
//! rewrite makes each one a site of its own body on the spot, so no
//! rendered level is parsed back.
//!
//! Exit's `&mut GUARD` and `GUARD = { GUARD };` are shown on the body's closing
//! brace, enter's `&mut GUARD` on `EXPR`: rustc's error for a bound value
//! that leaves the body then points at both (see [`ExitBorrow`]).

use std::cell::Cell;

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};
use syn::Block;

use super::guard::{entry, Entry, ExitBorrow};
use super::parse::{self, Flavor, Manager, WithInput};
use super::plan::{Escapes, Level, Out, Shared};
use super::rewrite::{self, ExpandNested};
use super::{awaited, sync};
use crate::tokens::{Names, Trees};

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

    pub fn expand(&self, input: WithInput) -> TokenStream {
        // The macro's own span is the user's `with!(..)`.
        self.expand_call(input, Span::mixed_site(), Out(None))
    }

    /// One macro call's levels, their escapes going to `out`. `call` is
    /// where diagnostics show it (see [`Level::call`]).
    fn expand_call(&self, input: WithInput, call: Span, out: Out) -> TokenStream {
        let WithInput {
            mut managers,
            body,
            opaque,
            ..
        } = input;
        let note = super::macros::opaque_note(&body, opaque);
        self.expand_levels(&mut managers, body, call, note.as_deref(), out)
    }

    /// Several managers nest, outermost first: `with!(A, B => body)` is
    /// `with!(A => { with!(B => body) })`, each inner level rendered while
    /// the level around it rewrites its body, so that its escapes (its
    /// enter and exit errors, its resumed sites) become sites of that body
    /// ([`Escapes`]): nothing rendered is parsed back.
    fn expand_levels(
        &self,
        managers: &mut [Manager],
        body: Block,
        call: Span,
        note: Option<&str>,
        out: Out,
    ) -> TokenStream {
        let Some((manager, inner)) = managers.split_first_mut() else {
            // `parse` never returns a `with!` without managers.
            return body.into_token_stream();
        };
        // Evaluated in the enclosing body: its `?`, `return` and `break`
        // leave that body, as any of it.
        out.visit_manager(&mut manager.expr);
        let names = self.fresh_names(manager);
        let p = Trees::ident("__ctxmgr_p", Span::mixed_site());
        let in_async_block = matches!(manager.flavor, Flavor::Async(_));
        let close = body.brace_token.span.close();
        let outermost = !out.is_nested();
        let (body, sites) = if inner.is_empty() {
            let mut body = body;
            let sites = rewrite::rewrite(&mut body, &names, &p, self, (in_async_block, outermost));
            (body.into_token_stream(), sites)
        } else {
            // The inner levels are this level's body; it ends, and its exit
            // runs, where the user's body ends.
            let (tokens, sites) =
                rewrite::rewrite_levels(&names, &p, self, (in_async_block, outermost), |escapes| {
                    self.expand_levels(inner, body, call, note, Out(Some(escapes)))
                });
            let mut block = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, tokens);
            block.set_span(Span::mixed_site().located_at(close));
            (block.into_token_stream(), sites)
        };
        let level = Level {
            names,
            manager: &*manager,
            close,
            sites,
            call,
            note,
            out,
        };
        self.render(&level, body)
    }

    /// Renders a level with `body`, its sites placed: what every flavor
    /// shares, the guard made and entered ([`entry`]), then the
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
        let p = Trees::ident("__ctxmgr_p", m);
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
            (
                &level.error_name(),
                &level.error_return(&level.error_name()),
            ),
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
            imports: if level.out.is_nested() {
                TokenStream::new()
            } else {
                quote_spanned! {m=>
                    use #krate::__private::{self as #p, probes::*};
                }
            },
            exit: ExitBorrow::new(names, level.close),
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

impl ExpandNested for Expander<'_> {
    fn expand_nested(&self, mac: &syn::Macro, outer: &dyn Escapes) -> Option<TokenStream> {
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
        Some(self.expand_call(input, call, Out(Some(outer))))
    }
}
