//! A level's guard: creating it (the kind probed on the manager), entering
//! it and binding its value ([`entry`]), and exit's borrow of it
//! ([`ExitBorrow`]). The same for every renderer, and for the body shown
//! after a parse error ([`malformed`]).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};

use super::parse::{Flavor, Malformed, Manager};
use crate::tokens::{spanning, Names, Trees};

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
pub(super) struct ExitBorrow {
    /// The guard (a field of the level's state), shown at the `}`.
    pub(super) guard: Trees,
    /// `&mut GUARD`, at the `}`.
    pub(super) borrow: TokenStream,
    /// `GUARD = { GUARD };`, at the `}`: the braces keep clippy's
    /// `self_assignment` quiet without an `#[allow]` (each attribute is a
    /// lint scope rustc builds per use: two per level cost 4.6 % of `cargo
    /// check` on the 500-site crate, `bench/HISTORY.md`).
    pub(super) release: TokenStream,
}

impl ExitBorrow {
    pub(super) fn new(names: &Names, close: Span) -> Self {
        let at = Span::mixed_site().located_at(close);
        let guard = names.field_at("guard", close);
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
    for tt in tokens {
        let binds = match tt {
            proc_macro2::TokenTree::Ident(ident) => {
                let name = ident.to_string();
                name.len() > 1 && name.starts_with('_')
            }
            proc_macro2::TokenTree::Group(g) => binds_underscore_name(g.stream()),
            _ => false,
        };
        if binds {
            return true;
        }
    }
    false
}

/// Creating the guard, entering it and binding its value: the same for a
/// normal expansion and for the body shown after a parse error.
pub(super) struct Entry {
    /// Sync: `let S = p::Kind { m: EXPR }; let mut S = { let kind = (&S).<probe>; (kind, kind.guard(S.m), EXTRA..) };`
    /// (S the level's state, `Names::state`); async: `let mut S = { let S = EXPR; <the same> };`
    pub(super) new_guard: TokenStream,
    /// Sync: `let PAT = <enter, or ON_BREAK>;`; async: `let VALUE = ..;`
    pub(super) enter: TokenStream,
    /// Async: `let PAT = VALUE;`, inside the body's async block; sync: empty.
    pub(super) bind: TokenStream,
}

/// `guard`: wraps the guard made (`Noted::new(GUARD, ..)`), or `None`;
/// `extra`: the state's fields after KIND and GUARD (`RET, FLOW, SLOT_1,
/// ..`), empty when it has none.
pub(super) fn entry(
    p: &Trees,
    names: &Names,
    manager: &Manager,
    (err, on_break): (&syn::Ident, &TokenStream),
    wrap: Option<&dyn Fn(TokenStream) -> TokenStream>,
    extra: &TokenStream,
) -> Entry {
    let m = Span::mixed_site();
    let state = names.state();
    let kind = names.field("kind");
    // The entered value, when it is bound in the body's async block: an
    // inner block's local named like the state (see `Names`), which it
    // shadows there.
    let value = names.state();
    let expr = &manager.expr;
    // Enter's borrow of the guard, which the bound value keeps, shown on
    // the whole manager expression (see `ExitBorrow`): rustc spans `&mut
    // GUARD` from its `&` to the guard's name.
    let (first, last) = manager.ends;
    let span = manager.span();
    let guard = names.field_at("guard", last);
    let at = m.located_at(first);
    // Spanned on the user's expression: "is not a context manager" and
    // "can fail with `E`" point there. The pieces below are interpolated
    // once each, as trees or syntax nodes where they can be (a
    // `TokenStream` is joined across the proc-macro bridge: see `Trees`).
    let (kind_of, guard_new) = match manager.flavor {
        Flavor::Sync => (syn::Ident::new("Kind", m), syn::Ident::new("guard", span)),
        Flavor::Async(_) => (
            syn::Ident::new("AsyncKind", m),
            syn::Ident::new("async_guard", span),
        ),
    };
    let entered = match manager.flavor {
        Flavor::Sync => {
            let enter = syn::Ident::new("enter", span);
            let enter_borrow = Trees::borrow_mut(&guard, at);
            quote_spanned! {m=>
                match #kind.#enter(#enter_borrow) {
                    #p::Continue(val) => val,
                    #p::Break(#err) => #on_break,
                }
            }
        }
        // The manager's own future is awaited here, in the caller's async
        // fn, and the result recorded in the guard's state after, the two
        // fields borrowed apart (see `AsyncGuard::__ctxmgr_manager`; the
        // value may borrow the manager). `.await` is spanned on the user's
        // `async`: outside an async fn the error points there.
        Flavor::Async(kw) => {
            let entered = syn::Ident::new("entered", span);
            let dot = quote_spanned!(kw=> .await);
            let manager_borrow = quote_spanned!(at=> &mut #guard.__ctxmgr_manager);
            let state_of = quote_spanned!(at=> #guard.__ctxmgr_state);
            quote_spanned! {m=>
                match ({
                    let entered = #p::AsyncContextManager::enter(#manager_borrow) #dot;
                    #kind.#entered(#state_of.__ctxmgr_ref(), entered)
                }) {
                    #p::Continue(val) => val,
                    #p::Break(#err) => #on_break,
                }
            }
        }
    };
    // `as _f` binds a value the body does not use, on purpose (Python's
    // `with lock() as _:`): not clippy's `no_effect_underscore_binding`.
    // Only then: each attribute is a lint scope rustc builds.
    let binds_underscore = match &manager.pat {
        Some(syn::Pat::Ident(p)) if p.subpat.is_none() => {
            let name = p.ident.to_string();
            name.len() > 1 && name.starts_with('_')
        }
        Some(pat) => binds_underscore_name(pat.to_token_stream()),
        None => false,
    };
    let allow = if binds_underscore {
        Some(quote_spanned!(m=> #[allow(clippy::no_effect_underscore_binding)]))
    } else {
        None
    };
    // The pattern the entered value is bound to, with its `allow`.
    let unused;
    let or_pat;
    let pat: &dyn ToTokens = match &manager.pat {
        // Moved into a local of the block so it is dropped before exit.
        // `as _` too: `let _ = VALUE;` would keep it in VALUE just as long,
        // but trip `let_underscore_lock` (deny by default) on a lock guard.
        //
        // Named like the state, which it then shadows in the body (so
        // rust-analyzer lists one internal name, not two), when the body
        // does not name the state: an async body never does, a sync one
        // only through RET, FLOW or a slot, the state's `extra` fields.
        Some(syn::Pat::Wild(_)) | None
            if extra.is_empty() || matches!(manager.flavor, Flavor::Async(_)) =>
        {
            &state
        }
        Some(syn::Pat::Wild(_)) | None => {
            unused = names.ident("unused");
            &unused
        }
        // `let A | B = v;` is Rust but not a `let` syn re-parses.
        Some(pat @ syn::Pat::Or(_)) => {
            or_pat = quote!((#pat));
            &or_pat
        }
        Some(pat) => pat,
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
    let whole = match manager.flavor {
        Flavor::Sync => spanning(&quote_spanned!(m=> #state.m), (first, last)),
        Flavor::Async(_) => spanning(&state, (first, last)),
    };
    // The manager, then the kind probed on it, `let S = Kind { m: EXPR }; let KIND =
    // <probe>;`, then the guard made from it. KIND is a local of the block
    // that makes the state (`{ let KIND = ..; (KIND, KIND.guard(S.m), ..) }`),
    // out of the body's scope.
    let kind_local = syn::Ident::new("kind", m);
    let made = quote_spanned!(m=> #kind_local.#guard_new(#whole));
    let wrapped;
    let made: &dyn ToTokens = match wrap {
        Some(wrap) => {
            wrapped = wrap(made);
            &wrapped
        }
        None => &made,
    };
    // KIND enters and exits: `Break` carries what the function returns on
    // an error (`Err(From::from(e))`); for an `Infallible` manager it cannot
    // happen and nothing is demanded of the function's return type.
    Entry {
        // The kind is probed on the manager before its guard is made: a type
        // that is not a manager is one error, at `guard` (spanned on the
        // user's expression), and the guard is then typed as an error.
        //
        // The state is made in a block whose local is the kind: checking
        // the 500-site crate cost 0.7 % more when the kind was first paired
        // with the manager (`let S = (<probe>, S); let mut S = (S.0,
        // S.0.guard(S.1))`), a tuple and three projections more per level.
        // Sync: the manager's local before it, in the `with!`'s block (a
        // temporary whose lifetime its `let` extends lives as long as the
        // `with!`). Async: the manager's local in the block too, which ends
        // its storage before the body's first `.await` (flat, the coroutine
        // kept a slot for it: one instruction more per call).
        new_guard: match manager.flavor {
            Flavor::Sync => quote_spanned! {m=>
                let #state = #p::#kind_of { m: #expr };
                let mut #state = {
                    let #kind_local = (&#state).__ctxmgr_kind();
                    (#kind_local, #made, #extra)
                };
            },
            Flavor::Async(_) => quote_spanned! {m=>
                let mut #state = {
                    let #state = #expr;
                    let #kind_local = (&#p::#kind_of(&#state)).__ctxmgr_kind();
                    (#kind_local, #made)
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
    let p = Trees::from(quote!(#krate::__private));
    let diverge = quote_spanned!(Span::mixed_site()=> loop {});
    let mut taken = Vec::new();
    let bindings = m.managers.iter().enumerate().map(|(i, manager)| {
        let sync = matches!(manager.flavor, Flavor::Sync);
        let names = Names::for_level(i, manager.pat.as_ref(), sync, &mut taken);
        let Entry {
            new_guard,
            enter,
            bind,
        } = entry(
            &p,
            &names,
            manager,
            (&syn::Ident::new("ret", Span::mixed_site()), &diverge),
            None,
            &TokenStream::new(),
        );
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
