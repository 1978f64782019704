//! [`Guard`]: the exactly-once machinery under `with!`, usable by hand.

use core::fmt;

use crate::unwind::{catch, unwinding};
use crate::{ContextManager, ErrorRef, Outcome};

/// Where a guard is in its life; shared by [`Guard`] and
/// [`AsyncGuard`](crate::AsyncGuard).
/// The accessors [`Guard`] and [`AsyncGuard`](crate::AsyncGuard) share,
/// over their manager and state fields (named first): written once, each guard giving
/// its own docs (their examples are sync or awaited). `suppresses` asks the
/// manager's trait, `ContextManager` or `AsyncContextManager`.
macro_rules! guard_accessors {
    (
        fields($manager_field:ident, $state_field:ident);
        $(#[$is_entered:meta])* fn is_entered;
        $(#[$manager:meta])* fn manager;
        $(#[$manager_mut:meta])* fn manager_mut;
        $(#[$suppresses:meta])* fn suppresses;
    ) => {
        $(#[$is_entered])*
        #[inline]
        #[must_use]
        pub fn is_entered(&self) -> bool {
            matches!(self.$state_field, State::Entered)
        }

        $(#[$manager])*
        #[inline]
        pub fn manager(&self) -> &M {
            &self.$manager_field
        }

        $(#[$manager_mut])*
        #[inline]
        pub fn manager_mut(&mut self) -> &mut M {
            &mut self.$manager_field
        }

        $(#[$suppresses])*
        #[inline]
        pub fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
            self.$manager_field.suppresses(error)
        }
    };
}
pub(crate) use guard_accessors;

/// Public (in this private module) only as the type of `AsyncGuard`'s
/// hidden field that `with!(async ..)` reaches.
#[doc(hidden)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum State {
    Idle,
    Entered,
    Finished,
}

impl State {
    /// Panics unless the guard (of type `guard`) is idle: a guard enters
    /// its manager once.
    #[inline]
    #[track_caller]
    pub(crate) fn assert_idle(self, guard: &str) {
        assert!(
            self == State::Idle,
            "ctxmgr::{guard}::enter called on a guard that was already entered"
        );
    }

    /// A guard's `Debug`: its manager and this state.
    #[inline]
    pub(crate) fn debug_guard(
        self,
        f: &mut fmt::Formatter<'_>,
        guard: &str,
        manager: &dyn fmt::Debug,
    ) -> fmt::Result {
        f.debug_struct(guard)
            .field("manager", manager)
            .field("state", &self)
            .finish()
    }
}

/// Owns a context manager and guarantees that, once entered, it is exited
/// exactly once.
///
/// This is what `with!` expands to, and it is usable by hand where a macro
/// does not fit (a context spanning two functions, a guard kept in a struct):
///
/// 1. [`Guard::new`] takes the manager;
/// 2. [`Guard::enter`] enters it and hands out its value, which borrows the
///    guard;
/// 3. when done, drop the value and call [`Guard::finish`] with the
///    [`Outcome`]: it runs exit and returns exit's `Result`.
///
/// If the guard is dropped while entered and not finished, its `Drop` runs
/// exit as a fallback, with [`Outcome::Panic`] while the thread is panicking
/// and [`Outcome::Unseen`] otherwise (never `Ok`: a transaction must not
/// commit on a path nobody saw). What Drop does with an exit error:
///
/// | while | exit returns `Err` | exit panics |
/// | --- | --- | --- |
/// | panicking | the error is dropped; the original panic continues | caught; the original panic continues (no abort) |
/// | not panicking (`Unseen`) | **panics**, naming the manager type and the likely cause (a `return`/`?` inside a macro `with!` cannot see into) and what to write instead: the error had nowhere else to go | the panic propagates |
///
/// Without the `std` feature a guard cannot tell a panic from an unseen path:
/// Drop reports `Unseen` and drops exit's error.
///
/// # Examples
///
/// ```
/// use ctxmgr::{ContextManager, Guard, Outcome};
/// use std::convert::Infallible;
///
/// struct Log(Vec<String>);
/// impl ContextManager for Log {
///     type Value<'a> = &'a mut Vec<String>;
///     type Error = Infallible;
///     fn enter(&mut self) -> Result<&mut Vec<String>, Infallible> {
///         self.0.push("enter".into());
///         Ok(&mut self.0)
///     }
///     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Infallible> {
///         self.0.push(format!("exit ok={}", outcome.is_ok()));
///         Ok(())
///     }
/// }
///
/// let mut log = Log(Vec::new());
/// let mut guard = Guard::new(&mut log); // `&mut M` is a manager too
/// let lines = guard.enter().unwrap();
/// lines.push("body".into());
/// guard.finish(Outcome::Ok).unwrap();
/// drop(guard);
/// assert_eq!(log.0, ["enter", "body", "exit ok=true"]);
/// ```
#[must_use = "a guard exits its manager when finished or dropped; bind it to a variable"]
pub struct Guard<M: ContextManager> {
    manager: M,
    state: State,
}

impl<M: ContextManager> Guard<M> {
    /// Takes ownership of `manager` without entering it. Pass `&mut m` to
    /// keep the manager for later.
    ///
    /// ```
    /// # use ctxmgr::{ContextManager, Outcome};
    /// # struct Lock { held: bool, exits: Vec<String> }
    /// # impl ContextManager for Lock {
    /// #     type Value<'a> = &'a mut bool;
    /// #     type Error = String;
    /// #     fn enter(&mut self) -> Result<&mut bool, String> {
    /// #         if self.held { return Err("already held".into()); }
    /// #         self.held = true;
    /// #         Ok(&mut self.held)
    /// #     }
    /// #     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
    /// #         self.held = false;
    /// #         self.exits.push(format!("{outcome:?}"));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # fn lock() -> Lock { Lock { held: false, exits: Vec::new() } }
    /// use ctxmgr::Guard;
    ///
    /// let mut guard = Guard::new(lock()); // owns the manager; not entered yet
    /// assert!(!guard.is_entered());
    ///
    /// let mut kept = lock();
    /// let guard = Guard::new(&mut kept); // borrows it: `kept` outlives the guard
    /// drop(guard);
    /// assert!(!kept.held);
    /// ```
    #[inline(always)]
    pub const fn new(manager: M) -> Self {
        Guard {
            manager,
            state: State::Idle,
        }
    }

    /// Enters the manager and returns its value.
    ///
    /// On `Err`, the manager was not entered and will not be exited.
    ///
    /// # Panics
    ///
    /// If the guard was already entered: a guard enters its manager once.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxmgr::{ContextManager, Outcome};
    /// # struct Lock { held: bool, exits: Vec<String> }
    /// # impl ContextManager for Lock {
    /// #     type Value<'a> = &'a mut bool;
    /// #     type Error = String;
    /// #     fn enter(&mut self) -> Result<&mut bool, String> {
    /// #         if self.held { return Err("already held".into()); }
    /// #         self.held = true;
    /// #         Ok(&mut self.held)
    /// #     }
    /// #     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
    /// #         self.held = false;
    /// #         self.exits.push(format!("{outcome:?}"));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # fn lock() -> Lock { Lock { held: false, exits: Vec::new() } }
    /// use ctxmgr::Guard;
    ///
    /// let mut guard = Guard::new(lock());
    /// let held = guard.enter()?; // the manager's value, borrowing the guard
    /// assert!(*held);
    /// guard.finish(Outcome::Ok)?;
    ///
    /// let mut busy = lock();
    /// busy.held = true;
    /// let mut guard = Guard::new(busy);
    /// assert_eq!(guard.enter().unwrap_err(), "already held");
    /// assert!(!guard.is_entered()); // not entered: dropping it runs no exit
    /// # Ok::<(), String>(())
    /// ```
    #[inline(always)]
    pub fn enter(&mut self) -> Result<M::Value<'_>, M::Error> {
        self.state.assert_idle("Guard");
        let value = self.manager.enter();
        // Not `is_ok()`: a call per value and error type in an unoptimized
        // build (bench/HISTORY.md, session 11).
        #[allow(clippy::redundant_pattern_matching)]
        if let Ok(_) = value {
            self.state = State::Entered;
        }
        value
    }

    /// Runs exit with `outcome` and returns its result, if the guard is
    /// entered and not yet finished; otherwise does nothing and returns
    /// `Ok(())`. Exit runs at most once, even if it panics.
    ///
    /// # Errors
    ///
    /// The error of the manager's exit.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ctxmgr::{ContextManager, Outcome};
    /// # struct Lock { held: bool, exits: Vec<String> }
    /// # impl ContextManager for Lock {
    /// #     type Value<'a> = &'a mut bool;
    /// #     type Error = String;
    /// #     fn enter(&mut self) -> Result<&mut bool, String> {
    /// #         if self.held { return Err("already held".into()); }
    /// #         self.held = true;
    /// #         Ok(&mut self.held)
    /// #     }
    /// #     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
    /// #         self.held = false;
    /// #         self.exits.push(format!("{outcome:?}"));
    /// #         Ok(())
    /// #     }
    /// # }
    /// # fn lock() -> Lock { Lock { held: false, exits: Vec::new() } }
    /// use ctxmgr::Guard;
    ///
    /// let mut guard = Guard::new(lock());
    /// guard.enter()?;
    /// guard.finish(Outcome::Ok)?; // exit runs here, and only here
    /// guard.finish(Outcome::Ok)?; // a second finish does nothing
    /// assert_eq!(guard.manager().exits, ["Ok"]);
    /// # Ok::<(), String>(())
    /// ```
    #[inline(always)]
    pub fn finish(&mut self, outcome: Outcome<'_>) -> Result<(), M::Error> {
        if let State::Entered = self.state {
            self.state = State::Finished;
            self.manager.exit(outcome)
        } else {
            Ok(())
        }
    }

    guard_accessors! {
        fields(manager, state);
        /// `true` between a successful [`enter`](Guard::enter) and
        /// [`finish`](Guard::finish).
        ///
        /// ```
        /// # use ctxmgr::{ContextManager, Outcome};
        /// # struct Lock { held: bool, exits: Vec<String> }
        /// # impl ContextManager for Lock {
        /// #     type Value<'a> = &'a mut bool;
        /// #     type Error = String;
        /// #     fn enter(&mut self) -> Result<&mut bool, String> {
        /// #         if self.held { return Err("already held".into()); }
        /// #         self.held = true;
        /// #         Ok(&mut self.held)
        /// #     }
        /// #     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
        /// #         self.held = false;
        /// #         self.exits.push(format!("{outcome:?}"));
        /// #         Ok(())
        /// #     }
        /// # }
        /// # fn lock() -> Lock { Lock { held: false, exits: Vec::new() } }
        /// use ctxmgr::Guard;
        ///
        /// let mut guard = Guard::new(lock());
        /// assert!(!guard.is_entered());
        /// guard.enter()?;
        /// assert!(guard.is_entered());
        /// guard.finish(Outcome::Ok)?;
        /// assert!(!guard.is_entered());
        /// # Ok::<(), String>(())
        /// ```
        fn is_entered;

        /// The manager.
        ///
        /// ```
        /// # use ctxmgr::{ContextManager, Outcome};
        /// # struct Lock { held: bool, exits: Vec<String> }
        /// # impl ContextManager for Lock {
        /// #     type Value<'a> = &'a mut bool;
        /// #     type Error = String;
        /// #     fn enter(&mut self) -> Result<&mut bool, String> {
        /// #         if self.held { return Err("already held".into()); }
        /// #         self.held = true;
        /// #         Ok(&mut self.held)
        /// #     }
        /// #     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
        /// #         self.held = false;
        /// #         self.exits.push(format!("{outcome:?}"));
        /// #         Ok(())
        /// #     }
        /// # }
        /// # fn lock() -> Lock { Lock { held: false, exits: Vec::new() } }
        /// use ctxmgr::Guard;
        ///
        /// let mut guard = Guard::new(lock());
        /// guard.enter()?;
        /// assert!(guard.manager().held);
        /// # Ok::<(), String>(())
        /// ```
        fn manager;

        /// The manager, mutably.
        ///
        /// ```
        /// # use ctxmgr::{ContextManager, Outcome};
        /// # struct Lock { held: bool, exits: Vec<String> }
        /// # impl ContextManager for Lock {
        /// #     type Value<'a> = &'a mut bool;
        /// #     type Error = String;
        /// #     fn enter(&mut self) -> Result<&mut bool, String> {
        /// #         if self.held { return Err("already held".into()); }
        /// #         self.held = true;
        /// #         Ok(&mut self.held)
        /// #     }
        /// #     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
        /// #         self.held = false;
        /// #         self.exits.push(format!("{outcome:?}"));
        /// #         Ok(())
        /// #     }
        /// # }
        /// # fn lock() -> Lock { Lock { held: false, exits: Vec::new() } }
        /// use ctxmgr::Guard;
        ///
        /// let mut guard = Guard::new(lock());
        /// guard.manager_mut().exits.push("before".into());
        /// guard.enter()?;
        /// guard.finish(Outcome::Ok)?;
        /// assert_eq!(guard.manager().exits, ["before", "Ok"]);
        /// # Ok::<(), String>(())
        /// ```
        fn manager_mut;

        /// Asks the manager whether the body's error is swallowed
        /// ([`ContextManager::suppresses`]). Used by `with!` after a successful
        /// exit, for a manager marked [`Suppress`](crate::Suppress).
        ///
        /// ```
        /// use ctxmgr::{ContextManager, ErrorRef, Guard, Outcome, Suppress};
        /// use std::num::ParseIntError;
        ///
        /// /// Swallows parse errors, like `contextlib.suppress(ValueError)`.
        /// struct IgnoreParse;
        /// impl ContextManager for IgnoreParse {
        ///     type Value<'a> = ();
        ///     type Error = std::convert::Infallible;
        ///     fn enter(&mut self) -> Result<(), Self::Error> {
        ///         Ok(())
        ///     }
        ///     fn exit(&mut self, _: Outcome<'_>) -> Result<(), Self::Error> {
        ///         Ok(())
        ///     }
        ///     fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        ///         error.is::<ParseIntError>()
        ///     }
        /// }
        /// impl Suppress for IgnoreParse {}
        ///
        /// let mut guard = Guard::new(IgnoreParse);
        /// guard.enter().unwrap();
        /// let error = "x".parse::<u8>().unwrap_err();
        /// guard.finish(Outcome::Err(ErrorRef::new(&error))).unwrap();
        /// assert!(guard.suppresses(ErrorRef::new(&error)));
        /// ```
        fn suppresses;
    }

    /// What `Drop` does for an entered guard. `opaque`: the macros called in
    /// a `with!` body that `with!` cannot look into (see
    /// `__private::Noted`), named by the panic when exit fails.
    ///
    /// Unoptimized builds: the drop path runs through a trait object, so
    /// that it is compiled once, in this crate, not once per manager type in
    /// each user's crate, and this is inlined into `Drop` (bench/HISTORY.md,
    /// session 11). Optimized builds: generic and cold, so that the
    /// optimizer sees the guard does not escape (a trait object passed to
    /// code it cannot see would), keeps its state in a register and removes
    /// the drop path where the guard is known to be finished.
    #[cfg_attr(debug_assertions, inline(always))]
    #[cfg_attr(not(debug_assertions), cold)]
    pub(crate) fn drop_exit_naming(&mut self, opaque: Option<&str>) {
        let name = core::any::type_name::<M>();
        #[cfg(debug_assertions)]
        exit_dropped_dyn(&mut self.state, &mut self.manager, name, opaque);
        #[cfg(not(debug_assertions))]
        exit_dropped(&mut self.state, &mut self.manager, name, opaque);
    }
}

/// A manager's exit as a guard's drop path calls it: implemented by every
/// manager, and the trait object unoptimized builds call it through (its
/// own trait, not `dyn FnMut`, whose vtable would add a `FnOnce` shim per
/// manager type).
trait DroppedExit {
    /// Runs exit with `outcome`: `true` when it failed.
    fn exit_failed(&mut self, outcome: Outcome<'_>) -> bool;
}

impl<M: ContextManager> DroppedExit for M {
    #[inline]
    fn exit_failed(&mut self, outcome: Outcome<'_>) -> bool {
        match self.exit(outcome) {
            Ok(()) => false,
            Err(_) => true,
        }
    }
}

/// The drop path of a [`Guard`] in `state` whose manager's type is `name`:
/// if entered, marks it finished and runs exit. While unwinding, exit is told
/// [`Outcome::Panic`]; a panic from it would abort the process, so it is
/// caught and the original panic continues. Otherwise exit is told
/// [`Outcome::Unseen`], and its failure panics ([`panic_exit_failed`]).
#[cold]
#[inline]
fn exit_dropped<X: DroppedExit + ?Sized>(
    state: &mut State,
    manager: &mut X,
    name: &str,
    opaque: Option<&str>,
) {
    if !matches!(state, State::Entered) {
        return;
    }
    *state = State::Finished;
    if unwinding() {
        let _ = catch(move || {
            let _ = manager.exit_failed(Outcome::Panic);
        });
    } else if manager.exit_failed(Outcome::Unseen) {
        panic_exit_failed(name, opaque);
    }
}

/// [`exit_dropped`] through a trait object: compiled once, in this crate.
#[cfg(debug_assertions)]
#[cold]
#[inline(never)]
fn exit_dropped_dyn(
    state: &mut State,
    manager: &mut dyn DroppedExit,
    name: &str,
    opaque: Option<&str>,
) {
    exit_dropped(state, manager, name, opaque);
}

/// The panic of a [`Guard`] dropped unfinished whose manager's exit (of
/// type `name`) failed: not generic, so compiled once, in this crate.
/// Without `std`, exit's error is dropped: there is no panic to name it.
#[cold]
#[inline(never)]
fn panic_exit_failed(name: &str, opaque: Option<&str>) {
    #[cfg(feature = "std")]
    match opaque {
        Some(macros) => panic!(
            "ctxmgr: exit of `{name}` failed after the body of its `with!` left by a \
             path `with!` could not see, so the error had nowhere else to go. The body \
             calls macros whose expansion `with!` cannot look into: {macros}. A \
             `return`, `?`, `break` or `continue` inside one of them left the body. \
             Write the `return`/`?` directly in the `with!` body (`bail!`, `ensure!` \
             and std's macros are seen), or use `ctxmgr::Guard` and call `finish` to \
             handle exit's error."
        ),
        None => panic!(
            "ctxmgr: exit of `{name}` failed after its guard was dropped without being \
             finished: the body left by a path `with!` could not see, so the error had \
             nowhere else to go. Such a path is a `return`, `?`, `break` or `continue` \
             inside a macro whose expansion `with!` cannot look into (your own \
             `macro_rules!`; `bail!`, `ensure!` and std's macros are seen). Write the \
             `return`/`?` directly in the `with!` body, or use `ctxmgr::Guard` and call \
             `finish` to handle exit's error."
        ),
    }
    #[cfg(not(feature = "std"))]
    let _ = (name, opaque);
}

impl<M: ContextManager> Drop for Guard<M> {
    #[inline(always)]
    fn drop(&mut self) {
        if let State::Entered = self.state {
            self.drop_exit_naming(None);
        }
    }
}

impl<M: ContextManager + fmt::Debug> fmt::Debug for Guard<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.state.debug_guard(f, "Guard", &self.manager)
    }
}
