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

// Compile cost: with the default features, a debug build of this crate
// codegens nothing of its own but a few cold panics. Everything is generic
// or `#[inline]`, so a user's crate codegens only what it calls; a new
// non-generic function in a default-feature module gets `#[inline]` too
// (bench/HISTORY.md, "Session 8: compile cost of the runtime crate"). The
// feature modules (tokio, sqlx, ...) are left as they are: whoever enables
// them calls them, so inlining would only move their cost.

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
        derived, AsyncMethods, Awaited, Branch, Derived, DerivedValue, EnterValueIsPlain,
        EnterValueProbe, ErrorConverts, ExitError, ExitResult, ExitTail, FallibleManager,
        GuardCannotKeep, GuardDropsRef, GuardKeeps, GuardShape, InfallibleManager, Methods, Named,
        NamedGuardSupported, NoMethods, NotAManager, NotAnAsyncManager, NotAwaited, OtherFlavor,
        PlainValue, ResultUnderAnotherName, Returned, ReturnsError, SuppressYes, SuppressedValue,
        ViaBoxSendSync, ViaBoxSync, ViaError, ViewReturned,
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
mod asynchronous;
mod derived_guard;
mod generator;
mod guard;
mod manager;
mod managers;
#[cfg(feature = "std")]
mod open;
mod outcome;
#[cfg(feature = "tokio-postgres")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio-postgres")))]
#[clippy::msrv = "1.85"] // tokio-postgres 0.7.18's minimum
pub mod postgres;
pub mod scopeguard;
mod send;
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
mod unwind;
mod with;

pub use asynchronous::{AsyncContextManager, AsyncGuard, AsyncSuppress};
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use asynchronous::{AsyncExitFn, AsyncExitFuture, AsyncGenerator};
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
pub use manager::{ContextManager, Suppress};
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

#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use asynchronous::AsyncExitStack;
pub use send::SendAsyncContextManager;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use stack::threading;
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use stack::{BoxError, ExitStack};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
