//! Expand stage of `#[ctxmgr::context_manager]` and `#[derive(ContextManager)]`.
//!
//! Attribute. Input:
//!
//! ```text
//! impl<'c> Tx<'c> {
//!     #[enter] fn begin(&mut self) -> Result<&mut Self, DbError> { .. }
//!     #[exit]  fn end(&mut self, outcome: Outcome<'_>) -> Result<(), DbError> { .. }
//! }
//! ```
//!
//! Output: the impl block without the markers, and
//!
//! ```text
//! impl<'c> __private::Methods for Tx<'c> {
//!     type RawValue<'a> = <Result<&'a mut Self, DbError> as EnterResult>::Value where Self: 'a;
//!     type RawError = <Result<(), DbError> as EnterResult>::Error;
//!     type Kept = (); type Target = Self; type Shape = GuardDropsRef;   // see validate::Shape
//!     fn __ctxmgr_enter(&mut self) -> Result<Self::RawValue<'_>, Self::RawError> {
//!         EnterResult::into_result(Self::begin(self))
//!     }
//!     fn __ctxmgr_exit(&mut self, o) -> Result<(), Self::RawError> {
//!         <Result<(), DbError> as ExitResult<Self::RawError>>::into_result(Self::end(self, o))
//!     }
//!     fn __ctxmgr_keep(value: Self::RawValue<'a>) / __ctxmgr_target / __ctxmgr_target_mut   // per shape
//! }
//! impl<'c> ContextManager for Tx<'c> where for<'x> Self: __private::Derived {
//!     type Value<'a> = <Self as Methods>::RawValue<'a> where Self: 'a;
//!     type Error = <Self as Methods>::RawError;
//!     fn enter(..) { Methods::__ctxmgr_enter(self) }  fn exit(..) { Methods::__ctxmgr_exit(self, outcome) }
//! }
//! impl<'c> __private::DerivedValue for Tx<'c> where for<'x> Self: Derived {
//!     fn __ctxmgr_raw(value: <Self as ContextManager>::Value<'a>) -> <Self as Methods>::RawValue<'a> { value }
//! }
//! ```
//!
//! With a `#[suppress] fn keep(&self, error: ErrorRef<'_>) -> bool` in the
//! block, the `ContextManager` (or `AsyncContextManager`) impl also has
//!
//! ```text
//!     fn suppresses(&mut self, __ctxmgr_error: ErrorRef<'_>) -> bool { Self::keep(self, __ctxmgr_error) }
//! ```
//!
//! and the marker that makes `with!` ask it, under the same bound:
//!
//! ```text
//! impl<'c> __private::Suppress for Tx<'c> where for<'x> Self: Derived {}   // AsyncSuppress when async
//! ```
//!
//! When both markers are `async fn`: `__private::AsyncMethods`, with the
//! adapters' bodies in `async` blocks, and `AsyncContextManager` under the
//! same bound (no sync impl; a sync block has no async one, whose check
//! alone cost rustc ~5 M instructions per type). The `Methods` signatures
//! name its own `RawValue`/`RawError`, never `ContextManager`, and `for<'x>`
//! makes the unmet `Derived` bound remove the trait impl rather than be an
//! error: without the derive, this output is no error, and the one error is
//! where the type is used as a manager (`with!` names the missing derive).
//!
//! Derive. Input: `#[derive(ContextManager)] pub struct Tx<'c> { .. }`. Output:
//!
//! ```text
//! impl<'c> __private::Derived for Tx<'c> { type Tag = (); }   // "has the derive"
//! /// The named guard of [`Tx`], ...: one generic runtime type, checked once.
//! pub type TxGuard<'__ctxmgr_g, 'c> = ::ctxmgr::DerivedGuard<'__ctxmgr_g, Tx<'c>>;
//! ```
//!
//! On invalid input the attribute still emits the impl block (so
//! rust-analyzer keeps completing in it) and a `Methods` impl whose broken
//! parts are stubs, so the derive adds no second error.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::ItemImpl;

use super::methods::{EnterAdapter, ExitAdapter, Frame, GuardShape};
use super::parse::{self, parse_impl, strip_markers};
use super::validate::{self, value_lifetime};
use super::DeriveInput;
use crate::diag::Errors;
use crate::krate::runtime_path;
use crate::tokens::{item_span, respan};

/// `#[ctxmgr::context_manager]`.
pub fn context_manager(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let options = parse::parse_attribute_args(args, &mut errors);
    // Validation reads signatures, attributes and the self type, never a
    // method's body: parse the block with its bodies emptied (most of its
    // tokens), and emit the user's own tokens, markers stripped. If that
    // ever fails to parse, the whole block is parsed as it is.
    let parsed = match syn::parse2::<syn::Item>(parse::without_bodies(&item)) {
        Ok(parsed) => Ok(parsed),
        Err(_) => syn::parse2::<syn::Item>(item.clone()),
    };
    let item_impl = match parsed {
        Ok(syn::Item::Impl(i)) => i,
        Ok(other) => {
            let hint = if matches!(
                other,
                syn::Item::Struct(_) | syn::Item::Enum(_) | syn::Item::Union(_)
            ) {
                "; on the type itself, write `#[derive(ContextManager)]`"
            } else {
                ""
            };
            errors.push(syn::Error::new(
                item_span(&other),
                format!(
                    "`{}` goes on the `impl` block holding the `#[enter]` and `#[exit]` methods{hint}",
                    super::attr::CONTEXT_MANAGER
                ),
            ));
            let errors = errors.to_compile_errors();
            return quote!(#errors #item);
        }
        // Not an item at all: let the compiler report its own parse error.
        Err(_) => return item,
    };
    let krate = runtime_path(options.krate.as_ref());
    let methods = {
        let input = parse_impl(&item_impl);
        let spec = validate::validate(&input, &mut errors);
        let error_type = spec.missing_enter.as_ref().map(crate::diag::error_as_type);
        let send = options
            .send
            .map(|span| send_impl(&item_impl, &spec, &krate, span, &mut errors));
        let methods = methods_impl(&item_impl, &spec, &krate, error_type);
        quote!(#methods #send)
    };
    let stripped = strip_markers(item);
    let errors = errors.to_compile_errors();
    quote! {
        #errors
        #stripped
        #methods
    }
}

/// Input: `#[ctxmgr::context_manager(send)] impl<G> Conn<G> where W { async #[exit] .. }`.
/// Output (spanned on `send`, where rustc reports an exit future that is
/// not `Send`):
/// ```text
/// impl<G> SendAsyncContextManager for Conn<G> where W, for<'x> Self: Derived {
///     fn enter_send(&mut self) -> impl Future<..> + Send { AsyncContextManager::enter(self) }
///     fn exit_send(&mut self, outcome) -> impl Future<..> + Send { AsyncContextManager::exit(self, outcome) }
/// }
/// ```
/// On a sync manager: an error on `send`, and nothing.
fn send_impl(
    item: &ItemImpl,
    spec: &validate::Spec<'_>,
    krate: &TokenStream,
    span: Span,
    errors: &mut Errors,
) -> TokenStream {
    if !spec.is_async {
        errors.push(syn::Error::new(
            span,
            format!(
                "`{}` implements `SendAsyncContextManager`, for async managers: this one's `#[enter]` and `#[exit]` are not `async fn`; remove `{}`",
                super::attr::KEY_SEND,
                super::attr::KEY_SEND
            ),
        ));
        return TokenStream::new();
    }
    let p = respan(quote!(#krate::__private), span);
    let self_ty = &item.self_ty;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let preds = where_clause.map(|w| {
        let preds = w.predicates.iter();
        quote!(#(#preds,)*)
    });
    let x = syn::Lifetime::new("'__ctxmgr_x", Span::mixed_site());
    quote_spanned! {span=>
        #[automatically_derived]
        impl #impl_generics #p::SendAsyncContextManager for #self_ty
        where #preds for<#x> Self: #p::Derived
        {
            #[inline]
            fn enter_send(
                &mut self,
            ) -> impl #p::Future<Output = #p::Result<
                <Self as #p::AsyncContextManager>::Value<'_>,
                <Self as #p::AsyncContextManager>::Error,
            >> + #p::Send {
                <Self as #p::AsyncContextManager>::enter(self)
            }

            #[inline]
            fn exit_send(
                &mut self,
                outcome: #p::Outcome<'_>,
            ) -> impl #p::Future<Output = #p::Result<(), <Self as #p::AsyncContextManager>::Error>> + #p::Send {
                <Self as #p::AsyncContextManager>::exit(self, outcome)
            }
        }
    }
}

/// `error_type`: the error, as a type, for the value of an enter that is
/// missing (see [`crate::diag::error_as_type`]): the body of a
/// `with!` over the type then reports nothing about its binding.
fn methods_impl(
    item: &ItemImpl,
    spec: &validate::Spec<'_>,
    krate: &TokenStream,
    error_type: Option<TokenStream>,
) -> TokenStream {
    let self_ty = &item.self_ty;
    // Every token of the impl's frame carries this span: if the derive is
    // missing, the `Self: ContextManager` errors of its items all land on the
    // self type.
    let span = self_ty.span();
    let krate = respan(krate.clone(), span);
    let p = quote!(#krate::__private);
    let a = value_lifetime();
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    // The trait impls are bounded by the impl block's own where-clause plus
    // `for<'x> Self: Derived`, which only the derive implements: without it
    // they do not apply (the `for<'x>` makes the unmet bound remove the impl
    // rather than be an error), and `with!` says the derive is missing.
    let preds = where_clause.map(|w| {
        let preds = w.predicates.iter();
        quote!(#(#preds,)*)
    });
    let x = syn::Lifetime::new("'__ctxmgr_x", Span::mixed_site());
    let trait_where = quote_spanned!(span=> where #preds for<#x> Self: #p::Derived);
    // In an invisible group: a self type that ends in `+` (nonsense, but
    // rustc is to say so, not the macro) stays one type before `where`.
    let self_ty_group = {
        let mut group =
            proc_macro2::Group::new(proc_macro2::Delimiter::None, self_ty.to_token_stream());
        group.set_span(span);
        group
    };
    // Signatures name the impl's own `RawValue`/`RawError`, never
    // `ContextManager`'s: without the derive, this impl is no error. Inside
    // the impl, `Self::RawError` is the implemented trait's (a type with
    // both a sync and an async impl block is no ambiguity there).
    let cm = quote_spanned!(span=> Self);
    let error_of = quote_spanned!(span=> #cm::RawError);
    let frame = Frame {
        p: &p,
        span,
        error_of: &error_of,
    };
    let EnterAdapter {
        raw_value,
        error: enter_error,
        body: enter_body,
        shape,
    } = frame.enter(spec.enter.as_ref(), error_type);
    let ExitAdapter {
        error: exit_error,
        body: exit_body,
    } = frame.exit(spec.exit.as_ref());
    let raw_error = enter_error
        .or(exit_error)
        .unwrap_or_else(|| quote_spanned!(span=> #p::Infallible));
    // `#[suppress]`: the trait's `suppresses`, forwarding to the method, and
    // the marker that makes `with!` ask it. Nothing when the block has none
    // (the trait's default says no, `with!` compiles no check) or when it is
    // invalid (its error is the one error).
    let (suppresses, suppress_marker) = match &spec.suppress {
        Some(suppress) => {
            let marker = if spec.is_async {
                quote_spanned!(span=> #p::AsyncSuppress)
            } else {
                quote_spanned!(span=> #p::Suppress)
            };
            (
                frame.suppresses(suppress.method),
                quote_spanned! {span=>
                    #[automatically_derived]
                    impl #impl_generics #marker for #self_ty_group #trait_where {}
                },
            )
        }
        None => (TokenStream::new(), TokenStream::new()),
    };

    if spec.is_async {
        return quote_spanned! {span=>
            #[automatically_derived]
            #[allow(
                clippy::needless_lifetimes,
                clippy::unused_unit,
                clippy::semicolon_if_nothing_returned,
                clippy::manual_async_fn
            )]
            impl #impl_generics #p::AsyncMethods for #self_ty #where_clause {
                type RawValue<#a> = #raw_value where Self: #a;
                type RawError = #raw_error;

                #[inline]
                fn __ctxmgr_enter(
                    &mut self,
                ) -> impl #p::Future<Output = #p::Result<#cm::RawValue<'_>, #cm::RawError>> {
                    async move { #enter_body }
                }

                #[inline]
                fn __ctxmgr_exit(
                    &mut self,
                    __ctxmgr_outcome: #p::Outcome<'_>,
                ) -> impl #p::Future<Output = #p::Result<(), #cm::RawError>> {
                    async move { #exit_body }
                }
            }

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

            #suppress_marker
        };
    }

    let GuardShape {
        kept,
        target,
        shape_ty,
        keep,
        target_ref,
        target_mut,
    } = frame.guard_shape(shape, &raw_value);

    quote_spanned! {span=>
        #[automatically_derived]
        #[allow(clippy::needless_lifetimes, clippy::unused_unit, clippy::semicolon_if_nothing_returned)]
        impl #impl_generics #p::Methods for #self_ty #where_clause {
            type RawValue<#a> = #raw_value where Self: #a;
            type RawError = #raw_error;
            type Kept = #kept;
            type Target = #target;
            type Shape = #shape_ty;

            #[inline]
            fn __ctxmgr_enter(&mut self) -> #p::Result<#cm::RawValue<'_>, #cm::RawError> {
                #enter_body
            }

            #[inline]
            fn __ctxmgr_exit(
                &mut self,
                __ctxmgr_outcome: #p::Outcome<'_>,
            ) -> #p::Result<(), #cm::RawError> {
                #exit_body
            }

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
        }

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

        #suppress_marker

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

/// `#[derive(ContextManager)]`.
pub fn derive(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<DeriveInput>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let options = parse::parse_derive_options(&input, &mut errors);
    let krate = runtime_path(options.krate.as_ref());
    let p = quote!(#krate::__private);
    let name = &input.ident;
    let vis = &input.vis;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // Each predicate with its comma: the user's last one may have none.
    let preds = where_clause.map(|w| {
        let preds = w.predicates.iter();
        quote!(#(#preds,)*)
    });
    // The one impl the derive makes: "this type has the derive". The
    // attribute, which sees the methods (and so knows sync from async),
    // implements `ContextManager` or `AsyncContextManager` bounded by it.
    let derived = quote! {
        #[automatically_derived]
        impl #impl_generics #p::Derived for #name #ty_generics
        where
            #preds
        {
            type Tag = ();
        }
    };

    let guard = options
        .guard
        .clone()
        .unwrap_or_else(|| format_ident!("{}Guard", name, span = name.span()));
    // The guard is an alias of one generic runtime type: its code is
    // type-checked once in `ctxmgr`, not once per derive (bench/run).
    let g = syn::Lifetime::new("'__ctxmgr_g", Span::mixed_site());
    // Alias parameters carry no bounds or defaults (`type_alias_bounds`).
    let params = input.generics.params.iter().map(|param| match param {
        syn::GenericParam::Lifetime(l) => {
            let l = &l.lifetime;
            quote!(#l)
        }
        syn::GenericParam::Type(t) => {
            let t = &t.ident;
            quote!(#t)
        }
        syn::GenericParam::Const(c) => {
            let (ident, ty) = (&c.ident, &c.ty);
            quote!(const #ident: #ty)
        }
    });
    let doc = format!(
        "The named guard of [`{name}`], made by `#[derive(ContextManager)]`: \
         `{guard}::enter(&mut manager)?` enters it and the guard exits it exactly \
         once — with `{guard}::finish(guard, outcome)`, which returns exit's error, \
         or, as a fallback, when dropped (never reporting `Ok` for a path it did \
         not see). See [`DerivedGuard`]({krate_doc}::DerivedGuard).",
        krate_doc = "ctxmgr",
    );
    let guard_tokens = quote! {
        #[doc = #doc]
        #vis type #guard <#g, #(#params),*> = #krate::DerivedGuard<#g, #name #ty_generics>;
    };

    let errors = errors.to_compile_errors();
    quote! {
        #errors
        #derived
        #guard_tokens
    }
}
