//! [`ErrorRef`]: a `Send + Sync` view of the error a body is leaving with,
//! and [`LocalError`], the boxed errors it views on their own thread.

use core::any::Any;
use core::fmt;

/// A borrowed, type-erased view of the error a body is leaving with.
///
/// It can be displayed and debugged, and — when the error type is `'static`
/// and implements `Display + Debug` — downcast with
/// [`downcast_ref`](ErrorRef::downcast_ref). [`as_error`](ErrorRef::as_error)
/// gives a `dyn Error` (for `source()`), also for the error inside a
/// [`BoxError`](crate::BoxError).
///
/// # Threads
///
/// `ErrorRef` (and so [`Outcome`](super::Outcome)) is `Send + Sync`, so an async exit may
/// hold it across an `.await` and its future stays `Send`. The price: an
/// error that is not `Sync` cannot be touched from every thread the view
/// may reach.
///
/// * A `Box<dyn Error>` or `Box<dyn Error + Send>` (the usual error of `fn
///   main`) is viewed fully, message, `Debug`, [`as_error`](ErrorRef::as_error)
///   with its `source()` chain and `downcast_ref` to the box, on the thread
///   that made the view: the thread that ran the body, where a sync exit
///   runs, and where an async exit runs on a current-thread runtime. On
///   another thread (an async exit resumed elsewhere by a multi-thread
///   runtime, or a thread the exit spawned) it shows
///   ``an error of type `…` (viewed on another thread)``. See
///   [`ErrorRef::from_local`].
/// * Any other error type that is not `Sync` (one holding a `Cell` or an
///   `Rc`) is viewed by its type's name only: `Display` says
///   ``an error of type `…` ``, and it cannot be downcast.
///
/// `std::io::Error`, `anyhow::Error`, [`BoxError`](crate::BoxError), `String`
/// and the errors `thiserror` derives are all `Sync`, and viewed fully on
/// every thread; for a boxed error that an async exit on a multi-thread
/// runtime must see, box it as `Box<dyn Error + Send + Sync>`.
///
/// `with!` builds the view for you. By hand, [`ErrorRef::new`] views any
/// `'static` error.
///
/// ```
/// use ctxmgr::{with, ContextManager, Outcome};
/// use std::num::ParseIntError;
///
/// /// Reports how the body failed.
/// struct Report(Vec<String>);
/// impl ContextManager for Report {
///     type Value<'a> = ();
///     type Error = std::convert::Infallible;
///     fn enter(&mut self) -> Result<(), Self::Error> {
///         Ok(())
///     }
///     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
///         if let Some(error) = outcome.error() {
///             let parse = error.is::<ParseIntError>();
///             self.0.push(format!("{error} (a parse error: {parse})"));
///         }
///         Ok(())
///     }
/// }
///
/// fn parse(report: &mut Report, text: &str) -> Result<u8, ParseIntError> {
///     Ok(with!(&mut *report, { text.parse::<u8>()? }))
/// }
/// let mut report = Report(Vec::new());
/// assert_eq!(parse(&mut report, "7"), Ok(7));
/// assert!(parse(&mut report, "seven").is_err());
/// assert_eq!(
///     report.0,
///     ["invalid digit found in string (a parse error: true)"]
/// );
/// ```
#[derive(Clone, Copy)]
pub struct ErrorRef<'a> {
    repr: Repr<'a>,
}

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// `core::error::Error + Sync + 'static`: full view with `source()`.
    Error(&'a (dyn ErasedError + 'a)),
    /// `Display + Debug + Sync + 'static` (`String`, `BoxError`, …).
    Static(&'a (dyn ErasedStatic + 'a)),
    /// `Display + Debug + Sync` but borrowed (`&str`): formatting only.
    Borrowed(&'a (dyn ErasedDisplay + 'a)),
    /// `Debug + Sync` only, or not `'static`-viewable: formatting only.
    Debug(&'a (dyn fmt::Debug + Sync + 'a)),
    /// A boxed error that is not `Sync` (`Box<dyn Error>`): full view on
    /// the thread that made it, its type's name elsewhere.
    #[cfg(feature = "std")]
    Local(Local<'a>),
    /// Nothing to show but the type's name.
    Opaque(&'static str),
    /// The body left by `?` on a `None`.
    NoneValue,
}

pub(crate) trait ErasedStatic: fmt::Display + fmt::Debug + Sync {
    fn as_any(&self) -> &dyn Any;
}
impl<E: fmt::Display + fmt::Debug + Sync + Any> ErasedStatic for E {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

pub(crate) trait ErasedDisplay: fmt::Display + fmt::Debug + Sync {}
impl<E: ?Sized + fmt::Display + fmt::Debug + Sync> ErasedDisplay for E {}

pub(crate) trait ErasedError: ErasedStatic {
    fn as_error(&self) -> &(dyn core::error::Error + 'static);
}
impl<E: core::error::Error + Sync + 'static> ErasedError for E {
    fn as_error(&self) -> &(dyn core::error::Error + 'static) {
        self
    }
}

/// A `Box<dyn Error>` (or `Box<dyn Error + Send>`) that is not `Sync`,
/// viewed by an `ErrorRef`, which must be `Send + Sync` (an async exit may
/// hold it across an `.await`, and its future move to another thread).
///
/// Like the `send_wrapper` crate's `SendWrapper`, it crosses threads but
/// touches the error only on the thread that made it (`thread`): anywhere
/// else it shows the type's name, as a view of an opaque error does.
#[cfg(feature = "std")]
#[derive(Clone, Copy)]
pub(crate) struct Local<'a> {
    /// The box, for `downcast_ref::<Box<dyn Error>>()`.
    boxed: &'a dyn Any,
    /// What the box holds, for `Display`, `Debug` and `source()`.
    error: &'a (dyn core::error::Error + 'static),
    name: &'static str,
    thread: std::thread::ThreadId,
}

// SAFETY: `boxed` and `error` (which are neither `Send` nor `Sync`) are only
// dereferenced by `Local::get`, which returns them only on `thread`, the
// thread that made this value from a borrow of the error. So every access
// to the error through a `Local` happens on that one thread, as if the
// `&'a` borrow had never left it; on other threads a `Local` is a type name
// and a `ThreadId`, which are `Send + Sync`. What `get` returns is not
// `Send` (a `&dyn Error`/`&dyn Any` without `Sync`), so it cannot leave
// that thread either; a `downcast_ref` of it to a concrete type `T` gives a
// `&T` that may cross threads only when `T: Sync`. The borrow `'a` keeps
// the error alive: a copy on another thread cannot outlive it (scoped
// threads are joined within `'a`).
#[cfg(feature = "std")]
#[allow(unsafe_code)]
unsafe impl Send for Local<'_> {}
// SAFETY: as for `Send` above.
#[cfg(feature = "std")]
#[allow(unsafe_code)]
unsafe impl Sync for Local<'_> {}

#[cfg(feature = "std")]
impl<'a> Local<'a> {
    /// The box and its error, on the thread that made this view.
    #[inline]
    fn get(&self) -> Option<(&'a dyn Any, &'a (dyn core::error::Error + 'static))> {
        (std::thread::current().id() == self.thread).then_some((self.boxed, self.error))
    }
}

impl<'a> ErrorRef<'a> {
    /// Views a boxed error that is not `Sync`, such as the `Box<dyn Error>`
    /// of `fn main() -> Result<(), Box<dyn Error>>`: by its message and
    /// [`source`](core::error::Error::source) chain, on the thread that made
    /// the view (where a sync exit runs). On another thread (an async exit
    /// resumed elsewhere by a multi-thread runtime) it shows only the type's
    /// name: the error may not be touched there. This is what `with!` makes
    /// of such an error.
    ///
    /// ```
    /// use ctxmgr::ErrorRef;
    /// use std::error::Error;
    ///
    /// let e: Box<dyn Error> = "disk full".into();
    /// let view = ErrorRef::from_local(&e);
    /// assert_eq!(view.to_string(), "disk full");
    /// let other = std::thread::scope(|s| s.spawn(|| view.to_string()).join().unwrap());
    /// assert_eq!(
    ///     other,
    ///     "an error of type `alloc::boxed::Box<dyn core::error::Error>` (viewed on another thread)"
    /// );
    /// ```
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    #[inline]
    #[must_use]
    pub fn from_local<E: LocalError>(error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Local(Local {
                boxed: error,
                error: error.__ctxmgr_as_error(),
                name: core::any::type_name::<E>(),
                thread: std::thread::current().id(),
            }),
        }
    }

    /// Views an error that implements [`core::error::Error`].
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// let e = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
    /// let view = ErrorRef::new(&e);
    /// assert_eq!(
    ///     view.downcast_ref::<std::io::Error>().unwrap().kind(),
    ///     std::io::ErrorKind::NotFound
    /// );
    /// ```
    #[inline]
    #[must_use]
    pub fn new<E: core::error::Error + Sync + 'static>(error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Error(error),
        }
    }

    /// Views a `'static` value that can be displayed, e.g. a `String` or a
    /// `Box<dyn Error>`.
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// let message = String::from("disk full");
    /// let view = ErrorRef::from_display(&message);
    /// assert_eq!(view.to_string(), "disk full");
    /// assert_eq!(view.downcast_ref::<String>(), Some(&message));
    /// ```
    #[inline]
    #[must_use]
    pub fn from_display<E: fmt::Display + fmt::Debug + Sync + 'static>(error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Static(error),
        }
    }

    /// Views a borrowed error (`&str`, `&T`) by its `Display`; it cannot be
    /// downcast. What `with!` makes of a `?` on `Result<_, &E>`.
    #[inline]
    pub(crate) fn from_borrowed<E: fmt::Display + fmt::Debug + Sync>(error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Borrowed(error),
        }
    }

    /// Views a value that can only be debugged (it cannot be downcast).
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// #[derive(Debug)]
    /// struct Code(u16);
    /// let view = ErrorRef::from_debug(&Code(503));
    /// assert_eq!(view.to_string(), "Code(503)");
    /// assert!(view.downcast_ref::<Code>().is_none());
    /// ```
    #[inline]
    #[must_use]
    pub fn from_debug<E: fmt::Debug + Sync>(error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Debug(error),
        }
    }

    /// Views a value of which nothing is known but its type's name.
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// struct Secret;
    /// let view = ErrorRef::opaque(&Secret);
    /// assert!(view.to_string().ends_with("Secret`"));
    /// ```
    #[inline]
    #[must_use]
    pub fn opaque<E: ?Sized>(_error: &'a E) -> Self {
        ErrorRef {
            repr: Repr::Opaque(core::any::type_name::<E>()),
        }
    }

    /// The view of `?` applied to a `None`.
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// let view = ErrorRef::none_value();
    /// assert!(view.is_none_value());
    /// assert_eq!(view.to_string(), "`?` found a `None`");
    /// ```
    #[inline]
    #[must_use]
    pub const fn none_value() -> Self {
        ErrorRef {
            repr: Repr::NoneValue,
        }
    }

    /// `true` when the body left by `?` on a `None` rather than an `Err`.
    ///
    /// ```
    /// use ctxmgr::{with, ContextManager, Outcome};
    ///
    /// struct SawNone(bool);
    /// impl ContextManager for SawNone {
    ///     type Value<'a> = ();
    ///     type Error = std::convert::Infallible;
    ///     fn enter(&mut self) -> Result<(), Self::Error> {
    ///         Ok(())
    ///     }
    ///     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
    ///         self.0 = outcome.error().is_some_and(|e| e.is_none_value());
    ///         Ok(())
    ///     }
    /// }
    ///
    /// fn first_char(m: &mut SawNone, s: &str) -> Option<char> {
    ///     Some(with!(&mut *m, { s.chars().next()? }))
    /// }
    /// let mut m = SawNone(false);
    /// assert_eq!(first_char(&mut m, ""), None);
    /// assert!(m.0);
    /// ```
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
    /// enum DbError {
    ///     Conflict,
    /// }
    /// impl std::fmt::Display for DbError {
    ///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    ///         f.write_str("conflict")
    ///     }
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
            #[cfg(feature = "std")]
            Repr::Local(local) => local.get()?.0,
            Repr::Borrowed(_) | Repr::Debug(_) | Repr::Opaque(_) | Repr::NoneValue => return None,
        };
        any.downcast_ref::<T>()
    }

    /// `true` when [`downcast_ref::<T>`](ErrorRef::downcast_ref) would succeed.
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// let e = std::io::Error::other("x");
    /// let view = ErrorRef::new(&e);
    /// assert!(view.is::<std::io::Error>());
    /// assert!(!view.is::<std::fmt::Error>());
    /// ```
    #[inline]
    #[must_use]
    pub fn is<T: Any>(&self) -> bool {
        self.downcast_ref::<T>().is_some()
    }

    /// The error as a `dyn Error`, when its type implements
    /// [`core::error::Error`] or (with `alloc`) is a
    /// `Box<dyn Error + Send + Sync>` (a [`BoxError`](crate::BoxError)): for
    /// its `source()` chain, and to downcast what a box holds.
    ///
    /// ```
    /// # use ctxmgr::ErrorRef;
    /// let boxed: ctxmgr::BoxError = Box::new(std::io::Error::other("inner"));
    /// let view = ErrorRef::from_display(&boxed);
    /// let io = view
    ///     .as_error()
    ///     .and_then(|e| e.downcast_ref::<std::io::Error>());
    /// assert_eq!(io.unwrap().to_string(), "inner");
    /// ```
    #[must_use]
    #[inline]
    pub fn as_error(&self) -> Option<&'a (dyn core::error::Error + 'static)> {
        match self.repr {
            Repr::Error(e) => Some(e.as_error()),
            #[cfg(feature = "std")]
            Repr::Local(local) => match local.get() {
                Some((_, e)) => Some(e),
                None => None,
            },
            #[cfg(feature = "alloc")]
            Repr::Static(e) => {
                type DynErrorSendSync = dyn core::error::Error + Send + Sync;
                e.as_any()
                    .downcast_ref::<alloc::boxed::Box<DynErrorSendSync>>()
                    .map(|b| &**b as &(dyn core::error::Error + 'static))
            }
            _ => None,
        }
    }
}

impl fmt::Display for ErrorRef<'_> {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr {
            Repr::Error(e) => fmt::Display::fmt(e, f),
            Repr::Static(e) => fmt::Display::fmt(e, f),
            Repr::Borrowed(e) => fmt::Display::fmt(e, f),
            Repr::Debug(e) => fmt::Debug::fmt(e, f),
            #[cfg(feature = "std")]
            Repr::Local(local) => match local.get() {
                Some((_, e)) => fmt::Display::fmt(e, f),
                None => write!(
                    f,
                    "an error of type `{}` (viewed on another thread)",
                    local.name
                ),
            },
            Repr::Opaque(name) => write!(f, "an error of type `{name}`"),
            Repr::NoneValue => f.write_str("`?` found a `None`"),
        }
    }
}

impl fmt::Debug for ErrorRef<'_> {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr {
            Repr::Error(e) => fmt::Debug::fmt(e, f),
            Repr::Static(e) => fmt::Debug::fmt(e, f),
            Repr::Borrowed(e) => fmt::Debug::fmt(e, f),
            Repr::Debug(e) => fmt::Debug::fmt(e, f),
            #[cfg(feature = "std")]
            Repr::Local(local) => match local.get() {
                Some((_, e)) => fmt::Debug::fmt(e, f),
                None => write!(f, "<{}>", local.name),
            },
            Repr::Opaque(name) => write!(f, "<{name}>"),
            Repr::NoneValue => f.write_str("None"),
        }
    }
}

/// A boxed error that is not `Sync`, which [`ErrorRef::from_local`] views:
/// `Box<dyn Error>` and `Box<dyn Error + Send>`. Sealed.
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub trait LocalError: Any + local::Sealed {
    #[doc(hidden)]
    fn __ctxmgr_as_error(&self) -> &(dyn core::error::Error + 'static);
}

#[cfg(feature = "std")]
mod local {
    pub trait Sealed {}
    impl Sealed for std::boxed::Box<dyn core::error::Error> {}
    impl Sealed for std::boxed::Box<dyn core::error::Error + Send> {}
}

#[cfg(feature = "std")]
impl LocalError for std::boxed::Box<dyn core::error::Error> {
    #[inline]
    fn __ctxmgr_as_error(&self) -> &(dyn core::error::Error + 'static) {
        &**self
    }
}

#[cfg(feature = "std")]
impl LocalError for std::boxed::Box<dyn core::error::Error + Send> {
    #[inline]
    fn __ctxmgr_as_error(&self) -> &(dyn core::error::Error + 'static) {
        &**self
    }
}
