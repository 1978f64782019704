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
//! impl<'c> __private::Methods for Tx<'c> { type Shape = GuardDropsRef; }   // see spec::Shape
//! impl<'c> ContextManager for Tx<'c> {
//!     type Value<'a> = &'a mut Self where Self: 'a;   // `V` of `Result<V, E>`, else through EnterResult
//!     type Error = DbError;                           // `E`, else <Result<(), ..> as EnterResult>::Error
//!     fn enter(&mut self) -> Result<Self::Value<'_>, Self::Error> {
//!         __private::derived::<Self>();               // "has the derive", on the block's type
//!         Self::begin(self)
//!     }
//!     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
//!         <Result<(), DbError> as ExitResult<Self::Error>>::__ctxmgr_into_result(Self::end(self, outcome))
//!     }
//! }
//! ```
//!
//! The `Methods` impl says "this type has the attribute's methods" and what
//! the named guard keeps of the value (the runtime's `GuardShape` does the
//! keeping). `enter`'s first statement is where a missing derive is one
//! error, on the block's type. Every impl is under the
//! block's own where-clause. When the guard keeps the value itself
//! (`Result<u64, DbError>`: `Shape = GuardKeeps`), one more impl says that
//! its type has no lifetime:
//!
//! ```text
//! impl<'c> __private::DerivedValue for Tx<'c> {
//!     type Kept = u64;
//!     fn __ctxmgr_keep(value: Self::Kept) -> Self::Kept { value }   // the trait says `Self::Value<'_>`
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
//! and the marker that makes `with!` ask it:
//!
//! ```text
//! impl<'c> __private::Suppress for Tx<'c> {}   // AsyncSuppress when async
//! ```
//!
//! When both markers are `async fn`: `__private::AsyncMethods` (`type Tag
//! = ();`) and `AsyncContextManager`, `enter` returning
//! the `async fn`'s own future when it returns a `Result`, the other bodies
//! in `async` blocks (no sync impl; a sync block has no async one, whose
//! check alone cost rustc ~5 M instructions per type).
//!
//! Derive. Input: `#[derive(ContextManager)] pub struct Tx<'c> { .. }`. Output:
//!
//! ```text
//! impl<'c> __private::Derived for Tx<'c> {}   // "has the derive"
//! /// The named guard of [`Tx`].   (one generic runtime type, checked once)
//! pub type TxGuard<'__ctxmgr_g, 'c> = ::ctxmgr::DerivedGuard<'__ctxmgr_g, Tx<'c>>;
//! ```
//!
//! Files: [`methods`] reads the [`adapters`] of the marked methods and
//! writes the `Methods`/`AsyncMethods` impl, [`manager`] the
//! `ContextManager` (or `AsyncContextManager`), `Suppress` and
//! `DerivedValue` impls,
//! [`send`] the `SendAsyncContextManager` impl of `(send)`, and
//! [`guard_alias`] the derive's named guard. [`ImplFrame`] is what they
//! share of the impl block.
//!
//! On invalid input the attribute still emits the impl block (so
//! rust-analyzer keeps completing in it) and a manager impl whose broken
//! parts are stubs, so the derive adds no second error.

use proc_macro2::{Delimiter, Group, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::ItemImpl;

use super::parse::{self, parse_impl, strip_markers};
use super::spec::{value_lifetime, Spec};
use super::validate;
use super::DeriveInput;
use crate::diag::Errors;
use crate::krate::{private_path, runtime_path};
use crate::tokens::{item_span, respan};

mod adapters;
mod guard_alias;
mod manager;
mod methods;
mod send;

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
            return errors.before(&item);
        }
        // Not an item at all: let the compiler report its own parse error.
        Err(_) => return item,
    };
    let krate = runtime_path(options.krate.as_ref());
    let impls = {
        let input = parse_impl(&item_impl);
        let spec = validate::validate(&input, &mut errors);
        let error_type = spec.missing_enter.as_ref().map(crate::diag::error_as_type);
        let send = match options.send {
            Some(span) => send::send_impl(&item_impl, &spec, &krate, span, &mut errors),
            None => TokenStream::new(),
        };
        let mut impls = attribute_impls(&item_impl, &spec, &krate, error_type);
        impls.extend(send);
        impls
    };
    // The errors, the block as written (markers stripped), its impls.
    let mut out = errors.before(&strip_markers(item));
    out.extend(impls);
    out
}

/// The attribute's impls for a valid or invalid block: `Methods` (or
/// `AsyncMethods`), the manager trait, the `Suppress` marker when the block
/// has a `#[suppress]` method, and (sync, a kept value) `DerivedValue`.
///
/// `error_type`: the error, as a type, for the value of an enter that is
/// missing (see [`crate::diag::error_as_type`]): the body of a
/// `with!` over the type then reports nothing about its binding.
fn attribute_impls(
    item: &ItemImpl,
    spec: &Spec<'_>,
    krate: &TokenStream,
    error_type: Option<TokenStream>,
) -> TokenStream {
    let frame = ImplFrame::new(item, krate, spec.is_async);
    let adapters = frame.adapters();
    let raw = methods::Raw::new(&adapters, spec, error_type);
    // `#[suppress]`: the trait's `suppresses`, forwarding to the method, and
    // the marker that makes `with!` ask it. Nothing when the block has none
    // (the trait's default says no, `with!` compiles no check) or when it is
    // invalid (its error is the one error).
    let (suppresses, marker) = match &spec.suppress {
        Some(suppress) => (
            adapters.suppresses(suppress.method),
            manager::suppress_marker(&frame),
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let mut impls = methods::methods_impl(&frame, &raw);
    impls.extend(manager::manager_impl(&frame, &raw, suppresses));
    impls.extend(marker);
    // Sync, and only when the named guard keeps the value.
    impls.extend(manager::derived_value_impl(&frame, &raw));
    impls
}

/// What the attribute's impls share of the impl block. Every token of their
/// frame carries the self type's span (`span`): if the derive is missing,
/// the `Self: ContextManager` errors of their items all land on the self
/// type.
struct ImplFrame<'a> {
    span: Span,
    /// `#krate::__private`, on `span`.
    p: TokenStream,
    self_ty: &'a syn::Type,
    /// The self type in an invisible group: a self type that ends in `+`
    /// (nonsense, but rustc is to say so, not the macro) stays one type
    /// before `where`.
    self_ty_group: Group,
    impl_generics: syn::ImplGenerics<'a>,
    /// The impl block's own where-clause, for the unbounded `Methods` impl.
    where_clause: Option<&'a syn::WhereClause>,
    /// The trait impls' where-clause: the impl block's own predicates (no
    /// bound for the derive: the manager impl's `enter` requires it once).
    trait_where: TokenStream,
    /// The value lifetime, `'a` of `Value<'a>`.
    a: syn::Lifetime,
    /// `Self::Error`: inside the manager impl, the implemented trait's (a
    /// type with both a sync and an async impl block is no ambiguity there).
    error_of: TokenStream,
    /// Both markers are `async fn`: the async traits, whose methods return
    /// futures.
    is_async: bool,
}

impl<'a> ImplFrame<'a> {
    fn new(item: &'a ItemImpl, krate: &TokenStream, is_async: bool) -> Self {
        let self_ty = &*item.self_ty;
        let span = self_ty.span();
        let p = private_path(&respan(krate.clone(), span));
        let (impl_generics, _, where_clause) = item.generics.split_for_impl();
        let preds = predicates(where_clause);
        let trait_where = if preds.is_empty() {
            TokenStream::new()
        } else {
            quote_spanned!(span=> where #preds)
        };
        let mut self_ty_group = Group::new(Delimiter::None, self_ty.to_token_stream());
        self_ty_group.set_span(span);
        let error_of = quote_spanned!(span=> Self::Error);
        ImplFrame {
            span,
            p,
            self_ty,
            self_ty_group,
            impl_generics,
            where_clause,
            trait_where,
            a: value_lifetime(),
            error_of,
            is_async,
        }
    }

    /// `#p::sync`, or `#p::asynchronous` when async: a runtime trait.
    fn runtime(&self, sync: &str, asynchronous: &str) -> TokenStream {
        let (p, span) = (&self.p, self.span);
        let name = if self.is_async { asynchronous } else { sync };
        let name = syn::Ident::new(name, span);
        quote_spanned!(span=> #p::#name)
    }

    /// `impl #trait_ for Self`, under the impl block's where-clause
    /// (`trait_where`): every manager impl.
    /// `attrs` go after `#[automatically_derived]`.
    fn bounded_impl(
        &self,
        attrs: TokenStream,
        trait_: TokenStream,
        items: TokenStream,
    ) -> TokenStream {
        let span = self.span;
        let (impl_generics, self_ty, trait_where) =
            (&self.impl_generics, &self.self_ty_group, &self.trait_where);
        quote_spanned! {span=>
            #[automatically_derived]
            #attrs
            impl #impl_generics #trait_ for #self_ty #trait_where { #items }
        }
    }

    /// `output`, or `impl Future<Output = #output>` when async.
    fn returns(&self, output: TokenStream) -> TokenStream {
        let (p, span) = (&self.p, self.span);
        if self.is_async {
            quote_spanned!(span=> impl #p::Future<Output = #output>)
        } else {
            output
        }
    }

    /// `body`, or `async move { #body }` when async.
    fn in_body(&self, body: &TokenStream) -> TokenStream {
        let span = self.span;
        if self.is_async {
            quote_spanned!(span=> async move { #body })
        } else {
            body.clone()
        }
    }

    /// A comma ending an async method's parameters (the tokens of a
    /// parameter list rustfmt broke over lines); nothing when sync.
    fn async_comma(&self) -> TokenStream {
        let span = self.span;
        if self.is_async {
            quote_spanned!(span=> ,)
        } else {
            TokenStream::new()
        }
    }

    /// The frame the marked methods' adapters are written in.
    fn adapters(&self) -> adapters::Frame<'_> {
        adapters::Frame {
            p: &self.p,
            span: self.span,
            error_of: &self.error_of,
        }
    }
}

/// `#[derive(ContextManager)]`.
pub fn derive(input: TokenStream) -> TokenStream {
    let input = match DeriveInput::parse2(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let options = parse::parse_derive_options(&input, &mut errors);
    let krate = runtime_path(options.krate.as_ref());
    let mut out = errors.before(&derived_impl(&input, &krate));
    out.extend(guard_alias::guard_alias(
        &input,
        options.guard.as_ref(),
        &krate,
    ));
    out
}

/// The one impl the derive makes: "this type has the derive". The
/// attribute, which sees the methods (and so knows sync from async),
/// implements `ContextManager` or `AsyncContextManager` bounded by it.
fn derived_impl(input: &DeriveInput, krate: &TokenStream) -> TokenStream {
    let p = private_path(krate);
    let name = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let preds = predicates(where_clause);
    quote! {
        #[automatically_derived]
        impl #impl_generics #p::Derived for #name #ty_generics
        where
            #preds
        {}
    }
}

/// Each predicate of the impl's or type's where-clause with its comma (the
/// user's last one may have none), to add predicates after them. Through
/// `pairs`: `Punctuated::iter` compiles a boxed iterator per element type.
fn predicates(where_clause: Option<&syn::WhereClause>) -> TokenStream {
    let mut preds = TokenStream::new();
    if let Some(w) = where_clause {
        for pair in w.predicates.pairs() {
            let pred = pair.value();
            preds.extend(quote!(#pred,));
        }
    }
    preds
}
