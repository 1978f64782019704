//! A drop-in for the [scopeguard](https://docs.rs/scopeguard/1) crate, and
//! the home of [`defer!`](crate::defer).
//!
//! # Coming from scopeguard
//!
//! Replace `scopeguard` in your `Cargo.toml` with `ctxmgr`, and at the top
//! of each file that used it write
//!
//! ```
//! use ctxmgr::scopeguard;
//! ```
//!
//! Every path keeps working: [`scopeguard::guard`](guard),
//! [`guard_on_success`], [`guard_on_unwind`], [`ScopeGuard`] (with
//! `Deref`/`DerefMut`, [`ScopeGuard::into_inner`] and
//! [`ScopeGuard::with_strategy`]), the [`Strategy`] trait with [`Always`],
//! [`OnSuccess`] and [`OnUnwind`], and the macros
//! [`defer!`](crate::defer), [`defer_on_success!`](crate::defer_on_success)
//! and [`defer_on_unwind!`](crate::defer_on_unwind), reachable as
//! `scopeguard::defer!` or, like every `#[macro_export]` macro, as
//! `ctxmgr::defer!`. The behaviour is scopeguard 1.2's, and its own test
//! suite passes against this module (`tests/tests/scopeguard.rs`):
//!
//! ```
//! use ctxmgr::scopeguard::{self, ScopeGuard};
//! use std::cell::RefCell;
//!
//! let log = RefCell::new(Vec::new());
//! {
//!     scopeguard::defer! { log.borrow_mut().push("deferred"); }
//!     let mut v = scopeguard::guard(vec![1], |v| {
//!         log.borrow_mut()
//!             .push(if v.len() == 2 { "guard saw 2" } else { "?" })
//!     });
//!     v.push(2); // DerefMut to the guarded value
//!     let kept = scopeguard::guard(5, |_| log.borrow_mut().push("never"));
//!     assert_eq!(ScopeGuard::into_inner(kept), 5); // defused
//!     log.borrow_mut().push("body");
//! }
//! // Guards run in reverse order of creation, like any locals' drops.
//! assert_eq!(*log.borrow(), ["body", "guard saw 2", "deferred"]);
//! ```
//!
//! To build only the drop-in, without the proc-macro crate behind `with!` and
//! the derives (ctxmgr-derive, syn, quote, proc-macro2), turn the default
//! features off:
//!
//! ```toml
//! ctxmgr = { version = "…", default-features = false, features = ["std"] }
//! ```
//!
//! What is the same, and what is not:
//!
//! | | scopeguard 1.2 | `ctxmgr::scopeguard` |
//! | --- | --- | --- |
//! | API, paths, behaviour of every strategy | the reference | the same; scopeguard's own tests pass against it |
//! | `#[must_use]` | on `guard`, `guard_on_success`, `guard_on_unwind`, `with_strategy` | the same (not on the `ScopeGuard` type) |
//! | drop order when the strategy does not run | the closure (its captures), then the value | the same |
//! | `no_std` | feature `use_std` off: [`Always`] and [`defer!`](crate::defer) only | feature `std` off: the same |
//! | dependencies | none | with `default-features = false`, ctxmgr-defer alone (one `macro_rules!`, no dependencies, no build script); the default feature `macros` adds ctxmgr-derive, syn, quote, proc-macro2 (about 5–8 s of CPU on a clean build) |
//! | minimum Rust | 1.20 | 1.81 (the whole crate's `rust-version`) |
//! | size of a guard | value + closure | value + closure, plus a flag when neither has a spare bit pattern: `guard(0u32, \|_\| ())` is 8 bytes (scopeguard: 4); a guard holding a reference, a `Box` or a `Vec`, or a `defer!` whose block uses a local, is the same size as scopeguard's |
//! | `Sync` | when the value is (an `unsafe impl`) | when the value *and the closure* are: `ctxmgr` holds both in an `Option` instead of `ManuallyDrop` + `ptr::read`, with no `unsafe`; sharing `&ScopeGuard` between threads whose closure captures a `Cell` compiles there, not here |
//! | what a `defer!` block captures | whole variables: its closure is written by scopeguard's crate, edition 2015 | the same: the closure is written by the edition-2015 crate ctxmgr-defer |
//!
//! The last line matters more than it looks: a closure written in edition
//! 2021 would capture only the places its block uses (`job.log`, not `job`),
//! which changes what stays usable after the `defer!`, when the rest of a
//! moved-from local drops, and whether a future holding the guard is `Send`.
//! Like scopeguard's, a `defer!` block borrows (or moves) the whole variable:
//!
//! ```compile_fail,E0499
//! struct Job { log: Vec<&'static str>, name: String }
//!
//! let mut job = Job { log: Vec::new(), name: "build".into() };
//! ctxmgr::defer! { job.log.push("done"); } // borrows all of `job`, as scopeguard's does
//! let name = std::mem::take(&mut job.name); // error[E0499], with scopeguard too
//! ```
//!
//! Guards made with [`guard`] take whatever closure you write, so they
//! capture by your crate's edition, with either crate.
//!
//! # What ctxmgr adds
//!
//! A scope guard's closure is blind and mute, like every `Drop`: it cannot
//! see the error that is leaving the scope, and it has nowhere to report a
//! failure of its own (a flush that failed, a `COMMIT` that was refused). When
//! the teardown must see the error or can fail, write it as a
//! [`ContextManager`](crate::ContextManager) and use [`with!`](crate::with):
//! exit gets the [`Outcome`](crate::Outcome) (`Ok`, the `?` error, a panic)
//! and its own error propagates like `?`.
//!
//! ```
//! use ctxmgr::{scopeguard, with};
//! use std::io::{self, Write};
//!
//! // scopeguard: the flush error vanishes.
//! fn save_guarded(out: &mut Vec<u8>) {
//!     let mut w = scopeguard::guard(io::BufWriter::new(out), |mut w| {
//!         let _ = w.flush(); // nowhere to send an error
//!     });
//!     w.write_all(b"data").unwrap();
//! }
//!
//! // ctxmgr: the flush error is the function's error.
//! fn save(out: &mut Vec<u8>) -> io::Result<()> {
//!     with!(ctxmgr::closing(io::BufWriter::new(out)) as w, {
//!         w.write_all(b"data")?;
//!     });
//!     Ok(())
//! }
//!
//! let (mut a, mut b) = (Vec::new(), Vec::new());
//! save_guarded(&mut a);
//! save(&mut b).unwrap();
//! assert_eq!(a, b);
//! ```

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

/// Decides whether a [`ScopeGuard`]'s closure runs when the guard is
/// dropped: [`Always`], [`OnSuccess`], [`OnUnwind`], or your own.
///
/// ```
/// use ctxmgr::scopeguard::{ScopeGuard, Strategy};
/// use std::cell::Cell;
///
/// /// Runs only in debug builds.
/// enum InDebug {}
/// impl Strategy for InDebug {
///     fn should_run() -> bool {
///         cfg!(debug_assertions)
///     }
/// }
///
/// let ran = Cell::new(false);
/// drop(ScopeGuard::<_, _, InDebug>::with_strategy((), |()| {
///     ran.set(true)
/// }));
/// assert_eq!(ran.get(), cfg!(debug_assertions));
/// ```
pub trait Strategy {
    /// `true` if the guard's closure should run (asked in the guard's
    /// `Drop`).
    fn should_run() -> bool;
}

/// Always run on scope exit: on a normal exit and while unwinding from a
/// panic. (Nothing runs on abort or process exit, when destructors do not.)
///
/// ```
/// use ctxmgr::scopeguard::{guard, Always, ScopeGuard};
/// use std::cell::Cell;
///
/// let ran = Cell::new(0);
/// {
///     let _g: ScopeGuard<_, _, Always> = guard((), |()| ran.set(ran.get() + 1));
/// } // normal exit: runs
/// let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     let _g: ScopeGuard<_, _, Always> = guard((), |()| ran.set(ran.get() + 1));
///     panic!("unwinding: runs too");
/// }));
/// assert_eq!(ran.get(), 2);
/// ```
#[derive(Debug)]
pub enum Always {}

/// Run only while unwinding from a panic. Needs the `std` feature.
///
/// ```
/// use ctxmgr::scopeguard::guard_on_unwind;
/// use std::cell::Cell;
///
/// let rolled_back = Cell::new(false);
/// {
///     let _g = guard_on_unwind((), |()| rolled_back.set(true));
/// } // normal exit: does not run
/// assert!(!rolled_back.get());
/// let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     let _g = guard_on_unwind((), |()| rolled_back.set(true));
///     panic!("unwinding: runs");
/// }));
/// assert!(rolled_back.get());
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug)]
pub enum OnUnwind {}

/// Run only on a normal scope exit, not while unwinding. Needs the `std`
/// feature.
///
/// ```
/// use ctxmgr::scopeguard::guard_on_success;
/// use std::cell::Cell;
///
/// let committed = Cell::new(false);
/// let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
///     let _g = guard_on_success((), |()| committed.set(true));
///     panic!("unwinding: does not run");
/// }));
/// assert!(!committed.get());
/// {
///     let _g = guard_on_success((), |()| committed.set(true));
/// } // normal exit: runs
/// assert!(committed.get());
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[derive(Debug)]
pub enum OnSuccess {}

impl Strategy for Always {
    #[inline(always)]
    fn should_run() -> bool {
        true
    }
}

#[cfg(feature = "std")]
impl Strategy for OnUnwind {
    #[inline]
    fn should_run() -> bool {
        std::thread::panicking()
    }
}

#[cfg(feature = "std")]
impl Strategy for OnSuccess {
    #[inline]
    fn should_run() -> bool {
        !std::thread::panicking()
    }
}

/// Runs the block when the enclosing scope ends, on every path out of it
/// (normal end, `return`, `?`, `break`, panic) — Python's `try/finally`,
/// scopeguard's `defer!`.
///
/// The block is the body of a closure: it may borrow locals declared
/// *before* the `defer!`, and several `defer!`s run in reverse order.
///
/// ```
/// use std::cell::RefCell;
///
/// let log = RefCell::new(Vec::new());
/// let early_return = |fail: bool| -> Result<(), &'static str> {
///     ctxmgr::defer! { log.borrow_mut().push("cleanup 1"); }
///     ctxmgr::defer! { log.borrow_mut().push("cleanup 2"); }
///     if fail {
///         return Err("failed");
///     }
///     log.borrow_mut().push("work");
///     Ok(())
/// };
/// early_return(false).unwrap();
/// assert!(early_return(true).is_err());
/// assert_eq!(
///     *log.borrow(),
///     ["work", "cleanup 2", "cleanup 1", "cleanup 2", "cleanup 1"]
/// );
/// ```
///
/// The block cannot see how the scope ended nor report a failure; when it
/// must, use a [`ContextManager`](crate::ContextManager) with
/// [`with!`](crate::with) (see [`scopeguard`](crate::scopeguard)).
#[macro_export]
macro_rules! defer {
    ($($t:tt)*) => {
        $crate::__defer_with! { $crate::scopeguard::guard; $($t)* }
    };
}

/// Runs the block when the enclosing scope ends normally — not while
/// unwinding from a panic (scopeguard's `defer_on_success!`). Needs the
/// `std` feature.
///
/// With [`defer_on_unwind!`](crate::defer_on_unwind), a commit on the
/// normal path and a rollback on a panic:
///
/// ```
/// use std::cell::RefCell;
/// use std::panic::{catch_unwind, AssertUnwindSafe};
///
/// let log = RefCell::new(Vec::new());
/// let transfer = |amount: u32| {
///     ctxmgr::defer_on_success! { log.borrow_mut().push(format!("commit {amount}")); }
///     ctxmgr::defer_on_unwind! { log.borrow_mut().push(format!("roll back {amount}")); }
///     assert!(amount <= 100, "{amount} is over the limit");
/// };
/// transfer(5);
/// assert!(catch_unwind(AssertUnwindSafe(|| transfer(500))).is_err());
/// assert_eq!(*log.borrow(), ["commit 5", "roll back 500"]);
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[macro_export]
macro_rules! defer_on_success {
    ($($t:tt)*) => {
        $crate::__defer_with! { $crate::scopeguard::guard_on_success; $($t)* }
    };
}

/// Runs the block only if the enclosing scope is left by unwinding from a
/// panic (scopeguard's `defer_on_unwind!`). Needs the `std` feature.
///
/// A worker thread that panics still marks its job as abandoned; one that
/// ends normally does not run the block (see
/// [`defer_on_success!`](crate::defer_on_success) for both paths at once):
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
///
/// static ABANDONED: AtomicUsize = AtomicUsize::new(0);
/// let work = |fail: bool| {
///     ctxmgr::defer_on_unwind! { ABANDONED.fetch_add(1, Ordering::SeqCst); }
///     assert!(!fail, "the job failed");
/// };
/// assert!(std::thread::spawn(move || work(true)).join().is_err());
/// assert!(std::thread::spawn(move || work(false)).join().is_ok());
/// assert_eq!(ABANDONED.load(Ordering::SeqCst), 1);
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[macro_export]
macro_rules! defer_on_unwind {
    ($($t:tt)*) => {
        $crate::__defer_with! { $crate::scopeguard::guard_on_unwind; $($t)* }
    };
}

pub use crate::defer;
#[cfg(feature = "std")]
pub use crate::{defer_on_success, defer_on_unwind};

/// A guard that owns a value and calls a closure with it when dropped, if
/// its [`Strategy`] `S` says so.
///
/// The value is reachable through `Deref`/`DerefMut`; the closure runs at
/// most once, and [`ScopeGuard::into_inner`] defuses the guard.
///
/// ```
/// use ctxmgr::scopeguard;
/// use std::cell::RefCell;
///
/// let restored = RefCell::new(None);
/// {
///     let mut settings = scopeguard::guard(vec!["default"], |s| *restored.borrow_mut() = Some(s));
///     settings.push("temporary");
///     assert_eq!(settings.len(), 2);
/// }
/// assert_eq!(
///     restored.borrow().as_deref(),
///     Some(&["default", "temporary"][..])
/// );
/// ```
///
/// Like scopeguard's, the type is not `#[must_use]`: the functions that make
/// a guard are. A function of yours that returns a guard is no warning to
/// ignore (scopeguard is silent there too).
pub struct ScopeGuard<T, F, S = Always>
where
    F: FnOnce(T),
    S: Strategy,
{
    /// `None` only after the guard was consumed (in `into_inner` or `drop`).
    inner: Option<(T, F)>,
    // `fn(S) -> S`, as in scopeguard: `S` does not affect auto traits.
    strategy: PhantomData<fn(S) -> S>,
}

impl<T, F, S> ScopeGuard<T, F, S>
where
    F: FnOnce(T),
    S: Strategy,
{
    /// A guard that owns `v` and calls `dropfn(v)` when dropped, if the
    /// strategy `S` says so.
    ///
    /// ```
    /// use ctxmgr::scopeguard::{Always, ScopeGuard};
    ///
    /// let g: ScopeGuard<i32, _, Always> = ScopeGuard::with_strategy(1, |v| assert_eq!(v, 1));
    /// drop(g);
    /// ```
    #[must_use = "a scope guard runs its closure when dropped: bind it (`let _guard = ..`) to keep it until the end of the scope"]
    #[inline]
    pub fn with_strategy(v: T, dropfn: F) -> ScopeGuard<T, F, S> {
        ScopeGuard {
            inner: Some((v, dropfn)),
            strategy: PhantomData,
        }
    }

    /// Defuses the guard: returns the value without calling the closure
    /// (which is dropped, after the value was taken out).
    ///
    /// ```
    /// use ctxmgr::scopeguard::{self, ScopeGuard};
    ///
    /// let mut guard = scopeguard::guard(Vec::new(), |mut v| v.clear());
    /// guard.push(1);
    /// let value = ScopeGuard::into_inner(guard);
    /// assert_eq!(value, [1]);
    /// ```
    #[inline]
    pub fn into_inner(mut guard: Self) -> T {
        let (value, dropfn) = guard.take();
        drop(dropfn);
        value
    }

    #[inline]
    fn take(&mut self) -> (T, F) {
        match self.inner.take() {
            Some(inner) => inner,
            None => used_after_consumed(),
        }
    }
}

/// A guard that calls `dropfn(v)` when dropped, on every path
/// ([`Always`]).
///
/// ```
/// use std::cell::Cell;
///
/// let calls = Cell::new(0);
/// {
///     let _guard = ctxmgr::scopeguard::guard((), |()| calls.set(calls.get() + 1));
/// }
/// assert_eq!(calls.get(), 1);
/// ```
#[must_use = "a scope guard runs its closure when dropped: bind it (`let _guard = ..`) to keep it until the end of the scope"]
#[inline]
pub fn guard<T, F>(v: T, dropfn: F) -> ScopeGuard<T, F, Always>
where
    F: FnOnce(T),
{
    ScopeGuard::with_strategy(v, dropfn)
}

/// A guard that calls `dropfn(v)` when dropped on a normal scope exit, not
/// while unwinding ([`OnSuccess`]). Needs the `std` feature.
///
/// ```
/// use std::cell::Cell;
///
/// let calls = Cell::new(0);
/// {
///     let _guard = ctxmgr::scopeguard::guard_on_success((), |()| calls.set(calls.get() + 1));
/// }
/// assert_eq!(calls.get(), 1);
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[must_use = "a scope guard runs its closure when dropped: bind it (`let _guard = ..`) to keep it until the end of the scope"]
#[inline]
pub fn guard_on_success<T, F>(v: T, dropfn: F) -> ScopeGuard<T, F, OnSuccess>
where
    F: FnOnce(T),
{
    ScopeGuard::with_strategy(v, dropfn)
}

/// A guard that calls `dropfn(v)` only when dropped while unwinding from a
/// panic ([`OnUnwind`]). Needs the `std` feature.
///
/// To do the same without `std` (or without the cost of asking whether the
/// thread panics), use [`guard`] and defuse it with
/// [`ScopeGuard::into_inner`] at the end of the scope:
///
/// ```
/// use ctxmgr::scopeguard::{self, ScopeGuard};
///
/// let guard = scopeguard::guard((), |()| panic!("only on unwind"));
/// // ... the work that might panic ...
/// ScopeGuard::into_inner(guard); // reached the end without unwinding
/// ```
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
#[must_use = "a scope guard runs its closure when dropped: bind it (`let _guard = ..`) to keep it until the end of the scope"]
#[inline]
pub fn guard_on_unwind<T, F>(v: T, dropfn: F) -> ScopeGuard<T, F, OnUnwind>
where
    F: FnOnce(T),
{
    ScopeGuard::with_strategy(v, dropfn)
}

impl<T, F, S> Deref for ScopeGuard<T, F, S>
where
    F: FnOnce(T),
    S: Strategy,
{
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        match &self.inner {
            Some((value, _)) => value,
            None => used_after_consumed(),
        }
    }
}

impl<T, F, S> DerefMut for ScopeGuard<T, F, S>
where
    F: FnOnce(T),
    S: Strategy,
{
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        match &mut self.inner {
            Some((value, _)) => value,
            None => used_after_consumed(),
        }
    }
}

/// `inner` is `None` only once `into_inner` or `drop` consumed the guard,
/// after which no method can be called on it.
#[cold]
fn used_after_consumed() -> ! {
    unreachable!("ctxmgr::scopeguard::ScopeGuard used after being consumed")
}

impl<T, F, S> Drop for ScopeGuard<T, F, S>
where
    F: FnOnce(T),
    S: Strategy,
{
    #[inline]
    fn drop(&mut self) {
        // scopeguard 1.2's `drop`, to the letter: `let (value, dropfn) = ..;`
        // and, when the strategy says no, the two locals drop in reverse order
        // of declaration: the closure (and what it captured) first, then the
        // value. If the closure's drop panics, the value is still dropped
        // while unwinding, as there.
        if let Some((value, dropfn)) = self.inner.take() {
            if S::should_run() {
                dropfn(value);
            }
        }
    }
}

impl<T, F, S> fmt::Debug for ScopeGuard<T, F, S>
where
    T: fmt::Debug,
    F: FnOnce(T),
    S: Strategy,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopeGuard")
            .field("value", &**self)
            .finish()
    }
}
