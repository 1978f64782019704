//! [`AsyncContextManager`]: Python's `__aenter__`/`__aexit__`, and the
//! marker [`AsyncSuppress`] of an async manager that may swallow the body's
//! error.

use core::future::Future;

use crate::{ErrorRef, Outcome};

/// Python's `__aenter__`/`__aexit__`: a context manager whose enter and exit
/// are awaited. Use it with `with!(async { EXPR } as PAT, { .. })` inside an
/// async fn or block.
///
/// An impl may write `async fn enter` and `async fn exit`:
///
/// ```
/// use ctxmgr::{with, AsyncContextManager, Outcome};
/// use std::convert::Infallible;
///
/// /// A session that says goodbye on every path.
/// struct Session {
///     log: Vec<String>,
/// }
///
/// impl AsyncContextManager for Session {
///     type Value<'a> = &'a mut Vec<String>;
///     type Error = Infallible;
///     async fn enter(&mut self) -> Result<&mut Vec<String>, Infallible> {
///         self.log.push("hello".into());
///         Ok(&mut self.log)
///     }
///     async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Infallible> {
///         // Awaited, even when the body failed or panicked.
///         self.log.push(format!("goodbye (ok: {})", outcome.is_ok()));
///         Ok(())
///     }
/// }
///
/// async fn talk(session: &mut Session) {
///     with!(async { &mut *session } as log, {
///         log.push("how are you?".into());
///     });
/// }
/// # let waker = std::task::Waker::noop();
/// # let mut cx = std::task::Context::from_waker(&waker);
/// let mut session = Session { log: Vec::new() };
/// // Polled once by hand here; any executor will do.
/// assert!(std::pin::pin!(talk(&mut session)).poll(&mut cx).is_ready());
/// assert_eq!(session.log, ["hello", "how are you?", "goodbye (ok: true)"]);
/// # use std::future::Future;
/// ```
///
/// # `Send`
///
/// The futures of `with!(async ..)` are `Send` when the manager's `enter`
/// and `exit` futures are, so a task using it can be `tokio::spawn`ed.
/// [`Outcome`] is `Send + Sync`, so an exit may hold it across an `.await`.
///
/// # Cancellation
///
/// When the future running the body is dropped before it ends (a timeout, a
/// `select!` that lost), nothing can be awaited any more: the guard's `Drop`
/// calls [`drop_exit`](AsyncContextManager::drop_exit) with
/// [`Outcome::Unseen`] (or [`Outcome::Panic`] while unwinding) instead of
/// `exit`. `exit` is never told `Ok` for a body that did not end.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an async context manager",
    label = "an async context manager is needed here",
    note = "implement `ctxmgr::AsyncContextManager` for it, or `#[derive(ContextManager)]` with `async fn` `#[enter]`/`#[exit]` methods",
    note = "if it is a sync context manager, remove `async` before it: `with!(async {{ A }} as a, B as b, {{ .. }})` mixes both"
)]
pub trait AsyncContextManager {
    /// What `with!(async .. as PAT ..)` binds. May borrow the manager.
    type Value<'a>
    where
        Self: 'a;
    /// Error of enter and exit. `core::convert::Infallible` when neither can
    /// fail.
    type Error;

    /// Python's `__aenter__`: sets up, and gives the value the body uses.
    /// When it fails, the body does not run and exit is not called.
    fn enter(&mut self) -> impl Future<Output = Result<Self::Value<'_>, Self::Error>>;

    /// Python's `__aexit__`: tears down, told how the body ended. Awaited
    /// exactly once after a successful enter, on every path `with!` sees:
    /// normal end, `?`, `return`, `break`, `continue` and panic.
    fn exit(&mut self, outcome: Outcome<'_>) -> impl Future<Output = Result<(), Self::Error>>;

    /// Run by the guard's `Drop` when exit could not be awaited to its end:
    /// the future was dropped mid-body or mid-exit (cancellation, a timeout),
    /// or exit panicked. `outcome` is [`Outcome::Unseen`], or
    /// [`Outcome::Panic`] while the thread is unwinding. The default does
    /// nothing; a manager can do what sync code can here (mark a connection
    /// broken, schedule a rollback on another task, log).
    ///
    /// ```
    /// use ctxmgr::{AsyncContextManager, AsyncGuard, Outcome};
    /// use std::convert::Infallible;
    ///
    /// struct Conn {
    ///     broken: bool,
    /// }
    /// impl AsyncContextManager for Conn {
    ///     type Value<'a> = ();
    ///     type Error = Infallible;
    ///     async fn enter(&mut self) -> Result<(), Infallible> {
    ///         Ok(())
    ///     }
    ///     async fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
    ///         Ok(())
    ///     }
    ///     fn drop_exit(&mut self, outcome: Outcome<'_>) {
    ///         assert!(outcome.is_unseen());
    ///         self.broken = true; // its rollback was never sent
    ///     }
    /// }
    ///
    /// let mut conn = Conn { broken: false };
    /// let mut guard = AsyncGuard::new(&mut conn);
    /// # let waker = std::task::Waker::noop();
    /// # let mut cx = std::task::Context::from_waker(&waker);
    /// # use std::future::Future;
    /// let _ = std::pin::pin!(guard.enter()).poll(&mut cx);
    /// drop(guard); // cancelled: exit could not be awaited
    /// assert!(conn.broken);
    /// ```
    #[inline]
    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        let _ = outcome;
    }

    /// Python's `__aexit__` returning a true value: `true` to swallow
    /// `error`, the error the body is leaving with. Asked after exit
    /// returned `Ok(())`, by `with!(async ..)` for a manager that also
    /// implements the marker [`AsyncSuppress`], and by
    /// [`AsyncExitStack`](crate::AsyncExitStack) for every entered manager.
    /// The default never suppresses, and costs nothing.
    ///
    /// ```
    /// use ctxmgr::{with, AsyncContextManager, AsyncSuppress, ErrorRef, Outcome};
    ///
    /// /// Swallows errors that say "retry".
    /// struct Retryable;
    /// impl AsyncContextManager for Retryable {
    ///     type Value<'a> = ();
    ///     type Error = String;
    ///     async fn enter(&mut self) -> Result<(), String> {
    ///         Ok(())
    ///     }
    ///     async fn exit(&mut self, _: Outcome<'_>) -> Result<(), String> {
    ///         Ok(())
    ///     }
    ///     fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
    ///         error.to_string().contains("retry")
    ///     }
    /// }
    /// impl AsyncSuppress for Retryable {} // `with!(async ..)` asks it too
    ///
    /// async fn run() -> Result<u32, String> {
    ///     let n: u32 = with!(async { Retryable }, {
    ///         Err("please retry".to_string())?;
    ///         7
    ///     });
    ///     Ok(n)
    /// }
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let polled = std::pin::pin!(run()).poll(&mut cx);
    /// assert_eq!(polled, std::task::Poll::Ready(Ok(0))); // swallowed: `u32::default()`
    /// ```
    #[inline]
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        let _ = error;
        false
    }
}

/// `&mut m` enters and exits `m`, which the caller keeps.
impl<M: AsyncContextManager + ?Sized> AsyncContextManager for &mut M {
    type Value<'a>
        = M::Value<'a>
    where
        Self: 'a;
    type Error = M::Error;

    #[inline]
    fn enter(&mut self) -> impl Future<Output = Result<Self::Value<'_>, Self::Error>> {
        (**self).enter()
    }

    #[inline]
    fn exit(&mut self, outcome: Outcome<'_>) -> impl Future<Output = Result<(), Self::Error>> {
        (**self).exit(outcome)
    }

    #[inline]
    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        (**self).drop_exit(outcome);
    }

    #[inline]
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        (**self).suppresses(error)
    }
}

/// Marks an async manager that may swallow the error leaving its body
/// (Python's `__aexit__` returning a true value), so that `with!(async ..)`
/// asks its [`AsyncContextManager::suppresses`]: the async twin of
/// [`Suppress`](crate::Suppress). Asked after exit returned `Ok(())` for a
/// body that left by `?`; `with!(async ..)` then evaluates to
/// `Default::default()`. [`AsyncExitStack`](crate::AsyncExitStack) asks
/// every manager, marked or not.
///
/// A `#[derive(ContextManager)]` async manager gets both from a plain `fn`
/// marked `#[suppress]` in its `#[ctxmgr::context_manager]` impl block
/// (see the derive's docs, "Suppressing errors").
///
/// Migration from the `AsyncSuppress::suppresses` method: move it into the
/// `AsyncContextManager` impl and leave `impl AsyncSuppress for M {}` empty.
pub trait AsyncSuppress: AsyncContextManager {}

impl<M: AsyncSuppress + ?Sized> AsyncSuppress for &mut M {}
