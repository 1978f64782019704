//! The sync renderer: one level of `with!` over a sync manager, its body a
//! labelled block whose sites store what they carry and leave it, exit run
//! after it, then the site resumed (see the shape in [`super::expand`]).

use proc_macro2::{Span, TokenStream};
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::guard::ExitBorrow;
use super::plan::{Level, Shared};
use super::sites::SiteCode;

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
    let kind = names.ident("kind");
    let result = names.ident("result");
    // RESULT where it is handed on, the `with!`'s value.
    let result_out = names.ident_at("result", *call);
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
        return tokens;
    }

    let code = sites.code(names, p, false, manager.expr.span());
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
        body.clone()
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
    tokens
}
