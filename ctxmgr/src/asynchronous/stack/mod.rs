//! [`AsyncExitStack`]: the async twin of [`ExitStack`](crate::ExitStack),
//! whose entries' exits are awaited in reverse, as nested
//! `with!(async ..)`s would be.

use core::fmt;
use core::future::Future;

use crate::stack::entry::{Entry, Exiting};
use crate::stack::threading::{Local, Sendable, Threading};
use crate::stack::unwind::{Core, Pending};
use crate::unwind::catch;
use crate::{
    AsyncContextManager, AsyncSuppress, BoxError, ErrorRef, Outcome, SendAsyncContextManager,
};

mod add;
mod entry;

/// What `Drop` (or `drop_exit`) panics with when an entry's fallback failed
/// on the unseen path.
const UNSEEN_FAILED: &str = "ctxmgr: an entry's exit failed after an AsyncExitStack was dropped \
     without being closed (cancelled, or another unseen path out of its body); the error had \
     nowhere else to go. Await `aclose()` to handle it.";

/// A dynamic number of sync and async context managers and exit callbacks,
/// whose exits are *awaited* last-in first-out, as if they had been written
/// as nested `with!(async ..)`s — Python's `contextlib.AsyncExitStack`.
///
/// It mirrors [`ExitStack`](crate::ExitStack): `'m` bounds what the stack
/// may hold, `E` is the error of every entry's exit and of the stack
/// ([`BoxError`] for [`AsyncExitStack::new`], any `E` with
/// [`AsyncExitStack::default`]), and the methods that add an entry take
/// `&self`, so the values of several entered managers are held at once:
///
/// | Python | Rust |
/// | --- | --- |
/// | `async with AsyncExitStack() as stack:` | `with!(async { AsyncExitStack::new() } as stack, { .. })` |
/// | `f = await stack.enter_async_context(cm)` | `let f = stack.enter_async_context(cm).await?;` |
/// | `f = stack.enter_context(cm)` | `let f = stack.enter_context(cm)?;` |
/// | `stack.callback(fn)` | `stack.callback(\|\| ..)` |
/// | `stack.push_async_callback(fn)` | `stack.push_async_callback(\|\| async { .. })` |
/// | `stack.push(exit)` | `stack.push(\|outcome\| ..)` |
/// | `stack.push_async_exit(exit)` | `stack.push_async_exit(\|outcome\| async { .. })` |
/// | `stack.pop_all()` | `stack.pop_all()` |
/// | `await stack.aclose()` | `stack.aclose().await?` |
///
/// ```
/// use ctxmgr::{with, AsyncContextManager, AsyncExitStack, BoxError, Outcome};
///
/// /// A connection whose goodbye is awaited.
/// struct Conn {
///     name: String,
///     log: Vec<String>,
/// }
/// impl AsyncContextManager for Conn {
///     type Value<'a> = &'a mut Vec<String>;
///     type Error = std::io::Error;
///     async fn enter(&mut self) -> std::io::Result<&mut Vec<String>> {
///         Ok(&mut self.log)
///     }
///     async fn exit(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> {
///         println!("{}: goodbye (ok: {})", self.name, outcome.is_ok());
///         Ok(())
///     }
/// }
///
/// async fn broadcast(names: &[&str]) -> Result<usize, BoxError> {
///     let sent = with!(async { AsyncExitStack::new() } as stack, {
///         let mut logs = Vec::new();
///         for name in names {
///             let conn = Conn {
///                 name: name.to_string(),
///                 log: Vec::new(),
///             };
///             logs.push(stack.enter_async_context(conn).await?); // all connected at once
///         }
///         for log in &mut logs {
///             log.push("hello, everyone".into());
///         }
///         logs.len()
///     }); // goodbyes awaited here, last connected first
///     Ok(sent)
/// }
/// # use std::future::Future;
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let mut task = std::pin::pin!(broadcast(&["a", "b", "c"]));
/// let std::task::Poll::Ready(sent) = task.as_mut().poll(&mut cx) else {
///     panic!()
/// };
/// assert_eq!(sent?, 3); // (any executor will do)
/// # Ok::<(), BoxError>(())
/// ```
///
/// # How the entries exit
///
/// At [`aclose`](AsyncExitStack::aclose) or at the stack's own
/// [`exit`](AsyncContextManager::exit) (the end of a `with!(async ..)` over
/// it), the entries run last-in first-out, each awaited to its end before
/// the next starts, and each told the *pending outcome*, exactly as for
/// [`ExitStack`](crate::ExitStack#how-the-entries-exit):
///
/// | what happened so far | an entry sees |
/// | --- | --- |
/// | nothing failed | the outcome the stack was given (the body's; `Ok` for `aclose`) |
/// | an entry above failed | `Outcome::Err` with the error of the last entry that failed |
/// | an entry above panicked | `Outcome::Panic` (with `std`) |
///
/// Every entry runs even when others fail or panic (each poll of an exit
/// runs under `catch_unwind`). The error that propagates is the last one
/// raised, by the entry registered first of those that failed (the
/// outermost); a panic resumes after the last entry has run. Entries are
/// popped one at a time in a loop: 10,000 entries need no deep recursion.
///
/// An async manager's exit that panics, or whose future is dropped before
/// it ends, also gets its [`drop_exit`](AsyncContextManager::drop_exit), as
/// under an [`AsyncGuard`](crate::AsyncGuard).
///
/// # Cancellation: dropped without being closed
///
/// A future dropped mid-body (a timeout, a `select!` that lost) cannot await
/// anything. The stack's `Drop` — or its
/// [`drop_exit`](AsyncContextManager::drop_exit), when a `with!(async ..)`
/// or an [`AsyncGuard`](crate::AsyncGuard) holds it — runs every entry's
/// *sync fallback*, last-in first-out, with `Outcome::Unseen`
/// (`Outcome::Panic` while the thread is panicking); never an exit with
/// `Ok`:
///
/// | entry | fallback |
/// | --- | --- |
/// | [`enter_async_context`](AsyncExitStack::enter_async_context) | the manager's [`drop_exit`](AsyncContextManager::drop_exit), told `Unseen` or `Panic` |
/// | [`enter_context`](AsyncExitStack::enter_context) | the manager's sync [`exit`](ContextManager::exit) |
/// | [`callback`](AsyncExitStack::callback), [`push`](AsyncExitStack::push) | run as usual |
/// | [`push_async_callback`](AsyncExitStack::push_async_callback), [`push_async_exit`](AsyncExitStack::push_async_exit) | **not run** (dropped): there is nothing to await them with |
///
/// As for a dropped [`ExitStack`](crate::ExitStack): a sync fallback below
/// one that failed sees its error (`drop_exit` is still told `Unseen`); a
/// failure on the unseen path makes the drop **panic** once every entry has
/// run (the error had nowhere else to go), and while panicking, errors are
/// dropped and panics caught. An entry whose exit was being awaited when the
/// future was dropped gets its `drop_exit` first, when its exit future is
/// dropped.
///
/// # Suppression
///
/// As for [`ExitStack`](crate::ExitStack#suppression): every manager, async
/// ([`AsyncContextManager::suppresses`]) or sync
/// ([`ContextManager::suppresses`]), is asked, after its exit succeeded,
/// whether it swallows the error the stack was given; if so the entries
/// below it see `Outcome::Ok`, and the stack's own
/// [`suppresses`](AsyncContextManager::suppresses) says so, so that a
/// `with!(async ..)` over it evaluates to `Default::default()`.
///
/// # Errors seen by exits
///
/// As for [`ExitStack`](crate::ExitStack#errors-seen-by-exits): viewed with
/// [`ErrorRef::from_display`] for the stacks made by `new` and `default`;
/// choose another view with [`with_error_view`](AsyncExitStack::with_error_view).
///
/// # Threads
///
/// The third parameter, `T`, says whether the stack may cross threads:
///
/// | made by | `T` | the stack and its futures | holds |
/// | --- | --- | --- | --- |
/// | [`new`](AsyncExitStack::new), [`default`](AsyncExitStack::default), [`with_error_view`](AsyncExitStack::with_error_view) | [`Local`] (the default) | neither `Send` nor `Sync` | anything |
/// | [`new_send`](AsyncExitStack::new_send), [`new_send_with_error_view`](AsyncExitStack::new_send_with_error_view) | [`Sendable`] | `Send` and `Sync` (its futures `Send` when `E` is) | `Send` callbacks, futures and sync managers; async managers that implement [`SendAsyncContextManager`] |
///
/// Under `tokio::spawn` (any executor that moves tasks between threads),
/// use a `Sendable` stack:
///
/// ```
/// use ctxmgr::{with, AsyncExitStack, BoxError};
///
/// async fn work() {}
///
/// fn assert_send<T: Send>(_: &T) {}
///
/// async fn task() -> Result<(), BoxError> {
///     with!(async { AsyncExitStack::new_send() } as stack, {
///         stack.callback(|| println!("closed"));
///         work().await; // the stack is held across this `.await`
///     });
///     Ok(())
/// }
/// assert_send(&task()); // so `tokio::spawn(task())` compiles
/// ```
///
/// A `Local` stack has no such limit on what it holds, and costs nothing
/// for thread safety (a `RefCell`, where a `Sendable` stack's entries sit
/// behind a spin lock taken for a few instructions per entry): use it in a
/// task that stays on its thread (tokio's `LocalSet`/`spawn_local`,
/// `Runtime::block_on`, any `block_on`). Held across an `.await` in
/// `tokio::spawn`, it is an error that names the stack and
/// [`UseAsyncExitStackNewSend`](crate::threading::UseAsyncExitStackNewSend).
///
/// Why a trait for async managers: the stack boxes each entry's exit as a
/// `dyn Future`, in generic code, where stable Rust cannot see that a
/// manager's `exit` future is `Send` (that needs return type notation,
/// still unstable); [`SendAsyncContextManager`] declares it. A
/// `with!(async ..)` over concrete managers needs none of this: its future
/// is `Send` when the managers' futures are.
pub struct AsyncExitStack<'m, E = BoxError, T: Threading = Local> {
    core: Core<'m, E, T>,
}

impl<'m> AsyncExitStack<'m> {
    /// An empty stack whose error is [`BoxError`].
    ///
    /// ```
    /// use ctxmgr::AsyncExitStack;
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let mut stack = AsyncExitStack::new();
    /// stack.callback(|| println!("closing"));
    /// assert_eq!(stack.len(), 1);
    /// assert!(std::pin::pin!(stack.aclose()).poll(&mut cx).is_ready());
    /// assert!(stack.is_empty());
    /// ```
    #[inline]
    #[must_use]
    pub fn new() -> Self {
        Self::with_error_view(|e| ErrorRef::from_display(e))
    }
}

impl<'m> AsyncExitStack<'m, BoxError, Sendable> {
    /// An empty [`Sendable`] stack whose error is [`BoxError`]: `Send` and
    /// `Sync`, for a task that moves between threads (`tokio::spawn`). It
    /// holds `Send` callbacks and sync managers, and async managers that
    /// implement [`SendAsyncContextManager`] (see [Threads](AsyncExitStack#threads)).
    ///
    /// ```
    /// use ctxmgr::AsyncExitStack;
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// fn assert_send<T: Send>(_: &T) {}
    ///
    /// let mut stack = AsyncExitStack::new_send();
    /// stack.callback(|| println!("closing"));
    /// let closing = stack.aclose();
    /// assert_send(&closing);
    /// assert!(std::pin::pin!(closing).poll(&mut cx).is_ready());
    /// ```
    #[inline]
    #[must_use]
    pub fn new_send() -> Self {
        Self::new_send_with_error_view(|e| ErrorRef::from_display(e))
    }
}

impl<'m, E> AsyncExitStack<'m, E, Sendable> {
    /// [`with_error_view`](AsyncExitStack::with_error_view) for a
    /// [`Sendable`] stack: an empty one whose entries' error `E` is shown
    /// to the entries below through `view`.
    ///
    /// (A `Sendable` stack has no `Default` and no `with_error_view` of its
    /// own: with both flavours behind one name, `AsyncExitStack::default()`
    /// in code written before the flavours existed could no longer tell
    /// which one it makes.)
    ///
    /// ```
    /// use ctxmgr::threading::Sendable;
    /// use ctxmgr::{AsyncExitStack, ErrorRef};
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let mut stack =
    ///     AsyncExitStack::<String, Sendable>::new_send_with_error_view(|e| ErrorRef::from_display(e));
    /// stack.push(|_| Err("rollback failed".to_string()));
    /// let closed = std::pin::pin!(stack.aclose()).poll(&mut cx);
    /// assert_eq!(
    ///     closed,
    ///     std::task::Poll::Ready(Err("rollback failed".to_string()))
    /// );
    /// ```
    #[inline]
    #[must_use]
    pub fn new_send_with_error_view(view: fn(&E) -> ErrorRef<'_>) -> Self {
        Self::empty(view)
    }
}

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
        Self::with_error_view(|e| ErrorRef::from_display(e))
    }
}

impl<'m, E, T: Threading> AsyncExitStack<'m, E, T> {
    fn empty(view: fn(&E) -> ErrorRef<'_>) -> Self {
        AsyncExitStack {
            core: Core::new(view),
        }
    }
}

impl<'m, E> AsyncExitStack<'m, E> {
    /// An empty stack that shows an entry's error `E` to the entries below
    /// it through `view`: e.g. [`ErrorRef::new`] for an `E` that implements
    /// [`core::error::Error`], or [`ErrorRef::from_debug`] for one that is
    /// only `Debug`.
    ///
    /// ```
    /// use ctxmgr::{AsyncExitStack, ErrorRef};
    /// use std::io;
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let mut stack = AsyncExitStack::<io::Error>::with_error_view(|e| ErrorRef::new(e));
    /// stack.push(|outcome| {
    ///     assert!(outcome.error().unwrap().as_error().is_some());
    ///     Ok(())
    /// });
    /// stack.push(|_| Err(io::Error::other("first")));
    /// let closed = std::pin::pin!(stack.aclose()).poll(&mut cx);
    /// assert!(matches!(closed, std::task::Poll::Ready(Err(e)) if e.to_string() == "first"));
    /// ```
    #[inline]
    #[must_use]
    pub fn with_error_view(view: fn(&E) -> ErrorRef<'_>) -> Self {
        Self::empty(view)
    }
}

impl<'m, E, T: Threading> AsyncExitStack<'m, E, T> {
    /// Moves every entry into a new stack and leaves this one empty, so that
    /// they outlive this stack's `with!(async ..)` — Python's "keep the
    /// connections open only if every one succeeded".
    ///
    /// ```
    /// use ctxmgr::{AsyncContextManager, AsyncExitStack, Outcome};
    ///
    /// struct Conn(u32);
    /// impl AsyncContextManager for Conn {
    ///     type Value<'a> = ();
    ///     type Error = String;
    ///     async fn enter(&mut self) -> Result<(), String> {
    ///         if self.0 == 0 {
    ///             Err("port 0".into())
    ///         } else {
    ///             Ok(())
    ///         }
    ///     }
    ///     async fn exit(&mut self, _: Outcome<'_>) -> Result<(), String> {
    ///         Ok(())
    ///     }
    /// }
    ///
    /// /// Connects to every port or none: on an error, those open so far close.
    /// async fn connect_all(ports: &[u32]) -> Result<AsyncExitStack<'static, String>, String> {
    ///     let mut stack = AsyncExitStack::default();
    ///     for &port in ports {
    ///         if let Err(e) = stack.enter_async_context(Conn(port)).await {
    ///             stack.aclose().await?;
    ///             return Err(e);
    ///         }
    ///     }
    ///     Ok(stack.pop_all())
    /// }
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let std::task::Poll::Ready(all) = std::pin::pin!(connect_all(&[1, 2])).poll(&mut cx) else {
    ///     panic!()
    /// };
    /// let mut all = all?;
    /// assert_eq!(all.len(), 2);
    /// assert!(std::pin::pin!(all.aclose()).poll(&mut cx).is_ready());
    /// # Ok::<(), String>(())
    /// ```
    #[inline]
    #[must_use = "the entries moved into the new stack exit when it is closed or dropped"]
    pub fn pop_all(&mut self) -> Self {
        AsyncExitStack {
            core: self.core.take(),
        }
    }

    /// Awaits the exit of every entry now, last-in first-out, with
    /// `Outcome::Ok` — Python's `await stack.aclose()`. The stack is then
    /// empty and can be used again.
    ///
    /// If this future is dropped before it ends, the entry whose exit was
    /// being awaited gets its [`drop_exit`](AsyncContextManager::drop_exit);
    /// the entries below it stay in the stack (their fallbacks run when it is
    /// dropped), and an error or panic caught from the entries already
    /// exited is dropped.
    ///
    /// # Errors
    ///
    /// The last error raised by an entry's exit (see [How the entries
    /// exit](AsyncExitStack#how-the-entries-exit)).
    ///
    /// # Panics
    ///
    /// If an entry's exit panicked: after every other entry has run (with
    /// `Outcome::Panic`), the first panic resumes.
    ///
    /// ```
    /// use ctxmgr::AsyncExitStack;
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let mut stack = AsyncExitStack::<String>::default();
    /// stack.push(|outcome| Err(format!("first registered saw {}", outcome.error().unwrap())));
    /// stack.push_async_exit(|_| async { Err("last registered failed".to_string()) });
    /// assert_eq!(
    ///     std::pin::pin!(stack.aclose()).poll(&mut cx),
    ///     std::task::Poll::Ready(Err(
    ///         "first registered saw last registered failed".to_string()
    ///     )),
    /// );
    /// ```
    #[inline]
    pub async fn aclose(&mut self) -> Result<(), E> {
        self.unwind(Outcome::Ok).await
    }

    /// The number of registered entries.
    ///
    /// ```
    /// let stack = ctxmgr::AsyncExitStack::new();
    /// stack.callback(|| ());
    /// assert_eq!(stack.len(), 1);
    /// ```
    #[inline]
    #[must_use]
    pub fn len(&self) -> usize {
        self.core.len()
    }

    /// `true` when no entry is registered.
    ///
    /// ```
    /// assert!(ctxmgr::AsyncExitStack::new().is_empty());
    /// ```
    #[inline]
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Awaits every entry's exit with `given` as the starting outcome:
    /// `ExitStack`'s loop (`stack/unwind.rs`), with an `.await` in it.
    async fn unwind(&mut self, given: Outcome<'_>) -> Result<(), E> {
        let core = &mut self.core;
        let view = core.view;
        let mut pending = Pending::new(given);
        loop {
            let Some(entry) = core.arena.pop() else { break };
            let (seen, ask) = pending.seen(view);
            // A sync entry runs its exit here; an async one only builds its
            // future, which is polled under `catch_unwind` as well. Only
            // that future is held across the `.await` (for a local stack,
            // the one value that is not `Send`).
            let exited = {
                let exiting = catch(move || entry.exit(seen, ask));
                match exiting {
                    Ok(Exiting::Done(result)) => Ok(result),
                    Ok(Exiting::Awaiting(exit)) => crate::__private::catch_unwind(exit).await,
                    Err(payload) => Err(payload),
                }
            };
            pending.record(exited);
        }
        core.finish(pending)
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
        self.unwind(outcome)
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
        self.unwind(outcome)
    }
}

impl<E, T: Threading> fmt::Debug for AsyncExitStack<'_, E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsyncExitStack")
            .field("entries", &self.len())
            .finish_non_exhaustive()
    }
}
