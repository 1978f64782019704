//! The `Methods` (or `AsyncMethods`) impl of `#[ctxmgr::context_manager]`:
//! the value and error types read off the marked methods, the adapters that
//! call them, and (sync) what the named guard keeps of the value.

use proc_macro2::TokenStream;
use quote::quote_spanned;

use super::adapters::{EnterAdapter, ExitAdapter, Frame, GuardShape};
use super::ImplFrame;
use crate::derive::validate::{self, Shape};

/// What the `Methods` impl says of the marked methods, sync or async.
pub(super) struct Raw {
    /// `RawValue<'a>`.
    value: TokenStream,
    /// `RawError`: enter's error, else exit's, else `Infallible`.
    error: TokenStream,
    /// The body of `__ctxmgr_enter`.
    enter_body: TokenStream,
    /// The body of `__ctxmgr_exit`.
    exit_body: TokenStream,
    /// What the named guard keeps of the value.
    shape: Shape,
}

impl Raw {
    /// `error_type`: the value type of a missing enter (see
    /// [`Frame::enter`]).
    pub(super) fn new(
        adapters: &Frame<'_>,
        spec: &validate::Spec<'_>,
        error_type: Option<TokenStream>,
    ) -> Self {
        let EnterAdapter {
            raw_value,
            error: enter_error,
            body: enter_body,
            shape,
        } = adapters.enter(spec.enter.as_ref(), error_type);
        let ExitAdapter {
            error: exit_error,
            body: exit_body,
        } = adapters.exit(spec.exit.as_ref());
        let (p, span) = (adapters.p, adapters.span);
        let error = match (enter_error, exit_error) {
            (Some(error), _) | (None, Some(error)) => error,
            (None, None) => quote_spanned!(span=> #p::Infallible),
        };
        Raw {
            value: raw_value,
            error,
            enter_body,
            exit_body,
            shape,
        }
    }
}

/// `impl Methods for Self` (or `AsyncMethods`, the adapters' bodies in
/// `async` blocks), bounded by the impl block's own where-clause only: the
/// manager impls are the ones that need the derive. Sync, it also says what
/// the named guard keeps of the value ([`GuardItems`]).
pub(super) fn methods_impl(frame: &ImplFrame<'_>, raw: &Raw) -> TokenStream {
    let ImplFrame {
        span,
        p,
        self_ty,
        impl_generics,
        where_clause,
        a,
        cm,
        ..
    } = frame;
    let span = *span;
    let methods = frame.runtime("Methods", "AsyncMethods");
    let (guard_types, guard_fns, manual_async_fn) = if frame.is_async {
        let manual_async_fn = quote_spanned!(span=> , clippy::manual_async_fn);
        (TokenStream::new(), TokenStream::new(), manual_async_fn)
    } else {
        let GuardItems { types, fns } = GuardItems::new(frame, raw);
        (types, fns, TokenStream::new())
    };
    let comma = frame.async_comma();
    let enter_ret =
        frame.returns(quote_spanned!(span=> #p::Result<#cm::RawValue<'_>, #cm::RawError>));
    let exit_ret = frame.returns(quote_spanned!(span=> #p::Result<(), #cm::RawError>));
    let (raw_value, raw_error) = (&raw.value, &raw.error);
    let enter_body = frame.in_body(&raw.enter_body);
    let exit_body = frame.in_body(&raw.exit_body);
    quote_spanned! {span=>
        #[automatically_derived]
        #[allow(clippy::needless_lifetimes, clippy::unused_unit, clippy::semicolon_if_nothing_returned #manual_async_fn)]
        impl #impl_generics #methods for #self_ty #where_clause {
            type RawValue<#a> = #raw_value where Self: #a;
            type RawError = #raw_error;
            #guard_types

            #[inline]
            fn __ctxmgr_enter(&mut self #comma) -> #enter_ret {
                #enter_body
            }

            #[inline]
            fn __ctxmgr_exit(
                &mut self,
                __ctxmgr_outcome: #p::Outcome<'_>,
            ) -> #exit_ret {
                #exit_body
            }

            #guard_fns
        }
    }
}

/// What the sync `Methods` says of the named guard: the types `Kept`,
/// `Target` and `Shape`, and the functions that keep the value and reach
/// the target.
struct GuardItems {
    types: TokenStream,
    fns: TokenStream,
}

impl GuardItems {
    fn new(frame: &ImplFrame<'_>, raw: &Raw) -> Self {
        let (span, a, cm) = (frame.span, &frame.a, &frame.cm);
        let GuardShape {
            kept,
            target,
            shape_ty,
            keep,
            target_ref,
            target_mut,
        } = frame.adapters().guard_shape(raw.shape, &raw.value);
        let types = quote_spanned! {span=>
            type Kept = #kept;
            type Target = #target;
            type Shape = #shape_ty;
        };
        let fns = quote_spanned! {span=>
            #[inline]
            fn __ctxmgr_keep<#a>(__ctxmgr_value: #cm::RawValue<#a>) -> Self::Kept
            where
                Self: #a,
            {
                #keep
            }

            #[inline]
            fn __ctxmgr_target<'__ctxmgr_s>(
                __ctxmgr_kept: &'__ctxmgr_s Self::Kept,
                __ctxmgr_manager: &'__ctxmgr_s Self,
            ) -> &'__ctxmgr_s Self::Target {
                #target_ref
            }

            #[inline]
            fn __ctxmgr_target_mut<'__ctxmgr_s>(
                __ctxmgr_kept: &'__ctxmgr_s mut Self::Kept,
                __ctxmgr_manager: &'__ctxmgr_s mut Self,
            ) -> &'__ctxmgr_s mut Self::Target {
                #target_mut
            }
        };
        GuardItems { types, fns }
    }
}
