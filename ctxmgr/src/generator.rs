//! [`Generator`]: the context manager that
//! [`#[ctxmgr::contextmanager]`](crate::contextmanager) makes of a function,
//! and [`yield_!`](crate::yield_), the yield point it reads.

use crate::{ContextManager, Outcome};

/// The enter half of a [`#[contextmanager]`](crate::contextmanager)
/// function: run once, at enter, it hands out the value and the exit half.
///
/// Implemented for every `FnOnce() -> Result<(V, X), E>` whose `X` is an
/// `FnOnce(Outcome<'_>) -> Result<(), E>`; the macro writes the closure,
/// users only name the trait in signatures as the macro prints them
/// (`Generator<impl EnterFn<Value = V, Error = E>>`).
///
/// ```
/// use ctxmgr::{with, EnterFn, Generator, Outcome};
///
/// // What `#[contextmanager]` writes for you, by hand: the enter half returns
/// // the value and the exit half.
/// fn counter(n: &mut u32) -> Generator<impl EnterFn<Value = u32, Error = String> + '_> {
///     Generator::new(move || {
///         *n += 1; // before the yield
///         let value = *n;
///         let exit = move |outcome: Outcome<'_>| -> Result<(), String> {
///             if !outcome.is_ok() {
///                 *n -= 1; // after the yield
///             }
///             Ok(())
///         };
///         Ok::<_, String>((value, exit))
///     })
/// }
///
/// fn run(n: &mut u32, fail: bool) -> Result<u32, String> {
///     Ok(with!(counter(n) as v, {
///         if fail {
///             Err("no".to_string())?;
///         }
///         v
///     }))
/// }
/// let mut n = 0;
/// assert_eq!(run(&mut n, false), Ok(1));
/// assert!(run(&mut n, true).is_err());
/// assert_eq!(n, 1);
/// ```
pub trait EnterFn {
    /// What the yield hands out: the value `with!(.. as PAT ..)` binds.
    type Value;
    /// The error of both halves.
    type Error;
    /// The exit half: the code after the yield, with the locals it uses.
    type Exit: FnOnce(Outcome<'_>) -> Result<(), Self::Error>;

    /// Runs the enter half.
    ///
    /// # Errors
    ///
    /// The error the code before the yield returned (by `?` or `return Err`).
    fn call(self) -> Result<(Self::Value, Self::Exit), Self::Error>;
}

impl<F, V, X, E> EnterFn for F
where
    F: FnOnce() -> Result<(V, X), E>,
    X: FnOnce(Outcome<'_>) -> Result<(), E>,
{
    type Value = V;
    type Error = E;
    type Exit = X;

    #[inline]
    fn call(self) -> Result<(V, X), E> {
        self()
    }
}

/// A context manager made of one function split at its yield, Python's
/// `@contextmanager` generator. Made by
/// [`#[ctxmgr::contextmanager]`](crate::contextmanager), or by hand with
/// [`Generator::new`] from a closure returning the value and the exit half.
///
/// Nothing runs until it is entered. Enter runs the code before the yield
/// and hands out the yielded value (moved: `Value<'a>` does not borrow the
/// generator); exit runs the code after it, told the [`Outcome`], at most
/// once. A generator is entered once: a second `enter` panics, as Python's
/// `@contextmanager` raises when its generator already ran.
///
/// ```
/// use ctxmgr::{with, Generator, Outcome};
/// use std::cell::RefCell;
///
/// let log = RefCell::new(Vec::new());
/// let tag = Generator::new(|| {
///     log.borrow_mut().push("<b>".to_string());
///     Ok::<_, String>(("[b]", |outcome: Outcome<'_>| {
///         log.borrow_mut()
///             .push(format!("</b> ok={}", outcome.is_ok()));
///         Ok(())
///     }))
/// });
/// # fn run(tag: impl ctxmgr::ContextManager<Error = String>) -> Result<(), String> {
/// #     with!(tag, {});
/// #     Ok(())
/// # }
/// run(tag).unwrap();
/// assert_eq!(*log.borrow(), ["<b>", "</b> ok=true"]);
/// ```
#[must_use = "a generator does nothing until entered, e.g. with `with!`"]
pub struct Generator<F: EnterFn> {
    state: State<F>,
}

enum State<F: EnterFn> {
    Ready(F),
    Entered(F::Exit),
    Done,
}

impl<F: EnterFn> Generator<F> {
    /// Wraps the enter half. Nothing runs until [`enter`](ContextManager::enter).
    ///
    /// ```
    /// use ctxmgr::{with, Generator, Outcome};
    ///
    /// let greeting =
    ///     Generator::new(|| Ok::<_, std::convert::Infallible>(("hello", |_: Outcome<'_>| Ok(()))));
    /// assert_eq!(with!(greeting as g, { g.len() }), 5);
    /// ```
    #[inline]
    pub const fn new(enter: F) -> Self {
        Generator {
            state: State::Ready(enter),
        }
    }
}

impl<F: EnterFn> ContextManager for Generator<F> {
    type Value<'a>
        = F::Value
    where
        Self: 'a;
    type Error = F::Error;

    /// Runs the code before the yield.
    ///
    /// # Panics
    ///
    /// When entered a second time: the function has already run.
    #[inline]
    fn enter(&mut self) -> Result<F::Value, F::Error> {
        match core::mem::replace(&mut self.state, State::Done) {
            State::Ready(enter) => {
                let (value, exit) = enter.call()?;
                self.state = State::Entered(exit);
                Ok(value)
            }
            State::Entered(_) | State::Done => {
                panic!("ctxmgr: a #[contextmanager] generator is entered once; call the function again for a new one")
            }
        }
    }

    /// Runs the code after the yield, once; later calls do nothing.
    #[inline]
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), F::Error> {
        match core::mem::replace(&mut self.state, State::Done) {
            State::Entered(exit) => exit(outcome),
            State::Ready(_) | State::Done => Ok(()),
        }
    }
}

impl<F: EnterFn> core::fmt::Debug for Generator<F> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            State::Ready(_) => "ready",
            State::Entered(_) => "entered",
            State::Done => "done",
        };
        f.debug_struct("Generator").field("state", &state).finish()
    }
}

/// The yield point of a [`#[contextmanager]`](crate::contextmanager) function:
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
