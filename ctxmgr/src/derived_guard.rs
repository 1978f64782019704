//! [`DerivedGuard`]: the type behind every `{Name}Guard` that
//! `#[derive(ContextManager)]` names.

use core::fmt;
use core::ops::{Deref, DerefMut};

use crate::{ContextManager, Guard, Outcome};

/// The named guard of a derived context manager: `#[derive(ContextManager)]`
/// on `File` emits `type FileGuard<'g> = ctxmgr::DerivedGuard<'g, File>;`.
///
/// [`DerivedGuard::enter`] enters a borrowed manager and returns the guard,
/// which exits it exactly once: with [`DerivedGuard::finish`], which returns
/// exit's error, or, as a fallback, when dropped (exit then sees
/// [`Outcome::Panic`] while panicking and [`Outcome::Unseen`] otherwise,
/// never `Ok`; see [`Guard`] for what happens to its error).
///
/// It derefs to the entered value when that value does not borrow the
/// manager, and to the manager itself when the value is a reference into it.
/// A value that borrows the manager *and* may have a destructor (a
/// `MutexGuard` of a field) cannot be kept next to the manager safely:
/// `enter` is then a compile error pointing to [`with!`](crate::with!) and
/// [`Guard`].
///
/// `enter`, `finish`, `manager` and `manager_mut` are associated functions,
/// not methods, so they never shadow a method of the value the guard derefs
/// to (like `Box::leak`).
///
/// One generic type rather than one struct per derive: its code is
/// type-checked once, in this crate, which keeps derives cheap to compile.
///
/// # Examples
///
/// A connection kept open across calls, where a `with!` block cannot reach:
///
/// ```
/// use ctxmgr::{ContextManager, Outcome};
///
/// #[derive(ContextManager)]
/// struct Conn {
///     open: bool,
///     log: Vec<String>,
/// }
///
/// #[ctxmgr::context_manager]
/// impl Conn {
///     #[enter]
///     fn connect(&mut self) -> Result<&mut Vec<String>, String> {
///         self.open = true;
///         Ok(&mut self.log)
///     }
///     #[exit]
///     fn close(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
///         self.open = false;
///         self.log.push(format!("closed ({outcome:?})"));
///         Ok(())
///     }
/// }
///
/// /// Holds the connection open between `start` and `stop`.
/// struct Session<'c> {
///     conn: ConnGuard<'c>,
/// }
///
/// fn start(conn: &mut Conn) -> Result<Session<'_>, String> {
///     Ok(Session {
///         conn: ConnGuard::enter(conn)?,
///     })
/// }
///
/// fn stop(session: Session<'_>) -> Result<(), String> {
///     ConnGuard::finish(session.conn, Outcome::Ok)
/// }
///
/// let mut conn = Conn {
///     open: false,
///     log: Vec::new(),
/// };
/// let mut session = start(&mut conn)?;
/// // The value enter returned borrows the manager: the guard derefs to the manager.
/// session.conn.log.push("query".into());
/// stop(session)?;
/// assert!(!conn.open);
/// assert_eq!(conn.log, ["query", "closed (Ok)"]);
/// # Ok::<(), String>(())
/// ```
#[must_use = "a guard exits its manager when finished or dropped; bind it: `let guard = NameGuard::enter(&mut manager)?;`"]
pub struct DerivedGuard<'g, M>
where
    &'g mut M: Named,
{
    // Dropped first: the value goes before the guard runs exit.
    kept: <<&'g mut M as Named>::Shape as GuardShape<&'g mut M>>::Kept,
    guard: Guard<&'g mut M>,
}

impl<'g, M> DerivedGuard<'g, M>
where
    &'g mut M: Named,
{
    /// Enters `manager` and returns the guard that will exit it.
    ///
    /// # Errors
    ///
    /// The error of the `#[enter]` method; the manager is then not entered
    /// and will not be exited.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxmgr::{ContextManager, Outcome};
    /// # #[derive(ContextManager)]
    /// # struct Conn { open: bool, log: Vec<String> }
    /// # #[ctxmgr::context_manager]
    /// # impl Conn {
    /// #     #[enter]
    /// #     fn connect(&mut self) -> Result<&mut Vec<String>, String> {
    /// #         if self.open { return Err("already connected".into()); }
    /// #         self.open = true;
    /// #         Ok(&mut self.log)
    /// #     }
    /// #     #[exit]
    /// #     fn close(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
    /// #         self.open = false;
    /// #         self.log.push(format!("closed ({outcome:?})"));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # fn conn() -> Conn { Conn { open: false, log: Vec::new() } }
    /// let mut busy = conn();
    /// busy.open = true;
    /// assert_eq!(
    ///     ConnGuard::enter(&mut busy).unwrap_err(),
    ///     "already connected"
    /// );
    ///
    /// let mut c = conn();
    /// let guard = ConnGuard::enter(&mut c)?;
    /// ConnGuard::finish(guard, Outcome::Ok)?;
    /// # Ok::<(), String>(())
    /// ```
    #[inline]
    pub fn enter(manager: &'g mut M) -> Result<Self, <&'g mut M as ContextManager>::Error>
    where
        <&'g mut M as Named>::Shape: NamedGuardSupported,
    {
        let mut guard = Guard::new(manager);
        let kept = match guard.enter() {
            Ok(value) => {
                <<&'g mut M as Named>::Shape as GuardShape<&'g mut M>>::__ctxmgr_keep(value)
            }
            Err(error) => return Err(error),
        };
        Ok(DerivedGuard { kept, guard })
    }

    /// Exits the manager, told how the code using it ended, and returns
    /// exit's result.
    ///
    /// # Errors
    ///
    /// The error of the `#[exit]` method.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxmgr::{ContextManager, Outcome};
    /// # #[derive(ContextManager)]
    /// # struct Conn { open: bool, log: Vec<String> }
    /// # #[ctxmgr::context_manager]
    /// # impl Conn {
    /// #     #[enter]
    /// #     fn connect(&mut self) -> Result<&mut Vec<String>, String> {
    /// #         if self.open { return Err("already connected".into()); }
    /// #         self.open = true;
    /// #         Ok(&mut self.log)
    /// #     }
    /// #     #[exit]
    /// #     fn close(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
    /// #         self.open = false;
    /// #         self.log.push(format!("closed ({outcome:?})"));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # fn conn() -> Conn { Conn { open: false, log: Vec::new() } }
    /// let mut c = conn();
    /// let guard = ConnGuard::enter(&mut c)?;
    /// ConnGuard::finish(guard, Outcome::Panic)?; // exit is told what happened
    /// assert_eq!(c.log, ["closed (Panic)"]);
    ///
    /// let guard = ConnGuard::enter(&mut c)?;
    /// drop(guard); // the fallback: exit sees `Unseen`, never `Ok`
    /// assert_eq!(c.log, ["closed (Panic)", "closed (Unseen)"]);
    /// # Ok::<(), String>(())
    /// ```
    #[inline]
    pub fn finish(
        this: Self,
        outcome: Outcome<'_>,
    ) -> Result<(), <&'g mut M as ContextManager>::Error> {
        let DerivedGuard { kept, mut guard } = this;
        drop(kept);
        guard.finish(outcome)
    }

    /// The manager this guard holds entered.
    ///
    /// ```
    /// # use ctxmgr::{ContextManager, Outcome};
    /// # #[derive(ContextManager)]
    /// # struct Conn { open: bool, log: Vec<String> }
    /// # #[ctxmgr::context_manager]
    /// # impl Conn {
    /// #     #[enter]
    /// #     fn connect(&mut self) -> Result<&mut Vec<String>, String> {
    /// #         if self.open { return Err("already connected".into()); }
    /// #         self.open = true;
    /// #         Ok(&mut self.log)
    /// #     }
    /// #     #[exit]
    /// #     fn close(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
    /// #         self.open = false;
    /// #         self.log.push(format!("closed ({outcome:?})"));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # fn conn() -> Conn { Conn { open: false, log: Vec::new() } }
    /// let mut c = conn();
    /// let guard = ConnGuard::enter(&mut c)?;
    /// assert!(ConnGuard::manager(&guard).open);
    /// # ConnGuard::finish(guard, Outcome::Ok)?;
    /// # Ok::<(), String>(())
    /// ```
    #[inline]
    #[must_use]
    pub fn manager(this: &Self) -> &M {
        this.guard.manager()
    }

    /// The manager this guard holds entered, mutably.
    ///
    /// ```
    /// # use ctxmgr::{ContextManager, Outcome};
    /// # #[derive(ContextManager)]
    /// # struct Conn { open: bool, log: Vec<String> }
    /// # #[ctxmgr::context_manager]
    /// # impl Conn {
    /// #     #[enter]
    /// #     fn connect(&mut self) -> Result<&mut Vec<String>, String> {
    /// #         if self.open { return Err("already connected".into()); }
    /// #         self.open = true;
    /// #         Ok(&mut self.log)
    /// #     }
    /// #     #[exit]
    /// #     fn close(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
    /// #         self.open = false;
    /// #         self.log.push(format!("closed ({outcome:?})"));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # fn conn() -> Conn { Conn { open: false, log: Vec::new() } }
    /// let mut c = conn();
    /// let mut guard = ConnGuard::enter(&mut c)?;
    /// ConnGuard::manager_mut(&mut guard)
    ///     .log
    ///     .push("by hand".into());
    /// ConnGuard::finish(guard, Outcome::Ok)?;
    /// assert_eq!(c.log, ["by hand", "closed (Ok)"]);
    /// # Ok::<(), String>(())
    /// ```
    #[inline]
    pub fn manager_mut(this: &mut Self) -> &mut M {
        this.guard.manager_mut()
    }
}

impl<'g, M> fmt::Debug for DerivedGuard<'g, M>
where
    &'g mut M: Named,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DerivedGuard")
            .field("manager", &core::any::type_name::<M>())
            .finish_non_exhaustive()
    }
}

impl<'g, M> Deref for DerivedGuard<'g, M>
where
    &'g mut M: Named,
{
    type Target = <<&'g mut M as Named>::Shape as GuardShape<&'g mut M>>::Target;

    #[inline]
    fn deref(&self) -> &Self::Target {
        <<&'g mut M as Named>::Shape as GuardShape<&'g mut M>>::__ctxmgr_target(
            &self.kept,
            self.guard.manager(),
        )
    }
}

impl<'g, M> DerefMut for DerivedGuard<'g, M>
where
    &'g mut M: Named,
{
    #[inline]
    fn deref_mut(&mut self) -> &mut Self::Target {
        <<&'g mut M as Named>::Shape as GuardShape<&'g mut M>>::__ctxmgr_target_mut(
            &mut self.kept,
            self.guard.manager_mut(),
        )
    }
}

// ---------------------------------------------------------------------------
// The traits `DerivedGuard` is written against. Implemented for the derive's
// types in `private/derive.rs` (and reached by the expansions, and by rustc's
// messages, through `__private` and `bounds`): this file names nothing there.

/// The named guard's view of `&'g mut M`: its shape. The guard names
/// everything through this type, which mentions the guard's lifetime, so a
/// missing `Methods` impl is one error (where the guard is entered) instead
/// of one per guard item.
pub trait Named: ContextManager {
    /// What the guard does with the entered value ([`GuardShape`]), and
    /// whether it can keep it at all ([`NamedGuardSupported`] or not).
    type Shape: GuardShape<Self>;
}

/// What the named guard does with the entered value of its manager `R`
/// (`&'g mut M`), by the shape of that value: written once for each shape
/// (`private/derive.rs`), so the attribute emits nothing for it but the
/// shape.
pub trait GuardShape<R: ContextManager + ?Sized> {
    /// What the guard stores of the entered value.
    type Kept;
    /// What the guard derefs to: the kept value, or the manager.
    type Target: ?Sized;
    /// The entered value, as the guard keeps it.
    fn __ctxmgr_keep<'a>(value: R::Value<'a>) -> Self::Kept
    where
        R: 'a;
    /// What the guard derefs to.
    fn __ctxmgr_target<'s>(kept: &'s Self::Kept, manager: &'s R) -> &'s Self::Target;
    /// What the guard derefs to, mutably.
    fn __ctxmgr_target_mut<'s>(
        kept: &'s mut Self::Kept,
        manager: &'s mut R,
    ) -> &'s mut Self::Target;
}

/// Met by the shapes of an entered value the named guard can keep: the
/// value itself, or a reference into the manager (`Named::Shape`).
#[diagnostic::on_unimplemented(
    message = "the named guard cannot hold the value of this `#[enter]`: it borrows the manager and may have a destructor",
    label = "the value would be dropped right after enter",
    note = "use `with!`, or `ctxmgr::Guard` (its `enter` lends the value while the guard stays borrowed)",
    note = "or return a value that borrows what the manager refers to (e.g. `MutexGuard<'m, T>` for a field `&'m Mutex<T>`), not the manager itself"
)]
pub trait NamedGuardSupported {}
