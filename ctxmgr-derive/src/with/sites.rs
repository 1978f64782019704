//! The code of a body's sites ([`super::plan::Sites`]): after exit, what
//! tells exit how the body ended and what resumes each of them. The sync
//! renderer places one handler per site, [`SyncSite`], right after the
//! labelled block the site leaves ([`Sites::sync_sites`]); the awaited one
//! matches on the value its body's async block returned
//! ([`Sites::async_code`]). What a site shows exit is written once
//! ([`outcome`]).

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote_spanned, ToTokens};

use super::plan::{site_value, Escape, Out, SiteKind, Sites};
use crate::tokens::{Names, Trees};

/// Exit's `Outcome` for a site of `kind`, `None` for `Outcome::Ok`.
/// `residual` is a reference to what a `?` site carries.
///
/// Input:  a `?` site / a `return` site (its value in RET)
/// Output: `Outcome::Err(<view of the residual's error, or of `None`>)` /
///         [`returned_outcome`] of RET
fn outcome(p: &Trees, ret: &Trees, kind: &SiteKind, residual: TokenStream) -> Option<TokenStream> {
    let m = Span::mixed_site();
    match kind {
        SiteKind::Try(_) => Some(quote_spanned! {m=>
            #p::Outcome::Err((&&#p::Residual(#residual)).__ctxmgr_view())
        }),
        SiteKind::Return | SiteKind::Inner => Some(returned_outcome(
            p,
            &quote_spanned!(m=> #p::taken_ref(&#ret)),
        )),
        SiteKind::Break { .. } | SiteKind::Continue { .. } => None,
    }
}

/// Exit's `Outcome` for a value the body returned, `value` a reference to
/// it: `Outcome::Err` of the view of its error when it holds an `Err` (or
/// `None`), else `Outcome::Ok`.
///
/// Output: `(&&&p::Returned(VALUE)).__ctxmgr_returned_outcome()`
///
/// One probe whose impl, chosen by the value's type and its error's, holds
/// the `match` on `Err`: the runtime's, type-checked once. A `match` at the
/// site on a first probe's `Option<&E>`, each arm viewing the error with a
/// second, cost checking the 500-site crate 0.2 G more (bench/HISTORY.md,
/// session 12).
pub(super) fn returned_outcome(p: &Trees, value: &TokenStream) -> TokenStream {
    quote_spanned! {Span::mixed_site()=>
        (&&&#p::Returned(#value)).__ctxmgr_returned_outcome()
    }
}

/// How a `return`, `break` or `continue` site is resumed after exit, in
/// either renderer, with the lint attributes of its arm: `return
/// taken(RET)`, `break 'l [carried]` (`carried`: the value a valued `break`
/// carries), `continue 'l`, each through `out`. A `?` site is resumed by
/// each renderer its own way.
fn resume_jump(
    p: &Trees,
    ret: &Trees,
    kind: &SiteKind,
    carried: TokenStream,
    out: Out,
) -> (TokenStream, TokenStream) {
    let m = Span::mixed_site();
    match kind {
        SiteKind::Break { label, value } => {
            let value = if *value { Some(carried) } else { None };
            (
                TokenStream::new(),
                out.escape(Escape::Break(label.clone(), value)),
            )
        }
        // Resumed at the end of the user's loop body, where clippy would
        // call the `continue` redundant.
        SiteKind::Continue { label } => (
            quote_spanned!(m=> #[allow(clippy::needless_continue)]),
            out.escape(Escape::Continue(label.clone())),
        ),
        SiteKind::Return | SiteKind::Inner | SiteKind::Try(_) => (
            TokenStream::new(),
            out.escape(Escape::Return(quote_spanned!(m=> #p::taken(#ret)))),
        ),
    }
}

/// One site of a sync level, which its renderer places right after the
/// labelled block the site leaves: `let BIND = 'SITE_i: { .. }; PRE
/// <exit with OUTCOME> RESUME`.
pub struct SyncSite {
    /// The label of the block the site leaves (`Names::site_label`).
    pub label: syn::Lifetime,
    /// What the block's value, the site's carried value, is bound to
    /// (`residual`, `ret`, `carried`); `None` when it carries nothing.
    pub bind: Option<syn::Ident>,
    /// Before exit: an inner error's type tied to the function's return
    /// type, which its view needs known.
    pub pre: TokenStream,
    /// Exit's outcome, `None` for `Outcome::Ok`.
    pub outcome: Option<TokenStream>,
    /// After exit: resumes the site (`break 'with (..)?`, `return ret`,
    /// `break 'l carried`, `continue 'l`), or for an unlabelled
    /// `break`/`continue` leaves the `with!`'s block with `p::None`.
    pub resume: TokenStream,
    /// An unlabelled `break`/`continue`: its lint attributes and its
    /// resumption after the `with!`'s block, where no label is in the way
    /// (E0695).
    pub late: Option<(TokenStream, TokenStream)>,
}

/// An async level's sites: `match` arms on the value the body's async block
/// returned (`SITE`: `Next(..Here(x)..)` for site i), no slot, no index.
pub struct AsyncSites {
    /// `match &SITE` arms giving exit's `Outcome`.
    pub outcomes: TokenStream,
    /// `let SWALLOWED = match &SITE { <a `?` site> => SUPPRESS.check(&mut
    /// GUARD, OUTCOME), _ => Swallowed::none() };` (empty without `?`
    /// sites): asked before the `match SITE` that moves what a site
    /// carries, which OUTCOME borrows.
    pub swallowed: TokenStream,
    /// `match SITE` arms resuming each site.
    pub resumes: TokenStream,
    /// The statement, first in the body's async block, that closes the type
    /// of the sites' values.
    pub terminator: TokenStream,
}

impl Sites {
    /// A sync level's state fields after KIND and GUARD (see `Names`):
    /// `RET, FLOW, SLOT_1, ..`, `()` where there is none, none after the
    /// last there is. RET is the `return` sites' tie (`p::tie()`); FLOW
    /// (which site to resume after the `with!`'s block) is kept with
    /// several unlabelled `break`/`continue` sites, a slot for each
    /// unlabelled `break` with a value.
    pub fn state_fields(&self, names: &Names, p: &Trees) -> TokenStream {
        let m = Span::mixed_site();
        if !names.is_sync() {
            return TokenStream::new();
        }
        let flow = self.late_count() > 1;
        // Whether field `at` (RET, FLOW, SLOT_1, ..) holds a value. By
        // index: SLOT_i is field 3 + i.
        let has_value = |at: usize| match at {
            0 => self.has_return(),
            1 => flow,
            _ => {
                let mut slot = false;
                for site in self.iter() {
                    if site.index as usize == at - 1 {
                        slot = matches!(
                            site.kind,
                            SiteKind::Break {
                                label: None,
                                value: true
                            }
                        );
                    }
                }
                slot
            }
        };
        let mut last = 0;
        for site in self.iter() {
            last = last.max(site.index as usize);
        }
        // None after the last that holds one.
        let mut count = last + 2;
        while count > 0 && !has_value(count - 1) {
            count -= 1;
        }
        let mut tokens = TokenStream::new();
        for at in 0..count {
            if at > 0 {
                tokens.extend(quote_spanned!(m=> ,));
            }
            tokens.extend(match (at, has_value(at)) {
                (0, true) => quote_spanned!(m=> #p::tie()),
                (1, true) => quote_spanned!(m=> 0u32),
                (_, true) => quote_spanned!(m=> #p::None),
                (_, false) => quote_spanned!(m=> ()),
            });
        }
        tokens
    }

    /// Before the body: RET tied to the function's return type, an async
    /// level's RET declared (a sync level's is a field of its state).
    ///
    /// Output: sync:  `if false { return RET.get(); }`
    ///         async: `let mut RET = p::None; if false { return p::Option::unwrap(RET); }`
    pub fn setup(&self, names: &Names, p: &Trees, out: Out) -> TokenStream {
        let m = Span::mixed_site();
        let mut setup = TokenStream::new();
        if !self.has_return() {
            return setup;
        }
        let ret = names.ret();
        // Ties RET's type to the function's return type, so `return
        // iter.collect()` keeps its expected type.
        let tied = if names.is_sync() {
            quote_spanned!(m=> #ret.get())
        } else {
            setup.extend(quote_spanned!(m=> let mut #ret = #p::None;));
            quote_spanned!(m=> #p::Option::unwrap(#ret))
        };
        let tie = out.escape(Escape::Return(tied));
        setup.extend(quote_spanned! {m=>
            #[allow(unreachable_code)]
            if false {
                #tie;
            }
        });
        setup
    }

    /// `p::SuppressProbe(&GUARD).__ctxmgr_suppress_kind().check(&mut
    /// GUARD, OUTCOME)`: asked only of managers implementing `Suppress` (for
    /// the others it is `Swallowed<!>` and compiles away); `check` spanned
    /// on the manager, where a body whose value has no default for a
    /// swallowed error is reported.
    pub(super) fn check(names: &Names, p: &Trees, manager: Span) -> TokenStream {
        let m = Span::mixed_site();
        let guard = names.field("guard");
        let outcome = names.local("outcome");
        let check = syn::Ident::new("check", m.located_at(manager));
        quote_spanned! {m=>
            #p::SuppressProbe(&#guard).__ctxmgr_suppress_kind().#check(&mut #guard, #outcome)
        }
    }

    /// The sync level's sites, each with its handler (see [`SyncSite`]).
    /// `unlabelled`: the `with!`'s block yields `Option<value>`, and a
    /// swallowed error `Some(default)`.
    ///
    /// Input:  site i, leaving `'SITE_i` with what it carries
    /// Output: `?`: outcome `Err(<view of RESIDUAL>)`, resume
    ///              `break 'with (SUPPRESS.check(..).resume(RESIDUAL))?`;
    ///         `return`: outcome [`returned_outcome`] of RET, resume `return ret`;
    ///         `break 'l [v]` / `continue 'l`: `Outcome::Ok`, resumed as written
    pub fn sync_sites(
        &self,
        names: &Names,
        p: &Trees,
        manager: Span,
        unlabelled: bool,
        out: Out,
    ) -> Vec<SyncSite> {
        let m = Span::mixed_site();
        let outer = names.label("with");
        let late_flow = self.late_count() > 1;
        let mut sites = Vec::with_capacity(self.count());
        for site in self.iter() {
            let label = names.site_label(site.index);
            let mut code = SyncSite {
                label,
                bind: None,
                pre: TokenStream::new(),
                outcome: None,
                resume: TokenStream::new(),
                late: None,
            };
            match &site.kind {
                SiteKind::Try(question) => {
                    let residual = names.local("residual");
                    code.outcome = outcome(
                        p,
                        &Trees::default(),
                        &site.kind,
                        quote_spanned!(m=> &#residual),
                    );
                    let check = Self::check(names, p, manager);
                    let mut resumed = out.escape(Escape::Try(
                        *question,
                        quote_spanned!(m=> #check.resume(#residual)),
                    ));
                    if unlabelled {
                        resumed = quote_spanned!(m=> #p::Some(#resumed));
                    }
                    // `!` with a manager that never suppresses.
                    code.resume = quote_spanned! {m=>
                        #[allow(unreachable_code)]
                        break #outer #resumed;
                    };
                    code.bind = Some(residual);
                }
                SiteKind::Return | SiteKind::Inner => {
                    let ret = names.local("ret");
                    let returned = out.escape(Escape::Return(ret.to_token_stream()));
                    if matches!(site.kind, SiteKind::Inner) {
                        // Its type is the function's return type, known
                        // before it is viewed.
                        code.pre = quote_spanned! {m=>
                            #[allow(unreachable_code)]
                            if false {
                                #returned;
                            }
                        };
                    }
                    code.outcome = Some(returned_outcome(p, &quote_spanned!(m=> &#ret)));
                    code.resume = quote_spanned!(m=> #returned;);
                    code.bind = Some(ret);
                }
                kind => {
                    let carried = names.local("carried");
                    if matches!(kind, SiteKind::Break { value: true, .. }) {
                        code.bind = Some(carried.clone());
                    }
                    if kind.is_late() {
                        // Resumed after the `with!`'s block: which site, and
                        // what a `break` carries, kept in the state.
                        let mut stored = TokenStream::new();
                        if late_flow {
                            let flow = names.field("flow");
                            let i = Literal::u32_unsuffixed(site.index);
                            stored.extend(quote_spanned!(m=> #flow = #i;));
                        }
                        let mut value = quote_spanned!(m=> #carried);
                        if code.bind.is_some() {
                            let slot = names.slot(site.index);
                            stored.extend(quote_spanned!(m=> #slot = #p::Some(#carried);));
                            value = quote_spanned!(m=> #p::taken(#slot));
                        }
                        code.resume = quote_spanned!(m=> #stored break #outer #p::None;);
                        code.late = Some(resume_jump(p, &Trees::default(), kind, value, out));
                    } else {
                        let (attrs, resume) = resume_jump(
                            p,
                            &Trees::default(),
                            kind,
                            quote_spanned!(m=> #carried),
                            out,
                        );
                        code.resume = quote_spanned!(m=> #attrs #resume;);
                    }
                }
            }
            sites.push(code);
        }
        sites
    }

    /// The arms of an async level's sites, matched on the value its body's
    /// async block returned, and the terminator that closes that value's
    /// type.
    ///
    /// Input:  site i, returned as `Next(..Here(x)..)` (`P_i(x)`)
    /// Output: outcome: `P_i(x) => <outcome>`, `Outcome::Ok` for `break`/`continue`
    ///         resume:  `P_i(x) => (SWALLOWED.resume(x))?` /
    ///                  `return taken(RET)` / `break 'l [x]` / `continue 'l`
    pub fn async_code(&self, names: &Names, p: &Trees, manager: Span, out: Out) -> AsyncSites {
        let m = Span::mixed_site();
        let ret = names.ret();
        let x = quote_spanned!(m=> carried);
        let mut code = AsyncSites {
            outcomes: TokenStream::new(),
            swallowed: TokenStream::new(),
            resumes: TokenStream::new(),
            terminator: TokenStream::new(),
        };
        let mut tries = Vec::new();
        for site in self.iter() {
            let with_x = site_value(p, site.index, x.clone());
            let without_x = site_value(p, site.index, quote_spanned!(m=> _));
            let outcome = outcome(p, &ret, &site.kind, x.clone())
                .unwrap_or_else(|| quote_spanned!(m=> #p::Outcome::Ok));
            let bound = if matches!(site.kind, SiteKind::Try(_)) {
                &with_x
            } else {
                &without_x
            };
            code.outcomes
                .extend(quote_spanned!(m=> #bound => #outcome,));
            let carries = matches!(
                site.kind,
                SiteKind::Try(_) | SiteKind::Break { value: true, .. }
            );
            let (attrs, resume) = match &site.kind {
                SiteKind::Try(question) => (
                    TokenStream::new(),
                    out.escape(Escape::Try(
                        *question,
                        quote_spanned!(m=> swallowed.resume(#x)),
                    )),
                ),
                kind => resume_jump(p, &ret, kind, x.clone(), out),
            };
            let pat = if carries { &with_x } else { &without_x };
            code.resumes
                .extend(quote_spanned!(m=> #attrs #pat => #resume,));
            if matches!(site.kind, SiteKind::Try(_)) {
                tries.push(without_x);
            }
        }
        // Closes the site type (its last `Next` holds `NoSite`); that arm
        // cannot happen.
        let n = u32::try_from(self.count()).unwrap_or(u32::MAX);
        let never = quote_spanned!(m=> never);
        let mut end = never.clone();
        let mut closed = quote_spanned!(m=> #p::no_site());
        for _ in 0..n {
            end = quote_spanned!(m=> #p::Next(#end));
            closed = quote_spanned!(m=> #p::Next(#closed));
        }
        code.terminator = quote_spanned! {m=>
            if false {
                return #p::Err(#closed);
            }
        };
        code.outcomes
            .extend(quote_spanned!(m=> #end => match *#never {},));
        code.resumes
            .extend(quote_spanned!(m=> #end => match #never {},));
        if !tries.is_empty() {
            let check = Self::check(names, p, manager);
            code.swallowed = quote_spanned! {m=>
                let swallowed = match &site {
                    #(#tries)|* => #check,
                    _ => #p::Swallowed::none(),
                };
            };
        }
        code
    }
}
