//! [`Outcome`]: how the body of a `with!` ended, and [`ErrorRef`]: a view
//! of the error it is leaving with.

mod error_ref;

pub use error_ref::ErrorRef;
#[cfg(feature = "std")]
pub use error_ref::LocalError;

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
    ///
    /// A transaction commits on `is_ok()` only:
    ///
    /// ```
    /// use ctxmgr::{ContextManager, Outcome};
    ///
    /// struct Tx {
    ///     committed: bool,
    /// }
    /// impl ContextManager for Tx {
    ///     type Value<'a> = ();
    ///     type Error = std::convert::Infallible;
    ///     fn enter(&mut self) -> Result<(), Self::Error> {
    ///         Ok(())
    ///     }
    ///     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
    ///         self.committed = outcome.is_ok(); // not `!outcome.is_err()`
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let mut tx = Tx { committed: false };
    /// tx.exit(Outcome::Unseen).unwrap();
    /// assert!(!tx.committed);
    /// tx.exit(Outcome::Ok).unwrap();
    /// assert!(tx.committed);
    /// ```
    #[inline]
    #[must_use]
    pub const fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// `true` for [`Outcome::Err`].
    ///
    /// ```
    /// use ctxmgr::{ErrorRef, Outcome};
    ///
    /// let e = std::io::Error::other("boom");
    /// assert!(Outcome::Err(ErrorRef::new(&e)).is_err());
    /// assert!(!Outcome::Panic.is_err()); // a panic is not an `Err`
    /// ```
    #[inline]
    #[must_use]
    pub const fn is_err(&self) -> bool {
        matches!(self, Outcome::Err(_))
    }

    /// `true` for [`Outcome::Panic`].
    ///
    /// ```
    /// use ctxmgr::{with, ContextManager, Outcome};
    /// use std::cell::Cell;
    /// use std::panic::{catch_unwind, AssertUnwindSafe};
    ///
    /// struct Watch<'c>(&'c Cell<bool>);
    /// impl ContextManager for Watch<'_> {
    ///     type Value<'a>
    ///         = ()
    ///     where
    ///         Self: 'a;
    ///     type Error = std::convert::Infallible;
    ///     fn enter(&mut self) -> Result<(), Self::Error> {
    ///         Ok(())
    ///     }
    ///     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
    ///         self.0.set(outcome.is_panic());
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let saw_panic = Cell::new(false);
    /// let result = catch_unwind(AssertUnwindSafe(|| {
    ///     with!(Watch(&saw_panic), { panic!("body failed") })
    /// }));
    /// assert!(result.is_err());
    /// assert!(saw_panic.get());
    /// ```
    #[inline]
    #[must_use]
    pub const fn is_panic(&self) -> bool {
        matches!(self, Outcome::Panic)
    }

    /// `true` for [`Outcome::Unseen`].
    ///
    /// ```
    /// use ctxmgr::{ContextManager, Guard, Outcome};
    /// use std::cell::Cell;
    ///
    /// struct Watch<'c>(&'c Cell<bool>);
    /// impl ContextManager for Watch<'_> {
    ///     type Value<'a>
    ///         = ()
    ///     where
    ///         Self: 'a;
    ///     type Error = std::convert::Infallible;
    ///     fn enter(&mut self) -> Result<(), Self::Error> {
    ///         Ok(())
    ///     }
    ///     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
    ///         self.0.set(outcome.is_unseen());
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let unseen = Cell::new(false);
    /// let mut guard = Guard::new(Watch(&unseen));
    /// guard.enter().unwrap();
    /// drop(guard); // dropped without `finish`: nobody saw how the code ended
    /// assert!(unseen.get());
    /// ```
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

/// `Outcome` and `ErrorRef` cross threads: an async exit holding one across
/// an `.await` keeps its future `Send`.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Outcome<'static>>();
    send_sync::<ErrorRef<'static>>();
};
