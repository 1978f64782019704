//! What the expansion of `#[ctxmgr::contextmanager]` names.

use crate::Outcome;

/// `impl Trait + Captures<(&'a (), ..)>`: makes a returned `impl Trait`
/// capture the function's lifetimes in every edition (edition 2024 does it
/// by itself; `use<..>` needs Rust 1.82).
pub trait Captures<T: ?Sized> {}
impl<T: ?Sized, U: ?Sized> Captures<T> for U {}

/// Pins the enter closure's signature (value `V`, error `E`), so the exit
/// closure it returns is checked as `FnOnce(Outcome<'_>) -> Result<(), E>`
/// for every outcome lifetime.
#[inline]
pub fn enter_fn<V, E, X, F>(enter: F) -> F
where
    F: FnOnce() -> Result<(V, X), E>,
    X: FnOnce(Outcome<'_>) -> Result<(), E>,
{
    enter
}

/// What the code after the yield may end with: `()` or `Result<(), E>`.
#[diagnostic::on_unimplemented(
    message = "the code after `yield_!` ends with a value of type `{Self}`",
    label = "expected `()` or `Result<(), {E}>` here",
    note = "the exit half of a `#[ctxmgr::contextmanager]` function ends with `()` or `Result<(), {E}>`, where `{E}` is the error of its declared `Result`"
)]
pub trait ExitTail<E> {
    fn __ctxmgr_into_result(self) -> Result<(), E>;
}
impl<E> ExitTail<E> for () {
    #[inline]
    fn __ctxmgr_into_result(self) -> Result<(), E> {
        Ok(())
    }
}
impl<E> ExitTail<E> for Result<(), E> {
    #[inline]
    fn __ctxmgr_into_result(self) -> Self {
        self
    }
}

/// The enter half of a `#[contextmanager]` function that failed to expand
/// (its compile error is already reported).
#[allow(clippy::type_complexity)]
pub fn stub_enter<V, E>() -> Result<(V, fn(Outcome<'_>) -> Result<(), E>), E> {
    super::stub()
}

/// Pins the signature of an async generator's exit half, so the closure is
/// checked as `for<'o> FnOnce(Outcome<'o>, ..) -> AsyncExitFuture<'o, E>`,
/// and boxes it.
#[cfg(feature = "alloc")]
#[inline]
pub fn async_exit_fn<'a, E, X>(exit: X) -> crate::AsyncExitFn<'a, E>
where
    X: for<'o> FnOnce(
            Outcome<'o>,
            core::marker::PhantomData<&'o &'a ()>,
        ) -> crate::AsyncExitFuture<'o, E>
        + Send
        + 'a,
{
    alloc::boxed::Box::new(exit)
}

/// Pins the enter future's output: the value `V` and the exit half.
#[cfg(feature = "alloc")]
#[inline]
pub fn async_enter<'a, V, E, F>(enter: F) -> F
where
    F: core::future::Future<Output = Result<(V, crate::AsyncExitFn<'a, E>), E>>,
{
    enter
}

#[cfg(feature = "alloc")]
pub use alloc::boxed::Box;

/// The enter half of an async `#[contextmanager]` function that failed to
/// expand (its compile error is already reported).
#[cfg(feature = "alloc")]
pub fn stub_async_enter<'a, V, E>() -> core::future::Ready<Result<(V, crate::AsyncExitFn<'a, E>), E>>
{
    super::stub()
}
