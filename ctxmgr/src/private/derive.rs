//! What the expansions of `#[derive(ContextManager)]` and
//! `#[ctxmgr::context_manager]` name, and what `DerivedGuard` builds on.

use core::future::Future;

use crate::{ContextManager, Outcome};

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
    message = "`{Self}` has no sync `#[enter]`/`#[exit]` methods for `#[derive(ContextManager)]`",
    label = "`{Self}` is not a (sync) context manager",
    note = "if its `#[enter]`/`#[exit]` are `async fn`, it is an async context manager: write `with!(async EXPR ..)` inside an async fn",
    note = "otherwise add `#[ctxmgr::context_manager]` to the impl block holding its `#[enter]` and `#[exit]` methods: `#[derive(ContextManager)]` cannot see impl blocks, the attribute collects the methods for it"
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

/// [`Methods`] for `async fn` markers: what `#[ctxmgr::context_manager]`
/// collects when `#[enter]` and `#[exit]` are both `async fn`; the derive
/// then implements `AsyncContextManager` by delegating here.
///
/// The derive emits both impls, each bounded `for<'x> Self: ..`: a bound
/// that does not hold removes its impl instead of being an error, so the
/// derive needs to know nothing of the impl block.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `async fn` `#[enter]`/`#[exit]` methods for `#[derive(ContextManager)]`",
    label = "`{Self}` is not an async context manager",
    note = "if its `#[enter]`/`#[exit]` are plain `fn`s, it is a sync context manager: remove `async` before it in `with!`",
    note = "otherwise add `#[ctxmgr::context_manager]` to the impl block holding its `#[enter]` and `#[exit]` methods"
)]
///
/// Unlike [`Methods`], not a subtrait of the trait it feeds: the derived
/// impl's where-clause would then hold `Self: AsyncContextManager`, and the
/// futures of its own `enter`/`exit` would not normalize inside it.
pub trait AsyncMethods {
    type RawValue<'a>
    where
        Self: 'a;
    type RawError;

    fn __ctxmgr_enter(
        &mut self,
    ) -> impl Future<Output = Result<Self::RawValue<'_>, Self::RawError>>;
    fn __ctxmgr_exit(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl Future<Output = Result<(), Self::RawError>>;
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

/// Ends a value the named guard does not keep (a reference into the
/// manager, or, never at run time, a value that cannot be kept). Not
/// `mem::drop`, whose lints fire on references.
#[inline(always)]
pub fn discard<T>(_value: T) {}

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
