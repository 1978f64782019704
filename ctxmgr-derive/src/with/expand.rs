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
//!             let VALUE = match KIND.enter(&mut GUARD) { p::Continue(v) => v, p::Break(r) => return r };
//!             let PAT = VALUE;
//!             break 'with_N BODY;     // sites: store, set FLOW, `break 'body_N;`
//!         }                          // VALUE (and what PAT bound) is dropped here
//!         let OUTCOME = match FLOW { i => <view of SLOT_i / RET>, _ => p::Outcome::Ok };
//!         if let p::Break(r) = KIND.finish(&mut GUARD, OUTCOME) { return r; }
//!         <suppression check of the `?` sites: `break 'with_N Default::default()`>
//!         match FLOW { i => <resume site i: `taken(SLOT_i)?` / `return` / `break 'l` / `continue 'l`> }
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

use super::parse::{self, Flavor, Malformed, Manager, WithInput};
use super::rewrite::{self, ExpandNested};
use super::sites::SiteCode;
use crate::tokens::{self, spanning, Names};
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

/// One level of an `async` manager.
///
/// Input:  `with!(async EXPR as PAT => { BODY })`
/// Output:
///
/// ```text
/// {
///     use KRATE::__private::{self as p, ..};
///     let (KIND, mut GUARD) = { .. (&&&&p::AsyncKind(&GUARD)).. KIND.async_guard(..) };
///     <site setup: RET, tied to the fn's return type; the suppression probe>
///     let CAUGHT = {
///         let VALUE = match { let (m, s) = (&mut GUARD).__ctxmgr_split(); KIND.entered(s, p::AsyncContextManager::enter(m).await) } {
///             p::Continue(v) => v, p::Break(r) => return r,
///         };
///         let mut BODY = p::pin!(async {
///             let PAT = VALUE;
///             <terminator: closes the type of the sites' values>
///             p::Ok(BODY)            // sites: `return p::Err(Next(..Here(what it carries)..))`
///         });
///         p::poll_fn(|cx| p::poll_catching(BODY.as_mut(), cx)).await   // under catch_unwind
///     };                             // the body's future and VALUE are gone here
///     match CAUGHT {
///         p::Ok(p::Ok(v)) => { <await exit with Ok, or return its error>; v }
///         // (exit: `let (m, s) = GUARD.__ctxmgr_split();
///         //         if let p::Break(r) = KIND.exited(s, p::AsyncContextManager::exit(m, OUTCOME).await) { return r; }
///         //         GUARD = { GUARD };`, shown as in the sync form: see `ExitBorrow`)
///         p::Ok(p::Err(SITE)) => {     // SITE: `Next(..Here(x)..)`, site i's value
///             let OUTCOME = match &SITE { P_i(x) => <view of x / RET, or Ok> };
///             <await exit with OUTCOME, or return its error>
///             <suppression check: `if let Some(d) = .. { d } else`> match SITE { P_i(x) => <resume site i> }
///         }
///         p::Err(payload) => { <await exit with Panic under catch_unwind>; p::resume_after_exit(..) }
///     }
/// }
/// ```
///
/// Without sites the body is not wrapped in `Ok`.
/// A future dropped mid-body drops GUARD entered: its `Drop` runs the
/// manager's `drop_exit(Outcome::Unseen)`.
struct AsyncLevel<'a> {
    p: &'a TokenStream,
    names: &'a Names,
    exit: &'a ExitBorrow,
    /// Where the `with!` is (see `Expander::expand_one_with`).
    call: Span,
    /// The user's `async` keyword: every `.await` is spanned on it.
    kw: Span,
    /// The manager expression: the calls whose bounds can fail (the error
    /// type the function cannot return) are spanned on it, so such a
    /// mistake is one error there.
    expr_span: Span,
    setup: TokenStream,
    enter: TokenStream,
    bind: TokenStream,
    body: TokenStream,
}

impl AsyncLevel<'_> {
    /// The body's value where it is handed on, as the `with!`'s.
    fn value_out(&self) -> syn::Ident {
        syn::Ident::new("val", Span::mixed_site().located_at(self.call))
    }

    fn await_(&self) -> TokenStream {
        quote_spanned!(self.kw=> .await)
    }

    /// `let CAUGHT = { <enter>; <INNER polled under catch_unwind> };`: the
    /// body's future is pinned here and polled by `poll_fn`, in the user's
    /// own coroutine (a helper `async fn` would be one more coroutine, which
    /// LLVM may leave out of line: bench/run's async ratios).
    fn run_body(&self, inner: &TokenStream) -> TokenStream {
        let AsyncLevel { p, enter, bind, .. } = self;
        let caught = self.names.ident("caught");
        let await_ = self.await_();
        quote_spanned! {Span::mixed_site()=>
            let #caught = {
                #enter
                let mut body = #p::pin!(async {
                    #bind
                    #[allow(unused_braces, unreachable_code)]
                    #inner
                });
                #p::poll_fn(|cx| #p::poll_catching(body.as_mut(), cx)) #await_
            };
        }
    }

    /// Awaits exit with `outcome`; returns exit's error from the function.
    fn finish(&self, outcome: &TokenStream) -> TokenStream {
        let p = self.p;
        let kind = self.names.ident("kind");
        let ExitBorrow { guard, release, .. } = self.exit;
        let await_ = self.await_();
        let exited = syn::Ident::new("exited", self.expr_span);
        quote_spanned! {Span::mixed_site()=>
            let (mgr, state) = #guard.__ctxmgr_split();
            if let #p::Break(ret) = #kind.#exited(
                state,
                #p::AsyncContextManager::exit(mgr, #outcome) #await_,
            ) {
                return ret;
            }
            #release
        }
    }

    /// Awaits exit with `Outcome::Panic` (a panic from it caught), then
    /// resumes the body's panic.
    fn on_panic(&self) -> TokenStream {
        let p = self.p;
        let guard = self.names.ident("guard");
        let await_ = self.await_();
        quote_spanned! {Span::mixed_site()=>
            #p::Err(panic) => {
                let (mgr, state) = #guard.__ctxmgr_split();
                let mut exit = #p::pin!(#p::AsyncContextManager::exit(
                    mgr,
                    #p::Outcome::Panic,
                ));
                let exit = #p::poll_fn(|cx| {
                    #p::poll_catching(exit.as_mut(), cx)
                }) #await_;
                #p::resume_after_exit(state, exit, panic)
            }
        }
    }

    /// A body that can only end normally (or panic).
    fn short(&self, imports: &TokenStream) -> TokenStream {
        let p = self.p;
        let value = self.value_out();
        let caught = self.names.ident("caught");
        let setup = &self.setup;
        let run = self.run_body(&self.body);
        let finish_ok = self.finish(&quote_spanned!(Span::mixed_site()=> #p::Outcome::Ok));
        let on_panic = self.on_panic();
        quote_spanned! {Span::mixed_site()=>
            {
                #imports
                #setup
                #run
                match #caught {
                    #p::Ok(val) => {
                        #finish_ok
                        #value
                    }
                    #on_panic
                }
            }
        }
    }

    fn with_sites(&self, imports: &TokenStream, code: &SiteCode) -> TokenStream {
        let m = Span::mixed_site();
        let p = self.p;
        let value = self.value_out();
        let names = self.names;
        let caught = names.ident("caught");
        let outcome = names.ident("outcome");
        let setup = &self.setup;
        let body = &self.body;
        let SiteCode {
            setup: site_setup,
            async_outcomes,
            async_resumes,
            async_swallowed,
            terminator,
            ..
        } = code;
        // A statement, so the `allow` covers the `Ok(..)` of a body that
        // always leaves.
        let run = self.run_body(&quote_spanned! {m=>
            #terminator
            #[allow(unreachable_code, clippy::needless_return)]
            return #p::Ok(#body);
        });
        let finish_ok = self.finish(&quote_spanned!(m=> #p::Outcome::Ok));
        let finish_site = self.finish(&outcome.to_token_stream());
        let on_panic = self.on_panic();
        let resume = quote_spanned! {m=>
            #async_swallowed
            match site {
                #async_resumes
            }
        };
        quote_spanned! {m=>
            {
                #imports
                #setup
                #site_setup
                #run
                match #caught {
                    #p::Ok(#p::Ok(val)) => {
                        #finish_ok
                        #value
                    }
                    #p::Ok(#p::Err(site)) => {
                        let #outcome = match &site {
                            #async_outcomes
                        };
                        #finish_site
                        #resume
                    }
                    #on_panic
                }
            }
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

/// Exit's borrow of the guard, shown on the body's closing brace, and the
/// move that ends the guard's borrows right after exit.
///
/// Both matter only to the diagnostic of a bound value that leaves the body
/// (`let f = with!(open(p) as f => { f });`), which cannot compile: exit
/// needs the manager that the value still borrows. rustc reports E0499
/// "cannot borrow value as mutable more than once at a time" and labels
/// enter's borrow, which the value keeps ("first mutable borrow occurs
/// here", on the manager: see `entry`), exit's ("second mutable borrow
/// occurs here", on the `}`) and the `with!` whose value carries the borrow
/// on ("first borrow later used here"). Were the two borrows spanned alike,
/// rustc would say "mutably borrowed here in the previous iteration of the
/// loop" instead: there is no loop.
///
/// Input:  `KIND.finish(&mut GUARD, OUTCOME)` (sync), or
///         `let (m, s) = GUARD.__ctxmgr_split(); <await exit>` (async)
/// Output: the same, then `GUARD = { GUARD };`, every token at the `}`
///         (after the normal end's exit only: on a site's path no value
///         that borrows the guard survives the body)
///
/// The guard moved onto itself compiles to nothing (the callgrind counts
/// of `bench/` are the same), but to the borrow checker it is an
/// assignment, which ends enter's borrow. Without it, the guard's drop at the
/// end of the `with!` would be a second error, E0716 "temporary value
/// dropped while borrowed": rustc leaves that one out only when enter's
/// borrow has the span of an error already reported, that is, when enter's
/// and exit's borrows share a span. (A bound value that does not leave the
/// body is gone before exit: then there is no borrow to end.)
struct ExitBorrow {
    /// The guard's name, shown at the `}`.
    guard: syn::Ident,
    /// `&mut GUARD`, at the `}`.
    borrow: TokenStream,
    /// `GUARD = { GUARD };`, at the `}`: the braces keep clippy's
    /// `self_assignment` quiet without an `#[allow]` (each attribute is a
    /// lint scope rustc builds per use: two per level cost 4.6 % of `cargo
    /// check` on the 500-site crate, `bench/HISTORY.md`).
    release: TokenStream,
}

impl ExitBorrow {
    fn new(names: &Names, close: Span) -> Self {
        let at = Span::mixed_site().located_at(close);
        let guard = names.ident_at("guard", close);
        ExitBorrow {
            borrow: quote_spanned!(at=> &mut #guard),
            release: quote_spanned! {at=>
                #guard = { #guard };
            },
            guard,
        }
    }
}

/// Does a pattern bind a name starting with `_` (`_f`, `(_a, b)`)?
fn binds_underscore_name(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        proc_macro2::TokenTree::Ident(ident) => {
            let name = ident.to_string();
            name.len() > 1 && name.starts_with('_')
        }
        proc_macro2::TokenTree::Group(g) => binds_underscore_name(g.stream()),
        _ => false,
    })
}

/// Creating the guard, entering it and binding its value: the same for a
/// normal expansion and for the body shown after a parse error.
struct Entry {
    /// `let (KIND, mut GUARD) = { <probe the manager>; <its guard> };`
    new_guard: TokenStream,
    /// `let VALUE = <enter, or ON_BREAK>;`
    enter: TokenStream,
    /// `let PAT = VALUE;`
    bind: TokenStream,
}

fn entry(p: &TokenStream, names: &Names, manager: &Manager, on_break: &TokenStream) -> Entry {
    let m = Span::mixed_site();
    let guard = names.ident("guard");
    let kind = names.ident("kind");
    let value = names.ident("value");
    let expr = &manager.expr;
    // Enter's borrow of the guard, which the bound value keeps, shown on
    // the whole manager expression (see `ExitBorrow`): rustc spans `&mut
    // GUARD` from its `&` to the guard's name.
    let (first, last) = tokens::first_and_last_span(expr.to_token_stream());
    let enter_borrow = {
        let guard = names.ident_at("guard", last);
        let at = m.located_at(first);
        quote_spanned!(at=> &mut #guard)
    };
    // Spanned on the user's expression: "is not a context manager" and
    // "can fail with `E`" point there.
    let (kind_of, guard_new, enter) = match manager.flavor {
        Flavor::Sync => (
            quote_spanned!(m=> #p::Kind),
            syn::Ident::new("guard", expr.span()),
            syn::Ident::new("enter", expr.span()).into_token_stream(),
        ),
        // The manager's own future is awaited here, in the caller's async
        // fn, and the result recorded in the guard after: see
        // `AsyncGuard::__ctxmgr_split`. `.await` is spanned on the user's
        // `async`: outside an async fn the error points there.
        Flavor::Async(kw) => {
            let entered = syn::Ident::new("entered", expr.span());
            let dot = quote_spanned!(kw=> .await);
            (
                quote_spanned!(m=> #p::AsyncKind),
                syn::Ident::new("async_guard", expr.span()),
                quote_spanned! {m=>
                    ({
                        let (mgr, state) = (#enter_borrow).__ctxmgr_split();
                        #kind.#entered(state, #p::AsyncContextManager::enter(mgr) #dot)
                    })
                },
            )
        }
    };
    let enter = match manager.flavor {
        Flavor::Sync => quote_spanned!(m=> #kind.#enter(#enter_borrow)),
        Flavor::Async(_) => enter,
    };
    // `as _f` binds a value the body does not use, on purpose (Python's
    // `with lock() as _:`): not clippy's `no_effect_underscore_binding`.
    // Only then: each attribute is a lint scope rustc builds.
    let allow = match &manager.pat {
        Some(pat) if binds_underscore_name(pat.to_token_stream()) => {
            quote_spanned!(m=> #[allow(clippy::no_effect_underscore_binding)])
        }
        _ => TokenStream::new(),
    };
    // The pattern the entered value is bound to, with its `allow`.
    let pat = match &manager.pat {
        // Moved into a local of the block so it is dropped before exit.
        // `as _` too: `let _ = VALUE;` would keep it in VALUE just as long,
        // but trip `let_underscore_lock` (deny by default) on a lock guard.
        Some(syn::Pat::Wild(_)) | None => names.ident("unused").into_token_stream(),
        // `let A | B = v;` is Rust but not a `let` syn re-parses.
        Some(pat @ syn::Pat::Or(_)) => quote!((#pat)),
        Some(pat) => pat.to_token_stream(),
    };
    let entered = quote_spanned! {m=>
        match #enter {
            #p::Continue(val) => val,
            #p::Break(ret) => #on_break,
        }
    };
    // Sync: bound where it is entered, `let PAT = <enter>;`. Async: entered
    // outside the body's async block, bound inside it.
    let (enter, bind) = match manager.flavor {
        Flavor::Sync => (quote!(#allow let #pat = #entered;), TokenStream::new()),
        Flavor::Async(_) => (
            quote_spanned!(m=> let #value = #entered;),
            quote!(#allow let #pat = #value;),
        ),
    };
    let whole = spanning(&guard, (first, last));
    // KIND enters and exits: `Break` carries what the function returns on
    // an error (`Err(From::from(e))`); for an `Infallible` manager it cannot
    // happen and nothing is demanded of the function's return type.
    Entry {
        // The kind is probed on the manager before its guard is made: a type
        // that is not a manager is one error, at `guard` (spanned on the
        // user's expression), and the guard is then typed as an error.
        //
        // Sync: three flat statements. Async: in a block, which ends the
        // manager local's storage before the body's first `.await` (flat,
        // the coroutine kept a slot for it: one instruction more per call).
        new_guard: match manager.flavor {
            Flavor::Sync => quote_spanned! {m=>
                let #guard = #expr;
                let #kind = (&&&&#kind_of(&#guard)).__ctxmgr_kind();
                let mut #guard = #kind.#guard_new(#whole);
            },
            Flavor::Async(_) => quote_spanned! {m=>
                let (#kind, mut #guard) = {
                    let #guard = #expr;
                    let #kind = (&&&&#kind_of(&#guard)).__ctxmgr_kind();
                    (#kind, #kind.#guard_new(#whole))
                };
            },
        },
        enter,
        bind,
    }
}

/// The error, plus the body (when found) so rust-analyzer keeps completing
/// inside it while the user finishes typing. When the managers parsed, the
/// body gets their bindings, with their real types, made as a normal
/// expansion makes them (an enter error diverges instead of propagating, so
/// the parse error stays the only one).
pub fn malformed(m: Malformed) -> TokenStream {
    let error = m.error.to_compile_error();
    let Some(body) = m.body else {
        return quote!({ #error });
    };
    let krate = &m.krate;
    let p = quote!(#krate::__private);
    let diverge = quote_spanned!(Span::mixed_site()=> loop {});
    let bindings = m.managers.iter().enumerate().map(|(i, manager)| {
        let Entry {
            new_guard,
            enter,
            bind,
        } = entry(&p, &Names::new(i), manager, &diverge);
        quote!(#new_guard #enter #bind)
    });
    quote! {
        {
            #error;
            use #p::probes::*;
            #(#bindings)*
            #[allow(unreachable_code, unused_variables)]
            #body
        }
    }
}
