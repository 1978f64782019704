//! [`ExitStack`]: a dynamic number of managers and callbacks, exited in
//! reverse as nested `with!`s would be; [`BoxError`], its default error.

use alloc::boxed::Box;
use core::fmt;

use crate::{ContextManager, ErrorRef, Outcome, Suppress};

// The shared core of `ExitStack` and `AsyncExitStack`: the arena of entries
// (most of the `unsafe`; `entry` and `threading` tie the entry trait objects
// to it), the entries both stacks hold, the unwind and drop paths, and the
// methods both stacks have.
#[allow(unsafe_code)]
pub(crate) mod arena;
#[allow(unsafe_code)]
pub(crate) mod entry;
mod methods;
#[allow(unsafe_code)]
pub mod threading;
pub(crate) mod unwind;

use entry::Blocking;
pub(crate) use methods::stack_methods;
use unwind::Core;

/// The default error view of both stacks: the error by its `Display`
/// ([`ErrorRef::from_display`]). A named function, not a closure at each
/// constructor: one body for the compiler to check.
#[inline]
pub(crate) fn display_view<E: fmt::Display + fmt::Debug + Sync + 'static>(
    error: &E,
) -> ErrorRef<'_> {
    ErrorRef::from_display(error)
}

/// Any error, boxed: the default error of an [`ExitStack`], into which every
/// error that implements [`core::error::Error`] + `Send + Sync` converts
/// with `?` or [`Into`].
///
/// An exit that sees it in [`Outcome::Err`] looks inside with
/// [`ErrorRef::as_error`]:
///
/// ```
/// use ctxmgr::{BoxError, ErrorRef};
///
/// let e: BoxError = std::io::Error::other("disk full").into();
/// let view = ErrorRef::from_display(&e);
/// let io = view
///     .as_error()
///     .and_then(|e| e.downcast_ref::<std::io::Error>());
/// assert_eq!(io.unwrap().to_string(), "disk full");
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub type BoxError = Box<dyn core::error::Error + Send + Sync + 'static>;

/// A dynamic number of context managers and exit callbacks, exited last-in
/// first-out as if they had been written as nested `with!`s — Python's
/// `contextlib.ExitStack`.
///
/// `'m` bounds what the stack may hold (managers and callbacks that borrow
/// live at least that long); `E` is the error of every entry's exit and of
/// the stack ([`BoxError`] for [`ExitStack::new`], any `E` with
/// [`ExitStack::default`]).
///
/// The methods that add an entry take `&self`, so the values of several
/// entered managers — also values that borrow their manager, like the
/// `&mut OpenFile` of [`open`](crate::open()) — are held at once:
///
/// | Python | Rust |
/// | --- | --- |
/// | `with ExitStack() as stack:` | `with!(ExitStack::new() as stack, { .. })` |
/// | `f = stack.enter_context(cm)` | `let f = stack.enter_context(cm)?;` |
/// | `stack.enter_context(suppress(E))` | `stack.enter_context(ctxmgr::suppress(..))?` |
/// | `stack.callback(fn)` | `stack.callback(\|\| ..)` |
/// | `stack.push(exit)` | `stack.push(\|outcome\| ..)` |
/// | `stack.pop_all()` | `stack.pop_all()` |
/// | `stack.close()` | `stack.close()?` |
///
/// ```
/// use ctxmgr::{with, BoxError, ExitStack};
/// use std::io::Write;
///
/// fn write_all(paths: &[std::path::PathBuf]) -> Result<(), BoxError> {
///     with!(ExitStack::new() as stack, {
///         let mut files = Vec::new();
///         for p in paths {
///             files.push(stack.enter_context(ctxmgr::open(p).mode("w"))?); // all open at once
///         }
///         stack.callback(|| println!("all {} closed", paths.len()));
///         for (i, f) in files.iter_mut().enumerate() {
///             writeln!(f, "file {i}")?;
///         }
///     });
///     Ok(())
/// }
/// # let dir = std::env::temp_dir().join(format!("ctxmgr-stack-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let paths: Vec<_> = (0..3).map(|i| dir.join(format!("{i}.txt"))).collect();
/// write_all(&paths)?;
/// # assert_eq!(std::fs::read_to_string(&paths[2]).unwrap(), "file 2\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), BoxError>(())
/// ```
///
/// # How the entries exit
///
/// At [`close`](ExitStack::close), at the stack's own
/// [`exit`](ContextManager::exit) (the end of a `with!` over it), or when it
/// is dropped, the entries run last-in first-out, each told the *pending
/// outcome*, exactly as nested `with!`s are:
///
/// * the outcome the stack was given (the body's, for a `with!`; `Ok` for
///   `close`), until an entry's exit fails;
/// * after that, `Outcome::Err` with the error of the last entry that failed
///   (the one nearest below sees it); a later failure replaces it;
/// * `Outcome::Panic` once an entry's exit panicked (with `std`).
///
/// Every entry runs even when others fail or panic. The error that
/// propagates is the last one raised, by the entry registered first of those
/// that failed (the outermost `with!`); a panic resumes after the last entry
/// has run, and while panicking, exit errors are dropped and further panics
/// caught, as `with!` does. Entries are popped one at a time in a loop:
/// 10,000 entries need no deep recursion.
///
/// # Suppression
///
/// A manager that suppresses in `with!` suppresses the same way in a stack:
/// every manager entered with [`enter_context`](ExitStack::enter_context) is
/// asked ([`ContextManager::suppresses`], which says no unless the manager
/// overrides it), after its exit succeeded, whether it swallows the pending
/// error —
/// only when that error is the one the stack was given (the body's), not an
/// error raised by another entry's exit, which `with!` propagates like
/// `return`. If it says yes, the entries below it see `Outcome::Ok`, and a
/// `with!` over the stack evaluates to `Default::default()` (which is why a
/// `with!` body over an `ExitStack` that uses `?` must have a type that is
/// `Default`, such as `()`).
///
/// The stack sees only an [`Outcome`], in which `?` and `return Err(..)` look
/// the same: a suppressing entry inside a stack is also asked about a body
/// that left by `return Err(..)`, and may let the entries below it see `Ok`,
/// while `with!` still returns the `Err` (it never suppresses a `return`).
///
/// # Dropped without being closed
///
/// Like a dropped [`Guard`](crate::Guard): the entries exit with
/// `Outcome::Panic` while the thread is panicking (errors dropped, panics
/// caught) and `Outcome::Unseen` otherwise. If an entry's exit fails on that
/// unseen path, the drop **panics** once every entry has run, since the error
/// had nowhere else to go; call [`close`](ExitStack::close) to handle it.
/// Without the `std` feature the stack cannot tell a panic from an unseen
/// path: it reports `Unseen` and drops the error, and a panicking exit skips
/// the entries below it (they are freed without running).
///
/// # Errors seen by exits
///
/// An entry error shown to the entries below is viewed with
/// [`ErrorRef::from_display`] for the stacks made by `new` and `default`
/// (`downcast_ref::<E>()` works, and for [`BoxError`] so does
/// [`as_error`](ErrorRef::as_error)); choose another view with
/// [`with_error_view`](ExitStack::with_error_view).
///
/// # Threads
///
/// An `ExitStack` is neither `Send` nor `Sync`: its entries need not be.
pub struct ExitStack<'m, E = BoxError> {
    core: Core<'m, E, Blocking>,
}

impl<'m> ExitStack<'m> {
    /// An empty stack whose error is [`BoxError`].
    ///
    /// ```
    /// use ctxmgr::ExitStack;
    ///
    /// let mut stack = ExitStack::new();
    /// stack.callback(|| println!("closing"));
    /// assert_eq!(stack.len(), 1);
    /// stack.close()?;
    /// assert!(stack.is_empty());
    /// # Ok::<(), ctxmgr::BoxError>(())
    /// ```
    #[inline]
    #[must_use]
    pub fn new() -> Self {
        Self::with_error_view(display_view)
    }
}

impl<'m, E: fmt::Display + fmt::Debug + Sync + 'static> Default for ExitStack<'m, E> {
    /// An empty stack with error type `E`, shown to exits with
    /// [`ErrorRef::from_display`].
    ///
    /// ```
    /// use ctxmgr::ExitStack;
    ///
    /// let mut stack = ExitStack::<std::io::Error>::default();
    /// stack.push(|_outcome| Err(std::io::Error::other("flush failed")));
    /// assert_eq!(stack.close().unwrap_err().to_string(), "flush failed");
    /// ```
    #[inline]
    fn default() -> Self {
        Self::with_error_view(display_view)
    }
}

impl<'m, E> ExitStack<'m, E> {
    /// An empty stack that shows an entry's error `E` to the entries below
    /// it through `view`: e.g. [`ErrorRef::new`] for an `E` that implements
    /// [`core::error::Error`] (so [`ErrorRef::as_error`] gives its
    /// `source()` chain), or [`ErrorRef::from_debug`] for one that is only
    /// `Debug`.
    ///
    /// ```
    /// use ctxmgr::{ErrorRef, ExitStack};
    /// use std::io;
    ///
    /// let mut stack = ExitStack::<io::Error>::with_error_view(|e| ErrorRef::new(e));
    /// stack.push(|outcome| {
    ///     assert!(outcome.error().unwrap().as_error().is_some());
    ///     Ok(())
    /// });
    /// stack.push(|_| Err(io::Error::other("first")));
    /// assert_eq!(stack.close().unwrap_err().to_string(), "first");
    /// ```
    #[inline]
    #[must_use]
    pub fn with_error_view(view: fn(&E) -> ErrorRef<'_>) -> Self {
        ExitStack {
            core: Core::new(view),
        }
    }

    stack_methods! {
        /// Enters `manager` now and registers its exit for later; returns its
        /// value, which may borrow the manager, for as long as this borrow of
        /// the stack lasts — Python's `stack.enter_context(cm)`.
        ///
        /// # Errors
        ///
        /// Enter's error, converted into `E`. The manager is then not
        /// registered: its exit will not run (it is dropped).
        ///
        /// A manager that swallows the body's error in `with!` (such as
        /// [`suppress`](crate::suppress)) swallows it here too, at the stack's
        /// exit (see [Suppression](ExitStack#suppression)):
        ///
        /// ```
        /// use ctxmgr::{with, ExitStack};
        /// use std::cell::Cell;
        ///
        /// fn parse(s: &str, below: &Cell<bool>) -> Result<u32, ctxmgr::BoxError> {
        ///     let n = with!(ExitStack::new() as stack, {
        ///         stack.push(|outcome| {
        ///             below.set(outcome.is_ok());
        ///             Ok(())
        ///         });
        ///         stack.enter_context(ctxmgr::suppress(|e| e.is::<std::num::ParseIntError>()))?;
        ///         s.parse::<u32>()?
        ///     });
        ///     Ok(n)
        /// }
        /// let below = Cell::new(false);
        /// assert_eq!(parse("seven", &below)?, 0); // swallowed: `u32::default()`
        /// assert!(below.get()); // the entry registered before it saw `Ok`
        /// # Ok::<(), ctxmgr::BoxError>(())
        /// ```
        ///
        /// ```
        /// use ctxmgr::{with, BoxError, ExitStack};
        /// use std::io::{Read, Seek, Write};
        ///
        /// # let dir = std::env::temp_dir().join(format!("ctxmgr-enter-doc-{}", std::process::id()));
        /// # std::fs::create_dir_all(&dir).unwrap();
        /// # let (a, b) = (dir.join("a.txt"), dir.join("b.txt"));
        /// with!(ExitStack::new() as stack, {
        ///     let first = stack.enter_context(ctxmgr::open(&a).mode("w+"))?;
        ///     let second = stack.enter_context(ctxmgr::open(&b).mode("w"))?;
        ///     first.write_all(b"hello")?; // both values held at once
        ///     first.rewind()?;
        ///     std::io::copy(first, second)?;
        /// });
        /// assert_eq!(std::fs::read(&b)?, b"hello");
        /// assert!(ExitStack::new()
        ///     .enter_context(ctxmgr::open(dir.join("missing")))
        ///     .is_err());
        /// # std::fs::remove_dir_all(&dir).unwrap();
        /// # Ok::<(), BoxError>(())
        /// ```
        fn enter_context;

        /// [`enter_context`](ExitStack::enter_context), which now asks every
        /// manager whether it swallows the body's error; kept so that code
        /// written for the earlier API compiles.
        ///
        /// # Errors
        ///
        /// Enter's error, converted into `E`; nothing is registered.
        fn enter_suppressing_context;

        /// Registers `f` to run when the stack exits, whatever the outcome —
        /// Python's `stack.callback(fn)`.
        ///
        /// ```
        /// use ctxmgr::ExitStack;
        /// use std::cell::RefCell;
        ///
        /// let log = RefCell::new(Vec::new());
        /// let mut stack = ExitStack::new();
        /// stack.callback(|| log.borrow_mut().push("first registered"));
        /// stack.callback(|| log.borrow_mut().push("last registered"));
        /// stack.close()?;
        /// assert_eq!(*log.borrow(), ["last registered", "first registered"]);
        /// # Ok::<(), ctxmgr::BoxError>(())
        /// ```
        fn callback;

        /// Registers an exit callback that sees the pending [`Outcome`] and may
        /// fail — Python's `stack.push(exit)`. Its error is what the entries
        /// below it see, and what the stack returns unless one of them fails
        /// too.
        ///
        /// ```
        /// use ctxmgr::{ExitStack, Outcome};
        /// use std::cell::Cell;
        ///
        /// let saw_error = Cell::new(false);
        /// let mut stack = ExitStack::<String>::default();
        /// stack.push(|outcome: Outcome<'_>| {
        ///     saw_error.set(outcome.is_err());
        ///     Ok(())
        /// });
        /// stack.push(|_| Err("rollback failed".to_string()));
        /// assert_eq!(stack.close(), Err("rollback failed".to_string()));
        /// assert!(saw_error.get());
        /// ```
        fn push;
    }

    /// Moves every entry into a new stack and leaves this one empty, so that
    /// they outlive this stack's `with!` — Python's "keep the files open only
    /// if everything succeeded".
    ///
    /// ```
    /// use ctxmgr::{with, BoxError, ExitStack};
    /// use std::path::PathBuf;
    ///
    /// /// Opens every file or none: on an error, those opened so far close.
    /// fn open_all(paths: &[PathBuf]) -> Result<ExitStack<'static>, BoxError> {
    ///     let kept = with!(ExitStack::new() as stack, {
    ///         for p in paths {
    ///             stack.enter_context(ctxmgr::open(p))?;
    ///         }
    ///         stack.pop_all()
    ///     });
    ///     Ok(kept)
    /// }
    /// # let dir = std::env::temp_dir().join(format!("ctxmgr-popall-doc-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let a = dir.join("a"); std::fs::write(&a, "").unwrap();
    /// let mut files = open_all(&[a.clone(), a.clone()])?;
    /// assert_eq!(files.len(), 2);
    /// files.close()?;
    /// assert!(open_all(&[a, dir.join("missing")]).is_err());
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), BoxError>(())
    /// ```
    #[inline]
    #[must_use = "the entries moved into the new stack exit when it is closed or dropped"]
    pub fn pop_all(&mut self) -> ExitStack<'m, E> {
        ExitStack {
            core: self.core.take(),
        }
    }

    /// Exits every entry now, last-in first-out, with `Outcome::Ok` — Python's
    /// `stack.close()`. The stack is then empty and can be used again.
    ///
    /// # Errors
    ///
    /// The last error raised by an entry's exit (see [How the entries
    /// exit](ExitStack#how-the-entries-exit)).
    ///
    /// # Panics
    ///
    /// If an entry's exit panicked: after every other entry has run (with
    /// `Outcome::Panic`), the first panic resumes.
    ///
    /// ```
    /// use ctxmgr::ExitStack;
    ///
    /// let mut stack = ExitStack::<String>::default();
    /// stack.push(|outcome| Err(format!("first registered saw {}", outcome.error().unwrap())));
    /// stack.push(|_| Err("last registered failed".to_string()));
    /// assert_eq!(
    ///     stack.close(),
    ///     Err("first registered saw last registered failed".to_string()),
    /// );
    /// ```
    #[inline]
    pub fn close(&mut self) -> Result<(), E> {
        self.core.unwind(Outcome::Ok)
    }

    stack_methods! {
        /// The number of registered entries.
        ///
        /// ```
        /// let stack = ctxmgr::ExitStack::new();
        /// stack.callback(|| ());
        /// assert_eq!(stack.len(), 1);
        /// ```
        fn len;

        /// `true` when no entry is registered.
        ///
        /// ```
        /// assert!(ctxmgr::ExitStack::new().is_empty());
        /// ```
        fn is_empty;
    }
}

impl<E> Drop for ExitStack<'_, E> {
    #[inline]
    fn drop(&mut self) {
        if !self.is_empty() {
            self.core.drop_all(
                Outcome::Unseen,
                "ctxmgr: an entry's exit failed after an ExitStack was dropped without being \
                 closed (an unseen path out of its body); the error had nowhere else to go. \
                 Call `close()` to handle it.",
            );
        }
    }
}

/// An `ExitStack` is itself a manager: enter hands out `&mut` to the stack;
/// exit runs the entries with the body's outcome (see [How the entries
/// exit](ExitStack#how-the-entries-exit)).
impl<'m, E> ContextManager for ExitStack<'m, E> {
    type Value<'a>
        = &'a mut ExitStack<'m, E>
    where
        Self: 'a;
    type Error = E;

    #[inline]
    fn enter(&mut self) -> Result<Self::Value<'_>, E> {
        self.core.suppressed = false;
        Ok(self)
    }

    #[inline]
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), E> {
        self.core.unwind(outcome)
    }

    /// `true` when an entry swallowed the body's error at the last exit.
    #[inline]
    fn suppresses(&mut self, _error: ErrorRef<'_>) -> bool {
        self.core.suppressed
    }
}

/// `with!` over a stack asks it: an entry may swallow the body's error.
impl<E> Suppress for ExitStack<'_, E> {}

impl<E> fmt::Debug for ExitStack<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExitStack")
            .field("entries", &self.len())
            .finish_non_exhaustive()
    }
}
