//! The sync renderer: one level of `with!` over a sync manager, each site of
//! its body leaving a labelled block of its own with what it carries, exit
//! run right after that block, then the site resumed (see the shape in
//! [`mod@super::expand`]).

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};

use super::guard::ExitBorrow;
use super::plan::{Level, Shared};
use super::sites::SyncSite;

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

/// The labelled form: what goes before `let RESULT` (RET tied to the
/// function's return type), the `with!`'s block's statements, and the tail
/// after the normal end's exit. Each site leaves a labelled block of its
/// own, right after which its handler runs exit with the site's outcome
/// and resumes it; the blocks nest, the last site's innermost, around the
/// body:
///
/// ```text
/// let residual = 'SITE_1: {
///     'SITE_2: {
///         ENTER
///         break 'with BODY;     // `x?`: `break 'SITE_1 r`; `continue 'l`: `break 'SITE_2`
///     };
///     <exit with Outcome::Ok> continue 'l;
/// };
/// <exit with Outcome::Err(<view of residual>)> break 'with (<check>.resume(residual))?;
/// ```
///
/// No slot, no index, no `match` on which site left: each site's value
/// reaches its handler as its block's value. Unlabelled `break`/`continue`
/// cannot be resumed inside a labelled block (E0695): then the `with!`'s
/// block yields `Option<value>`, theirs `None`, and they are resumed after
/// it.
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
    let outcome = names.local("outcome");
    let pass_on = level.error_return(err);
    let unlabelled = sites.has_unlabelled();
    let body = if unlabelled {
        quote_spanned!(m=> #p::Some(#body))
    } else {
        body.clone()
    };
    // The body is the break's value itself, so that a body that always
    // leaves makes the break unreachable and `with!` diverges. A body that
    // is one site, `{ return x; }`, is then a `break` in a `break`'s value,
    // which clippy's `diverging_sub_expression` would call out in code the
    // user did not write that way.
    let mut inner = quote_spanned! {m=>
        #enter
        #[allow(unused_braces, unreachable_code, clippy::diverging_sub_expression)]
        break #outer #body;
    };
    let mut lates = Vec::new();
    let handlers = sites.sync_sites(names, p, manager.span(), unlabelled, level.out);
    for site in handlers.into_iter().rev() {
        let SyncSite {
            label,
            bind,
            pre,
            outcome: outcome_expr,
            resume,
            late,
        } = site;
        let outcome_expr = outcome_expr.unwrap_or_else(|| quote_spanned!(m=> #p::Outcome::Ok));
        let block = match bind {
            Some(bind) => quote_spanned!(m=> let #bind = #label: { #inner };),
            None => quote_spanned!(m=> #label: { #inner };),
        };
        // Reached from the site only (the bound value is gone): exit with
        // the site's outcome, its error passed on.
        inner = quote_spanned! {m=>
            #block
            #pre
            let #outcome = #outcome_expr;
            if let #p::Break(#err) = #kind.#finish(#exit_borrow, #outcome) {
                #pass_on;
            }
            #resume
        };
        if let Some(late) = late {
            lates.push(late);
        }
    }
    let tail = if unlabelled {
        let late = match lates.as_slice() {
            [(attrs, resume)] => quote_spanned!(m=> { #attrs #resume; }),
            _ => {
                let flow = names.field("flow");
                let mut arms = TokenStream::new();
                // `lates` from the last site to the first.
                for (site, (attrs, resume)) in sites
                    .iter()
                    .filter(|site| site.kind.is_late())
                    .zip(lates.iter().rev())
                {
                    let i = proc_macro2::Literal::u32_unsuffixed(site.index);
                    arms.extend(quote_spanned!(m=> #attrs #i => #resume,));
                }
                quote_spanned! {m=>
                    match #flow {
                        #arms
                        _ => #p::unreachable_flow(),
                    }
                }
            }
        };
        quote_spanned! {m=>
            match #result_out {
                #p::Some(val) => val,
                #p::None => #late,
            }
        }
    } else {
        result_out.into_token_stream()
    };
    (sites.setup(names, p, level.out), inner, tail)
}
