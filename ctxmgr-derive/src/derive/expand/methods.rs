//! What `#[ctxmgr::context_manager]` reads off the marked methods
//! ([`Raw`]), and its unbounded `Methods` (or `AsyncMethods`) impl: the
//! marker that says "this type has the attribute's methods", and (sync)
//! what the named guard keeps of the value.

use proc_macro2::TokenStream;
use quote::quote_spanned;

use super::adapters::{EnterAdapter, ExitAdapter, Frame};
use super::ImplFrame;
use crate::derive::spec::{Shape, Spec};

/// What the manager impl says of the marked methods, sync or async.
pub(super) struct Raw {
    /// `Value<'a>`.
    pub(super) value: TokenStream,
    /// `Error`: enter's error, else exit's, else `Infallible`.
    pub(super) error: TokenStream,
    /// The body of `enter`.
    pub(super) enter_body: TokenStream,
    /// `enter_body` is already the future `enter` returns (async only).
    pub(super) enter_is_future: bool,
    /// The body of `exit`.
    pub(super) exit_body: TokenStream,
    /// `exit`'s outcome parameter: `outcome` or `_`.
    pub(super) outcome: TokenStream,
    /// What the named guard keeps of the value.
    pub(super) shape: Shape,
}

impl Raw {
    /// `error_type`: the value type of a missing enter (see
    /// [`Frame::enter`]).
    pub(super) fn new(
        adapters: &Frame<'_>,
        spec: &Spec<'_>,
        error_type: Option<TokenStream>,
    ) -> Self {
        let EnterAdapter {
            raw_value,
            error: enter_error,
            body: enter_body,
            is_future: enter_is_future,
            shape,
        } = adapters.enter(spec.enter.as_ref(), error_type);
        let ExitAdapter {
            error: exit_error,
            body: exit_body,
            outcome,
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
            enter_is_future,
            exit_body,
            outcome,
            shape,
        }
    }
}

/// `impl Methods for Self { type Shape = ..; }` (or `impl AsyncMethods for
/// Self { type Tag = (); }`), under the impl block's own where-clause: its
/// `Shape` tells the named guard what to keep (the runtime's `GuardShape`
/// does the rest).
pub(super) fn methods_impl(frame: &ImplFrame<'_>, raw: &Raw) -> TokenStream {
    let ImplFrame {
        span,
        self_ty,
        impl_generics,
        where_clause,
        ..
    } = frame;
    let span = *span;
    let methods = frame.runtime("Methods", "AsyncMethods");
    let item = if frame.is_async {
        quote_spanned!(span=> type Tag = ();)
    } else {
        let shape = frame.adapters().shape_type(raw.shape);
        quote_spanned!(span=> type Shape = #shape;)
    };
    quote_spanned! {span=>
        #[automatically_derived]
        impl #impl_generics #methods for #self_ty #where_clause {
            #item
        }
    }
}
