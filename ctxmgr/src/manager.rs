//! [`ContextManager`]: Python's `__enter__`/`__exit__`, and the marker
//! [`Suppress`] of a manager that may swallow the body's error.

use crate::{ErrorRef, Outcome};

/// A value that can be set up with [`enter`](ContextManager::enter) and
/// torn down with [`exit`](ContextManager::exit), told how the code in
/// between ended — Python's `__enter__`/`__exit__`.
///
/// Use it with [`with!`](crate::with!), or by hand with [`Guard`](crate::Guard).
///
/// # Examples
///
/// A transaction that commits when the body succeeds and rolls back on any
/// other outcome:
///
/// ```
/// use ctxmgr::{with, ContextManager, Outcome};
///
/// #[derive(Default)]
/// struct Db {
///     committed: Vec<String>,
///     pending: Vec<String>,
/// }
///
/// struct Transaction<'d>(&'d mut Db);
///
/// impl<'d> ContextManager for Transaction<'d> {
///     type Value<'a>
///         = &'a mut Vec<String>
///     where
///         Self: 'a;
///     type Error = std::convert::Infallible;
///
///     fn enter(&mut self) -> Result<Self::Value<'_>, Self::Error> {
///         Ok(&mut self.0.pending)
///     }
///     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
///         let pending = std::mem::take(&mut self.0.pending);
///         if outcome.is_ok() {
///             self.0.committed.extend(pending);
///         }
///         Ok(())
///     }
/// }
///
/// fn transfer(db: &mut Db, fail: bool) -> Result<(), String> {
///     with!(Transaction(db) as rows, {
///         rows.push("debit".into());
///         if fail {
///             Err("insufficient funds".to_string())?;
///         }
///         rows.push("credit".into());
///     });
///     Ok(())
/// }
///
/// let mut db = Db::default();
/// assert!(transfer(&mut db, true).is_err());
/// assert!(db.committed.is_empty()); // rolled back
/// transfer(&mut db, false).unwrap();
/// assert_eq!(db.committed, ["debit", "credit"]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a context manager",
    label = "a context manager is needed here",
    note = "implement `ctxmgr::ContextManager` for it, or `#[derive(ContextManager)]` with `#[enter]`/`#[exit]` methods in a `#[ctxmgr::context_manager]` impl block",
    note = "to reuse a manager you keep, pass `&mut manager`",
    note = "for a file, use `ctxmgr::open(path)` (`.mode(\"w\")` to write), not `File::open`/`File::create`: its exit flushes and closes the file and reports a failure"
)]
pub trait ContextManager {
    /// What `with!(.. as PAT ..)` binds. May borrow the manager.
    ///
    /// A value may borrow the manager, e.g. a lock guard of one of its fields:
    ///
    /// ```
    /// use ctxmgr::{with, ContextManager, Outcome};
    /// use std::convert::Infallible;
    /// use std::sync::{Mutex, MutexGuard};
    ///
    /// struct Locked(Mutex<Vec<u32>>);
    /// impl ContextManager for Locked {
    ///     type Value<'a> = MutexGuard<'a, Vec<u32>>;
    ///     type Error = Infallible;
    ///     fn enter(&mut self) -> Result<MutexGuard<'_, Vec<u32>>, Infallible> {
    ///         Ok(self.0.lock().unwrap_or_else(|e| e.into_inner()))
    ///     }
    ///     fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
    ///         Ok(()) // the guard was dropped before exit runs: the lock is free
    ///     }
    /// }
    ///
    /// let mut numbers = Locked(Mutex::new(vec![]));
    /// with!(&mut numbers as v, mut, { v.push(1) });
    /// assert_eq!(*numbers.0.lock().unwrap(), [1]);
    /// ```
    type Value<'a>
    where
        Self: 'a;

    /// The error of enter and exit. [`core::convert::Infallible`] when
    /// neither can fail: `with!` then works in functions returning `()`.
    ///
    /// ```
    /// use ctxmgr::{with, ContextManager, Outcome};
    /// use std::convert::Infallible;
    ///
    /// struct Depth(usize);
    /// impl ContextManager for Depth {
    ///     type Value<'a> = usize;
    ///     type Error = Infallible; // neither half can fail
    ///     fn enter(&mut self) -> Result<usize, Infallible> {
    ///         self.0 += 1;
    ///         Ok(self.0)
    ///     }
    ///     fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
    ///         self.0 -= 1;
    ///         Ok(())
    ///     }
    /// }
    ///
    /// fn show(depth: &mut Depth) {
    ///     // returns `()`: no `Result` needed
    ///     with!(&mut *depth as d, { assert_eq!(d, 1) });
    /// }
    /// let mut depth = Depth(0);
    /// show(&mut depth);
    /// assert_eq!(depth.0, 0);
    /// ```
    type Error;

    /// Sets up the resource and returns the value the body works with.
    ///
    /// On `Err`, the body does not run and exit is not called.
    ///
    /// Called by hand, enter and exit are Python's `__enter__` and `__exit__`;
    /// [`with!`](crate::with!) and [`Guard`](crate::Guard) call them for you, exit exactly once:
    ///
    /// ```
    /// use ctxmgr::{ContextManager, Outcome};
    /// use std::io::Write;
    ///
    /// # let path = std::env::temp_dir().join(format!("ctxmgr-enter-doc-{}", std::process::id()));
    /// let mut manager = ctxmgr::open(&path).mode("w");
    /// let file = manager.enter()?; // opens: `file` is what `with!` binds
    /// file.write_all(b"by hand")?;
    /// manager.exit(Outcome::Ok)?; // flushes and closes
    /// assert_eq!(std::fs::read(&path)?, b"by hand");
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn enter(&mut self) -> Result<Self::Value<'_>, Self::Error>;

    /// Tears down the resource, told how the body ended.
    ///
    /// Called exactly once after a successful enter. An `Err` propagates out
    /// of `with!` like `?` (see the crate docs for what happens when the body
    /// was already failing, and [`Guard`](crate::Guard) for a panicking body).
    ///
    /// # Examples
    ///
    /// Exit is told the body's error and may fail itself; `open`'s exit then names
    /// both:
    ///
    /// ```
    /// # #[cfg(target_os = "linux")] {
    /// use ctxmgr::{ContextManager, ErrorRef, Outcome};
    /// use std::io::Write;
    ///
    /// let mut manager = ctxmgr::open("/dev/full").mode("w");
    /// manager.enter()?.write_all(b"buffered")?;
    /// let body_error = std::io::Error::other("the body failed");
    /// let e = manager
    ///     .exit(Outcome::Err(ErrorRef::new(&body_error)))
    ///     .unwrap_err();
    /// assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
    /// assert!(e
    ///     .to_string()
    ///     .contains("while closing after the body failed: the body failed"));
    /// # }
    /// # Ok::<(), std::io::Error>(())
    /// ```
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error>;

    /// Python's `__exit__` returning a true value: `true` to swallow `error`,
    /// the error the body is leaving with. Asked after [`exit`](ContextManager::exit)
    /// returned `Ok(())`, by `with!` for a manager that also implements the
    /// marker [`Suppress`], and by [`ExitStack`](crate::ExitStack) and
    /// [`AsyncExitStack`](crate::AsyncExitStack) for every entered manager.
    ///
    /// The default never suppresses, so a manager that does not override it
    /// pays nothing: `with!` compiles no check for it and the body's type
    /// needs no `Default`. See [`Suppress`] for an example.
    #[inline]
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        let _ = error;
        false
    }
}

impl<M: ContextManager + ?Sized> ContextManager for &mut M {
    type Value<'a>
        = M::Value<'a>
    where
        Self: 'a;
    type Error = M::Error;

    #[inline]
    fn enter(&mut self) -> Result<Self::Value<'_>, Self::Error> {
        (**self).enter()
    }

    #[inline]
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
        (**self).exit(outcome)
    }

    #[inline]
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        (**self).suppresses(error)
    }
}

/// Marks a context manager that may swallow the error leaving its body —
/// Python's `__exit__` returning a true value — so that `with!` asks it.
///
/// The decision is the manager's [`ContextManager::suppresses`]: override it,
/// and implement this marker so that `with!` asks it too. After
/// [`exit`](ContextManager::exit) returned `Ok(())` for a body that left by
/// `?`, `with!` asks [`suppresses`](ContextManager::suppresses). On `true`
/// the error does not propagate: execution continues after the `with!`,
/// which evaluates to `Default::default()` of the body's type (`()` for a
/// statement-like body, which is the common case, as in Python).
///
/// Only `?` errors can be suppressed by `with!`: an explicit `return` (even
/// of an `Err`) always returns, as `return` does in Python. Managers that do
/// not implement `Suppress` pay nothing: no check is compiled and the body's
/// type needs no `Default`.
///
/// `with!` finds this marker through the manager's concrete type. Inside a
/// generic function over `M: ContextManager`, a manager is not known to
/// suppress and `with!` does not ask it. [`ExitStack`](crate::ExitStack) and
/// [`AsyncExitStack`](crate::AsyncExitStack) need no marker: they ask every
/// manager's [`suppresses`](ContextManager::suppresses), whose default says
/// no, so a manager suppresses the same way in a stack as in `with!`.
///
/// ```
/// use ctxmgr::{with, ContextManager, ErrorRef, Outcome, Suppress};
/// use std::io;
///
/// /// Swallows `io::ErrorKind::NotFound`, like `contextlib.suppress(FileNotFoundError)`.
/// struct IgnoreNotFound;
/// impl ContextManager for IgnoreNotFound {
///     type Value<'a> = ();
///     type Error = io::Error;
///     fn enter(&mut self) -> io::Result<()> {
///         Ok(())
///     }
///     fn exit(&mut self, _: Outcome<'_>) -> io::Result<()> {
///         Ok(())
///     }
///     fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
///         error
///             .downcast_ref::<io::Error>()
///             .is_some_and(|e| e.kind() == io::ErrorKind::NotFound)
///     }
/// }
/// impl Suppress for IgnoreNotFound {}
///
/// fn remove(path: &str) -> io::Result<&'static str> {
///     with!(IgnoreNotFound, {
///         std::fs::remove_file(path)?;
///     });
///     Ok("done")
/// }
/// assert_eq!(remove("/surely/not/here").unwrap(), "done");
/// ```
///
/// A `#[derive(ContextManager)]` type gets both from a method marked
/// `#[suppress]` in its [`#[ctxmgr::context_manager]`](macro@crate::context_manager)
/// impl block, `fn NAME(&mut self, error: ErrorRef<'_>) -> bool`: the
/// attribute writes the `ContextManager` impl, so it forwards `suppresses` to
/// that method and implements this marker (see the derive's
/// [Suppressing errors](derive@crate::ContextManager#suppressing-errors)).
///
/// # Migration from the `Suppress::suppresses` method
///
/// Move the method into the `ContextManager` impl and leave the marker
/// empty: `impl Suppress for M { fn suppresses(..) {..} }` becomes
/// `impl Suppress for M {}` plus `fn suppresses(..) {..}` in
/// `impl ContextManager for M`.
pub trait Suppress: ContextManager {}

impl<M: Suppress + ?Sized> Suppress for &mut M {}
