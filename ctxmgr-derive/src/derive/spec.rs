//! What the validation stage hands to the expand stage: each marked
//! method that passed, with what expand needs to know of its signature.
//! Built by [`super::validate`], read by [`super::expand`].

use proc_macro2::Span;
use syn::{ImplItemFn, Lifetime, Type};

use super::types::VALUE_LIFETIME;

/// The lifetime of `ContextManager::Value<'a>` in generated code.
pub fn value_lifetime() -> Lifetime {
    Lifetime::new(VALUE_LIFETIME, Span::call_site())
}

/// What the named guard does with the entered value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The value does not borrow the manager: the guard keeps it and derefs
    /// to it.
    Keeps,
    /// The value is a reference into the manager (`&mut Self`, `&mut
    /// self.file`): dropping it is a no-op; the guard derefs to the manager.
    DropsRef,
    /// The value borrows the manager and may have a destructor (a
    /// `MutexGuard<'_, T>`): the named guard is unavailable.
    CannotKeep,
}

pub enum EnterRet {
    /// `-> V` (or nothing: `()`), lifetimes rewritten.
    Plain(Box<Type>),
    /// `-> Result<V, E>` or an alias, lifetimes rewritten; `V`, the value,
    /// when the type has exactly these two type arguments (else the value
    /// is read through `EnterResult`: `io::Result<V>`, `fmt::Result`, an
    /// alias that wraps its parameter); and the same type with its first
    /// type argument replaced by `()`, to name the error type without the
    /// value's lifetime.
    Result {
        ty: Box<Type>,
        value: Option<Box<Type>>,
        unit_value: Box<Type>,
    },
}

pub struct EnterSpec<'a> {
    pub method: &'a ImplItemFn,
    pub ret: EnterRet,
    pub shape: Shape,
}

pub enum ExitRet {
    Unit,
    Result(Box<Type>),
}

/// `#[suppress] fn NAME(&mut self, error: ErrorRef<'_>) -> bool`.
pub struct SuppressSpec<'a> {
    pub method: &'a ImplItemFn,
}

pub struct ExitSpec<'a> {
    pub method: &'a ImplItemFn,
    pub takes_outcome: bool,
    pub ret: ExitRet,
    /// Where an error type mismatch is reported: the return type.
    pub ret_span: Span,
}

/// The valid parts; a part is `None` when it is missing or invalid (an
/// error was pushed and expand emits a stub for it).
pub struct Spec<'a> {
    pub enter: Option<EnterSpec<'a>>,
    pub exit: Option<ExitSpec<'a>>,
    /// The optional `#[suppress]` method.
    pub suppress: Option<SuppressSpec<'a>>,
    /// `#[enter]` or `#[exit]` is an `async fn`: an `AsyncContextManager`.
    pub is_async: bool,
    /// No `#[enter]` in the block: reported by expand, as the type of the
    /// value it would have returned (see [`crate::diag::error_as_type`]).
    pub missing_enter: Option<syn::Error>,
}
