//! [`AsyncExitStack`]: the async twin of [`ExitStack`](crate::ExitStack),
//! whose entries' exits are awaited in reverse, as nested
//! `with!(async ..)`s would be.

use alloc::boxed::Box;
use core::fmt;
use core::future::Future;
use core::marker::PhantomData;

use crate::__private::{catch, resume_unwind, PanicPayload};
use crate::stack::arena::UnsentExit;
use crate::stack::arena::{Arena, AsyncEntry, Exiting, Flavour};
use crate::stack::threading::{BoxExit, Entering, Local, Sendable, Threading};
use crate::{
    AsyncContextManager, AsyncSuppress, BoxError, ContextManager, ErrorRef, Outcome,
    SendAsyncContextManager, Suppress,
};

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
    arena: Arena<T::Entry<'m, E>, T::Lock>,
    view: fn(&E) -> ErrorRef<'_>,
    /// An entry swallowed the pending error at the last exit.
    suppressed: bool,
}

/// What an entry is told, and what the stack will return, while it unwinds.
struct Pending<'o, E> {
    /// The outcome the stack was given; `Ok` once an entry suppressed it.
    given: Outcome<'o>,
    /// The error of the last entry whose exit failed.
    error: Option<E>,
    /// An entry panicked, or the stack was given `Outcome::Panic`.
    panicking: bool,
    suppressed: bool,
    /// The first entry's panic, resumed once every entry has run.
    payload: Option<PanicPayload>,
}

impl<'o, E> Pending<'o, E> {
    fn new(given: Outcome<'o>) -> Self {
        Pending {
            panicking: given.is_panic(),
            given,
            error: None,
            suppressed: false,
            payload: None,
        }
    }

    /// What the next entry sees, and whether a suppressing one is asked.
    fn seen<'a>(&'a self, view: fn(&E) -> ErrorRef<'_>) -> (Outcome<'a>, bool) {
        if self.panicking {
            (Outcome::Panic, false)
        } else if let Some(e) = &self.error {
            (Outcome::Err(view(e)), false)
        } else {
            (self.given, self.given.is_err())
        }
    }

    /// Records what an entry's exit did.
    fn record(&mut self, exited: Result<Result<bool, E>, PanicPayload>) {
        match exited {
            Ok(Ok(false)) => {}
            Ok(Ok(true)) => {
                self.given = Outcome::Ok;
                self.suppressed = true;
            }
            // While unwinding, an exit's error has nowhere to go.
            Ok(Err(_)) if self.panicking => {}
            Ok(Err(e)) => self.error = Some(e),
            Err(payload) => {
                // While the stack was given a panic, or after the first
                // entry's panic, later panics are dropped.
                if !self.panicking {
                    self.payload = Some(payload);
                }
                self.panicking = true;
            }
        }
    }

    /// Resumes the first panic, or gives the error to propagate.
    fn finish(self) -> Result<bool, E> {
        if let Some(payload) = self.payload {
            resume_unwind(payload);
        }
        match self.error {
            Some(e) if !self.panicking => Err(e),
            _ => Ok(self.suppressed),
        }
    }
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
            arena: Arena::new(),
            view,
            suppressed: false,
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

    /// Awaits `manager`'s enter and registers its exit for later; returns
    /// its value, which may borrow the manager, for as long as this borrow
    /// of the stack lasts — Python's `await stack.enter_async_context(cm)`.
    ///
    /// # Errors
    ///
    /// Enter's error, converted into `E`. The manager is then not
    /// registered: its exit will not run (it is dropped). The same holds
    /// when this future is dropped before enter ends.
    ///
    /// A manager that swallows the body's error in `with!(async ..)` (its
    /// [`AsyncContextManager::suppresses`]) swallows it here too (see
    /// [Suppression](AsyncExitStack#suppression)).
    ///
    /// ```
    /// use ctxmgr::{AsyncContextManager, AsyncExitStack, Outcome};
    /// use std::convert::Infallible;
    ///
    /// /// Hands out its own buffer; exit prints it.
    /// struct Buffer(String);
    /// impl AsyncContextManager for Buffer {
    ///     type Value<'a> = &'a mut String;
    ///     type Error = Infallible;
    ///     async fn enter(&mut self) -> Result<&mut String, Infallible> {
    ///         Ok(&mut self.0)
    ///     }
    ///     async fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
    ///         println!("{}", self.0);
    ///         Ok(())
    ///     }
    /// }
    ///
    /// async fn run() -> Result<(), ctxmgr::BoxError> {
    ///     let mut stack = AsyncExitStack::new();
    ///     let a = stack.enter_async_context(Buffer("a".into())).await?;
    ///     let b = stack.enter_async_context(Buffer("b".into())).await?;
    ///     a.push_str(b); // both values held at once
    ///     b.push('!');
    ///     stack.aclose().await // prints "b!", then "ab"
    /// }
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// assert!(std::pin::pin!(run()).poll(&mut cx).is_ready());
    /// ```
    pub async fn enter_async_context<'s, M>(&'s self, manager: M) -> Result<M::Value<'s>, E>
    where
        M: AsyncContextManager + 'm,
        M::Error: Into<E>,
    {
        self.arena
            .enter_async(AsyncManaged(manager), |entry| entry.0.enter())
            .await
            .map_err(Into::into)
    }

    /// [`enter_async_context`](AsyncExitStack::enter_async_context), which
    /// now asks every manager whether it swallows the body's error; kept so
    /// that code written for the earlier API compiles.
    ///
    /// # Errors
    ///
    /// Enter's error, converted into `E`; nothing is registered.
    #[deprecated(
        note = "`enter_async_context` suppresses as `with!(async ..)` does; call it instead"
    )]
    pub async fn enter_suppressing_async_context<'s, M>(
        &'s self,
        manager: M,
    ) -> Result<M::Value<'s>, E>
    where
        M: AsyncSuppress + 'm,
        M::Error: Into<E>,
    {
        self.enter_async_context(manager).await
    }

    /// Enters the sync `manager` now and registers its exit for later —
    /// Python's `stack.enter_context(cm)` on an `AsyncExitStack`. Its exit
    /// runs, in its turn, during the stack's awaited exit.
    ///
    /// # Errors
    ///
    /// Enter's error, converted into `E`; nothing is registered.
    ///
    /// A sync manager that swallows the body's error in `with!` (such as
    /// [`suppress`](crate::suppress)) swallows it here too.
    ///
    /// ```
    /// use ctxmgr::AsyncExitStack;
    /// use std::io::Write;
    ///
    /// # let path = std::env::temp_dir().join(format!("ctxmgr-async-enter-doc-{}", std::process::id()));
    /// async fn save(path: &std::path::Path) -> Result<(), ctxmgr::BoxError> {
    ///     let mut stack = AsyncExitStack::new();
    ///     let file = stack.enter_context(ctxmgr::open(path).mode("w"))?;
    ///     file.write_all(b"saved")?;
    ///     stack.aclose().await // flushes and closes
    /// }
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// assert!(std::pin::pin!(save(&path)).poll(&mut cx).is_ready());
    /// assert_eq!(std::fs::read(&path)?, b"saved");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[inline]
    pub fn enter_context<'s, M>(&'s self, manager: M) -> Result<M::Value<'s>, E>
    where
        M: ContextManager + 'm,
        M::Error: Into<E>,
    {
        self.arena
            .enter(Managed(manager), |entry| &mut entry.0)
            .map_err(Into::into)
    }

    /// [`enter_context`](AsyncExitStack::enter_context), which now asks
    /// every manager whether it swallows the body's error; kept so that code
    /// written for the earlier API compiles.
    ///
    /// # Errors
    ///
    /// Enter's error, converted into `E`; nothing is registered.
    #[deprecated(note = "`enter_context` suppresses as `with!` does; call it instead")]
    #[inline]
    pub fn enter_suppressing_context<'s, M>(&'s self, manager: M) -> Result<M::Value<'s>, E>
    where
        M: Suppress + 'm,
        M::Error: Into<E>,
    {
        self.enter_context(manager)
    }

    /// Registers `f` to run when the stack exits, whatever the outcome (also
    /// when it is dropped unclosed) — Python's `stack.callback(fn)`.
    ///
    /// ```
    /// use ctxmgr::AsyncExitStack;
    /// use std::cell::RefCell;
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let log = RefCell::new(Vec::new());
    /// let mut stack = AsyncExitStack::new();
    /// stack.callback(|| log.borrow_mut().push("first registered"));
    /// stack.callback(|| log.borrow_mut().push("last registered"));
    /// assert!(std::pin::pin!(stack.aclose()).poll(&mut cx).is_ready());
    /// assert_eq!(*log.borrow(), ["last registered", "first registered"]);
    /// ```
    #[inline]
    pub fn callback<F: FnOnce() + 'm>(&self, f: F) {
        self.arena.push(Callback(f));
    }

    /// Registers an async callback, awaited when the stack exits whatever
    /// the outcome — Python's `stack.push_async_callback(fn)`. A stack
    /// dropped unclosed cannot await it: it is dropped without running.
    ///
    /// ```
    /// use ctxmgr::AsyncExitStack;
    /// use std::cell::Cell;
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let flushed = Cell::new(false);
    /// let mut stack = AsyncExitStack::new();
    /// stack.push_async_callback(|| async { flushed.set(true) });
    /// assert!(std::pin::pin!(stack.aclose()).poll(&mut cx).is_ready());
    /// assert!(flushed.get());
    /// ```
    #[inline]
    pub fn push_async_callback<F, Fut>(&self, f: F)
    where
        F: FnOnce() -> Fut + 'm,
        Fut: Future<Output = ()> + 'm,
    {
        self.arena.push(AsyncCallback(f, PhantomData));
    }

    /// Registers an exit callback that sees the pending [`Outcome`] and may
    /// fail — Python's `stack.push(exit)`. Its error is what the entries
    /// below it see, and what the stack returns unless one of them fails
    /// too. It also runs when the stack is dropped unclosed.
    ///
    /// ```
    /// use ctxmgr::{AsyncExitStack, Outcome};
    /// use std::cell::Cell;
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let saw_error = Cell::new(false);
    /// let mut stack = AsyncExitStack::<String>::default();
    /// stack.push(|outcome: Outcome<'_>| {
    ///     saw_error.set(outcome.is_err());
    ///     Ok(())
    /// });
    /// stack.push(|_| Err("rollback failed".to_string()));
    /// let closed = std::pin::pin!(stack.aclose()).poll(&mut cx);
    /// assert_eq!(
    ///     closed,
    ///     std::task::Poll::Ready(Err("rollback failed".to_string()))
    /// );
    /// assert!(saw_error.get());
    /// ```
    #[inline]
    pub fn push<F>(&self, exit: F)
    where
        F: FnOnce(Outcome<'_>) -> Result<(), E> + 'm,
    {
        self.arena.push(Push(exit));
    }

    /// Registers an async exit callback — Python's
    /// `stack.push_async_exit(exit)`. `exit` sees the pending [`Outcome`] and
    /// returns the future to await, which may fail like
    /// [`push`](AsyncExitStack::push)'s callback. The future cannot borrow
    /// the outcome: look at it first, then move what you need into the
    /// future. A stack dropped unclosed cannot await it: it is dropped
    /// without running.
    ///
    /// ```
    /// use ctxmgr::{AsyncExitStack, Outcome};
    /// use std::cell::RefCell;
    ///
    /// # use std::future::Future;
    /// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let log = RefCell::new(Vec::new());
    /// let mut stack = AsyncExitStack::<String>::default();
    /// stack.push_async_exit(|outcome: Outcome<'_>| {
    ///     let commit = outcome.is_ok();
    ///     let log = &log;
    ///     async move {
    ///         // e.g. `conn.execute(if commit { "COMMIT" } else { "ROLLBACK" }).await`
    ///         log.borrow_mut()
    ///             .push(if commit { "COMMIT" } else { "ROLLBACK" });
    ///         Ok(())
    ///     }
    /// });
    /// assert!(std::pin::pin!(stack.aclose()).poll(&mut cx).is_ready());
    /// assert_eq!(*log.borrow(), ["COMMIT"]);
    /// ```
    #[inline]
    pub fn push_async_exit<F, Fut>(&self, exit: F)
    where
        F: FnOnce(Outcome<'_>) -> Fut + 'm,
        Fut: Future<Output = Result<(), E>> + 'm,
    {
        self.arena.push(AsyncPush(exit, PhantomData));
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
            arena: self.arena.take(),
            view: self.view,
            suppressed: false,
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
        self.arena.len()
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

    /// Awaits every entry's exit with `given` as the starting outcome.
    async fn unwind(&mut self, given: Outcome<'_>) -> Result<(), E> {
        let view = self.view;
        let mut pending = Pending::new(given);
        loop {
            let Some(entry) = self.arena.pop() else { break };
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
        let suppressed = pending.finish();
        self.suppressed = suppressed.as_ref().is_ok_and(|s| *s);
        suppressed.map(drop)
    }

    /// Runs every entry's sync fallback with `given` (`Unseen` or `Panic`)
    /// as the starting outcome.
    fn unwind_dropped(&mut self, given: Outcome<'_>) -> Result<(), E> {
        let view = self.view;
        let mut pending = Pending::new(given);
        while let Some(entry) = self.arena.pop() {
            let (seen, _) = pending.seen(view);
            pending.record(catch(move || entry.drop_exit(seen).map(|()| false)));
        }
        pending.finish().map(drop)
    }

    #[cold]
    fn drop_exit_all(&mut self, outcome: Outcome<'_>) {
        #[cfg(feature = "std")]
        {
            if outcome.is_panic() || std::thread::panicking() {
                // Catches the entries' panics itself: nothing escapes.
                let _ = self.unwind_dropped(Outcome::Panic);
            } else if self.unwind_dropped(Outcome::Unseen).is_err() {
                panic!(
                    "ctxmgr: an entry's exit failed after an AsyncExitStack was dropped without \
                     being closed (cancelled, or another unseen path out of its body); the error \
                     had nowhere else to go. Await `aclose()` to handle it."
                );
            }
        }
        #[cfg(not(feature = "std"))]
        {
            let _ = outcome;
            let _ = self.unwind_dropped(Outcome::Unseen);
        }
    }
}

/// The adding methods of a [`Sendable`] stack ([`AsyncExitStack::new_send`]):
/// those of the default stack, with `Send` required of what they store.
impl<'m, E> AsyncExitStack<'m, E, Sendable> {
    /// [`enter_async_context`](AsyncExitStack::enter_async_context) on a
    /// `Sendable` stack: `manager` must implement [`SendAsyncContextManager`]
    /// (its exit future is then known to be `Send`).
    ///
    /// # Errors
    ///
    /// Enter's error, converted into `E`; nothing is registered.
    ///
    /// Its future is a boxed `dyn Future + Send` ([`Entering`]): declared
    /// `Send`, because rustc cannot infer it for a manager with a lifetime
    /// parameter, such as a transaction borrowing its pool
    /// ("implementation is not general enough"); and boxed, so that a
    /// manager without [`SendAsyncContextManager`] is one error, on the
    /// argument.
    pub fn enter_async_context<'s, M>(&'s self, manager: M) -> Entering<'s, M::Value<'s>, E>
    where
        M: SendAsyncContextManager + 'm,
        M::Error: Into<E>,
    {
        Entering(Box::pin(async move {
            self.arena
                .enter_async(AsyncManaged(manager), |entry| entry.0.enter_send())
                .await
                .map_err(Into::into)
        }))
    }

    /// [`enter_context`](AsyncExitStack::enter_context) on a `Sendable`
    /// stack: `manager` must be `Send`.
    ///
    /// # Errors
    ///
    /// Enter's error, converted into `E`; nothing is registered.
    #[inline]
    pub fn enter_context<'s, M>(&'s self, manager: M) -> Result<M::Value<'s>, E>
    where
        M: ContextManager + Send + 'm,
        M::Error: Into<E>,
    {
        self.arena
            .enter(Managed(manager), |entry| &mut entry.0)
            .map_err(Into::into)
    }

    /// [`callback`](AsyncExitStack::callback) on a `Sendable` stack: `f`
    /// must be `Send`.
    #[inline]
    pub fn callback<F: FnOnce() + Send + 'm>(&self, f: F) {
        self.arena.push(Callback(f));
    }

    /// [`push_async_callback`](AsyncExitStack::push_async_callback) on a
    /// `Sendable` stack: `f` and its future must be `Send`.
    #[inline]
    pub fn push_async_callback<F, Fut>(&self, f: F)
    where
        F: FnOnce() -> Fut + Send + 'm,
        Fut: Future<Output = ()> + Send + 'm,
    {
        self.arena.push(AsyncCallback(f, PhantomData));
    }

    /// [`push`](AsyncExitStack::push) on a `Sendable` stack: `exit` must be
    /// `Send`.
    #[inline]
    pub fn push<F>(&self, exit: F)
    where
        F: FnOnce(Outcome<'_>) -> Result<(), E> + Send + 'm,
    {
        self.arena.push(Push(exit));
    }

    /// [`push_async_exit`](AsyncExitStack::push_async_exit) on a `Sendable`
    /// stack: `exit` and its future must be `Send`.
    #[inline]
    pub fn push_async_exit<F, Fut>(&self, exit: F)
    where
        F: FnOnce(Outcome<'_>) -> Fut + Send + 'm,
        Fut: Future<Output = Result<(), E>> + Send + 'm,
    {
        self.arena.push(AsyncPush(exit, PhantomData));
    }
}

impl<E, T: Threading> Drop for AsyncExitStack<'_, E, T> {
    #[inline]
    fn drop(&mut self) {
        if !self.is_empty() {
            self.drop_exit_all(Outcome::Unseen);
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
        self.suppressed = false;
        core::future::ready(Ok(self))
    }

    #[inline]
    fn exit(&mut self, outcome: Outcome<'_>) -> impl Future<Output = Result<(), E>> {
        self.unwind(outcome)
    }

    #[inline]
    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        if !self.is_empty() {
            self.drop_exit_all(outcome);
        }
    }

    /// `true` when an entry swallowed the body's error at the last exit.
    #[inline]
    fn suppresses(&mut self, _error: ErrorRef<'_>) -> bool {
        self.suppressed
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
        self.suppressed = false;
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

// ---------------------------------------------------------------------------
// The kinds of entry.

struct AsyncManaged<M>(M);

/// Owns an async manager while its exit is awaited; if that future is
/// dropped or panics before exit ends, runs `drop_exit` as
/// [`AsyncGuard`](crate::AsyncGuard) would.
struct AwaitingExit<M: AsyncContextManager> {
    manager: M,
    done: bool,
}

impl<M: AsyncContextManager> AwaitingExit<M> {
    fn new(manager: M) -> Self {
        AwaitingExit {
            manager,
            done: false,
        }
    }

    /// Once exit's future gave `result`: marks exit done, then asks whether
    /// to swallow `outcome`'s error when `ask` is set.
    fn exited(
        &mut self,
        result: Result<(), M::Error>,
        outcome: Outcome<'_>,
        ask: bool,
    ) -> Result<bool, M::Error> {
        self.done = true;
        result?;
        Ok(match outcome {
            Outcome::Err(e) if ask => self.manager.suppresses(e),
            _ => false,
        })
    }
}

impl<M: AsyncContextManager> Drop for AwaitingExit<M> {
    fn drop(&mut self) {
        if !self.done {
            drop_exit(&mut self.manager, Outcome::Unseen);
        }
    }
}

/// `manager.drop_exit(outcome)`, or with `Outcome::Panic` (and its own panic
/// caught) while the thread is panicking.
fn drop_exit<M: AsyncContextManager>(manager: &mut M, outcome: Outcome<'_>) {
    #[cfg(feature = "std")]
    {
        if outcome.is_panic() || std::thread::panicking() {
            let _ = catch(move || manager.drop_exit(Outcome::Panic));
            return;
        }
    }
    manager.drop_exit(outcome);
}

/// An async entry's fallback on the drop path: `drop_exit`, told `Unseen`
/// or `Panic` only (never an error of the entry above, which the trait does
/// not promise).
fn fallback<M: AsyncContextManager>(manager: &mut M, outcome: Outcome<'_>) {
    drop_exit(
        manager,
        if outcome.is_panic() {
            Outcome::Panic
        } else {
            Outcome::Unseen
        },
    );
}

// The two flavours differ in one call: a `Sendable` stack awaits
// `exit_send`, whose future is declared `Send`, so that the boxed future is.

impl<M: AsyncContextManager, E> AsyncEntry<E, Local> for AsyncManaged<M>
where
    M::Error: Into<E>,
{
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>, ask: bool) -> Exiting<'a, E, Local>
    where
        Self: 'a,
        E: 'a,
    {
        let mut exiting = AwaitingExit::new(self.0);
        Exiting::Awaiting(UnsentExit::new(Box::pin(async move {
            let result = exiting.manager.exit(outcome).await;
            exiting.exited(result, outcome, ask).map_err(Into::into)
        })))
    }

    fn drop_exit(mut self: Box<Self>, outcome: Outcome<'_>) -> Result<(), E> {
        fallback(&mut self.0, outcome);
        Ok(())
    }
}

impl<M: SendAsyncContextManager, E> AsyncEntry<E, Sendable> for AsyncManaged<M>
where
    M::Error: Into<E>,
{
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>, ask: bool) -> Exiting<'a, E, Sendable>
    where
        Self: 'a,
        E: 'a,
    {
        let mut exiting = AwaitingExit::new(self.0);
        let exit: <Sendable as Flavour>::Exit<'a, E> = Box::pin(async move {
            let result = exiting.manager.exit_send(outcome).await;
            exiting.exited(result, outcome, ask).map_err(Into::into)
        });
        Exiting::Awaiting(exit)
    }

    fn drop_exit(mut self: Box<Self>, outcome: Outcome<'_>) -> Result<(), E> {
        fallback(&mut self.0, outcome);
        Ok(())
    }
}

struct Managed<M>(M);

impl<M: ContextManager, E, T: Flavour> AsyncEntry<E, T> for Managed<M>
where
    M::Error: Into<E>,
{
    fn exit<'a>(mut self: Box<Self>, outcome: Outcome<'a>, ask: bool) -> Exiting<'a, E, T>
    where
        Self: 'a,
        E: 'a,
    {
        Exiting::Done(match self.0.exit(outcome) {
            Ok(()) => Ok(match outcome {
                Outcome::Err(e) if ask => self.0.suppresses(e),
                _ => false,
            }),
            Err(e) => Err(e.into()),
        })
    }

    fn drop_exit(mut self: Box<Self>, outcome: Outcome<'_>) -> Result<(), E> {
        self.0.exit(outcome).map_err(Into::into)
    }
}

struct Callback<F>(F);

impl<F: FnOnce(), E, T: Flavour> AsyncEntry<E, T> for Callback<F> {
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>, _ask: bool) -> Exiting<'a, E, T>
    where
        Self: 'a,
        E: 'a,
    {
        Exiting::Done(AsyncEntry::<E, T>::drop_exit(self, outcome).map(|()| false))
    }

    fn drop_exit(self: Box<Self>, _outcome: Outcome<'_>) -> Result<(), E> {
        (self.0)();
        Ok(())
    }
}

struct Push<F>(F);

impl<F: FnOnce(Outcome<'_>) -> Result<(), E>, E, T: Flavour> AsyncEntry<E, T> for Push<F> {
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>, _ask: bool) -> Exiting<'a, E, T>
    where
        Self: 'a,
        E: 'a,
    {
        Exiting::Done(AsyncEntry::<E, T>::drop_exit(self, outcome).map(|()| false))
    }

    fn drop_exit(self: Box<Self>, outcome: Outcome<'_>) -> Result<(), E> {
        (self.0)(outcome)
    }
}

/// `Fut` is named so that `Self: 'a` bounds it too.
struct AsyncCallback<F, Fut>(F, PhantomData<fn() -> Fut>);

impl<F, Fut, E, T> AsyncEntry<E, T> for AsyncCallback<F, Fut>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
    T: BoxExit<Fut>,
{
    fn exit<'a>(self: Box<Self>, _outcome: Outcome<'a>, _ask: bool) -> Exiting<'a, E, T>
    where
        Self: 'a,
        E: 'a,
    {
        Exiting::Awaiting(T::box_exit((self.0)(), |()| Ok(false)))
    }

    fn drop_exit(self: Box<Self>, _outcome: Outcome<'_>) -> Result<(), E> {
        Ok(())
    }
}

/// `Fut` is named so that `Self: 'a` bounds it too.
struct AsyncPush<F, Fut>(F, PhantomData<fn() -> Fut>);

impl<F, Fut, E, T> AsyncEntry<E, T> for AsyncPush<F, Fut>
where
    F: FnOnce(Outcome<'_>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    T: BoxExit<Fut>,
{
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>, _ask: bool) -> Exiting<'a, E, T>
    where
        Self: 'a,
        E: 'a,
    {
        Exiting::Awaiting(T::box_exit((self.0)(outcome), |done| done.map(|()| false)))
    }

    fn drop_exit(self: Box<Self>, _outcome: Outcome<'_>) -> Result<(), E> {
        Ok(())
    }
}
