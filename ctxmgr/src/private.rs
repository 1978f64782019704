//! Items the macros' expansions name. Not public API: no semver guarantees.
//!
//! The probes below use autoref specialization: a method call on
//! `(&&&Probe(x))` picks the first impl whose bounds hold, by the order in
//! which method resolution tries receiver types (`&&&P`, `&&P`, `&P`, `P`).

#![allow(missing_docs, clippy::unused_self, clippy::needless_lifetimes)]

pub use crate::guard::Guard;
pub use crate::{ContextManager, ErrorRef, Outcome, Suppress};
pub use core::convert::{From, Infallible};
pub use core::ops::ControlFlow;
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use ctxmgr_derive::with_impl;

use core::fmt;

// ---------------------------------------------------------------------------
// `?` in a body: split a `Result`/`Option` into its value or its residual.

/// What `?` does first, on the types `with!` bodies support.
#[diagnostic::on_unimplemented(
    message = "`?` in a `with!` body supports `Result` and `Option`, not `{Self}`",
    label = "this `?` is rewritten by `with!`",
    note = "move this `?` into a helper function, or convert the value to a `Result` first"
)]
pub trait Branch {
    type Output;
    type Residual;
    fn branch(self) -> ControlFlow<Self::Residual, Self::Output>;
}

impl<T, E> Branch for Result<T, E> {
    type Output = T;
    type Residual = Result<Infallible, E>;
    #[inline(always)]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Ok(v) => ControlFlow::Continue(v),
            Err(e) => ControlFlow::Break(Err(e)),
        }
    }
}

impl<T> Branch for Option<T> {
    type Output = T;
    type Residual = Option<Infallible>;
    #[inline(always)]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Some(v) => ControlFlow::Continue(v),
            None => ControlFlow::Break(None),
        }
    }
}

#[inline(always)]
pub fn branch<B: Branch>(value: B) -> ControlFlow<B::Residual, B::Output> {
    value.branch()
}

// ---------------------------------------------------------------------------
// Viewing an error of any type as an `ErrorRef`.

pub struct Probe<'a, T: ?Sized>(pub &'a T);
impl<T: ?Sized> Clone for Probe<'_, T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for Probe<'_, T> {}

pub trait ViewError<'a> {
    fn __ctxmgr_view(&self) -> ErrorRef<'a>;
}
impl<'a, E: core::error::Error + 'static> ViewError<'a> for &&Probe<'a, E> {
    #[inline(always)]
    fn __ctxmgr_view(&self) -> ErrorRef<'a> {
        ErrorRef::new(self.0)
    }
}
pub trait ViewDisplay<'a> {
    fn __ctxmgr_view(&self) -> ErrorRef<'a>;
}
impl<'a, E: fmt::Display + fmt::Debug + 'static> ViewDisplay<'a> for &Probe<'a, E> {
    #[inline(always)]
    fn __ctxmgr_view(&self) -> ErrorRef<'a> {
        ErrorRef::from_display(self.0)
    }
}
pub trait ViewDebug<'a> {
    fn __ctxmgr_view(&self) -> ErrorRef<'a>;
}
impl<'a, E: fmt::Debug> ViewDebug<'a> for Probe<'a, E> {
    #[inline(always)]
    fn __ctxmgr_view(&self) -> ErrorRef<'a> {
        ErrorRef::from_debug(self.0)
    }
}
pub trait ViewOpaque<'a> {
    fn __ctxmgr_view(self) -> ErrorRef<'a>;
}
impl<'a, E> ViewOpaque<'a> for Probe<'a, E> {
    #[inline(always)]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::opaque(self.0)
    }
}

/// The residual of a `?`: `Err(e)` is viewed through the probes at the
/// call site; `None` has a fixed view.
pub trait ResidualError {
    type Error;
    fn __ctxmgr_residual(&self) -> Option<&Self::Error>;
}
impl<E> ResidualError for Result<Infallible, E> {
    type Error = E;
    #[inline(always)]
    fn __ctxmgr_residual(&self) -> Option<&E> {
        match self {
            Ok(never) => match *never {},
            Err(e) => Some(e),
        }
    }
}
impl ResidualError for Option<Infallible> {
    type Error = NoneValue;
    #[inline(always)]
    fn __ctxmgr_residual(&self) -> Option<&NoneValue> {
        None
    }
}

/// Stands for the error of `?` on `None`.
#[derive(Debug)]
pub struct NoneValue;

#[inline(always)]
pub fn residual_of<R: ResidualError>(residual: &R) -> Option<&R::Error> {
    residual.__ctxmgr_residual()
}

/// `Some(&e)` when a returned value is `Err(e)`; `None` for `Ok` and for
/// return types that are not `Result`.
pub trait ReturnedErr<'a> {
    type Error;
    fn __ctxmgr_returned_err(&self) -> Option<&'a Self::Error>;
}
impl<'a, T, E> ReturnedErr<'a> for Probe<'a, Result<T, E>> {
    type Error = E;
    #[inline(always)]
    fn __ctxmgr_returned_err(&self) -> Option<&'a E> {
        self.0.as_ref().err()
    }
}
pub trait ReturnedNonResult<'a> {
    fn __ctxmgr_returned_err(&self) -> Option<&'a NoneValue>;
}
impl<'a, R> ReturnedNonResult<'a> for &Probe<'a, R> {
    #[inline(always)]
    fn __ctxmgr_returned_err(&self) -> Option<&'a NoneValue> {
        None
    }
}

// ---------------------------------------------------------------------------
// Propagating an enter/exit error like `?`, or compiling it away when the
// error type is `Infallible`.

/// Probed once per `with!` as `(&&GuardKind(&guard))`, through the guard's
/// type: `NeverTag` when the manager's error is `Infallible`, `RealTag` for
/// other managers, and `NeverTag` for a type that is not a manager at all
/// (already reported once; this adds no second error).
#[derive(Clone, Copy)]
pub struct GuardKind<'a, G>(pub &'a G);

pub trait KindNever {
    fn __ctxmgr_kind(&self) -> NeverTag;
}
impl<M: ContextManager<Error = Infallible>> KindNever for &GuardKind<'_, Guard<M>> {
    #[inline(always)]
    fn __ctxmgr_kind(&self) -> NeverTag {
        NeverTag
    }
}
pub trait KindReal {
    fn __ctxmgr_kind(&self) -> RealTag;
}
impl<M: ContextManager> KindReal for GuardKind<'_, Guard<M>> {
    #[inline(always)]
    fn __ctxmgr_kind(&self) -> RealTag {
        RealTag
    }
}
pub trait KindNotManager {
    fn __ctxmgr_kind(self) -> NeverTag;
}
impl<G> KindNotManager for GuardKind<'_, G> {
    #[inline(always)]
    fn __ctxmgr_kind(self) -> NeverTag {
        NeverTag
    }
}

#[derive(Clone, Copy)]
pub struct NeverTag;
impl NeverTag {
    #[inline(always)]
    pub fn propagate<R>(self, error: Infallible) -> R {
        match error {}
    }
}
#[derive(Clone, Copy)]
pub struct RealTag;
impl RealTag {
    #[inline(always)]
    pub fn propagate<T, E, F: From<E>>(self, error: E) -> Result<T, F> {
        Err(F::from(error))
    }
}

// ---------------------------------------------------------------------------
// Suppression: only managers implementing `Suppress` are asked, and only
// they require the body's value to be `Default`.

pub struct SuppressProbe<'a, M: ContextManager>(pub &'a Guard<M>);

pub trait SuppressYesKind {
    fn __ctxmgr_suppress_kind(&self) -> SuppressYes;
}
impl<M: Suppress> SuppressYesKind for SuppressProbe<'_, M> {
    #[inline(always)]
    fn __ctxmgr_suppress_kind(&self) -> SuppressYes {
        SuppressYes
    }
}
pub trait SuppressNoKind {
    fn __ctxmgr_suppress_kind(&self) -> SuppressNo;
}
impl<M: ContextManager> SuppressNoKind for &SuppressProbe<'_, M> {
    #[inline(always)]
    fn __ctxmgr_suppress_kind(&self) -> SuppressNo {
        SuppressNo
    }
}

pub struct SuppressYes;
impl SuppressYes {
    /// `Some(T::default())` when the manager swallows the error.
    #[inline]
    pub fn check<M: Suppress, T: Default>(
        self,
        guard: &mut Guard<M>,
        error: ErrorRef<'_>,
    ) -> Option<T> {
        if guard.suppresses(error) {
            Some(T::default())
        } else {
            None
        }
    }
}
pub struct SuppressNo;
impl SuppressNo {
    /// `None`, typed `Option<!>`: the `Some` arm at the call site binds a
    /// value of type `!`, so the compiler sees that it never breaks out of
    /// the `with!` and a body that always leaves keeps `with!` diverging.
    #[inline(always)]
    pub fn check<M: ContextManager>(
        self,
        _guard: &mut Guard<M>,
        _error: ErrorRef<'_>,
    ) -> Option<Never> {
        None
    }
}

/// The never type `!`, nameable on stable through a function pointer's
/// output.
pub type Never = <fn() -> ! as FnOutput>::Output;
pub trait FnOutput {
    type Output;
}
impl<R> FnOutput for fn() -> R {
    type Output = R;
}

/// The value stored by the site that is being resumed (always there).
#[inline(always)]
pub fn taken<T>(slot: Option<T>) -> T {
    match slot {
        Some(value) => value,
        None => unreachable_flow(),
    }
}

/// [`taken`], by reference.
#[inline(always)]
pub fn taken_ref<T>(slot: &Option<T>) -> &T {
    match slot {
        Some(value) => value,
        None => unreachable_flow(),
    }
}

/// The error of the outcome a `?` site gave exit (always `Err`).
#[inline(always)]
pub fn error_of(outcome: Outcome<'_>) -> ErrorRef<'_> {
    match outcome {
        Outcome::Err(error) => error,
        _ => unreachable_flow(),
    }
}

/// Used to resume a stored control-flow site: the index always matches one
/// arm, so this is never reached.
#[cold]
#[inline(never)]
pub fn unreachable_flow() -> ! {
    unreachable!("ctxmgr: internal error: unknown control-flow index")
}

// ===========================================================================
// #[derive(ContextManager)] + #[ctxmgr::context_manager] (issue 3).
// Owned by the derive; everything below is named only by their expansions.

/// What `#[ctxmgr::context_manager]` collects from an impl block: its
/// `#[enter]` and `#[exit]` methods, adapted to the trait's shape, plus what
/// the named guard keeps of the entered value. `#[derive(ContextManager)]`
/// implements `ContextManager` by delegating here.
///
/// Signatures name the `ContextManager` projections, not `RawValue`, so that
/// the derived impl (whose where-clause `Self: Methods` puts
/// `Self: ContextManager` in its own environment) type-checks for generic
/// managers too.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[enter]`/`#[exit]` methods for `#[derive(ContextManager)]`",
    label = "add `#[ctxmgr::context_manager]` to the impl block holding the `#[enter]` and `#[exit]` methods of `{Self}`",
    note = "`#[derive(ContextManager)]` cannot see impl blocks: the attribute on the impl block collects the methods for it"
)]
pub trait Methods: ContextManager {
    type RawValue<'a>
    where
        Self: 'a;
    type RawError;
    /// What the named guard stores of the entered value: the value itself
    /// when it does not borrow the manager, `()` otherwise.
    type Kept;
    /// What the named guard derefs to: the kept value, or the manager.
    type Target: ?Sized;
    /// [`GuardKeeps`], [`GuardDropsRef`] or [`GuardCannotKeep`].
    type Shape;

    fn __ctxmgr_enter(
        &mut self,
    ) -> Result<<Self as ContextManager>::Value<'_>, <Self as ContextManager>::Error>;
    fn __ctxmgr_exit(
        &mut self,
        outcome: Outcome<'_>,
    ) -> Result<(), <Self as ContextManager>::Error>;
    fn __ctxmgr_keep<'a>(value: <Self as ContextManager>::Value<'a>) -> Self::Kept
    where
        Self: 'a;
    fn __ctxmgr_target<'s>(kept: &'s Self::Kept, manager: &'s Self) -> &'s Self::Target;
    fn __ctxmgr_target_mut<'s>(
        kept: &'s mut Self::Kept,
        manager: &'s mut Self,
    ) -> &'s mut Self::Target;
}

/// Shape: the value does not borrow the manager; the guard keeps it.
pub enum GuardKeeps {}
/// Shape: the value is a reference into the manager (`&mut Self`, a field);
/// the guard drops it (a no-op) and derefs to the manager.
pub enum GuardDropsRef {}
/// Shape: the value borrows the manager and may have a destructor (a lock
/// guard): the named guard cannot keep it alive next to the manager.
pub enum GuardCannotKeep {}

#[diagnostic::on_unimplemented(
    message = "the named guard cannot hold the value of this `#[enter]`: it borrows the manager and may have a destructor",
    label = "the value would be dropped right after enter",
    note = "use `with!`, or `ctxmgr::Guard` (its `enter` lends the value while the guard stays borrowed)",
    note = "or return a value that borrows what the manager refers to (e.g. `MutexGuard<'m, T>` for a field `&'m Mutex<T>`), not the manager itself"
)]
pub trait NamedGuardSupported {}
impl NamedGuardSupported for GuardKeeps {}
impl NamedGuardSupported for GuardDropsRef {}

/// The named guard's view of `&'g mut M`: its items name everything through
/// a type that mentions the guard's lifetime, so a missing `Methods` impl is
/// one error (at the derive) instead of one per guard item.
pub trait Named: ContextManager {
    type Kept;
    type Target: ?Sized;
    type Shape;
    fn __ctxmgr_keep<'a>(value: <Self as ContextManager>::Value<'a>) -> Self::Kept
    where
        Self: 'a;
    fn __ctxmgr_target<'s>(kept: &'s Self::Kept, manager: &'s Self) -> &'s Self::Target;
    fn __ctxmgr_target_mut<'s>(
        kept: &'s mut Self::Kept,
        manager: &'s mut Self,
    ) -> &'s mut Self::Target;
}
impl<M: Methods> Named for &mut M {
    type Kept = M::Kept;
    type Target = M::Target;
    type Shape = M::Shape;
    #[inline(always)]
    fn __ctxmgr_keep<'a>(value: <Self as ContextManager>::Value<'a>) -> Self::Kept
    where
        Self: 'a,
    {
        M::__ctxmgr_keep(value)
    }
    #[inline(always)]
    fn __ctxmgr_target<'s>(kept: &'s Self::Kept, manager: &'s Self) -> &'s Self::Target {
        M::__ctxmgr_target(kept, manager)
    }
    #[inline(always)]
    fn __ctxmgr_target_mut<'s>(
        kept: &'s mut Self::Kept,
        manager: &'s mut Self,
    ) -> &'s mut Self::Target {
        M::__ctxmgr_target_mut(kept, manager)
    }
}

/// Body of the stub impl emitted next to a compile error.
#[cold]
pub fn stub() -> ! {
    unreachable!("ctxmgr: stub of a context manager that failed to expand")
}

pub use core::mem::drop;
/// Ends a value the named guard does not keep (a reference into the
/// manager, or, never at run time, a value that cannot be kept). Not
/// `mem::drop`, whose lints fire on references.
#[inline(always)]
pub fn discard<T>(_value: T) {}

pub use core::fmt::{Debug, Formatter, Result as FmtResult};
pub use core::ops::{Deref, DerefMut};

/// Splits the return type of an `#[enter]` method into value and error, so
/// any `Result` alias (`io::Result<V>`, `fmt::Result`) works.
pub trait EnterResult {
    type Value;
    type Error;
    fn __ctxmgr_into_result(self) -> Result<Self::Value, Self::Error>;
}
impl<V, E> EnterResult for Result<V, E> {
    type Value = V;
    type Error = E;
    #[inline(always)]
    fn __ctxmgr_into_result(self) -> Self {
        self
    }
}

/// The error type of an `#[exit]` method returning a `Result` alias.
pub trait ExitError {
    type Error;
}
impl<T, E> ExitError for Result<T, E> {
    type Error = E;
}

/// What an `#[exit]` method may return, given the manager's error `E`.
#[diagnostic::on_unimplemented(
    message = "`#[exit]` returns `{Self}`, but the context manager's error type is `{E}`",
    label = "expected `()` or `Result<(), {E}>` here",
    note = "`#[enter]` and `#[exit]` share one error type: return `Result<(), {E}>` from `#[exit]` (convert its errors with `map_err` or `?`), or make `#[enter]` return the same error"
)]
pub trait ExitResult<E> {
    fn __ctxmgr_into_result(self) -> Result<(), E>;
}
impl<E> ExitResult<E> for Result<(), E> {
    #[inline(always)]
    fn __ctxmgr_into_result(self) -> Self {
        self
    }
}
impl<E> ExitResult<E> for () {
    #[inline(always)]
    fn __ctxmgr_into_result(self) -> Result<(), E> {
        Ok(())
    }
}
// ===========================================================================
