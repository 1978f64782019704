//! The sync renderer: one level of `with!` over a sync manager, its body a
//! labelled block whose sites store what they carry and leave it, exit run
//! after it, then the site resumed (see the shape in [`mod@super::expand`]).

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::guard::ExitBorrow;
use super::plan::{Level, Shared};
use super::sites::SiteArm;

/// Renders a sync level: the short form when its body has no sites (it can
/// only end normally, or panic), else the labelled form.
pub(super) fn render(level: &Level, shared: &Shared) -> TokenStream {
    let Level {
        names,
        manager,
        sites,
        call,
        ..
    } = level;
    let Shared {
        p,
        imports,
        exit,
        setup,
        enter,
        body,
        ..
    } = shared;
    let m = Span::mixed_site();
    let kind = names.field("kind");
    let result = names.local("result");
    // RESULT where it is handed on, the `with!`'s value.
    let result_out = names.local_at("result", *call);
    // Spanned like `enter` (in `entry`), on the user's expression: a
    // function that cannot return the manager's error is one error there,
    // not one for enter and one for each exit.
    let finish = syn::Ident::new("finish", manager.expr.span());
    let ExitBorrow {
        borrow: exit_borrow,
        release,
        ..
    } = &exit;
    let err = level.error_name();
    let finish_ok = quote_spanned! {m=>
        #[allow(unreachable_code)]
        let exit = #kind.#finish(#exit_borrow, #p::Outcome::Ok);
        #release
        if let #p::Break(#err) = exit {
            return #err;
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
        return tokens;
    }

    let outer = names.label("with");
    let label = names.label("body");
    let outcome = names.local("outcome");
    if sites.inner_only() {
        // An inner level's enter or exit error is the body's only way
        // out: it leaves the body's block as the block's value, ERR, and
        // reaches exit as an error; no slot, no index.
        return quote_spanned! {m=>
            {
                #imports
                #setup
                let #result = #outer: {
                    let #err = #label: {
                        #enter
                        #[allow(unused_braces, unreachable_code)]
                        break #outer #body;
                    };
                    // Its type is the function's return type, known before
                    // it is viewed.
                    #[allow(unreachable_code)]
                    if false {
                        return #err;
                    }
                    let #outcome = #p::returned(
                        (&#p::Probe(&#err)).__ctxmgr_returned_err(),
                        |err| (&&&&#p::Probe(err)).__ctxmgr_view(),
                    );
                    if let #p::Break(ret) = #kind.#finish(#exit_borrow, #outcome) {
                        return ret;
                    }
                    return #err;
                };
                #finish_ok
                #result_out
            }
        };
    }

    if sites.try_only() {
        // A `?` is the body's only way out: its residual leaves the body's
        // block as the block's value; no slot, no index.
        let residual = names.local("residual");
        let (outcome_expr, resume) = sites.try_only_code(names, p, manager.expr.span(), &residual);
        return quote_spanned! {m=>
            {
                #imports
                #setup
                let #result = #outer: {
                    let #residual = #label: {
                        #enter
                        #[allow(unused_braces, unreachable_code)]
                        break #outer #body;
                    };
                    let #outcome = #outcome_expr;
                    if let #p::Break(#err) = #kind.#finish(#exit_borrow, #outcome) {
                        return #err;
                    }
                    #resume
                };
                #finish_ok
                #result_out
            }
        };
    }

    let unlabelled = sites.has_unlabelled();
    let arms = sites.sync_arms(names, p, manager.expr.span(), unlabelled);
    let site_setup = sites.setup(names, p);
    // Declared after the body, or (read again after the `with!`'s block)
    // a field of the state, before it.
    let flow = if unlabelled {
        names.field("flow")
    } else {
        names.local("flow").to_token_stream()
    };
    // The body is the break's value itself, so that a body that always
    // leaves makes the break unreachable and `with!` diverges.
    let normal = if unlabelled {
        quote_spanned!(m=> #p::Some(#body))
    } else {
        body.clone()
    };
    // Sites leave the body's block with their index (`break 'body i`).
    let body_block = quote_spanned! {m=>
        #label: {
            #enter
            #[allow(unused_braces, unreachable_code)]
            break #outer #normal;
        }
    };
    let ok = quote_spanned!(m=> #p::Outcome::Ok);
    // Input:  the sites' arms
    // Output: one site: its outcome and resumption as they are, no index
    //         kept; several: `match FLOW { i => .., _ => .. }`, FLOW the
    //         index the body's block yields
    let (flow_decl, body_block, outcome_expr, dispatch, late) = if let [arm] = arms.as_slice() {
        let SiteArm {
            outcome,
            attrs,
            resume,
            late,
            ..
        } = arm;
        let outcome = outcome.clone().unwrap_or_else(|| ok.clone());
        // Statements: an attribute on an expression is unstable.
        let (dispatch, late) = if *late {
            (
                quote_spanned!(m=> #p::None),
                quote_spanned!(m=> { #attrs #resume; }),
            )
        } else {
            (quote_spanned!(m=> #attrs #resume;), TokenStream::new())
        };
        (
            TokenStream::new(),
            quote_spanned!(m=> #body_block;),
            outcome,
            dispatch,
            late,
        )
    } else {
        let outcomes: Vec<TokenStream> = arms
            .iter()
            .filter_map(|a| {
                let (i, o) = (&a.index, a.outcome.as_ref()?);
                Some(quote_spanned!(m=> #i => #o,))
            })
            .collect();
        let outcome = if outcomes.is_empty() {
            ok.clone()
        } else {
            quote_spanned!(m=> match #flow { #(#outcomes)* _ => #ok, })
        };
        let resumes = arms.iter().map(|a| {
            let (i, attrs, resume) = (&a.index, &a.attrs, &a.resume);
            if a.late {
                quote_spanned!(m=> #i => {},)
            } else {
                quote_spanned!(m=> #attrs #i => #resume,)
            }
        });
        let lates = arms.iter().filter(|a| a.late).map(|a| {
            let (i, attrs, resume) = (&a.index, &a.attrs, &a.resume);
            quote_spanned!(m=> #attrs #i => #resume,)
        });
        let dispatch = quote_spanned! {m=>
            match #flow {
                #(#resumes)*
                _ => #p::unreachable_flow(),
            }
        };
        let late = quote_spanned! {m=>
            match #flow {
                #(#lates)*
                _ => #p::unreachable_flow(),
            }
        };
        if unlabelled {
            // Read again after the `with!`'s block.
            (
                TokenStream::new(),
                quote_spanned!(m=> #flow = #body_block;),
                outcome.clone(),
                quote_spanned!(m=> #dispatch; #p::None),
                late,
            )
        } else {
            (
                TokenStream::new(),
                quote_spanned!(m=> let #flow: u32 = #body_block;),
                outcome,
                dispatch,
                TokenStream::new(),
            )
        }
    };
    let tail = if unlabelled {
        quote_spanned! {m=>
            match #result_out {
                #p::Some(val) => val,
                #p::None => #late,
            }
        }
    } else {
        result_out.to_token_stream()
    };
    quote_spanned! {m=>
        {
            #imports
            #setup
            #site_setup
            #flow_decl
            let #result = #outer: {
                #body_block
                // Reached from a site only: the bound value is gone.
                let #outcome = #outcome_expr;
                if let #p::Break(#err) = #kind.#finish(#exit_borrow, #outcome) {
                    return #err;
                }
                #dispatch
            };
            #finish_ok
            #tail
        }
    }
}
