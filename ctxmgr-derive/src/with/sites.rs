//! The code of a body's sites ([`super::plan::Sites`]): after exit, what
//! tells exit how the body ended and what resumes each of them.

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;

use super::plan::{site_value, Site, SiteKind, Sites};
use crate::tokens::Names;

/// `(OPERAND)?`, the `?` that resumes a `?` site, with the parentheses and
/// the `?` on the user's `?` (its own span, not mixed-site located there):
/// rustc spans a `?`'s conversion error from the operand's start to the
/// `?`, and a span that starts in the macro's context is shown on the whole
/// `with!`; this way it is shown on the user's `?`.
fn resumed_question(question: Span, operand: TokenStream) -> TokenStream {
    let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, operand);
    group.set_span(question);
    quote_spanned!(question=> #group ?)
}

impl Sites {
    /// The code that stores, views and resumes these sites. `in_async_block`:
    /// the body ran as an async block, so every site is resumed in one
    /// `match` after it, where no label is in the way of an unlabelled
    /// `break`/`continue`. `manager` is the span of the manager's
    /// expression, where a body whose value has no default for a suppressed
    /// error is reported.
    pub fn code(
        &self,
        names: &Names,
        p: &TokenStream,
        in_async_block: bool,
        manager: Span,
    ) -> SiteCode {
        let m = Span::mixed_site();
        let outer = names.label("with");
        let ret = names.ident("ret");
        let guard = names.ident("guard");
        let outcome = names.ident("outcome");
        let unlabelled = self.has_unlabelled() && !in_async_block;
        let wrap = |v: TokenStream| {
            if unlabelled {
                quote_spanned!(m=> #p::Some(#v))
            } else {
                v
            }
        };
        let mut code = SiteCode::default();
        let mut has_try = false;
        // Asked only for managers implementing `Suppress`; for the others
        // `check` hands the residual on typed `Result<!, E>` and compiles
        // away. Spanned on the manager: a body whose value has no default
        // is reported there.
        let suppress = names.ident("suppress");
        let check = syn::Ident::new("check", m.located_at(manager));
        for site in self.iter() {
            // Unsuffixed: FLOW is declared `u32`.
            let i = proc_macro2::Literal::u32_unsuffixed(site.index);
            let slot = names.slot(site.index);
            if in_async_block {
                has_try |= matches!(site.kind, SiteKind::Try(_));
                code.push_async_site(p, names, site);
            }
            match &site.kind {
                // Input:  a `?` site that stored its residual in SLOT
                // Output: i => Outcome::Err(<view of SLOT's error, or of `None`>)
                //         i => match taken(SLOT)? {}   (the `?` resumed, with `From`)
                SiteKind::Try(question) => {
                    let resumed = resumed_question(
                        *question,
                        quote_spanned!(m=> #suppress.#check(&mut #guard, #outcome).resume(#p::taken(#slot))),
                    );
                    let resumed = wrap(resumed);
                    has_try = true;
                    code.slots
                        .extend(quote_spanned!(m=> let mut #slot = #p::None;));
                    code.outcomes.extend(quote_spanned! {m=>
                        #i => #p::Outcome::Err((&&&&#p::Residual(#p::taken_ref(&#slot))).__ctxmgr_view()),
                    });
                    code.resumes.extend(quote_spanned! {m=>
                        #[allow(unreachable_code)]
                        #i => break #outer #resumed,
                    });
                }
                // Input:  a `return` site that stored its value in RET
                // Output: i => <Outcome::Err(view) if RET holds an `Err`, else Ok>
                //         i => return taken(RET)
                SiteKind::Return => {
                    code.outcomes.extend(quote_spanned! {m=>
                        #i => match (&#p::Probe(#p::taken_ref(&#ret))).__ctxmgr_returned_err() {
                            #p::Some(err) => #p::Outcome::Err((&&&&#p::Probe(err)).__ctxmgr_view()),
                            #p::None => #p::Outcome::Ok,
                        },
                    });
                    code.resumes
                        .extend(quote_spanned!(m=> #i => return #p::taken(#ret),));
                }
                // Input:  a `break 'l [v]` site (value in SLOT)
                // Output: i => break 'l [taken(SLOT)]   (after the block when unlabelled)
                SiteKind::Break { label: l, value } => {
                    let resume = if *value {
                        code.slots
                            .extend(quote_spanned!(m=> let mut #slot = #p::None;));
                        quote_spanned!(m=> break #l #p::taken(#slot))
                    } else {
                        quote_spanned!(m=> break #l)
                    };
                    if l.is_some() || in_async_block {
                        code.resumes.extend(quote_spanned!(m=> #i => #resume,));
                    } else {
                        code.resumes.extend(quote_spanned!(m=> #i => {},));
                        code.late_resumes.extend(quote_spanned!(m=> #i => #resume,));
                    }
                }
                // Input:  a `continue 'l` site
                // Output: i => continue 'l   (after the block when unlabelled)
                SiteKind::Continue { label: l } => {
                    // Resumed at the end of the user's loop body, where
                    // clippy would call the `continue` redundant.
                    let resume = quote_spanned! {m=>
                        #[allow(clippy::needless_continue)]
                        #i => continue #l,
                    };
                    if l.is_some() || in_async_block {
                        code.resumes.extend(resume);
                    } else {
                        code.resumes.extend(quote_spanned!(m=> #i => {},));
                        code.late_resumes.extend(resume);
                    }
                }
            }
        }
        if in_async_block {
            // Closes the site type (its last `Next` holds `NoSite`); that
            // arm cannot happen.
            let n = u32::try_from(self.count()).unwrap_or(u32::MAX);
            let never = quote_spanned!(m=> never);
            let mut end = never.clone();
            for _ in 0..n {
                end = quote_spanned!(m=> #p::Next(#end));
            }
            let mut closed = quote_spanned!(m=> #p::no_site());
            for _ in 0..n {
                closed = quote_spanned!(m=> #p::Next(#closed));
            }
            code.terminator = quote_spanned! {m=>
                if false {
                    return #p::Err(#closed);
                }
            };
            code.async_outcomes
                .extend(quote_spanned!(m=> #end => match *#never {},));
            code.async_resumes
                .extend(quote_spanned!(m=> #end => match #never {},));
            if !code.async_tries.is_empty() {
                let tries = &code.async_tries;
                code.async_swallowed = quote_spanned! {m=>
                    let swallowed = match &site {
                        #(#tries)|* => #suppress.#check(&mut #guard, #outcome),
                        _ => #p::Swallowed::none(),
                    };
                };
            }
        }
        // Input:  a `?` site
        // Output: its resumption asks the manager whether it swallows the
        //         error: `break 'with (SUPPRESS.check(&mut GUARD, OUTCOME).resume(taken(SLOT)))?`
        //         (async: the arm's value), probed once per `with!` level.
        if has_try {
            code.setup.extend(quote_spanned! {m=>
                let #suppress = (&#p::SuppressProbe(&#guard)).__ctxmgr_suppress_kind();
            });
        }
        if self.has_return() {
            // Ties RET's type to the function's return type, so `return
            // iter.collect()` keeps its expected type.
            code.setup.extend(quote_spanned! {m=>
                let mut #ret = #p::None;
                #[allow(unreachable_code)]
                if false {
                    return #p::Option::unwrap(#ret);
                }
            });
        }
        code
    }
}

/// What [`Sites::code`] emits, for the expand stage to place.
#[derive(Default)]
pub struct SiteCode {
    /// Before the body: the return slot, the suppression probe.
    pub setup: TokenStream,
    /// Before the body: one slot per `?` and valued `break`.
    pub slots: TokenStream,
    /// `match FLOW` arms giving exit's `Outcome`.
    pub outcomes: TokenStream,
    /// `match FLOW` arms resuming each site inside the `with!`'s block.
    pub resumes: TokenStream,
    /// Arms resuming unlabelled `break`/`continue` after that block.
    pub late_resumes: TokenStream,
    /// An async level: `match &SITE` arms giving exit's `Outcome` from the
    /// value the body's async block returned.
    pub async_outcomes: TokenStream,
    /// An async level: `match SITE` arms resuming each site.
    pub async_resumes: TokenStream,
    /// An async level: the patterns of its `?` sites.
    async_tries: Vec<TokenStream>,
    /// An async level with `?` sites: `let SWALLOWED = match &SITE { <a `?`
    /// site> => SUPPRESS.check(&mut GUARD, OUTCOME), _ => Swallowed::none() };`
    pub async_swallowed: TokenStream,
    /// An async level: the statement, first in the body's async block, that
    /// closes the type of the sites' values.
    pub terminator: TokenStream,
}

impl SiteCode {
    /// The arms of an async level's site `site`, matched on the value its
    /// body's async block returned (`SITE`), with no slot and no `FLOW`.
    ///
    /// Input:  site i, returned as `Next(..Here(x)..)` (`P_i(x)`)
    /// Output: outcome: `P_i(x) => Outcome::Err(<view of x>)` (`?`), the view
    ///                  of RET (`return`), or `Outcome::Ok`
    ///         resume:  `P_i(x) => (SWALLOWED.resume(x))?` /
    ///                  `return taken(RET)` / `break 'l [x]` / `continue 'l`
    fn push_async_site(&mut self, p: &TokenStream, names: &Names, site: &Site) {
        let m = Span::mixed_site();
        let ret = names.ident("ret");
        let i = site.index;
        let x = quote_spanned!(m=> carried);
        let with_x = site_value(p, i, x.clone());
        let without_x = site_value(p, i, quote_spanned!(m=> _));
        let (outcome, resume) = match &site.kind {
            SiteKind::Try(question) => {
                // Asked before the `match SITE` that moves `x`: OUTCOME
                // borrows it.
                self.async_tries.push(without_x);
                let resumed = resumed_question(*question, quote_spanned!(m=> swallowed.resume(#x)));
                (
                    quote_spanned! {m=>
                        #with_x => #p::Outcome::Err((&&&&#p::Residual(#x)).__ctxmgr_view()),
                    },
                    quote_spanned!(m=> #with_x => #resumed,),
                )
            }
            SiteKind::Return => (
                quote_spanned! {m=>
                    #without_x => match (&#p::Probe(#p::taken_ref(&#ret))).__ctxmgr_returned_err() {
                        #p::Some(err) => #p::Outcome::Err((&&&&#p::Probe(err)).__ctxmgr_view()),
                        #p::None => #p::Outcome::Ok,
                    },
                },
                quote_spanned!(m=> #without_x => return #p::taken(#ret),),
            ),
            SiteKind::Break { label: l, value } => (
                quote_spanned!(m=> #without_x => #p::Outcome::Ok,),
                if *value {
                    quote_spanned!(m=> #with_x => break #l #x,)
                } else {
                    quote_spanned!(m=> #without_x => break #l,)
                },
            ),
            SiteKind::Continue { label: l } => (
                quote_spanned!(m=> #without_x => #p::Outcome::Ok,),
                // Resumed at the end of the user's loop body, where clippy
                // would call the `continue` redundant.
                quote_spanned! {m=>
                    #[allow(clippy::needless_continue)]
                    #without_x => continue #l,
                },
            ),
        };
        self.async_outcomes.extend(outcome);
        self.async_resumes.extend(resume);
    }
}
