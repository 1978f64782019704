//! The small managers of Python's `contextlib`: [`closing`] with [`Close`],
//! [`aclosing`] with [`AsyncClose`], [`nullcontext`], `Option<M>`,
//! [`suppress`] and (with `std`) [`chdir`].

use core::convert::Infallible;
use core::fmt;

use crate::{ContextManager, ErrorRef, Outcome, Suppress};

#[cfg(feature = "std")]
mod chdir;
mod closing;

#[cfg(feature = "std")]
pub use chdir::{chdir, Chdir};
pub use closing::{aclosing, closing, AClosing, AsyncClose, Close, Closing};

// ---------------------------------------------------------------------------
// nullcontext

/// Python's `contextlib.nullcontext(v)`: a manager that lends `&mut v` and
/// does nothing on exit. It cannot fail (`Error = Infallible`), so it works
/// in functions returning `()`.
///
/// It stands in where a manager is expected but none is needed. For "this
/// manager, or none", use `Option<M>` (a manager too), which keeps the
/// types equal on both branches:
///
/// ```
/// use ctxmgr::with;
///
/// let total = with!(ctxmgr::nullcontext(40) as n, {
///     *n += 2;
///     *n
/// });
/// assert_eq!(total, 42);
/// ```
#[must_use = "`nullcontext` does nothing until entered, e.g. with `with!`"]
#[inline]
pub fn nullcontext<T>(v: T) -> NullContext<T> {
    NullContext(v)
}

/// The manager returned by [`nullcontext`].
///
/// ```
/// use ctxmgr::{with, NullContext};
///
/// /// A real manager in production, a stand-in in tests.
/// fn run<M: ctxmgr::ContextManager<Error = std::convert::Infallible>>(m: M) -> u8 {
///     with!(m, { 7 })
/// }
/// let stand_in: NullContext<()> = ctxmgr::nullcontext(());
/// assert_eq!(run(stand_in), 7);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NullContext<T>(T);

impl<T> NullContext<T> {
    /// The value.
    ///
    /// ```
    /// use ctxmgr::with;
    ///
    /// let mut counter = ctxmgr::nullcontext(0);
    /// with!(&mut counter as n, { *n += 1 });
    /// with!(&mut counter as n, { *n += 1 });
    /// assert_eq!(counter.into_inner(), 2);
    /// ```
    #[inline]
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> ContextManager for NullContext<T> {
    type Value<'a>
        = &'a mut T
    where
        Self: 'a;
    type Error = Infallible;

    #[inline]
    fn enter(&mut self) -> Result<&mut T, Infallible> {
        Ok(&mut self.0)
    }

    #[inline]
    fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Option<M>

/// `Some(m)` is `m`; `None` enters and exits nothing — Python's
/// `with (cm if cond else nullcontext()):`. The value is
/// `Option<M::Value>`: `Some` of `m`'s value, or `None`.
///
/// If `M` [suppresses](Suppress) errors, so does `Some(m)`; `None` never
/// does.
///
/// ```
/// use ctxmgr::with;
/// use std::io::{self, BufWriter, Write};
///
/// /// Writes a copy to `mirror` too, when there is one.
/// fn log(line: &str, out: &mut Vec<u8>, mirror: Option<&mut Vec<u8>>) -> io::Result<()> {
///     let mirror = mirror.map(|m| ctxmgr::closing(BufWriter::new(m)));
///     with!(mirror as copy, {
///         out.extend_from_slice(line.as_bytes());
///         if let Some(copy) = copy {
///             copy.write_all(line.as_bytes())?;
///         }
///     });
///     Ok(())
/// }
/// let (mut out, mut mirror) = (Vec::new(), Vec::new());
/// log("a", &mut out, Some(&mut mirror))?;
/// log("b", &mut out, None)?;
/// assert_eq!((&out[..], &mirror[..]), (&b"ab"[..], &b"a"[..]));
/// # Ok::<(), io::Error>(())
/// ```
impl<M: ContextManager> ContextManager for Option<M> {
    type Value<'a>
        = Option<M::Value<'a>>
    where
        Self: 'a;
    type Error = M::Error;

    #[inline]
    fn enter(&mut self) -> Result<Self::Value<'_>, M::Error> {
        match self {
            Some(m) => m.enter().map(Some),
            None => Ok(None),
        }
    }

    #[inline]
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), M::Error> {
        match self {
            Some(m) => m.exit(outcome),
            None => Ok(()),
        }
    }

    #[inline]
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        match self {
            Some(m) => m.suppresses(error),
            None => false,
        }
    }
}

impl<M: Suppress> Suppress for Option<M> {}

// ---------------------------------------------------------------------------
// suppress

/// Python's `contextlib.suppress(ValueError, ..)`: a `?` error for which
/// `pred` returns `true` is swallowed — execution continues after the
/// `with!`, which evaluates to `Default::default()` of the body's type (`()`
/// for a statement-like body).
///
/// `pred` sees the error as [`ErrorRef`], *before* `?`'s `From` conversion,
/// so it can [`downcast_ref`](ErrorRef::downcast_ref) to the type the body
/// produced. It is asked only for `?` errors: an explicit `return Err(..)`
/// returns, and a panic continues, as in Python. The value is `()` and the
/// manager cannot fail (`Error = Infallible`).
///
/// ```
/// use ctxmgr::with;
/// use std::io;
///
/// fn remove(path: &str) -> io::Result<&'static str> {
///     // Python: `with suppress(FileNotFoundError): os.remove(path)`
///     with!(
///         ctxmgr::suppress(|e| e
///             .downcast_ref::<io::Error>()
///             .is_some_and(|e| e.kind() == io::ErrorKind::NotFound)),
///         {
///             std::fs::remove_file(path)?;
///         }
///     );
///     Ok("done")
/// }
/// assert_eq!(remove("/surely/not/here").unwrap(), "done");
/// // Other errors still propagate:
/// assert!(remove("/").is_err());
/// ```
///
/// A swallowed error makes a valued body evaluate to its `Default`:
///
/// ```
/// use ctxmgr::with;
///
/// fn parse(s: &str) -> Result<u32, Box<dyn std::error::Error>> {
///     let n: u32 = with!(ctxmgr::suppress(|e| e.is::<std::num::ParseIntError>()), {
///         s.trim().parse::<u32>()?
///     });
///     Ok(n)
/// }
/// assert_eq!(parse("7").unwrap(), 7);
/// assert_eq!(parse("seven").unwrap(), 0);
/// ```
#[must_use = "`suppress` does nothing until entered, e.g. with `with!`"]
#[inline]
pub fn suppress<F>(pred: F) -> Suppressor<F>
where
    F: FnMut(ErrorRef<'_>) -> bool,
{
    Suppressor(pred)
}

/// The manager returned by [`suppress`].
///
/// ```
/// use ctxmgr::with;
/// use std::io;
///
/// fn remove(path: &str) -> io::Result<bool> {
///     let mut ignore_missing = ctxmgr::suppress(|e| {
///         e.downcast_ref::<io::Error>()
///             .is_some_and(|e| e.kind() == io::ErrorKind::NotFound)
///     });
///     Ok(with!(&mut ignore_missing, {
///         std::fs::remove_file(path)?;
///         true
///     }))
/// }
/// assert!(!remove("/surely/not/here").unwrap()); // swallowed: `Default` of `bool`
/// ```
pub struct Suppressor<F>(F);

impl<F> fmt::Debug for Suppressor<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Suppressor")
    }
}

impl<F> ContextManager for Suppressor<F>
where
    F: FnMut(ErrorRef<'_>) -> bool,
{
    type Value<'a>
        = ()
    where
        Self: 'a;
    type Error = Infallible;

    #[inline]
    fn enter(&mut self) -> Result<(), Infallible> {
        Ok(())
    }

    #[inline]
    fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }

    #[inline]
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        (self.0)(error)
    }
}

impl<F> Suppress for Suppressor<F> where F: FnMut(ErrorRef<'_>) -> bool {}
