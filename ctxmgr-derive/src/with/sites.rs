//! The code of a body's sites ([`super::plan::Sites`]): after exit, what
//! tells exit how the body ended and what resumes each of them. One
//! description per site, [`SiteArm`], placed by each renderer: the sync one
//! matches on the index of the site that left ([`Sites::sync_arms`]), the
//! awaited one on the value its body's async block returned
//! ([`Sites::async_code`]). What a site shows exit is written once
//! ([`outcome`]).

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote_spanned;

use super::plan::{break_body, site_value, store, Escape, Out, Site, SiteKind, Sites};
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
/// Output: `match (&p::Probe(VALUE)).__ctxmgr_returned_err() {
///             p::Some(err) => p::Outcome::Err((&&p::Probe(err)).__ctxmgr_view()),
///             p::None => p::Outcome::Ok }`
///
/// A `match`, not a call of a runtime function with the view as a closure
/// (`p::returned(.., |err| ..)`, session 8): the closure is a body of its
/// own that rustc type-checks and borrow-checks apart, and checking the
/// 500-site crate cost 0.9 % more with it (bench/HISTORY.md, session 10).
pub(super) fn returned_outcome(p: &Trees, value: &TokenStream) -> TokenStream {
    quote_spanned! {Span::mixed_site()=>
        match (&#p::Probe(#value)).__ctxmgr_returned_err() {
            #p::Some(err) => #p::Outcome::Err((&&#p::Probe(err)).__ctxmgr_view()),
            #p::None => #p::Outcome::Ok,
        }
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

/// One site of a sync level, for its renderer to place.
pub struct SiteArm {
    /// The site's index, as the body's labelled block yields it.
    pub index: Literal,
    /// Exit's outcome, `None` for `Outcome::Ok`.
    pub outcome: Option<TokenStream>,
    /// Lint attributes of the resumption.
    pub attrs: TokenStream,
    /// Resumes the site: `break 'with (..)?`, `return ..`, `break 'l ..`,
    /// `continue 'l`.
    pub resume: TokenStream,
    /// An unlabelled `break`/`continue`: resumed after the `with!`'s block,
    /// where no label is in the way (E0695).
    pub late: bool,
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

/// `tokens` with each `MARKER(value)` that `place` knows (by the marker's
/// name) replaced by what it returns; `None` when there was none. One walk
/// for all of a level's markers, and a group without one is kept as it is,
/// not rebuilt.
fn splice(
    tokens: TokenStream,
    place: &dyn Fn(&str, TokenStream) -> Option<TokenStream>,
) -> Option<TokenStream> {
    use proc_macro2::TokenTree;
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(trees.len());
    let mut changed = false;
    let mut iter = trees.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Ident(ref i) => {
                if let Some(TokenTree::Group(g)) = iter.peek() {
                    if let Some(code) = place(&i.to_string(), g.stream()) {
                        iter.next();
                        out.extend(code);
                        changed = true;
                        continue;
                    }
                }
                out.push(tt);
            }
            TokenTree::Group(ref g) => match splice(g.stream(), place) {
                Some(stream) => {
                    let mut group = proc_macro2::Group::new(g.delimiter(), stream);
                    group.set_span(g.span());
                    out.push(group.into());
                    changed = true;
                }
                None => out.push(tt),
            },
            other => out.push(other),
        }
    }
    changed.then(|| out.into_iter().collect())
}

impl Sites {
    /// A sync body whose only site is a `?` ([`Sites::try_only`]), its
    /// residual `residual` (the value the body's block left with): exit's
    /// outcome, and the statement that resumes the `?`.
    ///
    /// Output: `p::Outcome::Err((&&p::Residual(&RESIDUAL)).__ctxmgr_view())`,
    ///         `break 'with (SUPPRESS.check(..).resume(RESIDUAL))?;`
    pub fn try_only_code(
        &self,
        names: &Names,
        p: &Trees,
        manager: Span,
        residual: &syn::Ident,
        out: Out,
    ) -> (TokenStream, TokenStream) {
        let m = Span::mixed_site();
        let question = match self.iter().next() {
            Some(Site {
                kind: SiteKind::Try(question),
                ..
            }) => *question,
            _ => m,
        };
        let outcome = outcome(
            p,
            &Trees::default(),
            &SiteKind::Try(question),
            quote_spanned!(m=> &#residual),
        )
        .unwrap_or_default();
        let check = Self::check(names, p, manager);
        let resumed = out.escape(Escape::Try(
            question,
            quote_spanned!(m=> #check.resume(#residual)),
        ));
        let outer = names.label("with");
        let resume = quote_spanned! {m=>
            // `!` with a manager that never suppresses.
            #[allow(unreachable_code)]
            break #outer #resumed;
        };
        (outcome, resume)
    }

    /// The body's tokens with its sync `?` sites and its inner levels'
    /// errors placed: as the value the body's block leaves with (`break
    /// 'body value`) when that is its only site, else stored in their slot
    /// (`({ SLOT_i = Some(value); break 'body i; })`; an inner error in
    /// RET, as a `return` site).
    pub fn place(&self, names: &Names, p: &Trees, body: TokenStream) -> TokenStream {
        let m = Span::mixed_site();
        // Each marker's name: `LEAVE_i` of a `?` site (`Some(i)`), `INNER`
        // of the inner levels' errors (`None`).
        let mut markers: Vec<(String, Option<u32>)> = Vec::new();
        if names.is_sync() {
            for site in self.iter() {
                if matches!(site.kind, SiteKind::Try(_)) {
                    let at = names.ident(&format!("leave{}", site.index));
                    markers.push((at.to_string(), Some(site.index)));
                }
            }
        }
        if self.inner_index().is_some() && !self.inner_placed() {
            markers.push((names.ident("inner").to_string(), None));
        }
        if markers.is_empty() {
            return body;
        }
        let label = names.label("body");
        let ret = names.ret();
        let place = |name: &str, value: TokenStream| {
            let mut site = None;
            for (marker, index) in &markers {
                if marker == name {
                    site = Some(*index);
                }
            }
            Some(match site? {
                Some(_) if self.try_only() => quote_spanned!(m=> (break #label #value)),
                Some(index) => break_body(&label, index, &store(p, &names.slot(index), &value)),
                None if self.inner_only() => quote_spanned!(m=> (break #label #value)),
                None => break_body(&label, self.inner_index()?, &store(p, &ret, &value)),
            })
        };
        match splice(body.clone(), &place) {
            Some(body) => body,
            None => body,
        }
    }

    /// A sync level's state fields after KIND and GUARD (see `Names`):
    /// `RET, FLOW, SLOT_1, ..`, `()` where there is none, none after the
    /// last there is. FLOW is kept (read again after the `with!`'s block)
    /// only with several sites, unlabelled ones among them.
    pub fn state_fields(&self, names: &Names, p: &Trees) -> TokenStream {
        let m = Span::mixed_site();
        if !names.is_sync() {
            return TokenStream::new();
        }
        let flow = self.has_unlabelled() && self.count() > 1;
        // Whether field `at` (RET, FLOW, SLOT_1, ..) holds a value
        // (`p::None`, FLOW's `0u32`). By index: SLOT_i is field 3 + i (an
        // inner levels' site merged into the `return` one leaves its index
        // unused).
        let has_value = |at: usize| match at {
            0 => self.has_return(),
            1 => flow,
            _ => {
                let mut slot = false;
                for site in self.iter() {
                    if site.index as usize == at - 1 {
                        slot = match site.kind {
                            SiteKind::Try(_) => !self.try_only(),
                            SiteKind::Break { value, .. } => value,
                            _ => false,
                        };
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
    /// Output: [async: `let mut RET = p::None;`]
    ///         `if false { return p::Option::unwrap(RET); }`
    pub fn setup(&self, names: &Names, p: &Trees, out: Out) -> TokenStream {
        let m = Span::mixed_site();
        let mut setup = TokenStream::new();
        if !self.has_return() {
            return setup;
        }
        let ret = names.ret();
        if !names.is_sync() {
            setup.extend(quote_spanned!(m=> let mut #ret = #p::None;));
        }
        // Ties RET's type to the function's return type, so `return
        // iter.collect()` keeps its expected type.
        let tie = out.escape(Escape::Return(quote_spanned!(m=> #p::Option::unwrap(#ret))));
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
    fn check(names: &Names, p: &Trees, manager: Span) -> TokenStream {
        let m = Span::mixed_site();
        let guard = names.field("guard");
        let outcome = names.local("outcome");
        let check = syn::Ident::new("check", m.located_at(manager));
        quote_spanned! {m=>
            #p::SuppressProbe(&#guard).__ctxmgr_suppress_kind().#check(&mut #guard, #outcome)
        }
    }

    /// The slots of a sync level's sites (one per `?` and valued `break`),
    /// and the arms that view and resume them. `unlabelled`: the `with!`'s
    /// block yields `Option<value>`, and a swallowed error `Some(default)`.
    ///
    /// Input:  site i (`?`: residual in SLOT_i; `return`: value in RET;
    ///         `break 'l v`: v in SLOT_i)
    /// Output: resume: `break 'with (SUPPRESS.check(..).resume(taken(SLOT_i)))?` /
    ///         `return taken(RET)` / `break 'l [taken(SLOT_i)]` / `continue 'l`
    pub fn sync_arms(
        &self,
        names: &Names,
        p: &Trees,
        manager: Span,
        unlabelled: bool,
        out: Out,
    ) -> Vec<SiteArm> {
        let m = Span::mixed_site();
        let outer = names.label("with");
        let ret = names.ret();
        let check = Self::check(names, p, manager);
        let mut arms = Vec::with_capacity(self.count());
        for site in self.iter() {
            let slot = names.slot(site.index);
            let outcome = outcome(
                p,
                &ret,
                &site.kind,
                quote_spanned!(m=> #p::taken_ref(&#slot)),
            );
            let late = matches!(
                site.kind,
                SiteKind::Break { label: None, .. } | SiteKind::Continue { label: None }
            );
            let (attrs, resume) = match &site.kind {
                SiteKind::Try(question) => {
                    let mut resumed = out.escape(Escape::Try(
                        *question,
                        quote_spanned!(m=> #check.resume(#p::taken(#slot))),
                    ));
                    if unlabelled {
                        resumed = quote_spanned!(m=> #p::Some(#resumed));
                    }
                    // `!` with a manager that never suppresses.
                    (
                        quote_spanned!(m=> #[allow(unreachable_code)]),
                        quote_spanned!(m=> break #outer #resumed),
                    )
                }
                kind => resume_jump(p, &ret, kind, quote_spanned!(m=> #p::taken(#slot)), out),
            };
            arms.push(SiteArm {
                index: Literal::u32_unsuffixed(site.index),
                outcome,
                attrs,
                resume,
                late,
            });
        }
        arms
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
