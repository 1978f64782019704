//! The two flavours of [`AsyncExitStack`](crate::AsyncExitStack): [`Local`]
//! (the default, for a task that stays on its thread) and [`Sendable`] (for
//! `tokio::spawn` and any executor that moves tasks between threads).
//!
//! ```
//! use ctxmgr::threading::{Local, Sendable};
//! use ctxmgr::{AsyncExitStack, BoxError};
//!
//! fn assert_send<T: Send + Sync>(_: &T) {}
//!
//! let local: AsyncExitStack<'_, BoxError, Local> = AsyncExitStack::new();
//! let shared: AsyncExitStack<'_, BoxError, Sendable> = AsyncExitStack::new_send();
//! assert_send(&shared);
//! # drop(local);
//! ```

use alloc::boxed::Box;
use core::future::Future;
use core::pin::Pin;

use super::arena::{SendIf, Shared, Unshared};
pub use super::entry::UseAsyncExitStackNewSend;
use super::entry::{Entry, Flavour, UnsentExit};

/// The default flavour of [`AsyncExitStack`](crate::AsyncExitStack): it
/// holds any manager, callback and future, `Send` or not, and so is neither
/// `Send` nor `Sync` itself. Its futures run on one thread: `block_on`,
/// tokio's `LocalSet`/`spawn_local`, or a `with!(async ..)` that is not
/// spawned.
///
/// For a stack that crosses threads (`tokio::spawn`), use
/// [`AsyncExitStack::new_send`](crate::AsyncExitStack::new_send), which
/// makes a [`Sendable`] one.
#[derive(Debug)]
pub enum Local {}

/// The flavour of [`AsyncExitStack`](crate::AsyncExitStack) made by
/// [`AsyncExitStack::new_send`](crate::AsyncExitStack::new_send): `Send` and
/// `Sync`, so the futures that hold it are `Send` (usable with
/// `tokio::spawn`) when the rest of what they hold is.
///
/// It accepts only what can cross threads: `Send` callbacks, futures and
/// sync managers, and async managers that implement
/// [`SendAsyncContextManager`](crate::SendAsyncContextManager).
#[derive(Debug)]
pub enum Sendable {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Local {}
    impl Sealed for super::Sendable {}
}

/// [`Local`] or [`Sendable`]: the thread-safety parameter `T` of
/// [`AsyncExitStack<'m, E, T>`](crate::AsyncExitStack). Sealed.
pub trait Threading: sealed::Sealed + Flavour {}

impl Threading for Local {}
impl Threading for Sendable {}

impl Flavour for Local {
    type Entry<'m, E> = dyn Entry<E, Local> + 'm;
    type Exit<'a, E> = UnsentExit<'a, E, Local>;
    type Lock = Unshared;
}

impl Flavour for Sendable {
    type Entry<'m, E> = dyn Entry<E, Sendable> + Send + 'm;
    type Exit<'a, E> = Pin<Box<dyn Future<Output = Result<bool, E>> + Send + 'a>>;
    type Lock = Shared;
}

// SAFETY: `dyn UseAsyncExitStackNewSend` is never `Send` (a trait object is
// `Send` only when its type says so), so this never claims anything.
unsafe impl<'m, E> SendIf for dyn Entry<E, Local> + 'm {
    type When = dyn UseAsyncExitStackNewSend;
}

/// Boxes a future of an entry's exit as the flavour's
/// [`Exit`](Flavour::Exit): any future for [`Local`], a `Send` one for
/// [`Sendable`]. `map` turns its output into the entry's result.
pub(crate) trait BoxExit<Fut: Future>: Flavour {
    fn box_exit<'a, E>(fut: Fut, map: fn(Fut::Output) -> Result<bool, E>) -> Self::Exit<'a, E>
    where
        Fut: 'a,
        E: 'a;
}

impl<Fut: Future> BoxExit<Fut> for Local {
    #[inline]
    fn box_exit<'a, E>(fut: Fut, map: fn(Fut::Output) -> Result<bool, E>) -> Self::Exit<'a, E>
    where
        Fut: 'a,
        E: 'a,
    {
        UnsentExit::new(Box::pin(async move { map(fut.await) }))
    }
}

impl<Fut: Future + Send> BoxExit<Fut> for Sendable {
    #[inline]
    fn box_exit<'a, E>(fut: Fut, map: fn(Fut::Output) -> Result<bool, E>) -> Self::Exit<'a, E>
    where
        Fut: 'a,
        E: 'a,
    {
        Box::pin(async move { map(fut.await) })
    }
}

/// The future of [`enter_async_context`](crate::AsyncExitStack::enter_async_context)
/// on a [`Sendable`] stack: the manager's value `V` or the stack's error
/// `E`. `Send`.
#[must_use = "futures do nothing unless awaited"]
pub struct Entering<'s, V, E>(pub(crate) Pin<Box<dyn Future<Output = Result<V, E>> + Send + 's>>);

impl<V, E> Future for Entering<'_, V, E> {
    type Output = Result<V, E>;
    #[inline]
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut core::task::Context<'_>,
    ) -> core::task::Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl<V, E> core::fmt::Debug for Entering<'_, V, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Entering").finish_non_exhaustive()
    }
}
