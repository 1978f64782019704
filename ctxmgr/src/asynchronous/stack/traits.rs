//! The traits [`AsyncExitStack`] implements: `Default`, `Drop` (the drop
//! path of a stack dropped unclosed), [`AsyncContextManager`] (a
//! `with!(async ..)` over it, or a stack nested in another), and `Debug`.

use core::fmt;
use core::future::Future;

use super::AsyncExitStack;
use crate::stack::threading::{Sendable, Threading};
use crate::{AsyncContextManager, AsyncSuppress, ErrorRef, Outcome, SendAsyncContextManager};

/// What `Drop` (or `drop_exit`) panics with when an entry's fallback failed
/// on the unseen path.
const UNSEEN_FAILED: &str = "ctxmgr: an entry's exit failed after an AsyncExitStack was dropped \
     without being closed (cancelled, or another unseen path out of its body); the error had \
     nowhere else to go. Await `aclose()` to handle it.";

impl<E: fmt::Display + fmt::Debug + Sync + 'static> Default for AsyncExitStack<'_, E> {
    /// An empty stack with error type `E`, shown to exits with
    /// [`ErrorRef::from_display`].
    ///
    /// ```
    /// use ctxmgr::AsyncExitStack;
    /// use std::task::Poll;
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let mut stack = AsyncExitStack::<std::io::Error>::default();
    /// stack.push(|_outcome| Err(std::io::Error::other("flush failed")));
    /// let Poll::Ready(closed) = std::pin::pin!(stack.aclose()).poll(&mut cx) else {
    ///     panic!()
    /// };
    /// assert_eq!(closed.unwrap_err().to_string(), "flush failed");
    /// ```
    #[inline]
    fn default() -> Self {
        Self::with_error_view(crate::stack::display_view)
    }
}

impl<E, T: Threading> Drop for AsyncExitStack<'_, E, T> {
    #[inline]
    fn drop(&mut self) {
        if !self.is_empty() {
            self.core.drop_all(Outcome::Unseen, UNSEEN_FAILED);
        }
    }
}

/// An `AsyncExitStack` is itself an async manager: enter hands out `&mut`
/// to the stack; exit awaits the entries with the body's outcome (see [How
/// the entries exit](AsyncExitStack#how-the-entries-exit)); `drop_exit`
/// runs their sync fallbacks (see
/// [Cancellation](AsyncExitStack#cancellation-dropped-without-being-closed)).
///
/// ```
/// use ctxmgr::{AsyncContextManager, AsyncExitStack, AsyncGuard, Outcome};
///
/// async fn run() -> Result<(), ctxmgr::BoxError> {
///     let mut guard = AsyncGuard::new(AsyncExitStack::new());
///     let stack = guard.enter().await?;
///     stack.callback(|| println!("closed"));
///     guard.finish(Outcome::Ok).await
/// }
/// # use std::future::Future;
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// assert!(std::pin::pin!(run()).poll(&mut cx).is_ready());
/// ```
impl<'m, E, T: Threading> AsyncContextManager for AsyncExitStack<'m, E, T> {
    type Value<'a>
        = &'a mut AsyncExitStack<'m, E, T>
    where
        Self: 'a;
    type Error = E;

    #[inline]
    fn enter(&mut self) -> impl Future<Output = Result<Self::Value<'_>, E>> {
        self.core.suppressed = false;
        core::future::ready(Ok(self))
    }

    #[inline]
    fn exit(&mut self, outcome: Outcome<'_>) -> impl Future<Output = Result<(), E>> {
        self.core.unwind_awaiting(outcome)
    }

    #[inline]
    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        if !self.is_empty() {
            self.core.drop_all(outcome, UNSEEN_FAILED);
        }
    }

    /// `true` when an entry swallowed the body's error at the last exit.
    #[inline]
    fn suppresses(&mut self, _error: ErrorRef<'_>) -> bool {
        self.core.suppressed
    }
}

/// `with!(async ..)` over a stack asks it: an entry may swallow the body's
/// error.
impl<E, T: Threading> AsyncSuppress for AsyncExitStack<'_, E, T> {}

/// A `Sendable` stack nests in another: its exit future is `Send` when `E`
/// is.
impl<E: Send> SendAsyncContextManager for AsyncExitStack<'_, E, Sendable> {
    #[inline]
    fn enter_send(&mut self) -> impl Future<Output = Result<Self::Value<'_>, E>> + Send {
        self.core.suppressed = false;
        core::future::ready(Ok(self))
    }

    #[inline]
    fn exit_send(&mut self, outcome: Outcome<'_>) -> impl Future<Output = Result<(), E>> + Send {
        self.core.unwind_awaiting(outcome)
    }
}

impl<E, T: Threading> fmt::Debug for AsyncExitStack<'_, E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncExitStack")
            .field("entries", &self.len())
            .finish_non_exhaustive()
    }
}
