//! [`AsyncExitStack`]: the async twin of [`ExitStack`](crate::ExitStack),
//! whose entries' exits are awaited in reverse, as nested
//! `with!(async ..)`s would be. It is the stack core of `stack/` (the
//! arena, the entries, `Pending`, the unwind and drop paths) with the
//! awaiting added, and shares `ExitStack`'s methods (`stack_methods!`).
//! This file holds the type and every inherent method (here, so that rustc
//! names them `AsyncExitStack::<..>::method` in its errors), `entry.rs` the
//! entries whose exit is awaited, `traits.rs` its trait impls, and
//! `async_exit_stack.md` its documentation.

use alloc::boxed::Box;
use core::future::Future;
use core::marker::PhantomData;

use crate::stack::entry::{Callback, Plain, Push};
use crate::stack::threading::{Entering, Local, Sendable, Threading};
use crate::stack::unwind::Core;
use crate::stack::{display_view, stack_methods};
use crate::{
    AsyncContextManager, AsyncSuppress, BoxError, ContextManager, ErrorRef, Outcome,
    SendAsyncContextManager,
};

mod entry;
mod traits;

use entry::{AsyncCallback, AsyncManaged, AsyncPush};

#[doc = include_str!("async_exit_stack.md")]
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
        Self::with_error_view(display_view)
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
        Self::new_send_with_error_view(display_view)
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
        self.core
            .arena
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

    stack_methods! {
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
        fn enter_context;

        /// [`enter_context`](AsyncExitStack::enter_context), which now asks
        /// every manager whether it swallows the body's error; kept so that code
        /// written for the earlier API compiles.
        ///
        /// # Errors
        ///
        /// Enter's error, converted into `E`; nothing is registered.
        fn enter_suppressing_context;

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
        fn callback;
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
        self.core.push(AsyncCallback(f, PhantomData));
    }

    stack_methods! {
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
        fn push;
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
        self.core.push(AsyncPush(exit, PhantomData));
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
        self.core.unwind_awaiting(Outcome::Ok).await
    }

    stack_methods! {
        /// The number of registered entries.
        ///
        /// ```
        /// let stack = ctxmgr::AsyncExitStack::new();
        /// stack.callback(|| ());
        /// assert_eq!(stack.len(), 1);
        /// ```
        fn len;

        /// `true` when no entry is registered.
        ///
        /// ```
        /// assert!(ctxmgr::AsyncExitStack::new().is_empty());
        /// ```
        fn is_empty;
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
            self.core
                .arena
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
        self.core.enter(manager)
    }

    /// [`callback`](AsyncExitStack::callback) on a `Sendable` stack: `f`
    /// must be `Send`.
    #[inline]
    pub fn callback<F: FnOnce() + Send + 'm>(&self, f: F) {
        self.core.push(Plain(Callback(f)));
    }

    /// [`push_async_callback`](AsyncExitStack::push_async_callback) on a
    /// `Sendable` stack: `f` and its future must be `Send`.
    #[inline]
    pub fn push_async_callback<F, Fut>(&self, f: F)
    where
        F: FnOnce() -> Fut + Send + 'm,
        Fut: Future<Output = ()> + Send + 'm,
    {
        self.core.push(AsyncCallback(f, PhantomData));
    }

    /// [`push`](AsyncExitStack::push) on a `Sendable` stack: `exit` must be
    /// `Send`.
    #[inline]
    pub fn push<F>(&self, exit: F)
    where
        F: FnOnce(Outcome<'_>) -> Result<(), E> + Send + 'm,
    {
        self.core.push(Plain(Push(exit)));
    }

    /// [`push_async_exit`](AsyncExitStack::push_async_exit) on a `Sendable`
    /// stack: `exit` and its future must be `Send`.
    #[inline]
    pub fn push_async_exit<F, Fut>(&self, exit: F)
    where
        F: FnOnce(Outcome<'_>) -> Fut + Send + 'm,
        Fut: Future<Output = Result<(), E>> + Send + 'm,
    {
        self.core.push(AsyncPush(exit, PhantomData));
    }
}
