//! [`AsyncContextManager`] and [`AsyncGuard`]: Python's `async with`, whose
//! teardown is *awaited*.
//!
//! Rust has no async `Drop`: a value dropped mid-`.await` cannot await its
//! own cleanup. `with!(async ..)` awaits exit on every path it can see, and a
//! manager's sync [`drop_exit`](AsyncContextManager::drop_exit) is the
//! fallback for the one it cannot: the future being dropped (cancelled).

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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    Idle,
    Entered,
    Finished,
}

/// Owns an [`AsyncContextManager`] and awaits its exit exactly once: what
/// `with!(async ..)` expands to, usable by hand.
///
/// 1. [`AsyncGuard::new`] takes the manager;
/// 2. [`AsyncGuard::enter`] awaits enter and hands out the value;
/// 3. drop the value, then [`AsyncGuard::finish`] awaits exit with the
///    [`Outcome`].
///
/// # `Send`
///
/// `enter` and `finish` are `async fn`s generic over the manager. For a
/// manager with a lifetime parameter, rustc cannot prove such a generic
/// future `Send` (it reports "implementation is not general enough"; return
/// type notation, which would fix it, is unstable). `with!(async ..)` does
/// not go through them: it awaits the manager's own futures in your async
/// fn, so its futures stay `Send`. Use it where a task must be `Send`.
///
/// Dropped while entered and not finished (its future was cancelled, or
/// exit did not complete), the guard calls the manager's
/// [`drop_exit`](AsyncContextManager::drop_exit) with [`Outcome::Unseen`],
/// or [`Outcome::Panic`] while the thread is unwinding. A panic from
/// `drop_exit` while unwinding is caught, so the process does not abort.
///
/// ```
/// use ctxmgr::{AsyncContextManager, AsyncGuard, Outcome};
/// use std::convert::Infallible;
///
/// struct Log(Vec<String>);
/// impl AsyncContextManager for Log {
///     type Value<'a> = &'a mut Vec<String>;
///     type Error = Infallible;
///     async fn enter(&mut self) -> Result<&mut Vec<String>, Infallible> {
///         Ok(&mut self.0)
///     }
///     async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Infallible> {
///         self.0.push(format!("exit ok={}", outcome.is_ok()));
///         Ok(())
///     }
/// }
///
/// async fn run(log: &mut Log) -> Result<(), Infallible> {
///     let mut guard = AsyncGuard::new(log);
///     let lines = guard.enter().await?;
///     lines.push("body".into());
///     guard.finish(Outcome::Ok).await
/// }
/// # use std::future::Future;
/// # let waker = std::task::Waker::noop();
/// # let mut cx = std::task::Context::from_waker(&waker);
/// let mut log = Log(Vec::new());
/// assert!(std::pin::pin!(run(&mut log)).poll(&mut cx).is_ready());
/// assert_eq!(log.0, ["body", "exit ok=true"]);
/// ```
#[must_use = "a guard exits its manager when finished or dropped; bind it to a variable"]
pub struct AsyncGuard<M> {
    manager: M,
    state: State,
    /// `M::drop_exit`, kept here so the type (and its `Drop`) need no bound:
    /// a `with!(async ..)` over something that is not a manager is then one
    /// error, at `new`.
    drop_exit: fn(&mut M, Outcome<'_>),
}

impl<M: AsyncContextManager> AsyncGuard<M> {
    /// Takes ownership of `manager` without entering it. Pass `&mut m` to
    /// keep the manager.
    #[inline]
    pub const fn new(manager: M) -> Self {
        AsyncGuard {
            manager,
            state: State::Idle,
            drop_exit: M::drop_exit,
        }
    }

    /// Awaits the manager's enter. On success the guard is entered and will
    /// exit exactly once; on failure (or if this future is dropped before
    /// it ends) nothing is entered and nothing will exit.
    ///
    /// # Panics
    ///
    /// When the guard was already entered.
    #[inline]
    pub async fn enter(&mut self) -> Result<M::Value<'_>, M::Error> {
        assert!(
            self.state == State::Idle,
            "ctxmgr::AsyncGuard::enter called on a guard that was already entered"
        );
        let value = self.manager.enter().await;
        if value.is_ok() {
            self.state = State::Entered;
        }
        value
    }

    /// Awaits the manager's exit with `outcome` and returns its result, once:
    /// later calls, and calls on a guard that is not entered, return
    /// `Ok(())`. If this future is dropped before exit ends, the guard stays
    /// entered and its `Drop` runs [`drop_exit`](AsyncContextManager::drop_exit).
    #[inline]
    pub async fn finish(&mut self, outcome: Outcome<'_>) -> Result<(), M::Error> {
        if self.state != State::Entered {
            return Ok(());
        }
        let result = self.manager.exit(outcome).await;
        self.state = State::Finished;
        result
    }

    /// `true` between a successful enter and the end of exit.
    #[inline]
    #[must_use]
    pub fn is_entered(&self) -> bool {
        self.state == State::Entered
    }

    /// The manager.
    #[inline]
    pub fn manager(&self) -> &M {
        &self.manager
    }

    /// The manager, mutably.
    #[inline]
    pub fn manager_mut(&mut self) -> &mut M {
        &mut self.manager
    }

    /// Asks the manager whether to swallow `error`
    /// ([`AsyncContextManager::suppresses`]).
    #[inline]
    pub fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        self.manager.suppresses(error)
    }
}

impl<M> AsyncGuard<M> {
    /// The manager and the guard's state, lent out apart: `with!(async ..)`
    /// awaits the manager's own `enter`/`exit` futures in the caller's
    /// async fn, then records the result. (Awaiting them inside a generic
    /// `async fn` of the guard would hide from rustc that the caller's
    /// future is `Send` for a manager with a lifetime parameter: "not
    /// general enough".)
    #[doc(hidden)]
    #[inline(always)]
    pub fn __ctxmgr_split(&mut self) -> (&mut M, StateRef<'_>) {
        (&mut self.manager, StateRef(&mut self.state))
    }

    #[cold]
    fn drop_exit(&mut self) {
        self.state = State::Finished;
        let drop_exit = self.drop_exit;
        #[cfg(feature = "std")]
        {
            if std::thread::panicking() {
                let manager = &mut self.manager;
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                    drop_exit(manager, Outcome::Panic);
                }));
                return;
            }
        }
        drop_exit(&mut self.manager, Outcome::Unseen);
    }
}

/// An [`AsyncGuard`]'s state, lent out beside its manager by
/// `__ctxmgr_split`. Not public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct StateRef<'g>(&'g mut State);

impl StateRef<'_> {
    /// Enter succeeded: exit (or `drop_exit`) will run once.
    #[inline(always)]
    pub(crate) fn entered(self) {
        *self.0 = State::Entered;
    }

    /// Exit was awaited to its end.
    #[inline(always)]
    pub(crate) fn finished(self) {
        *self.0 = State::Finished;
    }
}

impl<M> Drop for AsyncGuard<M> {
    #[inline]
    fn drop(&mut self) {
        if self.state == State::Entered {
            self.drop_exit();
        }
    }
}

impl<M: core::fmt::Debug> core::fmt::Debug for AsyncGuard<M> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsyncGuard")
            .field("manager", &self.manager)
            .field("state", &self.state)
            .finish()
    }
}
