//! The sync renderer: one level of `with!` over a sync manager, its body a
//! labelled block whose sites store what they carry and leave it, exit run
//! after it, then the site resumed (see the shape in [`mod@super::expand`]).

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};

use super::guard::ExitBorrow;
use super::plan::{Level, Shared};
use super::sites::{returned_outcome, SiteArm};
use crate::tokens::Trees;

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
    let finish = syn::Ident::new("finish", manager.span());
    let ExitBorrow {
        borrow: exit_borrow,
        release,
        ..
    } = &exit;
    let err = level.error_name();
    let pass_on = level.error_return(&err);
    let finish_ok = quote_spanned! {m=>
        #[allow(unreachable_code)]
        let exit = #kind.#finish(#exit_borrow, #p::Outcome::Ok);
        #release
        if let #p::Break(#err) = exit {
            #pass_on;
        }
    };

    // Every form is one block: `{ IMPORTS SETUP PRE let RESULT = VALUE;
    // FINISH_OK TAIL }`, written once below.
    let (pre, value, tail) = if sites.is_empty() {
        // Short form: the body can only end normally (or panic).
        (
            quote_spanned!(m=> #[allow(unused_braces)]),
            quote_spanned!(m=> { #enter #body }),
            result_out.into_token_stream(),
        )
    } else {
        let (pre, inner, tail) = with_sites(level, shared, &err, &finish);
        let outer = names.label("with");
        (pre, quote_spanned!(m=> #outer: { #inner }), tail)
    };
    quote_spanned! {m=>
        {
            #imports
            #setup
            #pre
            let #result = #value;
            #finish_ok
            #tail
        }
    }
}

/// The labelled form, the body's block inside the `with!`'s: what goes
/// before `let RESULT`, the `with!`'s block's statements (the body's block,
/// exit with the outcome of the site that left it, the site resumed), and
/// the tail after the normal end's exit.
fn with_sites(
    level: &Level,
    shared: &Shared,
    err: &syn::Ident,
    finish: &syn::Ident,
) -> (TokenStream, TokenStream, TokenStream) {
    let Level {
        names,
        manager,
        sites,
        call,
        ..
    } = level;
    let Shared {
        p,
        exit,
        enter,
        body,
        ..
    } = shared;
    let m = Span::mixed_site();
    let kind = names.field("kind");
    let result_out = names.local_at("result", *call);
    let exit_borrow = &exit.borrow;
    let outer = names.label("with");
    let label = names.label("body");
    let outcome = names.local("outcome");
    // Sites leave the body's block with their index (`break 'body i`), or
    // with what they carry when there is one site.
    let body_block = |value: &TokenStream| {
        quote_spanned! {m=>
            #label: {
                #enter
                #[allow(unused_braces, unreachable_code)]
                break #outer #value;
            }
        }
    };
    // Reached from a site only (the bound value is gone): exit with the
    // site's outcome; its error returned as `name`.
    let exit_site = |name: &syn::Ident, outcome_expr: &TokenStream| {
        let pass_on = level.error_return(name);
        quote_spanned! {m=>
            let #outcome = #outcome_expr;
            if let #p::Break(#name) = #kind.#finish(#exit_borrow, #outcome) {
                #pass_on;
            }
        }
    };

    if sites.inner_only() {
        // An inner level's enter or exit error is the body's only way
        // out: it leaves the body's block as the block's value, ERR, and
        // reaches exit as an error; no slot, no index.
        let block = body_block(body);
        let exit = exit_site(
            &syn::Ident::new("ret", m),
            &returned_outcome(p, &quote_spanned!(m=> &#err)),
        );
        let pass_on = level.error_return(err);
        let inner = quote_spanned! {m=>
            let #err = #block;
            // Its type is the function's return type, known before it is
            // viewed.
            #[allow(unreachable_code)]
            if false {
                #pass_on;
            }
            #exit
            #pass_on;
        };
        return (TokenStream::new(), inner, result_out.into_token_stream());
    }

    if sites.try_only() {
        // A `?` is the body's only way out: its residual leaves the body's
        // block as the block's value; no slot, no index.
        let residual = names.local("residual");
        let (outcome_expr, resume) =
            sites.try_only_code(names, p, manager.span(), &residual, level.out);
        let block = body_block(body);
        let exit = exit_site(err, &outcome_expr);
        let inner = quote_spanned!(m=> let #residual = #block; #exit #resume);
        return (TokenStream::new(), inner, result_out.into_token_stream());
    }

    let unlabelled = sites.has_unlabelled();
    let arms = sites.sync_arms(names, p, manager.span(), unlabelled, level.out);
    let site_setup = sites.setup(names, p, level.out);
    // Declared after the body, or (read again after the `with!`'s block)
    // a field of the state, before it.
    let flow = if unlabelled {
        names.field("flow")
    } else {
        Trees::from_ident(names.local("flow"))
    };
    // The body is the break's value itself, so that a body that always
    // leaves makes the break unreachable and `with!` diverges.
    let block = if unlabelled {
        body_block(&quote_spanned!(m=> #p::Some(#body)))
    } else {
        body_block(body)
    };
    let ok = quote_spanned!(m=> #p::Outcome::Ok);
    // Input:  the sites' arms
    // Output: one site: its outcome and resumption as they are, no index
    //         kept; several: `match FLOW { i => .., _ => .. }`, FLOW the
    //         index the body's block yields
    let (body_stmt, outcome_expr, dispatch, late) = if let [arm] = arms.as_slice() {
        let SiteArm {
            outcome,
            attrs,
            resume,
            late,
            ..
        } = arm;
        let outcome = outcome.clone().unwrap_or(ok);
        // Statements: an attribute on an expression is unstable.
        let (dispatch, late) = if *late {
            (
                quote_spanned!(m=> #p::None),
                quote_spanned!(m=> { #attrs #resume; }),
            )
        } else {
            (quote_spanned!(m=> #attrs #resume;), TokenStream::new())
        };
        (quote_spanned!(m=> #block;), outcome, dispatch, late)
    } else {
        let mut outcomes = TokenStream::new();
        let mut resumes = TokenStream::new();
        let mut lates = TokenStream::new();
        for arm in &arms {
            let (i, attrs, resume) = (&arm.index, &arm.attrs, &arm.resume);
            if let Some(o) = &arm.outcome {
                outcomes.extend(quote_spanned!(m=> #i => #o,));
            }
            let resumed = quote_spanned!(m=> #attrs #i => #resume,);
            if arm.late {
                resumes.extend(quote_spanned!(m=> #i => {},));
                lates.extend(resumed);
            } else {
                resumes.extend(resumed);
            }
        }
        let outcome = if outcomes.is_empty() {
            ok
        } else {
            quote_spanned!(m=> match #flow { #outcomes _ => #ok, })
        };
        let flow_match = |arms: TokenStream| {
            quote_spanned! {m=>
                match #flow {
                    #arms
                    _ => #p::unreachable_flow(),
                }
            }
        };
        let dispatch = flow_match(resumes);
        if unlabelled {
            // Read again after the `with!`'s block.
            (
                quote_spanned!(m=> #flow = #block;),
                outcome,
                quote_spanned!(m=> #dispatch; #p::None),
                flow_match(lates),
            )
        } else {
            (
                quote_spanned!(m=> let #flow: u32 = #block;),
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
        result_out.into_token_stream()
    };
    let exit = exit_site(err, &outcome_expr);
    (
        site_setup,
        quote_spanned!(m=> #body_stmt #exit #dispatch),
        tail,
    )
}
