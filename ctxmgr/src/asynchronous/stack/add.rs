//! The adding methods of [`AsyncExitStack`]: those of the default
//! ([`Local`](crate::threading::Local)) stack, and the same for a
//! [`Sendable`] stack, with `Send` required of what they store.

use alloc::boxed::Box;
use core::future::Future;
use core::marker::PhantomData;

use super::entry::{AsyncCallback, AsyncManaged, AsyncPush};
use super::AsyncExitStack;
use crate::stack::entry::{Callback, Push};
use crate::stack::threading::{Entering, Sendable};
use crate::{
    AsyncContextManager, AsyncSuppress, ContextManager, Outcome, SendAsyncContextManager, Suppress,
};

impl<'m, E> AsyncExitStack<'m, E> {
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
        self.core.enter(manager)
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
        self.core.push(Callback(f));
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
        self.core.push(Push(exit));
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
        self.core.push(Callback(f));
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
        self.core.push(Push(exit));
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
