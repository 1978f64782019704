//! `#[ctxmgr::context_manager(send)]`: the `SendAsyncContextManager` impl
//! of an async manager whose futures are `Send`.

use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::ItemImpl;

use crate::derive::spec::Spec;
use crate::diag::Errors;
use crate::krate::private_path;
use crate::tokens::respan;

/// Input: `#[ctxmgr::context_manager(send)] impl<G> Conn<G> where W { async #[exit] .. }`.
/// Output (spanned on `send`, where rustc reports an exit future that is
/// not `Send`):
/// ```text
/// impl<G> SendAsyncContextManager for Conn<G> where W {
///     fn enter_send(&mut self) -> impl Future<..> + Send { AsyncContextManager::enter(self) }
///     fn exit_send(&mut self, outcome) -> impl Future<..> + Send { AsyncContextManager::exit(self, outcome) }
/// }
/// ```
/// On a sync manager: an error on `send`, and nothing.
pub(super) fn send_impl(
    item: &ItemImpl,
    spec: &Spec<'_>,
    krate: &TokenStream,
    span: Span,
    errors: &mut Errors,
) -> TokenStream {
    if !spec.is_async {
        errors.push(syn::Error::new(
            span,
            format!(
                "`{}` implements `SendAsyncContextManager`, for async managers: this one's `#[enter]` and `#[exit]` are not `async fn`; remove `{}`",
                crate::derive::attr::KEY_SEND,
                crate::derive::attr::KEY_SEND
            ),
        ));
        return TokenStream::new();
    }
    let p = respan(private_path(krate), span);
    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let preds = super::predicates(where_clause);
    // Written once, interpolated five times (each token of a `quote!` is
    // code compiled into this crate).
    let manager = quote_spanned!(span=> <Self as #p::AsyncContextManager>);
    quote_spanned! {span=>
        #[automatically_derived]
        impl #impl_generics #p::SendAsyncContextManager for #self_ty
        where #preds
        {
            #[inline]
            fn enter_send(
                &mut self,
            ) -> impl #p::Future<Output = #p::Result<
                #manager::Value<'_>,
                #manager::Error,
            >> + #p::Send {
                #manager::enter(self)
            }

            #[inline]
            fn exit_send(
                &mut self,
                outcome: #p::Outcome<'_>,
            ) -> impl #p::Future<Output = #p::Result<(), #manager::Error>> + #p::Send {
                #manager::exit(self, outcome)
            }
        }
    }
}
