//! The adapters of `#[ctxmgr::context_manager]`'s manager impl: what it
//! says about each marked method (the bodies that call it, the types read
//! off its signature) and about what the named guard keeps, each a small
//! struct built by one function of [`Frame`]. [`super::manager`] places
//! them in the impls.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::derive::spec::{EnterRet, EnterSpec, ExitRet, ExitSpec, Shape};
use crate::derive::validate;
use crate::tokens::respan;

/// What the attribute's impls need to say about each marked method: the
/// adapter bodies that call it, and the types they read off its signature.
/// `p` is the runtime's path, `span` the self type's (see [`super::ImplFrame`]),
/// `error_of` the manager impl's own `Error`.
pub(super) struct Frame<'a> {
    pub(super) p: &'a TokenStream,
    pub(super) span: Span,
    pub(super) error_of: &'a TokenStream,
}

/// The `#[enter]` method as the manager impl sees it.
pub(super) struct EnterAdapter {
    /// `Value<'a>`.
    pub(super) raw_value: TokenStream,
    /// The error its `Result` names, if it returns one.
    pub(super) error: Option<TokenStream>,
    /// The body of `enter`.
    pub(super) body: TokenStream,
    /// The body is the `async fn` marker's own future, whose output is
    /// already `Result<Value, Error>`: returned as it is, not awaited in a
    /// second `async` block.
    pub(super) is_future: bool,
    /// What the named guard keeps of the value.
    pub(super) shape: Shape,
}

/// The `#[exit]` method as the manager impl sees it.
pub(super) struct ExitAdapter {
    /// The error its `Result` names, if it returns one.
    pub(super) error: Option<TokenStream>,
    /// The body of `exit`.
    pub(super) body: TokenStream,
    /// `exit`'s outcome parameter: `outcome`, or `_` when the method does
    /// not take it.
    pub(super) outcome: TokenStream,
}

impl Frame<'_> {
    /// `Self::name(self)` (`.await`ed when the marker is an `async fn`),
    /// `self` with the self type's span: in an impl block written by a
    /// `macro_rules!`, `self` is hygienic, and the method's name may come
    /// from the macro's body while the self type is the caller's. An
    /// associated fn (no receiver) is called without one. `args` follow
    /// `self,` (`None`: no arguments, and no comma).
    fn call(&self, method: &syn::ImplItemFn, args: Option<&TokenStream>) -> TokenStream {
        self.call_awaiting(method, args, true)
    }

    /// [`Self::call`], the call of an `async fn` marker awaited or not.
    fn call_awaiting(
        &self,
        method: &syn::ImplItemFn,
        args: Option<&TokenStream>,
        awaited: bool,
    ) -> TokenStream {
        let span = self.span;
        let name = &method.sig.ident;
        let receiver = match (validate::has_receiver(method), args) {
            (true, Some(_)) => quote_spanned!(span=> self,),
            (true, None) => quote_spanned!(span=> self),
            (false, _) => TokenStream::new(),
        };
        // The calls of async markers are awaited inside the adapters'
        // `async` blocks (a plain marker of an async manager is called as it
        // is).
        let dot_await = if awaited && method.sig.asyncness.is_some() {
            quote!(.await)
        } else {
            TokenStream::new()
        };
        quote_spanned!(name.span()=> Self::#name(#receiver #args) #dot_await)
    }

    /// Without an `#[enter]` (its error reported), a stub whose value type
    /// is `error_type`, the error as a type, so nothing else is reported.
    pub(super) fn enter(
        &self,
        enter: Option<&EnterSpec<'_>>,
        error_type: Option<TokenStream>,
    ) -> EnterAdapter {
        let (p, span) = (self.p, self.span);
        let Some(enter) = enter else {
            return EnterAdapter {
                raw_value: match error_type {
                    Some(error_type) => error_type,
                    None => quote!(()),
                },
                error: None,
                body: self.stub(),
                is_future: false,
                shape: Shape::DropsRef,
            };
        };
        let call = self.call(enter.method, None);
        match &enter.ret {
            // A path not named `Result` may still be one (`type Res<T> =
            // Result<T, E>`): the probe makes that a compile error on the
            // return type, never a manager that binds the `Err`.
            EnterRet::Plain(ty) if crate::result_type::may_be_an_alias(ty) => {
                let probe = enter_value_probe(p, ty.span());
                EnterAdapter {
                    raw_value: ty.to_token_stream(),
                    error: None,
                    body: quote_spanned! {span=>
                        let __ctxmgr_value = #call;
                        #probe
                        #p::Ok(__ctxmgr_value)
                    },
                    is_future: false,
                    shape: enter.shape,
                }
            }
            EnterRet::Plain(ty) => EnterAdapter {
                raw_value: ty.to_token_stream(),
                error: None,
                body: quote_spanned!(span=> #p::Ok(#call)),
                is_future: false,
                shape: enter.shape,
            },
            // The value is `V` of `Result<V, E>`, else read through
            // `EnterResult`, as the error is. So the method's own `Result`
            // is the trait's: returned as it is (an `async fn`'s future
            // too).
            EnterRet::Result {
                ty,
                value,
                unit_value,
            } => EnterAdapter {
                raw_value: match value {
                    Some(value) => value.to_token_stream(),
                    None => quote_spanned!(span=> <#ty as #p::EnterResult>::Value),
                },
                // `E` of `Result<V, E>` itself, as `V` is: a projection is
                // normalized wherever the manager's error is named (each
                // `with!` level's enter and exit), 0.7 % of checking the
                // 500-site crate. Through `EnterResult` for an alias, or an
                // error type with a lifetime (`'_` cannot be named there).
                error: Some(
                    match value.as_ref().and_then(|_| direct_error(unit_value)) {
                        Some(error) => error.to_token_stream(),
                        None => quote_spanned!(span=> <#unit_value as #p::EnterResult>::Error),
                    },
                ),
                body: self.call_awaiting(enter.method, None, false),
                is_future: enter.method.sig.asyncness.is_some(),
                shape: enter.shape,
            },
        }
    }

    /// Without an `#[exit]` (its error reported), a stub.
    pub(super) fn exit(&self, exit: Option<&ExitSpec<'_>>) -> ExitAdapter {
        let (p, span, error_of) = (self.p, self.span, self.error_of);
        let Some(exit) = exit else {
            return ExitAdapter {
                error: None,
                body: self.stub(),
                outcome: quote_spanned!(span=> _),
            };
        };
        // One token for the parameter and its use (see `suppresses`).
        let outcome = if exit.takes_outcome {
            syn::Ident::new("outcome", Span::mixed_site()).to_token_stream()
        } else {
            TokenStream::new()
        };
        let call = self.call(exit.method, Some(&outcome));
        let outcome = if exit.takes_outcome {
            outcome
        } else {
            quote_spanned!(span=> _)
        };
        let ret_span = exit.ret_span;
        match &exit.ret {
            ExitRet::Unit => ExitAdapter {
                error: None,
                body: quote_spanned!(ret_span=> #call; #p::Ok(())),
                outcome,
            },
            ExitRet::Result(ty) => ExitAdapter {
                // On the return type: a path that is no `Result` (the name
                // cannot tell an alias) is reported there.
                error: Some(quote_spanned!(ret_span=> <#ty as #p::ExitError>::Error)),
                body: quote_spanned!(ret_span=> <#ty as #p::ExitResult<#error_of>>::__ctxmgr_into_result(#call)),
                outcome,
            },
        }
    }

    /// The trait impl's `suppresses`, forwarding to the `#[suppress]`
    /// method.
    pub(super) fn suppresses(&self, method: &syn::ImplItemFn) -> TokenStream {
        let (p, span) = (self.p, self.span);
        // One token for the parameter and its use: they resolve alike
        // whatever the hygiene of the impl block's spans.
        let error = syn::Ident::new("__ctxmgr_error", Span::mixed_site());
        let call = self.call(method, Some(&error.to_token_stream()));
        quote_spanned! {span=>
            #[inline]
            fn suppresses(&mut self, #error: #p::ErrorRef<'_>) -> #p::bool {
                #call
            }
        }
    }

    /// The `Methods` impl's `Shape`: what the named guard keeps.
    pub(super) fn shape_type(&self, shape: Shape) -> TokenStream {
        let (p, span) = (self.p, self.span);
        let name = match shape {
            Shape::Keeps => "GuardKeeps",
            Shape::DropsRef => "GuardDropsRef",
            Shape::CannotKeep => "GuardCannotKeep",
        };
        let name = syn::Ident::new(name, span);
        quote_spanned!(span=> #p::#name)
    }

    /// The body of a missing marker's adapter: `p::stub()`.
    fn stub(&self) -> TokenStream {
        let (p, span) = (self.p, self.span);
        quote_spanned!(span=> #p::stub())
    }
}

/// `E` of enter's `Result<V, E>` (two type arguments, the shape of core's
/// `Result`) when it names no lifetime.
fn direct_error(ty: &syn::Type) -> Option<&syn::Type> {
    let error = crate::derive::types::second_type_arg(ty)?;
    if names_a_lifetime(error.to_token_stream()) {
        return None;
    }
    Some(error)
}

fn names_a_lifetime(tokens: TokenStream) -> bool {
    for tt in tokens {
        let names = match tt {
            proc_macro2::TokenTree::Punct(p) => p.as_char() == '\'',
            proc_macro2::TokenTree::Group(g) => names_a_lifetime(g.stream()),
            _ => false,
        };
        if names {
            return true;
        }
    }
    false
}

/// Input: a local `__ctxmgr_value` of enter's plain value type `V`.
/// Output: nothing at run time; a compile error spanned on `span` (the
/// return type) when `V` is a `Result` (under another name): the autoref
/// probe picks `ResultUnderAnotherName` for a `Result`, and only
/// `PlainValue` meets the bound of `EnterValueProbe::enter_value_is_plain`.
fn enter_value_probe(p: &TokenStream, span: Span) -> TokenStream {
    let p = respan(p.clone(), span);
    quote_spanned! {span=>
        {
            #[allow(unused_imports)]
            use #p::{ProbePlainValue as _, ProbeResultValue as _};
            let __ctxmgr_probe = #p::EnterValueProbe::of(&__ctxmgr_value);
            __ctxmgr_probe.enter_value_is_plain((&&__ctxmgr_probe).__ctxmgr_enter_kind());
        }
    }
}
