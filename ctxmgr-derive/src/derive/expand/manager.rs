//! The manager impls of `#[ctxmgr::context_manager]` over its `Methods`
//! (or `AsyncMethods`) impl: `ContextManager` (or `AsyncContextManager`),
//! the `Suppress` (or `AsyncSuppress`) marker, and `DerivedValue`, each
//! bounded `for<'x> Self: Derived` (see [`ImplFrame`]).

use proc_macro2::TokenStream;
use quote::quote_spanned;

use super::ImplFrame;

/// `impl ContextManager for Self`, delegating to `Methods`; `suppresses`
/// is the trait's `suppresses` when the block has a `#[suppress]` method.
pub(super) fn manager_impl(frame: &ImplFrame<'_>, suppresses: Option<TokenStream>) -> TokenStream {
    let ImplFrame {
        span,
        p,
        self_ty_group,
        impl_generics,
        trait_where,
        a,
        ..
    } = frame;
    let span = *span;
    quote_spanned! {span=>
        #[automatically_derived]
        impl #impl_generics #p::ContextManager for #self_ty_group #trait_where {
            type Value<#a> = <Self as #p::Methods>::RawValue<#a> where Self: #a;
            type Error = <Self as #p::Methods>::RawError;

            #[inline]
            fn enter(&mut self) -> #p::Result<Self::Value<'_>, Self::Error> {
                <Self as #p::Methods>::__ctxmgr_enter(self)
            }

            #[inline]
            fn exit(&mut self, outcome: #p::Outcome<'_>) -> #p::Result<(), Self::Error> {
                <Self as #p::Methods>::__ctxmgr_exit(self, outcome)
            }

            #suppresses
        }
    }
}

/// `impl AsyncContextManager for Self`, delegating to `AsyncMethods` (no
/// sync impl: a sync block has no async one, whose check alone cost rustc
/// ~5 M instructions per type).
pub(super) fn async_manager_impl(
    frame: &ImplFrame<'_>,
    suppresses: Option<TokenStream>,
) -> TokenStream {
    let ImplFrame {
        span,
        p,
        self_ty_group,
        impl_generics,
        trait_where,
        a,
        ..
    } = frame;
    let span = *span;
    quote_spanned! {span=>
        #[automatically_derived]
        impl #impl_generics #p::AsyncContextManager for #self_ty_group #trait_where {
            type Value<#a> = <Self as #p::AsyncMethods>::RawValue<#a> where Self: #a;
            type Error = <Self as #p::AsyncMethods>::RawError;

            #[inline]
            fn enter(
                &mut self,
            ) -> impl #p::Future<Output = #p::Result<Self::Value<'_>, Self::Error>> {
                <Self as #p::AsyncMethods>::__ctxmgr_enter(self)
            }

            #[inline]
            fn exit(
                &mut self,
                outcome: #p::Outcome<'_>,
            ) -> impl #p::Future<Output = #p::Result<(), Self::Error>> {
                <Self as #p::AsyncMethods>::__ctxmgr_exit(self, outcome)
            }

            #suppresses
        }
    }
}

/// The marker that makes `with!` ask `suppresses`: `Suppress`, or
/// `AsyncSuppress` when async.
pub(super) fn suppress_marker(frame: &ImplFrame<'_>, is_async: bool) -> TokenStream {
    let ImplFrame {
        span,
        p,
        self_ty_group,
        impl_generics,
        trait_where,
        ..
    } = frame;
    let span = *span;
    let marker = if is_async {
        quote_spanned!(span=> #p::AsyncSuppress)
    } else {
        quote_spanned!(span=> #p::Suppress)
    };
    quote_spanned! {span=>
        #[automatically_derived]
        impl #impl_generics #marker for #self_ty_group #trait_where {}
    }
}

/// `impl DerivedValue for Self`: the manager's value is `Methods`'
/// `RawValue` (sync only; the named guard reads it).
pub(super) fn derived_value_impl(frame: &ImplFrame<'_>) -> TokenStream {
    let ImplFrame {
        span,
        p,
        self_ty_group,
        impl_generics,
        trait_where,
        a,
        ..
    } = frame;
    let span = *span;
    quote_spanned! {span=>
        #[automatically_derived]
        impl #impl_generics #p::DerivedValue for #self_ty_group #trait_where {
            #[inline]
            fn __ctxmgr_raw<#a>(
                value: <Self as #p::ContextManager>::Value<#a>,
            ) -> <Self as #p::Methods>::RawValue<#a>
            where
                Self: #a,
            {
                value
            }
        }
    }
}
