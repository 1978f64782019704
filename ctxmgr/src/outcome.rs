//! [`Outcome`]: how the body of a `with!` ended, and [`ErrorRef`]: a view
//! of the error it is leaving with.

use core::any::Any;
use core::fmt;

/// How the body of a context ended, as told to
/// [`ContextManager::exit`](crate::ContextManager::exit).
///
/// This is Python's `exc_type, exc_value, traceback` triple, in Rust terms:
///
/// | how the body ended | `Outcome` |
/// | --- | --- |
/// | it finished, or left by `return`, `break`, `continue` | [`Outcome::Ok`] |
/// | it left by `?` | [`Outcome::Err`] with the error before its `From` conversion |
/// | it left by `return Err(..)` (the value is an `Err`) | [`Outcome::Err`] with that error |
/// | it left by `return None` | [`Outcome::Err`], [`ErrorRef::is_none_value`], as for `?` on `None` |
/// | it finished with a *value* that is an `Err(..)` | [`Outcome::Ok`]: a value is a value |
/// | it is unwinding from a panic | [`Outcome::Panic`] |
/// | a guard was dropped without being finished (a path `with!` cannot see, such as `?` inside a non-std macro's arguments, or a cancelled future) | [`Outcome::Unseen`] |
///
/// A manager that commits on success must test [`is_ok`](Outcome::is_ok),
/// never `!is_err()`: `Panic` and `Unseen` are failures too.
///
/// ```
/// use ctxmgr::Outcome;
///
/// fn describe(outcome: Outcome<'_>) -> String {
///     match outcome {
///         Outcome::Ok => "commit".to_string(),
///         Outcome::Err(e) => format!("rollback: {e}"),
///         Outcome::Panic => "rollback: panic".to_string(),
///         Outcome::Unseen => "rollback: unseen path".to_string(),
///     }
/// }
/// assert_eq!(describe(Outcome::Ok), "commit");
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Outcome<'a> {
    /// The body finished, or left by `return`, `break` or `continue`
    /// without an error. Python: `__exit__(None, None, None)`.
    Ok,
    /// The body is leaving with an error: by `?`, `return Err(..)` or
    /// `return None`.
    Err(ErrorRef<'a>),
    /// The body is unwinding from a panic.
    Panic,
    /// The guard was dropped without being finished, by a path `with!`
    /// could not see. Never treat this as success.
    Unseen,
}

impl<'a> Outcome<'a> {
    /// `true` only for [`Outcome::Ok`]: the body ended without an error.
    #[inline]
    #[must_use]
    pub const fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// `true` for [`Outcome::Err`].
    #[inline]
    #[must_use]
    pub const fn is_err(&self) -> bool {
        matches!(self, Outcome::Err(_))
    }

    /// `true` for [`Outcome::Panic`].
    #[inline]
    #[must_use]
    pub const fn is_panic(&self) -> bool {
        matches!(self, Outcome::Panic)
    }

    /// `true` for [`Outcome::Unseen`].
    #[inline]
    #[must_use]
    pub const fn is_unseen(&self) -> bool {
        matches!(self, Outcome::Unseen)
    }

    /// The error the body is leaving with, for [`Outcome::Err`].
    ///
    /// ```
    /// # use ctxmgr::{ErrorRef, Outcome};
    /// let e = std::io::Error::other("disk on fire");
    /// let outcome = Outcome::Err(ErrorRef::new(&e));
    /// assert_eq!(outcome.error().unwrap().to_string(), "disk on fire");
    /// assert!(Outcome::Ok.error().is_none());
    /// ```
    #[inline]
    #[must_use]
    pub const fn error(&self) -> Option<ErrorRef<'a>> {
        match self {
            Outcome::Err(e) => Some(*e),
            _ => None,
        }
    }
}

/// A borrowed, type-erased view of the error a body is leaving with.
///
/// It can be displayed and debugged, and — when the error type is `'static`
/// and implements `Display + Debug` — downcast with
/// [`downcast_ref`](ErrorRef::downcast_ref). [`as_error`](ErrorRef::as_error)
/// gives a `dyn Error` (for `source()`), also for the error inside a
/// `Box<dyn Error>`.
///
/// `with!` builds the view for you. By hand, [`ErrorRef::new`] views any
/// `'static` error.
#[derive(Clone, Copy)]
pub struct ErrorRef<'a> {
    repr: Repr<'a>,
}

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// `core::error::Error + 'static`: full view with `source()`.
    Error(&'a (dyn ErasedError + 'a)),
    /// `Display + Debug + 'static` (`String`, `Box<dyn Error>`, …).
    Static(&'a (dyn ErasedStatic + 'a)),
    /// `Debug` only, or not `'static`-viewable: formatting only.
    Debug(&'a (dyn fmt::Debug + 'a)),
    /// Nothing to show but the type's name.
    Opaque(&'static str),
    /// The body left by `?` on a `None`.
    NoneValue,
}

pub(crate) trait ErasedStatic: fmt::Display + fmt::Debug {
    fn as_any(&self) -> &dyn Any;
}
impl<E: fmt::Display + fmt::Debug + Any> ErasedStatic for E {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

pub(crate) trait ErasedError: ErasedStatic {
    fn as_error(&self) -> &(dyn core::error::Error + 'static);
}
impl<E: core::error::Error + 'static> ErasedError for E {
    fn as_error(&self) -> &(dyn core::error::Error + 'static) {
        self
    }
}

impl<'a> ErrorRef<'a> {
    /// Views an error that implements [`core::error::Error`].
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// let e = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
    /// let view = ErrorRef::new(&e);
    /// assert_eq!(view.downcast_ref::<std::io::Error>().unwrap().kind(), std::io::ErrorKind::NotFound);
    /// ```
    #[inline]
    #[must_use]
    pub fn new<E: core::error::Error + 'static>(error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Error(error),
        }
    }

    /// Views a `'static` value that can be displayed, e.g. a `String` or a
    /// `Box<dyn Error>`.
    #[inline]
    #[must_use]
    pub fn from_display<E: fmt::Display + fmt::Debug + 'static>(error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Static(error),
        }
    }

    /// Views a value that can only be debugged (it cannot be downcast).
    #[inline]
    #[must_use]
    pub fn from_debug<E: fmt::Debug>(error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Debug(error),
        }
    }

    /// Views a value of which nothing is known but its type's name.
    #[inline]
    #[must_use]
    pub fn opaque<E: ?Sized>(_error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Opaque(core::any::type_name::<E>()),
        }
    }

    /// The view of `?` applied to a `None`.
    #[inline]
    #[must_use]
    pub const fn none_value() -> Self {
        ErrorRef {
            repr: Repr::NoneValue,
        }
    }

    /// `true` when the body left by `?` on a `None` rather than an `Err`.
    #[inline]
    #[must_use]
    pub const fn is_none_value(&self) -> bool {
        matches!(self.repr, Repr::NoneValue)
    }

    /// The error as `&T`, when it is exactly a `T`. A `Box<dyn Error>` is a
    /// `Box<dyn Error>`: to look inside it, use
    /// [`as_error`](ErrorRef::as_error)`()?.downcast_ref::<T>()`.
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// #[derive(Debug, PartialEq)]
    /// enum DbError { Conflict }
    /// impl std::fmt::Display for DbError {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str("conflict") }
    /// }
    /// let e = DbError::Conflict;
    /// let view = ErrorRef::from_display(&e);
    /// assert_eq!(view.downcast_ref::<DbError>(), Some(&DbError::Conflict));
    /// assert!(view.downcast_ref::<String>().is_none());
    /// ```
    #[must_use]
    pub fn downcast_ref<T: Any>(&self) -> Option<&'a T> {
        let any: &'a dyn Any = match self.repr {
            Repr::Error(e) => e.as_any(),
            Repr::Static(e) => e.as_any(),
            Repr::Debug(_) | Repr::Opaque(_) | Repr::NoneValue => return None,
        };
        any.downcast_ref::<T>()
    }

    /// `true` when [`downcast_ref::<T>`](ErrorRef::downcast_ref) would succeed.
    #[inline]
    #[must_use]
    pub fn is<T: Any>(&self) -> bool {
        self.downcast_ref::<T>().is_some()
    }

    /// The error as a `dyn Error`, when its type implements
    /// [`core::error::Error`] or (with `alloc`) is a `Box<dyn Error>`, with
    /// or without `+ Send + Sync`: for its `source()` chain, and to downcast
    /// what a box holds.
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// let boxed: Box<dyn std::error::Error> = Box::new(std::io::Error::other("inner"));
    /// let view = ErrorRef::from_display(&boxed);
    /// let io = view.as_error().and_then(|e| e.downcast_ref::<std::io::Error>());
    /// assert_eq!(io.unwrap().to_string(), "inner");
    /// ```
    #[must_use]
    pub fn as_error(&self) -> Option<&'a (dyn core::error::Error + 'static)> {
        match self.repr {
            Repr::Error(e) => Some(e.as_error()),
            #[cfg(feature = "alloc")]
            Repr::Static(e) => {
                use alloc::boxed::Box;
                type DynError = dyn core::error::Error;
                type DynErrorSendSync = dyn core::error::Error + Send + Sync;
                let any = e.as_any();
                if let Some(b) = any.downcast_ref::<Box<DynError>>() {
                    return Some(&**b);
                }
                any.downcast_ref::<Box<DynErrorSendSync>>()
                    .map(|b| &**b as &(dyn core::error::Error + 'static))
            }
            _ => None,
        }
    }
}

impl fmt::Display for ErrorRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr {
            Repr::Error(e) => fmt::Display::fmt(e, f),
            Repr::Static(e) => fmt::Display::fmt(e, f),
            Repr::Debug(e) => fmt::Debug::fmt(e, f),
            Repr::Opaque(name) => write!(f, "an error of type `{name}`"),
            Repr::NoneValue => f.write_str("`?` found a `None`"),
        }
    }
}

impl fmt::Debug for ErrorRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr {
            Repr::Error(e) => fmt::Debug::fmt(e, f),
            Repr::Static(e) => fmt::Debug::fmt(e, f),
            Repr::Debug(e) => fmt::Debug::fmt(e, f),
            Repr::Opaque(name) => write!(f, "<{name}>"),
            Repr::NoneValue => f.write_str("None"),
        }
    }
}
