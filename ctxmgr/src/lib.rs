//! Python's context managers for Rust.
//!
//! A context manager sets a resource up, lends it to a block, and tears it
//! down on every path out of that block — *told how the block ended*. Rust's
//! `Drop` already runs on every path, but it is blind (it cannot see the
//! error leaving the block), mute (it cannot return a close error) and
//! sync-only. ctxmgr keeps `Drop`'s guarantee and adds the rest:
//!
//! ```
//! use ctxmgr::with;
//! use std::io::Write;
//!
//! fn save(path: &std::path::Path) -> std::io::Result<()> {
//!     with!(ctxmgr::open(path).mode("w") as f, {
//!         f.write_all(b"some info")?;
//!     });
//!     Ok(())
//! }
//! # let dir = std::env::temp_dir().join(format!("ctxmgr-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! # save(&dir.join("a.txt")).unwrap();
//! # assert_eq!(std::fs::read(dir.join("a.txt")).unwrap(), b"some info");
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```
//!
//! is Python's
//!
//! ```python
//! with open("file.txt", "w") as f:
//!     f.write("some info")
//! ```
//!
//! and, unlike a `BufWriter` dropped at the end of a block, it reports a
//! failed flush or close as an error instead of losing the data silently.
//!
//! Your own manager is a struct with an `#[enter]` and an `#[exit]` method —
//! Python's class with `__enter__` and `__exit__`:
//!
//! ```
//! use ctxmgr::{with, ContextManager, Outcome};
//!
//! #[derive(ContextManager, Default)]
//! struct Transaction {
//!     committed: Vec<String>,
//!     pending: Vec<String>,
//! }
//!
//! #[ctxmgr::context_manager]
//! impl Transaction {
//!     #[enter]
//!     fn begin(&mut self) -> &mut Vec<String> {
//!         &mut self.pending
//!     }
//!     #[exit]
//!     fn end(&mut self, outcome: Outcome<'_>) {
//!         let rows = std::mem::take(&mut self.pending);
//!         if outcome.is_ok() {
//!             self.committed.extend(rows); // commit only when the body succeeded
//!         }
//!     }
//! }
//!
//! fn transfer(tx: &mut Transaction, amount: u32) -> Result<(), String> {
//!     with!(&mut *tx as rows, {
//!         rows.push(format!("debit {amount}"));
//!         if amount > 100 {
//!             Err(format!("{amount} is over the limit"))?; // rolled back
//!         }
//!         rows.push(format!("credit {amount}"));
//!     });
//!     Ok(())
//! }
//!
//! let mut tx = Transaction::default();
//! assert!(transfer(&mut tx, 500).is_err());
//! transfer(&mut tx, 5).unwrap();
//! assert_eq!(tx.committed, ["debit 5", "credit 5"]);
//! ```
//!
//! # What is where
//!
//! | you want | ctxmgr | Python |
//! | --- | --- | --- |
//! | run a block with a resource set up, torn down on every path out | [`with!`] | `with EXPR as VAR:` |
//! | your own manager | the [`ContextManager`] trait, or [`derive(ContextManager)`](derive@ContextManager) on a struct with [`#[context_manager]`](context_manager) on its `#[enter]`/`#[exit]` methods | a class with `__enter__`/`__exit__` |
//! | a manager from one function | [`#[contextmanager]`](contextmanager): the function split at its [`yield_!`], a [`Generator`] | `@contextmanager` |
//! | a function's whole body run inside a manager | [`#[wrap]`](wrap) | `ContextDecorator` |
//! | know how the body ended, in exit | [`Outcome`] (`Ok`, `Err`, `Panic`, `Unseen`) and [`ErrorRef`], a view of the error | `exc_type, exc_value, traceback` |
//! | a context without the macro, or spanning calls | [`Guard`]; for a derived manager, its named guard ([`DerivedGuard`]) | calling `__enter__`/`__exit__` by hand |
//! | a dynamic number of managers and callbacks, exited in reverse like nested `with!`s | [`ExitStack`] (feature `alloc`); for async managers, whose exits are awaited, [`AsyncExitStack`] | `ExitStack`, `AsyncExitStack` |
//! | a file that reports a failed flush or close | [`open`] (feature `std`) | `open()` |
//! | swallow the body's error | [`ContextManager::suppresses`] with the marker [`Suppress`]; for a derived manager, a `#[suppress]` method | `__exit__` returning `True` |
//! | teardown that is *awaited*, on every path | `with!(async { EXPR } as PAT, { .. })` over an [`AsyncContextManager`] (the derive takes `async fn` markers); [`AsyncGuard`] by hand | `async with`, `__aenter__`/`__aexit__` |
//! | an async manager from one `async fn` | [`#[contextmanager]`](contextmanager) on an `async fn`: an [`AsyncGenerator`] (feature `alloc`) | `@asynccontextmanager` |
//!
//! The small managers of `contextlib`:
//!
//! * [`closing`] with the [`Close`] trait: flush a `BufWriter`, wait for a
//!   `Child`, shut down a `TcpStream` — and report the error.
//! * [`aclosing`] with the [`AsyncClose`] trait, for `with!(async ..)`: an
//!   awaited close (shut down a tokio `TcpStream`, flush a tokio `File`).
//! * [`nullcontext`], and `Option<M>` as a manager (`None` does nothing).
//! * [`suppress`]`(pred)`: swallow the `?` errors `pred` picks.
//! * [`chdir`]: change the working directory for the body (process-wide).
//! * [`defer!`]: run a block when the scope ends, on every path; and
//!   [`scopeguard`], a drop-in for the scopeguard crate.
// Items behind optional features are linked only where they exist.
#![cfg_attr(
    feature = "tempfile",
    doc = " * [`tempdir`] (feature `tempfile`): a temporary directory whose"
)]
#![cfg_attr(
    not(feature = "tempfile"),
    doc = " * `tempdir()` (feature `tempfile`): a temporary directory whose"
)]
//!   removal errors are reported.
#![cfg_attr(
    feature = "rusqlite",
    doc = " * [`sqlite::transaction`] (feature `rusqlite`): commit on `Ok`,"
)]
#![cfg_attr(
    not(feature = "rusqlite"),
    doc = " * `sqlite::transaction` (feature `rusqlite`): commit on `Ok`,"
)]
//!   roll back otherwise, and a failed `COMMIT` is an error.
#![cfg_attr(
    feature = "tokio",
    doc = " * [`tokio::open`] (feature `tokio`): the async `open` for"
)]
#![cfg_attr(
    not(feature = "tokio"),
    doc = " * `tokio::open` (feature `tokio`): the async `open` for"
)]
//!   `with!(async ..)`, whose exit awaits the flush and `sync_all`, so a full
//!   disk is an error there too.
#![cfg_attr(
    feature = "tokio-postgres",
    doc = " * [`postgres::transaction`] (feature `tokio-postgres`): PostgreSQL"
)]
#![cfg_attr(
    not(feature = "tokio-postgres"),
    doc = " * `postgres::transaction` (feature `tokio-postgres`): PostgreSQL"
)]
//!   transactions for `with!(async ..)` whose `COMMIT` and `ROLLBACK` are
//!   awaited, and whose cancellation leaves nothing open on the server.
//!
//! Two chapters: [Editor and tooling](tooling) (what rustfmt, rust-analyzer,
//! rustc and clippy make of code inside the macros, and why `with!` is
//! written `with!(EXPR as PAT, { BODY })`), and *Transactions*
//! (`ctxmgr::transactions`, with the `sqlx` feature).
//!
//! # What exit sees
//!
//! | how the body ends | exit is called with | then |
//! | --- | --- | --- |
//! | falls off the end with value `v` | [`Outcome::Ok`] | `with!` evaluates to `v` |
//! | `return v`, `break`, `continue` (also labelled) | [`Outcome::Ok`] (a returned `Err(e)` or `None`: [`Outcome::Err`], as for `?`) | the control flow resumes |
//! | `expr?` with `Err(e)` | [`Outcome::Err`] viewing `e` (before `From`) | `e` propagates like `?` |
//! | `expr?` with `None` | [`Outcome::Err`] ([`ErrorRef::is_none_value`]) | `None` propagates |
//! | a panic | [`Outcome::Panic`] | the panic continues |
//! | a path `with!` cannot see | [`Outcome::Unseen`] (from the guard's `Drop`) | |
//!
//! If enter fails, the body does not run, exit is not called and enter's
//! error propagates like `?`. If exit fails, its error propagates like `?` —
//! also when the body was already leaving with an error: exit's error
//! *replaces* the body's, as an exception raised in Python's `__exit__`
//! replaces the one in flight. Exit was shown the body's error in
//! [`Outcome::Err`], so a manager that can fail while handling an error
//! should carry it along in its own (as [`open`] does).
//!
//! # Async
//!
//! Rust has no async `Drop`. `with!(async ..)` awaits exit on every path out
//! of the body — panics included: the body's future is polled under
//! `catch_unwind`, exit is awaited with [`Outcome::Panic`], then the panic
//! resumes. A future dropped mid-body (cancelled) cannot await anything: the
//! guard's `Drop` calls [`AsyncContextManager::drop_exit`] with
//! [`Outcome::Unseen`] instead, never `exit` with `Ok`. [`Outcome`] is
//! `Send + Sync`, so with `Send` managers the whole future stays `Send`. See
//! [`AsyncContextManager`] for the details and the README for the table of
//! what exit sees on cancellation.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `macros` | yes | [`with!`], the derive and the attributes: the proc-macro crate ctxmgr-derive (syn, quote, proc-macro2). Without it, nothing of the crate needs a proc macro (e.g. for the [`scopeguard`] drop-in alone) |
//! | `std` | yes | [`open`]; guards tell panics from unseen paths; implies `alloc` |
//! | `alloc` | via `std` | [`ExitStack`], [`AsyncExitStack`], [`BoxError`]; [`ErrorRef::as_error`] sees through `Box<dyn Error>` |
//! | `tempfile` | no | `tempdir()`, on the `tempfile` crate; implies `std`; Rust 1.81 like the rest |
//! | `rusqlite` | no | the `sqlite` module, on the `rusqlite` crate, re-exported; implies `std`; needs Rust 1.89 (rusqlite's minimum) |
//! | `tokio` | no | the `tokio` module (the async `open`) and [`AsyncClose`] for tokio's streams, files and writers, on tokio's `fs`, `io-util`, `io-std` and `net` only (no runtime: the rest of the crate stays executor-agnostic); implies `std`; needs Rust 1.85 with tokio 1.54 and later (tokio's minimum), 1.81 with tokio 1.53 or older |
//! | `tokio-postgres` | no | the `postgres` module: transactions and savepoints on `tokio-postgres`, re-exported, whose `COMMIT`/`ROLLBACK` are awaited and whose cancellation cancels the running statement and leaves no transaction open; implies `std`; needs Rust 1.85 (tokio-postgres's minimum) |
//! | `sqlx` | no | the `sqlx` module (transactions whose `COMMIT`/`ROLLBACK` are awaited, cancellation that leaves nothing open) and the `transactions` chapter, on sqlx 0.9 with its tokio runtime; implies `std`; needs Rust 1.94 (sqlx's minimum) |
//! | `sqlx-postgres`, `sqlx-sqlite` | no | the `sqlx` module for PostgreSQL, SQLite; imply `sqlx`; `sqlx-postgres` also enables tokio's `rt-multi-thread` and `time` (for `cancel_with`); `sqlx-sqlite` does not choose how SQLite is linked |
//!
//! Without `std` the crate is `#![no_std]`: the trait, [`with!`] (with
//! `macros`) and [`Guard`] work on any target.
#![no_std]
#![deny(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// The items of [`__private`] whose bounds a compile error can name. rustc
/// prints an item by its shortest visible path, the first found on a tie: this
/// module comes before `__private`, so an error says
/// `ctxmgr::bounds::ReturnsError` where it said `ctxmgr::__private::…`
/// (`ui.rs` checks that no `.stderr` names `__private`). Not public API.
#[doc(hidden)]
pub mod bounds {
    #[cfg(feature = "alloc")]
    pub use crate::__private::async_exit_fn;
    #[cfg(feature = "std")]
    pub use crate::__private::ViaLocal;
    #[cfg(feature = "alloc")]
    pub use crate::__private::ViaString;
    pub use crate::__private::{
        AsyncMethods, Awaited, Branch, Derived, DerivedValue, EnterValueIsPlain, EnterValueProbe,
        ErrorConverts, ExitError, ExitResult, ExitTail, FallibleManager, GuardCannotKeep,
        GuardDropsRef, GuardKeeps, InfallibleManager, Methods, Named, NamedGuardSupported,
        NoDerive, NoMethods, NoneValue, NotAManager, NotAnAsyncManager, NotAwaited, OtherFlavor,
        PlainValue, Probe, ResultUnderAnotherName, ReturnsError, SuppressYes, SuppressedValue,
        ViaBoxSendSync, ViaBoxSync, ViaError, ViewError,
    };
}
/// `defer!`'s closure, written by an edition-2015 crate so that it captures
/// whole variables like scopeguard's (see `scopeguard.rs`). Not public API.
#[doc(hidden)]
pub use ctxmgr_defer::defer_with as __defer_with;
/// What `with!` expands to; here rather than under `__private`, because
/// rustc's "this error originates in the macro `…`" note shows this path.
#[doc(hidden)]
#[cfg(feature = "macros")]
pub use ctxmgr_derive::with_impl;
#[doc(hidden)]
#[path = "private/mod.rs"]
pub mod __private;
#[cfg(feature = "alloc")]
mod async_generator;
#[cfg(feature = "alloc")]
mod async_stack;
mod asynchronous;
mod derived_guard;
mod generator;
mod guard;
mod managers;
#[cfg(feature = "std")]
mod open;
mod outcome;
#[cfg(feature = "tokio-postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio-postgres")))]
#[clippy::msrv = "1.85"] // tokio-postgres 0.7.18's minimum
pub mod postgres;
pub mod scopeguard;
#[cfg(feature = "rusqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "rusqlite")))]
pub mod sqlite;
#[cfg(feature = "sqlx")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlx")))]
pub mod sqlx;
#[cfg(feature = "alloc")]
mod stack;
/// The "Transactions" chapter: awaited `COMMIT`/`ROLLBACK`, cancellation, and
/// what we measured against the drivers alone.
#[cfg(feature = "sqlx")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlx")))]
pub mod transactions {
    #![doc = include_str!("transactions.md")]
}
#[cfg(feature = "tempfile")]
mod tempdir;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;
/// The "Editor and tooling" chapter: what rustfmt, rust-analyzer, rustc and
/// clippy do with code inside ctxmgr's macros, and the limits we measured.
pub mod tooling {
    #![doc = include_str!("tooling.md")]
}
mod with;

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use async_generator::{AsyncExitFn, AsyncExitFuture, AsyncGenerator};
pub use asynchronous::{AsyncContextManager, AsyncGuard, AsyncSuppress};
#[doc = include_str!("context_manager.md")]
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use ctxmgr_derive::context_manager;
#[doc = include_str!("contextmanager.md")]
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use ctxmgr_derive::contextmanager;
#[doc = include_str!("wrap.md")]
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use ctxmgr_derive::wrap;
#[doc = include_str!("derive.md")]
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
pub use ctxmgr_derive::ContextManager;
pub use derived_guard::DerivedGuard;
pub use generator::{EnterFn, Generator};
pub use guard::Guard;
pub use managers::{
    aclosing, closing, nullcontext, suppress, AClosing, AsyncClose, Close, Closing, NullContext,
    Suppressor,
};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use managers::{chdir, Chdir};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use open::{open, Open, OpenFile};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use outcome::LocalError;
pub use outcome::{ErrorRef, Outcome};
#[cfg(feature = "tempfile")]
#[cfg_attr(docsrs, doc(cfg(feature = "tempfile")))]
pub use tempdir::{tempdir, TemporaryDirectory};

/// The yield point of a [`#[contextmanager]`](contextmanager) function:
/// `yield_!(value);` or `let outcome = yield_!(value);`, as a statement of the
/// function's top-level block. Rust's own `yield` is unstable, so the
/// attribute reads this macro instead; anywhere else it is a compile error.
///
/// ```compile_fail
/// fn not_a_generator() {
///     ctxmgr::yield_!(1);
/// }
/// ```
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[macro_export]
macro_rules! yield_ {
    ($($value:tt)*) => {
        ::core::compile_error! {
            "`yield_!` marks the yield of a `#[ctxmgr::contextmanager]` function: \
use it there, as a statement of the function's top-level block"
        }
    };
}
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use async_stack::AsyncExitStack;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use stack::{BoxError, ExitStack};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// A value that can be set up with [`enter`](ContextManager::enter) and
/// torn down with [`exit`](ContextManager::exit), told how the code in
/// between ended — Python's `__enter__`/`__exit__`.
///
/// Use it with [`with!`], or by hand with [`Guard`].
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
    /// [`with!`] and [`Guard`] call them for you, exit exactly once:
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
    /// was already failing, and [`Guard`] for a panicking body).
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
    /// marker [`Suppress`], and by [`ExitStack`] and
    /// [`AsyncExitStack`] for every entered manager.
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
/// suppress and `with!` does not ask it. [`ExitStack`] and
/// [`AsyncExitStack`] need no marker: they ask every
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
/// `#[suppress]` in its [`#[ctxmgr::context_manager]`](macro@context_manager)
/// impl block, `fn NAME(&mut self, error: ErrorRef<'_>) -> bool`: the
/// attribute writes the `ContextManager` impl, so it forwards `suppresses` to
/// that method and implements this marker (see the derive's
/// [Suppressing errors](derive@ContextManager#suppressing-errors)).
///
/// # Migration from the `Suppress::suppresses` method
///
/// Move the method into the `ContextManager` impl and leave the marker
/// empty: `impl Suppress for M { fn suppresses(..) {..} }` becomes
/// `impl Suppress for M {}` plus `fn suppresses(..) {..}` in
/// `impl ContextManager for M`.
pub trait Suppress: ContextManager {}

impl<M: Suppress + ?Sized> Suppress for &mut M {}
