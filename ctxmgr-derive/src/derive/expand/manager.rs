//! The manager impls of `#[ctxmgr::context_manager]`: `ContextManager`
//! (or `AsyncContextManager`) calling the marked methods, the `Suppress`
//! (or `AsyncSuppress`) marker, and, when the named guard keeps the value,
//! `DerivedValue`, each under the impl block's own where-clause (see
//! [`ImplFrame`]).

use proc_macro2::TokenStream;
use quote::quote_spanned;

use super::methods::Raw;
use super::ImplFrame;
use crate::derive::spec::Shape;

/// `impl ContextManager for Self` (or `AsyncContextManager`, no sync impl:
/// a sync block has no async one, whose check alone cost rustc ~5 M
/// instructions per type), its `enter` and `exit` calling the marked
/// methods; `suppresses` is the trait's `suppresses` when the block has a
/// `#[suppress]` method (else empty).
pub(super) fn manager_impl(
    frame: &ImplFrame<'_>,
    raw: &Raw,
    suppresses: TokenStream,
) -> TokenStream {
    let (span, p, a) = (frame.span, &frame.p, &frame.a);
    let manager = frame.runtime("ContextManager", "AsyncContextManager");
    let comma = frame.async_comma();
    let enter_ret = frame.returns(quote_spanned!(span=> #p::Result<Self::Value<'_>, Self::Error>));
    let exit_ret = frame.returns(quote_spanned!(span=> #p::Result<(), Self::Error>));
    let (value, error, outcome) = (&raw.value, &raw.error, &raw.outcome);
    let enter_body = if raw.enter_is_future {
        raw.enter_body.clone()
    } else {
        frame.in_body(&raw.enter_body)
    };
    let exit_body = frame.in_body(&raw.exit_body);
    // The derive is checked here, once per type: on the block's self type,
    // where rustc reports `Derived`'s message when it is missing (a
    // statement in a body rustc checks anyway: a function of its own cost
    // 0.19 M instructions per type).
    let derived = quote_spanned!(span=> #p::derived::<Self>(););
    // The `async move` bodies, which clippy would have be `async fn`s.
    let allow = if frame.is_async {
        quote_spanned!(span=> #[allow(clippy::manual_async_fn)])
    } else {
        TokenStream::new()
    };
    frame.bounded_impl(
        quote_spanned!(span=> #allow),
        manager,
        quote_spanned! {span=>
            type Value<#a> = #value where Self: #a;
            type Error = #error;

            #[inline]
            fn enter(&mut self #comma) -> #enter_ret {
                #derived
                #enter_body
            }

            #[inline]
            fn exit(&mut self, #outcome: #p::Outcome<'_> #comma) -> #exit_ret {
                #exit_body
            }

            #suppresses
        },
    )
}

/// The marker that makes `with!` ask `suppresses`: `Suppress`, or
/// `AsyncSuppress` when async.
pub(super) fn suppress_marker(frame: &ImplFrame<'_>) -> TokenStream {
    let marker = frame.runtime("Suppress", "AsyncSuppress");
    frame.bounded_impl(TokenStream::new(), marker, TokenStream::new())
}

/// `impl DerivedValue for Self`, for a sync manager whose value the named
/// guard keeps ([`Shape::Keeps`]): the value type without its lifetime, and
/// the identity that says so. Nothing for the other shapes: the guard
/// drops their value (the runtime's `GuardShape`).
pub(super) fn derived_value_impl(frame: &ImplFrame<'_>, raw: &Raw) -> TokenStream {
    if frame.is_async || raw.shape != Shape::Keeps {
        return TokenStream::new();
    }
    let (span, p) = (frame.span, &frame.p);
    let value = &raw.value;
    // `Self::Kept` for the trait's `Self::Value<'_>`: the same type here,
    // with no lifetime to name. No `#[inline]`: an identity without calls
    // is inlined across crates anyway (and it is off `with!`'s paths).
    frame.bounded_impl(
        TokenStream::new(),
        quote_spanned!(span=> #p::DerivedValue),
        quote_spanned! {span=>
            type Kept = #value;

            fn __ctxmgr_keep(value: Self::Kept) -> Self::Kept {
                value
            }
        },
    )
}
