//! Expand stage of `with!`.
//!
//! Input:  `with!(EXPR as PAT => { BODY })`
//! Output (N = expansion id; names are `Span::mixed_site()` hygienic):
//!
//! ```text
//! {
//!     let mut GUARD = Guard::new(EXPR);
//!     let mut RET = None; if false { return RET.unwrap(); }  // only with `return` sites:
//!                                                            // ties RET to the fn's return type
//!     let mut SLOT_i = None; ...                             // one per `?` / valued `break` site
//!     let mut FLOW: u32 = 0;
//!     let RESULT = 'body_N: {
//!         let VALUE = match GUARD.enter() { Ok(v) => v, Err(e) => return propagate(e) };
//!         let PAT = VALUE;
//!         let OUT = BODY;        // sites: store, set FLOW, `break 'body_N None`
//!         Some(OUT)
//!     };                         // VALUE (and what PAT bound) is dropped here
//!     let OUTCOME = match FLOW { i => <view of SLOT_i / RET>, _ => Outcome::Ok };
//!     if let Err(e) = GUARD.finish(OUTCOME) { return propagate(e); }
//!     match FLOW {
//!         0 => RESULT.unwrap(),
//!         i => <resume site i: `r?` / `return v` / `break 'l v` / `continue 'l`>,
//!     }
//! }
//! ```
//!
//! A body without sites gets the short form: no label, no flow variable.

use std::cell::Cell;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Block, Expr};

use super::parse::{self, Malformed, Manager, WithInput};
use super::rewrite::{generated_expr, Names, Rewriter, SiteKind};

/// What one macro call's expansions share.
pub struct Ctx {
    pub krate: TokenStream,
    next_id: Cell<usize>,
}

impl Ctx {
    pub fn new(krate: TokenStream) -> Self {
        Ctx {
            krate,
            next_id: Cell::new(0),
        }
    }

    fn fresh_id(&self) -> usize {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        id
    }

    /// Expands a `with!` found inside a body. `None` when its input is
    /// malformed: it is then left for the compiler to expand (and report).
    pub fn expand_nested(&self, mac: &syn::Macro) -> Option<Expr> {
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
        Some(generated_expr(self.expand_input(input)))
    }

    /// Several managers nest: `with!(A, B => body)` is
    /// `with!(A => { with!(B => body) })`, built inside out.
    /// The expansion's tokens. Only a nested expansion is parsed back into
    /// an `Expr` (its resumption code must be visited by the enclosing one).
    pub fn expand_input(&self, input: WithInput) -> TokenStream {
        let WithInput {
            krate: _,
            mut managers,
            body,
        } = input;
        // `parse` returns at least one manager.
        let Some(last) = managers.pop() else {
            return body.to_token_stream();
        };
        let mut tokens = self.expand_one(last, body);
        while let Some(outer) = managers.pop() {
            let body = Block {
                brace_token: Default::default(),
                stmts: vec![syn::Stmt::Expr(generated_expr(tokens), None)],
            };
            tokens = self.expand_one(outer, body);
        }
        tokens
    }

    fn expand_one(&self, manager: Manager, mut body: Block) -> TokenStream {
        let names = Names::new(self.fresh_id());
        let mut rewriter = Rewriter::new(self, &names);
        rewriter.visit_block_mut(&mut body);
        let sites = std::mem::take(&mut rewriter.sites);

        let krate = &self.krate;
        let p = quote!(#krate::__private);
        let Names {
            label, flow, ret, ..
        } = &names;
        let m = Span::mixed_site();
        let guard = syn::Ident::new(&format!("__ctxmgr_guard_{}", names.id), m);
        let value = syn::Ident::new(&format!("__ctxmgr_value_{}", names.id), m);
        let result = syn::Ident::new(&format!("__ctxmgr_result_{}", names.id), m);

        let expr = &manager.expr;
        let new_guard = quote_spanned!(expr.span()=> #p::Guard::new);
        let bind = match &manager.pat {
            // `let A | B = v;` is Rust but not a `let` syn re-parses.
            Some(pat @ syn::Pat::Or(_)) => quote!(let (#pat) = #value;),
            Some(pat) => quote!(let #pat = #value;),
            // Moved into a local of the block so it is dropped before exit.
            None => {
                let unused = syn::Ident::new(&format!("_ctxmgr_unused_{}", names.id), m);
                quote_spanned!(m=> let #unused = #value;)
            }
        };
        // Enter's and exit's errors propagate like `?`; an `Infallible` one
        // compiles away (so `()`-returning functions work).
        let kind = syn::Ident::new(&format!("__ctxmgr_kind_{}", names.id), m);
        let propagate = |e: TokenStream| {
            quote_spanned! {m=>
                return #kind.propagate(#e)
            }
        };
        let enter_err = propagate(quote_spanned!(m=> __ctxmgr_e));
        let uses = quote_spanned! {m=>
            #[allow(unused_imports)]
            use #p::{KindNever as _, KindNotManager as _, KindReal as _};
        };
        // Through `branch`, as `?` does: matching enter's `Result` directly
        // lets the optimizer build it in the caller's return slot (when the
        // types agree) and leaves a dead store there that hand-written `?`
        // does not have (issue 4, `bench/`: one instruction per call).
        let enter = quote_spanned! {m=>
            let #value = match #p::branch(#p::Guard::enter(&mut #guard)) {
                #p::ControlFlow::Continue(__ctxmgr_v) => __ctxmgr_v,
                #p::ControlFlow::Break(#p::Err(__ctxmgr_e)) => #enter_err,
                #[allow(unreachable_patterns)]
                #p::ControlFlow::Break(#p::Ok(__ctxmgr_never)) => match __ctxmgr_never {},
            };
        };

        if sites.is_empty() {
            // Short form: the body can only end normally (or panic).
            let out = quote_spanned! {m=>
                {
                    #uses
                    let mut #guard = #new_guard(#expr);
                    let #kind = (&&#p::GuardKind(&#guard)).__ctxmgr_kind();
                    #[allow(unused_braces)]
                    let #result = {
                        #enter
                        #bind
                        #body
                    };
                    #[allow(unreachable_code)]
                    let __ctxmgr_exit = #p::Guard::finish(&mut #guard, #p::Outcome::Ok);
                    if let #p::Err(__ctxmgr_e) = __ctxmgr_exit {
                        #enter_err;
                    }
                    #result
                }
            };
            return out;
        }

        // Unlabelled `break`/`continue` cannot be resumed inside a labelled
        // block (E0695): with such sites the outer block yields
        // `Option<value>` and they are resumed after it.
        let unlabelled = sites.iter().any(|s| {
            matches!(
                s.kind,
                SiteKind::Break { label: None, .. } | SiteKind::Continue { label: None }
            )
        });
        let wrap = |v: TokenStream| {
            if unlabelled {
                quote_spanned!(m=> #p::Some(#v))
            } else {
                v
            }
        };
        let outer = &names.outer;
        let mut slots = TokenStream::new();
        let mut outcomes = TokenStream::new();
        let mut resumes = TokenStream::new();
        let mut late_resumes = TokenStream::new();
        let mut has_return = false;
        let view = |e: TokenStream| quote_spanned!(m=> (&&&#p::Probe(#e)).__ctxmgr_view());
        for site in &sites {
            let i = site.index;
            let slot = names.slot(i);
            match &site.kind {
                SiteKind::Try => {
                    slots.extend(quote_spanned!(m=> let mut #slot = #p::None;));
                    let v = view(quote_spanned!(m=> __ctxmgr_e));
                    outcomes.extend(quote_spanned! {m=>
                        #i => #p::Outcome::Err(match #p::residual_of(#p::taken_ref(&#slot)) {
                            #p::Some(__ctxmgr_e) => #v,
                            #p::None => #p::ErrorRef::none_value(),
                        }),
                    });
                    // Suppression is asked about the view exit saw.
                    let suppressed = wrap(quote_spanned!(m=> __ctxmgr_default));
                    resumes.extend(quote_spanned! {m=>
                        #i => match (&#p::SuppressProbe(&#guard))
                            .__ctxmgr_suppress_kind()
                            .check(&mut #guard, #p::error_of(__ctxmgr_outcome))
                        {
                            #[allow(unreachable_code)]
                            #p::Some(__ctxmgr_default) => break #outer #suppressed,
                            #p::None => match #p::taken(#slot)? {},
                        },
                    });
                }
                SiteKind::Return => {
                    has_return = true;
                    let v = view(quote_spanned!(m=> __ctxmgr_e));
                    outcomes.extend(quote_spanned! {m=>
                        #i => match (&#p::Probe(#p::taken_ref(&#ret))).__ctxmgr_returned_err() {
                            #p::Some(__ctxmgr_e) => #p::Outcome::Err(#v),
                            #p::None => #p::Outcome::Ok,
                        },
                    });
                    resumes.extend(quote_spanned!(m=> #i => return #p::taken(#ret),));
                }
                SiteKind::Break { label: l, value } => {
                    let resume = if *value {
                        slots.extend(quote_spanned!(m=> let mut #slot = #p::None;));
                        quote_spanned!(m=> break #l #p::taken(#slot))
                    } else {
                        quote_spanned!(m=> break #l)
                    };
                    if l.is_some() {
                        resumes.extend(quote_spanned!(m=> #i => #resume,));
                    } else {
                        resumes.extend(quote_spanned!(m=> #i => {},));
                        late_resumes.extend(quote_spanned!(m=> #i => #resume,));
                    }
                }
                SiteKind::Continue { label: l } => {
                    // Resumed at the end of the user's loop body, where
                    // clippy would call the `continue` redundant.
                    let resume = quote_spanned! {m=>
                        #[allow(clippy::needless_continue)]
                        #i => continue #l,
                    };
                    if l.is_some() {
                        resumes.extend(resume);
                    } else {
                        resumes.extend(quote_spanned!(m=> #i => {},));
                        late_resumes.extend(resume);
                    }
                }
            }
        }
        let tie_return = if has_return {
            quote_spanned! {m=>
                let mut #ret = #p::None;
                #[allow(unreachable_code)]
                if false {
                    return #p::Option::unwrap(#ret);
                }
            }
        } else {
            TokenStream::new()
        };
        // The body is the break's value itself, so that a body that always
        // leaves makes the break unreachable and `with!` diverges.
        let normal = wrap(body.to_token_stream());
        // Only the probe traits this expansion calls.
        let has_try = sites.iter().any(|s| matches!(s.kind, SiteKind::Try));
        let mut probes = Vec::new();
        if has_try || has_return {
            probes.extend(["ViewError", "ViewDisplay", "ViewDebug", "ViewOpaque"]);
        }
        if has_return {
            probes.extend(["ReturnedErr", "ReturnedNonResult"]);
        }
        if has_try {
            probes.extend(["SuppressYesKind", "SuppressNoKind"]);
        }
        let probes = probes.iter().map(|name| syn::Ident::new(name, m));
        let site_uses = quote_spanned!(m=> use #p::{#(#probes as _),*};);
        let dispatch = quote_spanned! {m=>
            match #flow {
                #resumes
                _ => #p::unreachable_flow(),
            }
        };
        let (dispatch, tail) = if unlabelled {
            (
                quote_spanned!(m=> #dispatch; #p::None),
                quote_spanned! {m=>
                    match #result {
                        #p::Some(__ctxmgr_v) => __ctxmgr_v,
                        #p::None => match #flow {
                            #late_resumes
                            _ => #p::unreachable_flow(),
                        },
                    }
                },
            )
        } else {
            (dispatch, quote_spanned!(m=> #result))
        };
        let out = quote_spanned! {m=>
            {
                #uses
                #site_uses
                let mut #guard = #new_guard(#expr);
                    let #kind = (&&#p::GuardKind(&#guard)).__ctxmgr_kind();
                #tie_return
                #slots
                let mut #flow: u32 = 0;
                let #result = #outer: {
                    #label: {
                        #enter
                        #bind
                        #[allow(unused_braces, unreachable_code)]
                        break #outer #normal;
                    }
                    // Reached from a site only: the bound value is gone.
                    let __ctxmgr_outcome = match #flow {
                        #outcomes
                        _ => #p::Outcome::Ok,
                    };
                    if let #p::Err(__ctxmgr_e) = #p::Guard::finish(&mut #guard, __ctxmgr_outcome) {
                        #enter_err;
                    }
                    #dispatch
                };
                // The normal end (a no-op after a site: exit already ran).
                #[allow(unreachable_code)]
                let __ctxmgr_exit = #p::Guard::finish(&mut #guard, #p::Outcome::Ok);
                if let #p::Err(__ctxmgr_e) = __ctxmgr_exit {
                    #enter_err;
                }
                #tail
            }
        };
        out
    }
}

/// Entry point of `with_impl!`.
pub fn with(input: TokenStream) -> TokenStream {
    match parse::parse_with(input) {
        Ok(input) => {
            let ctx = Ctx::new(input.krate.clone());
            ctx.expand_input(input)
        }
        Err(malformed) => malformed_output(*malformed),
    }
}

/// The error, plus the body (when found) so rust-analyzer keeps completing
/// inside it while the user finishes typing. When the managers parsed, the
/// body gets their bindings, with their real types.
fn malformed_output(m: Malformed) -> TokenStream {
    let error = m.error.to_compile_error();
    let Some(body) = m.body else {
        return quote!({ #error });
    };
    let krate = &m.krate;
    let bindings = m.managers.iter().enumerate().map(|(i, manager)| {
        let guard = syn::Ident::new(&format!("__ctxmgr_guard_{i}"), Span::mixed_site());
        let expr = &manager.expr;
        let value = quote_spanned! {Span::mixed_site()=>
            match #krate::__private::Guard::enter(&mut #guard) {
                #krate::__private::Ok(__ctxmgr_v) => __ctxmgr_v,
                #krate::__private::Err(_) => loop {},
            }
        };
        let bind = match &manager.pat {
            Some(pat) => quote!(let #pat = #value;),
            None => quote_spanned!(Span::mixed_site()=> let _ = #value;),
        };
        quote_spanned! {Span::mixed_site()=>
            let mut #guard = #krate::__private::Guard::new(#expr);
            #bind
        }
    });
    quote! {
        {
            #error;
            #(#bindings)*
            #[allow(unreachable_code, unused_variables)]
            #body
        }
    }
}
