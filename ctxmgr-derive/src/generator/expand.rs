//! Expand stage of `#[ctxmgr::contextmanager]`.
//!
//! Input:
//!
//! ```text
//! fn tag(log: &Log, name: &str) -> Result<String, E> {
//!     BEFORE;                              // enter: may `?` / `return Err(..)`
//!     let PAT = yield_!(VALUE);
//!     AFTER                                // exit: may `?`; ends in `()` or `Result<(), E>`
//! }
//! ```
//!
//! Output (`p` is `KRATE::__private`; elided input lifetimes get names so
//! the returned `impl` can capture them):
//!
//! ```text
//! fn tag<'__ctxmgr_l0, '__ctxmgr_l1>(log: &'__ctxmgr_l0 Log, name: &'__ctxmgr_l1 str)
//!     -> KRATE::Generator<impl KRATE::EnterFn<Value = V, Error = E>
//!                         + p::Captures<(&'__ctxmgr_l0 (), &'__ctxmgr_l1 ())>>
//! {
//!     KRATE::Generator::new(p::enter_fn::<V, E, _, _>(move || {
//!         BEFORE;
//!         let VALUE_ = (VALUE);
//!         p::Ok((VALUE_, move |OUTCOME: p::Outcome<'_>| -> p::Result<(), E> {
//!             let PAT = OUTCOME;
//!             let TAIL = { AFTER };
//!             p::ExitTail::<E>::__ctxmgr_into_result(TAIL)
//!         }))
//!     }))
//! }
//! ```
//!
//! `V, E` are `<R as p::EnterResult>::{Value, Error}` for a return type `R`
//! named `Result` (any alias; `result_type`), else `R` and `Infallible`
//! (`()` without a return type). With an error, the body is
//! `p::stub_enter::<V, E>` instead. A path `R` named otherwise is probed
//! first (`p::EnterValueProbe`, a statement before `BODY`): a `Result`
//! under another name is a compile error on `R`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType};

use super::split::Parts;
use crate::krate::private_path;
use crate::tokens::Names;
use crate::walk::{walk_type, LifetimeVisitor};

/// Names elided lifetimes of the argument types (not inside `fn(..)` types
/// or `Fn(..)` sugar, whose elided lifetimes are higher-ranked).
struct NameLifetimes {
    fresh: Vec<syn::Lifetime>,
}

impl NameLifetimes {
    fn fresh(&mut self, span: Span) -> syn::Lifetime {
        // A lifetime parameter is no local: hygiene does not keep it apart
        // from the user's, so it keeps the `__ctxmgr_` prefix.
        let lifetime = syn::Lifetime::new(&format!("'__ctxmgr_l{}", self.fresh.len()), span);
        self.fresh.push(lifetime.clone());
        lifetime
    }
}

impl LifetimeVisitor for NameLifetimes {
    fn elided_reference(&mut self, and_span: Span) -> Option<syn::Lifetime> {
        Some(self.fresh(and_span))
    }
    fn visit_lifetime(&mut self, l: &mut syn::Lifetime) {
        if l.ident == "_" {
            *l = self.fresh(l.apostrophe);
        }
    }
}

/// `(V, E)` of the declared return type.
fn value_and_error(output: &ReturnType, p: &TokenStream) -> (TokenStream, TokenStream) {
    match output {
        ReturnType::Default => (quote!(()), quote!(#p::Infallible)),
        ReturnType::Type(_, ty) => {
            if crate::result_type::is_result(ty) {
                (
                    quote!(<#ty as #p::EnterResult>::Value),
                    quote!(<#ty as #p::EnterResult>::Error),
                )
            } else {
                (quote!(#ty), quote!(#p::Infallible))
            }
        }
    }
}

/// The function as a manager; with `parts: None`, a stub of it.
pub fn expand(func: &mut ItemFn, parts: Option<Parts>, krate: &TokenStream) -> TokenStream {
    let p = private_path(krate);
    let m = Span::mixed_site();
    let (value_ty, error_ty) = value_and_error(&func.sig.output, &p);
    // A return type not named `Result` may still be one (`type Res<T> =
    // Result<T, E>`): the probe makes that a compile error on the return
    // type, never a manager that hands the `Err` to the body.
    let probe = match &func.sig.output {
        ReturnType::Type(_, ty) if parts.is_some() && crate::result_type::may_be_an_alias(ty) => {
            let span = ty.span();
            quote_spanned! {span=>
                {
                    #[allow(unused_imports)]
                    use #p::{ProbePlainValue as _, ProbeResultValue as _};
                    #p::EnterValueProbe::<#ty>::NEW.enter_value_is_plain(
                        (&&#p::EnterValueProbe::<#ty>::NEW).__ctxmgr_enter_kind(),
                    );
                }
            }
        }
        _ => TokenStream::new(),
    };

    let mut namer = NameLifetimes { fresh: Vec::new() };
    // By index: `iter_mut` compiles a boxed iterator for `FnArg`.
    for i in 0..func.sig.inputs.len() {
        if let Some(syn::FnArg::Typed(arg)) = func.sig.inputs.get_mut(i) {
            // Behind `dyn`: one copy of the walker for both visitors.
            walk_type(&mut namer, &mut arg.ty);
        }
    }
    // The names given to elided lifetimes are the macro's, not the user's:
    // clippy's `needless_lifetimes` would ask to elide them again when the
    // function comes from a `macro_rules!` (where clippy lints expansions).
    // After the function's own attributes.
    let mut attrs = TokenStream::new();
    if !namer.fresh.is_empty() {
        attrs = quote!(#[allow(clippy::needless_lifetimes)]);
    }
    for lifetime in &namer.fresh {
        func.sig
            .generics
            .params
            .push(syn::GenericParam::Lifetime(syn::LifetimeParam::new(
                lifetime.clone(),
            )));
    }
    let mut captured = TokenStream::new();
    for param in func.sig.generics.params.pairs() {
        if let syn::GenericParam::Lifetime(param) = param.value() {
            let lifetime = &param.lifetime;
            captured.extend(quote!(&#lifetime (),));
        }
    }
    let captures = if captured.is_empty() {
        TokenStream::new()
    } else {
        quote!(+ #p::Captures<(#captured)>)
    };
    // An `async fn` becomes a plain `fn` returning an async manager.
    let is_async = func.sig.asyncness.take().is_some();
    let output = if is_async {
        // `'a`: what the exit half may capture lives this long; every
        // lifetime and type parameter outlives it.
        let a = syn::Lifetime::new("'__ctxmgr_a", Span::call_site());
        let params = func.sig.generics.params.len();
        func.sig
            .generics
            .params
            .push(syn::GenericParam::Lifetime(syn::LifetimeParam::new(
                a.clone(),
            )));
        func.sig.generics.make_where_clause();
        // By index: the parameters before `'a`, each bound in the
        // where-clause of the same generics.
        for i in 0..params {
            let generics = &mut func.sig.generics;
            if let (Some(param), Some(where_clause)) =
                (generics.params.get(i), &mut generics.where_clause)
            {
                if let Some(predicate) = outlives_predicate(param, &a) {
                    where_clause.predicates.push(predicate);
                }
            }
        }
        // `> >`: two tokens, as syn prints the closing brackets of a type
        // it parsed (this one was, once), not the joint pair `>>` that
        // `quote!` makes of them: the expansion stays byte-identical.
        quote! {
            #krate::AsyncGenerator<
                #a,
                impl #p::Future<Output = #p::Result<(#value_ty, #krate::AsyncExitFn<#a, #error_ty>), #error_ty> > + #a #captures,
                #value_ty,
                #error_ty,
            >
        }
    } else {
        quote! {
            #krate::Generator<impl #krate::EnterFn<Value = #value_ty, Error = #error_ty> #captures>
        }
    };
    // The tokens as written: a type of the macro's, not parsed again.
    func.sig.output = ReturnType::Type(
        syn::token::RArrow::default(),
        Box::new(syn::Type::Verbatim(output)),
    );

    let stub = parts.is_none();
    let body = match parts {
        Some(Parts {
            before,
            value,
            pat,
            after,
            last,
        }) => {
            let names = Names::new(0);
            let outcome = names.ident("outcome");
            let value_ident = names.ident("value");
            let tail = names.ident("tail");
            let bind = match pat {
                Some(pat) => quote!(let #pat = #outcome;),
                None => TokenStream::new(),
            };
            // A tail of the wrong type is reported on the tail.
            let mut tail_at_last = tail.clone();
            if let Some(last) = last {
                tail_at_last.set_span(m.located_at(last));
            }
            let into_result = quote_spanned! {last.unwrap_or(m)=>
                #p::ExitTail::<#error_ty>::__ctxmgr_into_result
            };
            // What the sync and async forms share: the enter half up to
            // the value, and the exit half's body.
            let enter = quote_spanned! {m=>
                #before
                let #value_ident = (#value);
            };
            let exit = quote_spanned! {m=>
                #bind
                #[allow(unused_braces)]
                let #tail = { #after };
                #into_result(#tail_at_last)
            };
            if is_async {
                quote_spanned! {m=>
                        #krate::AsyncGenerator::new(#p::async_enter::<#value_ty, #error_ty, _>(async move {
                            #enter
                            #p::Ok((
                                #value_ident,
                                #p::async_exit_fn(move |#outcome: #p::Outcome<'_>, _| {
                                    #p::Box::pin(async move { #exit })
                                }),
                            ))
                        }))
                }
            } else {
                quote_spanned! {m=>
                    #krate::Generator::new(#p::enter_fn::<#value_ty, #error_ty, _, _>(move || {
                        #enter
                        #p::Ok((#value_ident, move |#outcome: #p::Outcome<'_>| -> #p::Result<(), #error_ty> {
                            #exit
                        }))
                    }))
                }
            }
        }
        None if is_async => quote_spanned! {m=>
            #krate::AsyncGenerator::new(#p::stub_async_enter::<#value_ty, #error_ty>())
        },
        None => quote_spanned! {m=>
            #krate::Generator::new(#p::stub_enter::<#value_ty, #error_ty>)
        },
    };
    // A stub ignores the arguments: no warnings beside the error.
    if stub {
        attrs.extend(quote!(#[allow(unused_variables)]));
    }
    let ItemFn {
        attrs: own_attrs,
        vis,
        sig,
        ..
    } = func;
    let mut out = TokenStream::new();
    for attr in own_attrs.iter() {
        attr.to_tokens(&mut out);
    }
    out.extend(quote! {
        #attrs
        #vis #sig {
            #probe #body
        }
    });
    out
}

/// `param: 'a` (a lifetime or type parameter; `None` for a const one), as
/// `quote!(#param: #a)` would parse.
fn outlives_predicate(param: &syn::GenericParam, a: &syn::Lifetime) -> Option<syn::WherePredicate> {
    match param {
        syn::GenericParam::Lifetime(l) => {
            let mut bounds = syn::punctuated::Punctuated::new();
            bounds.push(a.clone());
            Some(syn::WherePredicate::Lifetime(syn::PredicateLifetime {
                attrs: Vec::new(),
                lifetime: l.lifetime.clone(),
                colon_token: syn::token::Colon::default(),
                bounds,
            }))
        }
        syn::GenericParam::Type(t) => {
            let mut bounds = syn::punctuated::Punctuated::new();
            bounds.push(syn::TypeParamBound::Lifetime(a.clone()));
            Some(syn::WherePredicate::Type(syn::PredicateType {
                attrs: Vec::new(),
                lifetimes: None,
                bounded_ty: syn::Type::Path(syn::TypePath {
                    attrs: Vec::new(),
                    qself: None,
                    path: syn::Path::from(t.ident.clone()),
                }),
                colon_token: syn::token::Colon::default(),
                bounds,
            }))
        }
        syn::GenericParam::Const(_) => None,
    }
}

#[cfg(test)]
mod tests {
    /// The async return type is emitted as tokens, not parsed and printed
    /// by syn: its closing brackets are still two separate `>` tokens.
    #[test]
    fn async_return_type_closes_with_separate_brackets() {
        let item = "async fn g() -> Result<u8, E> { yield_!(1); }";
        let out = super::super::contextmanager(
            proc_macro2::TokenStream::new(),
            item.parse().expect("tokens"),
        )
        .to_string();
        assert!(out.contains(":: Error > > + '__ctxmgr_a"), "{out}");
        assert!(!out.contains(">>"), "{out}");
    }
}
