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
//! ```
//!
//! (`__private::AsyncMethods`, with the adapters' bodies in `async` blocks,
//! when both markers are `async fn`.) Every signature names the impl's own
//! `RawValue`/`RawError`, never `ContextManager`: without the derive this
//! impl is no error, and the one error is where the type is used as a
//! manager (`with!` names the missing derive).
//!
//! Derive. Input: `#[derive(ContextManager)] pub struct Tx<'c> { .. }`. Output:
//!
//! ```text
//! impl<'c> ContextManager for Tx<'c> where for<'x> Self: __private::Methods {
//!     type Value<'a> = <Self as Methods>::RawValue<'a> where Self: 'a;
//!     type Error = <Self as Methods>::RawError;
//!     fn enter(..) { Methods::__ctxmgr_enter(self) }  fn exit(..) { Methods::__ctxmgr_exit(self, outcome) }
//! }
//! impl<'c> __private::Derived for Tx<'c> { type Tag = (); }       // "has the derive", for `with!`'s probe
//! impl<'c> __private::DerivedValue for Tx<'c> where for<'x> Self: Methods {
//!     fn __ctxmgr_raw(value: <Self as ContextManager>::Value<'a>) -> <Self as Methods>::RawValue<'a> { value }
//! }
//! impl<'c> AsyncContextManager for Tx<'c> where for<'x> Self: __private::AsyncMethods { .. }
//! /// The named guard of [`Tx`], ...: one generic runtime type, checked once.
//! pub type TxGuard<'__ctxmgr_g, 'c> = ::ctxmgr::DerivedGuard<'__ctxmgr_g, Tx<'c>>;
//! ```
//!
//! `for<'x>` makes an unmet bound remove the impl rather than be an error,
//! so the derive needs to know nothing of the impl block: the attribute's
//! `Methods` or `AsyncMethods` picks the impl that applies, and without the
//! attribute neither does (one error where the type is used as a manager,
//! naming the attribute). The impls' headers are spanned on the type's name
//! (see `spanned_impl`), so that error reads as one about the user's type.
//!
//! On invalid input the attribute still emits the impl block (so
//! rust-analyzer keeps completing in it) and a `Methods` impl whose broken
//! parts are stubs, so the derive adds no second error.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::ItemImpl;

use super::parse::{self, parse_impl, strip_markers};
use super::validate::{self, value_lifetime, EnterRet, ExitRet, Shape};
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
        methods_impl(&item_impl, &spec, &krate)
    };
    let stripped = strip_markers(item);
    let errors = errors.to_compile_errors();
    quote! {
        #errors
        #stripped
        #methods
    }
}

fn methods_impl(item: &ItemImpl, spec: &validate::Spec<'_>, krate: &TokenStream) -> TokenStream {
    let self_ty = &item.self_ty;
    // Every token of the impl's frame carries this span: if the derive is
    // missing, the `Self: ContextManager` errors of its items all land on the
    // self type.
    let span = self_ty.span();
    let krate = respan(krate.clone(), span);
    let p = quote!(#krate::__private);
    let a = value_lifetime();
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    // Signatures name the impl's own `RawValue`/`RawError`, never
    // `ContextManager`'s: without the derive, this impl is no error.
    let cm = if spec.is_async {
        quote_spanned!(span=> <Self as #p::AsyncMethods>)
    } else {
        quote_spanned!(span=> <Self as #p::Methods>)
    };
    let error_of = quote_spanned!(span=> #cm::RawError);
    // The calls of async markers are awaited inside the adapters' `async`
    // blocks.
    let dot_await = if spec.is_async {
        quote!(.await)
    } else {
        TokenStream::new()
    };

    let (raw_value, enter_error, enter_body, shape) = match &spec.enter {
        Some(enter) => {
            let name = &enter.method.sig.ident;
            // `self` with the receiver's span: in an impl block written by a
            // `macro_rules!`, `self` is hygienic, and the method's name may
            // come from the macro's body while the self type is the caller's.
            let receiver = quote_spanned!(span=> self);
            let call = quote_spanned!(name.span()=> Self::#name(#receiver) #dot_await);
            match &enter.ret {
                EnterRet::Plain(ty) => (
                    ty.to_token_stream(),
                    None,
                    quote_spanned!(span=> #p::Ok(#call)),
                    enter.shape,
                ),
                EnterRet::Result { ty, unit_value } => (
                    quote_spanned!(span=> <#ty as #p::EnterResult>::Value),
                    Some(quote_spanned!(span=> <#unit_value as #p::EnterResult>::Error)),
                    quote_spanned!(span=> #p::EnterResult::__ctxmgr_into_result(#call)),
                    enter.shape,
                ),
            }
        }
        None => (
            quote!(()),
            None,
            quote_spanned!(span=> #p::stub()),
            Shape::DropsRef,
        ),
    };
    let (exit_error, exit_body) = match &spec.exit {
        Some(exit) => {
            let name = &exit.method.sig.ident;
            let args = if exit.takes_outcome {
                quote_spanned!(span=> self, __ctxmgr_outcome)
            } else {
                quote_spanned!(span=> self)
            };
            let call = quote_spanned!(name.span()=> Self::#name(#args) #dot_await);
            let ret_span = exit.ret_span;
            match &exit.ret {
                ExitRet::Unit => (
                    None,
                    quote_spanned!(ret_span=> <() as #p::ExitResult<#error_of>>::__ctxmgr_into_result(#call)),
                ),
                ExitRet::Result(ty) => (
                    Some(quote_spanned!(span=> <#ty as #p::ExitError>::Error)),
                    quote_spanned!(ret_span=> <#ty as #p::ExitResult<#error_of>>::__ctxmgr_into_result(#call)),
                ),
            }
        }
        None => (None, quote_spanned!(span=> #p::stub())),
    };
    let raw_error = enter_error
        .or(exit_error)
        .unwrap_or_else(|| quote_spanned!(span=> #p::Infallible));

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
        };
    }

    let (kept, target, shape_ty, keep, target_ref, target_mut) = match shape {
        Shape::Keeps => (
            // The value type does not mention the value lifetime.
            raw_value.clone(),
            quote_spanned!(span=> Self::Kept),
            quote_spanned!(span=> #p::GuardKeeps),
            quote_spanned!(span=> __ctxmgr_value),
            quote_spanned!(span=> __ctxmgr_kept),
            quote_spanned!(span=> __ctxmgr_kept),
        ),
        Shape::DropsRef | Shape::CannotKeep => (
            quote_spanned!(span=> ()),
            quote_spanned!(span=> Self),
            if shape == Shape::DropsRef {
                quote_spanned!(span=> #p::GuardDropsRef)
            } else {
                quote_spanned!(span=> #p::GuardCannotKeep)
            },
            quote_spanned!(span=> #p::discard(__ctxmgr_value)),
            quote_spanned!(span=> __ctxmgr_manager),
            quote_spanned!(span=> __ctxmgr_manager),
        ),
    };

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
    let a = value_lifetime();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // Each predicate with its comma: the user's last one may have none.
    let preds = where_clause.map(|w| {
        let preds = w.predicates.iter();
        quote!(#(#preds,)*)
    });
    // `for<'x>`: a bound that does not hold removes the impl instead of being
    // an error (it is not a "trivial" bound), so the derive emits both impls
    // and the attribute's `Methods` or `AsyncMethods` picks one.
    let x = syn::Lifetime::new("'__ctxmgr_x", Span::mixed_site());
    let methods_bound = quote!(for<#x> Self: #p::Methods);
    let async_methods_bound = quote!(for<#x> Self: #p::AsyncMethods);
    // `impl #impl_generics TRAIT for #name #ty_generics`: the generics, the
    // name and a `crate = path` are the user's tokens, left as they are (a
    // `$crate` resolves by its span); only ours are spanned on the name.
    let span = name.span();
    let krate_on_name = if options.krate.is_some() {
        krate.clone()
    } else {
        respan(krate.clone(), span)
    };
    let for_type = |trait_: &str| {
        let trait_ = syn::Ident::new(trait_, span);
        quote_spanned! {span=>
            impl #impl_generics #krate_on_name::__private::#trait_ for #name #ty_generics
        }
    };

    let context_manager = spanned_impl(
        span,
        for_type("ContextManager"),
        quote!(#preds #methods_bound),
        quote! {
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
        },
    );
    let derived = spanned_impl(
        span,
        for_type("Derived"),
        quote!(#preds),
        quote!(
            type Tag = ();
        ),
    );
    let derived_value = spanned_impl(
        span,
        for_type("DerivedValue"),
        quote!(#preds #methods_bound),
        quote! {
            #[inline(always)]
            fn __ctxmgr_raw<#a>(
                value: <Self as #p::ContextManager>::Value<#a>,
            ) -> <Self as #p::Methods>::RawValue<#a>
            where
                Self: #a,
            {
                value
            }
        },
    );
    let async_context_manager = spanned_impl(
        span,
        for_type("AsyncContextManager"),
        quote!(#preds #async_methods_bound),
        quote! {
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
        },
    );

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
        #context_manager
        #derived
        #derived_value
        #async_context_manager
        #guard_tokens
    }
}

/// `#[automatically_derived] HEADER where PREDICATES { BODY }`, the braces
/// spanned at `span` (the type's name), as the header's own tokens are.
///
/// rustc reads an impl spanned on a derive as an "imperfect derive": its
/// error for an unmet `for<'x> Self: Methods` (the attribute forgotten, or a
/// sync `with!` over an async manager) would add "type parameter would need
/// to implement `ContextManager`" and "consider manually implementing
/// `ContextManager` to avoid undesired bounds": untrue, the trait is
/// implemented and the missing half is the attribute. Spanned on the user's
/// type, it is read as the user's impl: "required for `File` to implement
/// `ContextManager`", pointing at the type. The body keeps the derive's
/// spans (hygiene; lints see generated code).
fn spanned_impl(
    span: Span,
    header: TokenStream,
    predicates: TokenStream,
    body: TokenStream,
) -> TokenStream {
    let mut body = proc_macro2::Group::new(proc_macro2::Delimiter::Brace, body);
    body.set_span(span);
    quote! {
        #[automatically_derived]
        #header
        where
            #predicates
        #body
    }
}
