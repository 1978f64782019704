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
//!     with!(ctxmgr::open(path).mode("w") as f => {
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
//! # The pieces
//!
//! * [`ContextManager`]: the trait — `enter` hands out a value, `exit` is
//!   told the [`Outcome`] of the body and may fail.
//! * [`with!`]: `with EXPR as VAR:` with an inline body. `?`, `return`,
//!   `break`, `continue` and `.await` keep their meaning; exit runs exactly
//!   once on every path and sees how the body ended.
//! * [`derive(ContextManager)`](derive@ContextManager) with
//!   [`#[context_manager]`](context_manager): a struct with `#[enter]` and
//!   `#[exit]` methods becomes a manager, with a named guard
//!   ([`DerivedGuard`]) for code that cannot use `with!`.
//! * [`Guard`]: the same guarantee without the macro.
//! * [`open`]: Python's `open()` as a manager (with the `std` feature).
//! * [`Suppress`]: Python's truthy `__exit__` — swallow the body's error.
//!
//! # What exit sees
//!
//! | how the body ends | exit is called with | then |
//! | --- | --- | --- |
//! | falls off the end with value `v` | [`Outcome::Ok`] | `with!` evaluates to `v` |
//! | `return v`, `break`, `continue` (also labelled) | [`Outcome::Ok`] (an `Err` return value: [`Outcome::Err`]) | the control flow resumes |
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
//! # Features
//!
//! | feature | default | what it adds |
//! | --- | --- | --- |
//! | `std` | yes | [`open`]; guards tell panics from unseen paths; implies `alloc` |
//! | `alloc` | via `std` | [`ErrorRef::downcast_ref`] sees through `Box<dyn Error>` |
//!
//! Without `std` the crate is `#![no_std]`: the trait, [`with!`] and
//! [`Guard`] work on any target.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
mod derived_guard;
mod guard;
#[cfg(feature = "std")]
mod open;
mod outcome;
mod with;

#[doc = include_str!("context_manager.md")]
pub use ctxmgr_derive::context_manager;
#[doc = include_str!("derive.md")]
pub use ctxmgr_derive::ContextManager;
pub use derived_guard::DerivedGuard;
pub use guard::Guard;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use open::{open, Open, OpenFile};
pub use outcome::{ErrorRef, Outcome};

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
/// struct Db { committed: Vec<String>, pending: Vec<String> }
///
/// struct Transaction<'d>(&'d mut Db);
///
/// impl<'d> ContextManager for Transaction<'d> {
///     type Value<'a> = &'a mut Vec<String> where Self: 'a;
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
///     with!(Transaction(db) as rows => {
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
    note = "to reuse a manager you keep, pass `&mut manager`"
)]
pub trait ContextManager {
    /// What `with!(.. as PAT ..)` binds. May borrow the manager.
    type Value<'a>
    where
        Self: 'a;

    /// The error of enter and exit. [`core::convert::Infallible`] when
    /// neither can fail: `with!` then works in functions returning `()`.
    type Error;

    /// Sets up the resource and returns the value the body works with.
    ///
    /// On `Err`, the body does not run and exit is not called.
    fn enter(&mut self) -> Result<Self::Value<'_>, Self::Error>;

    /// Tears down the resource, told how the body ended.
    ///
    /// Called exactly once after a successful enter. An `Err` propagates out
    /// of `with!` like `?` (see the crate docs for what happens when the body
    /// was already failing, and [`Guard`] for a panicking body).
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error>;
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
}

/// A context manager that may swallow the error leaving its body — Python's
/// `__exit__` returning a true value.
///
/// After [`exit`](ContextManager::exit) returned `Ok(())` for a body that
/// left by `?`, `with!` asks [`suppresses`](Suppress::suppresses). On `true`
/// the error does not propagate: execution continues after the `with!`,
/// which evaluates to `Default::default()` of the body's type (`()` for a
/// statement-like body, which is the common case, as in Python).
///
/// Only `?` errors can be suppressed: an explicit `return` (even of an
/// `Err`) always returns, as `return` does in Python. Managers that do not
/// implement `Suppress` pay nothing: no check is compiled and the body's
/// type needs no `Default`.
///
/// `with!` finds this impl through the manager's concrete type. Inside a
/// generic function over `M: ContextManager`, a manager is not known to
/// suppress and is never asked.
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
///     fn enter(&mut self) -> io::Result<()> { Ok(()) }
///     fn exit(&mut self, _: Outcome<'_>) -> io::Result<()> { Ok(()) }
/// }
/// impl Suppress for IgnoreNotFound {
///     fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
///         error.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::NotFound)
///     }
/// }
///
/// fn remove(path: &str) -> io::Result<&'static str> {
///     with!(IgnoreNotFound => {
///         std::fs::remove_file(path)?;
///     });
///     Ok("done")
/// }
/// assert_eq!(remove("/surely/not/here").unwrap(), "done");
/// ```
pub trait Suppress: ContextManager {
    /// `true` to swallow `error`, which the body left with by `?`.
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool;
}

impl<M: Suppress + ?Sized> Suppress for &mut M {
    #[inline]
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        (**self).suppresses(error)
    }
}
