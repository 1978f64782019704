//! The manager impls of `#[ctxmgr::context_manager]` over its `Methods`
//! (or `AsyncMethods`) impl: `ContextManager` (or `AsyncContextManager`),
//! the `Suppress` (or `AsyncSuppress`) marker, and `DerivedValue`, each
//! bounded `for<'x> Self: Derived` (see [`ImplFrame`]).

use proc_macro2::TokenStream;
use quote::quote_spanned;

use super::ImplFrame;

/// `impl ContextManager for Self`, delegating to `Methods` (or
/// `AsyncContextManager` to `AsyncMethods`, no sync impl: a sync block has
/// no async one, whose check alone cost rustc ~5 M instructions per type);
/// `suppresses` is the trait's `suppresses` when the block has a
/// `#[suppress]` method (else empty).
pub(super) fn manager_impl(frame: &ImplFrame<'_>, suppresses: TokenStream) -> TokenStream {
    let (span, p, a) = (frame.span, &frame.p, &frame.a);
    let manager = frame.runtime("ContextManager", "AsyncContextManager");
    let methods = frame.runtime("Methods", "AsyncMethods");
    // `<Self as Methods>` (or `AsyncMethods`), written once.
    let methods = quote_spanned!(span=> <Self as #methods>);
    let comma = frame.async_comma();
    let enter_ret = frame.returns(quote_spanned!(span=> #p::Result<Self::Value<'_>, Self::Error>));
    let exit_ret = frame.returns(quote_spanned!(span=> #p::Result<(), Self::Error>));
    frame.bounded_impl(
        manager,
        quote_spanned! {span=>
            type Value<#a> = #methods::RawValue<#a> where Self: #a;
            type Error = #methods::RawError;

            #[inline]
            fn enter(&mut self #comma) -> #enter_ret {
                #methods::__ctxmgr_enter(self)
            }

            #[inline]
            fn exit(&mut self, outcome: #p::Outcome<'_> #comma) -> #exit_ret {
                #methods::__ctxmgr_exit(self, outcome)
            }

            #suppresses
        },
    )
}

/// The marker that makes `with!` ask `suppresses`: `Suppress`, or
/// `AsyncSuppress` when async.
pub(super) fn suppress_marker(frame: &ImplFrame<'_>) -> TokenStream {
    let marker = frame.runtime("Suppress", "AsyncSuppress");
    frame.bounded_impl(marker, TokenStream::new())
}

/// `impl DerivedValue for Self`: the manager's value is `Methods`'
/// `RawValue` (sync only; the named guard reads it).
pub(super) fn derived_value_impl(frame: &ImplFrame<'_>) -> TokenStream {
    let (span, p, a) = (frame.span, &frame.p, &frame.a);
    frame.bounded_impl(
        quote_spanned!(span=> #p::DerivedValue),
        quote_spanned! {span=>
            #[inline]
            fn __ctxmgr_raw<#a>(
                value: <Self as #p::ContextManager>::Value<#a>,
            ) -> <Self as #p::Methods>::RawValue<#a>
            where
                Self: #a,
            {
                value
            }
        },
    )
}
