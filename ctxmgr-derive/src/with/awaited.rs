//! The awaited renderer: one level of `with!(async ..)`, its enter and exit
//! awaited in the user's own coroutine, its body an async block polled
//! under `catch_unwind`.

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};

use super::guard::ExitBorrow;
use super::plan::{Escape, Level, Out, Shared};
use super::sites::AsyncSites;
use crate::tokens::{Names, Trees};

/// Renders an async level (`kw` is the user's `async`): the short form when
/// its body has no sites, else the one that resumes them.
pub(super) fn render(level: &Level, shared: &Shared, kw: Span) -> TokenStream {
    let async_level = AsyncLevel {
        out: level.out,
        p: shared.p,
        names: &level.names,
        exit: &shared.exit,
        call: level.call,
        kw,
        expr_span: level.manager.span(),
        setup: &shared.setup,
        enter: &shared.enter,
        bind: &shared.bind,
        body: &shared.body,
    };
    if level.sites.is_empty() {
        async_level.short(&shared.imports)
    } else {
        let code = level
            .sites
            .async_code(&level.names, shared.p, level.manager.span(), level.out);
        let site_setup = level.sites.setup(&level.names, shared.p, level.out);
        async_level.with_sites(&shared.imports, &site_setup, &code)
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
///     let mut S = { let S = EXPR; let kind = (&p::AsyncKind(&S))..; (kind, kind.async_guard(..)) };  // S.0, S.1
///     <site setup: RET, its own local, tied to the fn's return type>
///     let CAUGHT = {
///         let VALUE = match { let e = p::AsyncContextManager::enter(&mut GUARD.__ctxmgr_manager).await; KIND.entered(GUARD.__ctxmgr_state.__ctxmgr_ref(), e) } {
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
///         p::Ok(ENDED) => {            // ENDED: `Ok(v)`, or `Err(SITE)`, SITE `Next(..Here(x)..)`
///             let OUTCOME = match &ENDED { p::Ok(_) => Outcome::Ok, p::Err(P_i(x)) => <view of x / RET, or Ok> };
///             <await exit with OUTCOME, or return its error>   // once, for every way out
///             // (exit: `let exit = p::AsyncContextManager::exit(GUARD.__ctxmgr_split().0, OUTCOME).await;
///             //         if let p::Break(r) = KIND.exited(GUARD.__ctxmgr_split().1, exit) { return r; }
///             //         GUARD = { GUARD };`, shown as in the sync form: see `ExitBorrow`)
///             let SWALLOWED = match &ENDED { p::Err(<`?` sites>) => SUPPRESS.check(&mut GUARD, OUTCOME), _ => p::Swallowed::none() };
///             match ENDED { p::Ok(v) => v, p::Err(P_i(x)) => <resume site i: `(SWALLOWED.resume(x))?` for a `?`> }
///         }
///         p::Err(payload) => { <await exit with Panic under catch_unwind>; p::resume_after_exit(..) }
///     }
/// }
/// ```
///
/// One exit await serves the normal end and every site (two cost the `?`
/// path a copy of exit's future, bench/HISTORY.md "Session 9"). The guard's
/// state is reached after enter's and exit's awaits, not lent across them:
/// a state borrow kept in the coroutine costs a store and a load through
/// it, and hides from LLVM that the guard's `Drop` has nothing left to do.
///
/// Without sites the body is not wrapped in `Ok`.
/// A future dropped mid-body drops GUARD entered: its `Drop` runs the
/// manager's `drop_exit(Outcome::Unseen)`.
struct AsyncLevel<'a> {
    /// Where exit's error goes (see [`Level::out`]).
    out: Out<'a>,
    p: &'a Trees,
    names: &'a Names,
    exit: &'a ExitBorrow,
    /// Where the `with!` is (see [`Level::call`]).
    call: Span,
    /// The user's `async` keyword: every `.await` is spanned on it.
    kw: Span,
    /// The manager expression: the calls whose bounds can fail (the error
    /// type the function cannot return) are spanned on it, so such a
    /// mistake is one error there.
    expr_span: Span,
    setup: &'a TokenStream,
    enter: &'a TokenStream,
    bind: &'a TokenStream,
    body: &'a TokenStream,
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
        let caught = self.names.local("caught");
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
        let kind = self.names.field("kind");
        let ExitBorrow { guard, release, .. } = self.exit;
        let await_ = self.await_();
        let exited = syn::Ident::new("exited", self.expr_span);
        let ret = quote_spanned!(Span::mixed_site()=> ret);
        let pass_on = self.out.escape(Escape::Return(ret));
        quote_spanned! {Span::mixed_site()=>
            let exit = #p::AsyncContextManager::exit(#guard.__ctxmgr_split().0, #outcome) #await_;
            if let #p::Break(ret) = #kind.#exited(#guard.__ctxmgr_split().1, exit) {
                #pass_on;
            }
            #release
        }
    }

    /// Awaits exit with `Outcome::Panic` (a panic from it caught), then
    /// resumes the body's panic.
    fn on_panic(&self) -> TokenStream {
        let p = self.p;
        let guard = self.names.field("guard");
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
        let run = self.run_body(self.body);
        let p = self.p;
        let value = self.value_out();
        let finish_ok = self.finish(&quote_spanned!(Span::mixed_site()=> #p::Outcome::Ok));
        let ended = quote_spanned! {Span::mixed_site()=>
            #p::Ok(#value) => {
                #finish_ok
                #value
            }
        };
        self.level_block(imports, &TokenStream::new(), &run, &ended)
    }

    fn with_sites(
        &self,
        imports: &TokenStream,
        site_setup: &TokenStream,
        code: &AsyncSites,
    ) -> TokenStream {
        let m = Span::mixed_site();
        let p = self.p;
        let outcome = self.names.local("outcome");
        let body = &self.body;
        let AsyncSites {
            outcomes: async_outcomes,
            resumes: async_resumes,
            swallowed: async_swallowed,
            terminator,
        } = code;
        // A statement, so the `allow` covers the `Ok(..)` of a body that
        // always leaves.
        let run = self.run_body(&quote_spanned! {m=>
            #terminator
            #[allow(unreachable_code, clippy::needless_return)]
            return #p::Ok(#body);
        });
        // One exit await for the normal end and every site: its outcome
        // is taken from the body's value (a borrow of what a site carries).
        let finish = self.finish(&outcome.to_token_stream());
        let value = self.value_out();
        // Asked before `site` moves out of the value `OUTCOME` borrows.
        let swallowed = if async_swallowed.is_empty() {
            TokenStream::new()
        } else {
            quote_spanned! {m=>
                let swallowed = match &ended {
                    #p::Ok(_) => #p::Swallowed::none(),
                    #p::Err(site) => {
                        #async_swallowed
                        swallowed
                    }
                };
            }
        };
        let ended = quote_spanned! {m=>
            #p::Ok(ended) => {
                let #outcome = match &ended {
                    #p::Ok(_) => #p::Outcome::Ok,
                    #p::Err(site) => match site {
                        #async_outcomes
                    },
                };
                #finish
                #swallowed
                match ended {
                    #p::Ok(#value) => #value,
                    #p::Err(site) => match site {
                        #async_resumes
                    },
                }
            }
        };
        self.level_block(imports, site_setup, &run, &ended)
    }

    /// The level's block, for both forms: `{ IMPORTS SETUP SITE_SETUP
    /// <run the body> match CAUGHT { ENDED, <panic> } }`, `ended` the arm of
    /// a body that did not panic (it awaits exit once).
    fn level_block(
        &self,
        imports: &TokenStream,
        site_setup: &TokenStream,
        run: &TokenStream,
        ended: &TokenStream,
    ) -> TokenStream {
        let m = Span::mixed_site();
        let caught = self.names.local("caught");
        let setup = &self.setup;
        let on_panic = self.on_panic();
        quote_spanned! {m=>
            {
                #imports
                #setup
                #site_setup
                #run
                match #caught {
                    #ended
                    #on_panic
                }
            }
        }
    }
}
