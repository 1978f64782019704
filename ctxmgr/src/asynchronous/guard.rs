//! [`AsyncGuard`]: the awaited exactly-once machinery under `with!(async ..)`,
//! usable by hand.

use super::manager::AsyncContextManager;
use crate::guard::{guard_accessors, State};
use crate::unwind::{catch, unwinding};
use crate::{ErrorRef, Outcome};

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
///
/// `D` is what runs the manager's `drop_exit`: a function pointer for a
/// guard made by [`AsyncGuard::new`] (the type needs no bound on `M`), the
/// manager's own `drop_exit`, a zero-sized function item, in the one
/// `with!(async ..)` makes (nothing to store or call through).
#[must_use = "a guard exits its manager when finished or dropped; bind it to a variable"]
pub struct AsyncGuard<M, D = fn(&mut M, Outcome<'_>)>
where
    D: FnMut(&mut M, Outcome<'_>),
{
    /// The manager. Public (hidden) with the state, so `with!(async ..)`
    /// borrows them apart: it awaits enter on the manager and records the
    /// state after the await, reached from the guard (a state borrow kept
    /// across the await would live in the coroutine, costing each call a
    /// store and a load through it). Not public API.
    #[doc(hidden)]
    pub __ctxmgr_manager: M,
    /// Where the guard is; see `__ctxmgr_manager`. Not public API.
    #[doc(hidden)]
    pub __ctxmgr_state: State,
    drop_exit: D,
}

impl<M: AsyncContextManager> AsyncGuard<M> {
    /// Takes ownership of `manager` without entering it. Pass `&mut m` to
    /// keep the manager.
    #[inline]
    pub const fn new(manager: M) -> Self {
        AsyncGuard {
            __ctxmgr_manager: manager,
            __ctxmgr_state: State::Idle,
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
        self.__ctxmgr_state.assert_idle("AsyncGuard");
        let value = self.__ctxmgr_manager.enter().await;
        if value.is_ok() {
            self.__ctxmgr_state = State::Entered;
        }
        value
    }

    /// Awaits the manager's exit with `outcome` and returns its result, once:
    /// later calls, and calls on a guard that is not entered, return
    /// `Ok(())`. If this future is dropped before exit ends, the guard stays
    /// entered and its `Drop` runs [`drop_exit`](AsyncContextManager::drop_exit).
    #[inline]
    pub async fn finish(&mut self, outcome: Outcome<'_>) -> Result<(), M::Error> {
        if self.__ctxmgr_state != State::Entered {
            return Ok(());
        }
        let result = self.__ctxmgr_manager.exit(outcome).await;
        self.__ctxmgr_state = State::Finished;
        result
    }
}

impl<M, D: FnMut(&mut M, Outcome<'_>)> AsyncGuard<M, D> {
    /// The guard `with!(async ..)` makes: `drop_exit` the manager's own.
    #[inline(always)]
    pub(crate) const fn with_drop_exit(manager: M, drop_exit: D) -> Self {
        AsyncGuard {
            __ctxmgr_manager: manager,
            __ctxmgr_state: State::Idle,
            drop_exit,
        }
    }
}

impl<M: AsyncContextManager, D: FnMut(&mut M, Outcome<'_>)> AsyncGuard<M, D> {
    guard_accessors! {
        fields(__ctxmgr_manager, __ctxmgr_state);
        /// `true` between a successful enter and the end of exit.
        fn is_entered;

        /// The manager.
        fn manager;

        /// The manager, mutably.
        fn manager_mut;

        /// Asks the manager whether to swallow `error`
        /// ([`AsyncContextManager::suppresses`]).
        fn suppresses;
    }
}

impl<M, D: FnMut(&mut M, Outcome<'_>)> AsyncGuard<M, D> {
    /// The manager and the guard's state, lent out apart: `with!(async ..)`
    /// awaits the manager's own `enter`/`exit` futures in the caller's
    /// async fn, then records the result. (Awaiting them inside a generic
    /// `async fn` of the guard would hide from rustc that the caller's
    /// future is `Send` for a manager with a lifetime parameter: "not
    /// general enough".)
    #[doc(hidden)]
    #[inline(always)]
    pub fn __ctxmgr_split(&mut self) -> (&mut M, StateRef<'_>) {
        (
            &mut self.__ctxmgr_manager,
            StateRef(&mut self.__ctxmgr_state),
        )
    }

    #[cold]
    fn drop_exit(&mut self) {
        self.__ctxmgr_state = State::Finished;
        let (drop_exit, manager) = (&mut self.drop_exit, &mut self.__ctxmgr_manager);
        if unwinding() {
            let _ = catch(move || drop_exit(manager, Outcome::Panic));
        } else {
            drop_exit(manager, Outcome::Unseen);
        }
    }
}

/// An [`AsyncGuard`]'s state, lent out beside its manager by
/// `__ctxmgr_split`. Not public API.
#[doc(hidden)]
#[derive(Debug)]
pub struct StateRef<'g>(&'g mut State);

impl State {
    /// This state, lent to `entered`/`exited` by `with!(async ..)`.
    #[doc(hidden)]
    #[inline(always)]
    pub fn __ctxmgr_ref(&mut self) -> StateRef<'_> {
        StateRef(self)
    }
}

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

impl<M, D: FnMut(&mut M, Outcome<'_>)> Drop for AsyncGuard<M, D> {
    #[inline]
    fn drop(&mut self) {
        if self.__ctxmgr_state == State::Entered {
            self.drop_exit();
        }
    }
}

impl<M: core::fmt::Debug, D: FnMut(&mut M, Outcome<'_>)> core::fmt::Debug for AsyncGuard<M, D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.__ctxmgr_state
            .debug_guard(f, "AsyncGuard", &self.__ctxmgr_manager)
    }
}
