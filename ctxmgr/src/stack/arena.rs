//! The memory under [`ExitStack`](super::ExitStack) and
//! [`AsyncExitStack`](crate::AsyncExitStack): most of the crate's `unsafe`.
//! The rest: the unsizing and `Send` impls that tie the entry trait objects
//! to this arena (`stack/entry.rs`, and for the local `AsyncExitStack`,
//! `stack/threading.rs`), and the `Send`/`Sync` of `ErrorRef`'s
//! thread-checked view of a `Box<dyn Error>` (`outcome/error_ref.rs`).
//!
//! `ExitStack::enter_context` (and `AsyncExitStack::enter_async_context`,
//! whose enter is awaited) takes `&self` and hands out the entered
//! manager's value, which may borrow the manager, for as long as that shared
//! borrow of the stack lasts. So the manager must stay put and stay uniquely
//! reachable through that `&mut` while later entries are added through other
//! shared borrows. An arena of raw boxes does it:
//!
//! * each entry is boxed and turned into a raw pointer with [`Box::leak`]
//!   (as `Box::into_raw` would): the `Vec` holds pointers, never `Box`es (moving a
//!   `Box` asserts it is unique, which an outstanding `&mut` to its contents
//!   would contradict);
//! * [`Arena::enter`] (or [`Arena::enter_async`]) makes one `&'s mut T` from
//!   the pointer, for the `'s` of the `&'s self` it was called with, and gives
//!   it to the entry's enter;
//! * [`Arena::pop`] takes `&mut self`: that proves every `'s` borrow, and so
//!   every value derived from the `&'s mut T`, has ended. Only then is the box
//!   rebuilt, to exit the entry and free it.
//!
//! The arena is **invariant in `'m`** (its cell is the projection
//! `L::Cell<..>`, and a projection is invariant in its arguments; a `RefCell`
//! and a `SpinCell`, being `UnsafeCell`s, would be too). If it were
//! covariant, a `&ExitStack<'long>` could shrink to a `&ExitStack<'short>`,
//! accept an entry holding a `'short` reference, and run it at close after
//! the referent died. `tests/ui/exit_stack/covariance.rs` keeps that from
//! compiling. Drop check sees the `Drop` impl (no `#[may_dangle]`), so `'m`
//! must strictly outlive the arena as well.
//!
//! The arena is generic over what it stores, `D`: the entry trait object of
//! the stack's flavour (`stack/entry.rs`): `dyn Entry<E, Blocking> + 'm` for
//! `ExitStack`, `dyn Entry<E, Local> + 'm` and
//! `dyn Entry<E, Sendable> + Send + 'm` for the two flavours of
//! `AsyncExitStack`. It must turn the `NonNull<T>` it handed out as
//! `&'s mut T` into the `NonNull<D>` it stores, which stable Rust cannot
//! write generically (`T: Unsize<D>` is unstable): the `unsafe` trait
//! [`Erase`] is that coercion, implemented only for those `dyn` types, by
//! the coercion itself.
//!
//! An async enter is awaited while the arena holds the entry unregistered:
//! if that future is dropped (cancelled) or its poll panics, the enter
//! future, which holds the `&'s mut T`, is dropped before the guard that
//! frees the entry (the awaited future is a temporary of the `.await`'s
//! statement, dropped before the `async fn`'s locals, as a temporary is in
//! a sync scope). `tests/tests/async_exit_stack.rs` pins it with an enter
//! future that writes to its manager when dropped.
//!
//! The list of entries sits in the cell that the [`Lock`] parameter picks:
//! a `RefCell` ([`Unshared`]) for `ExitStack` and the local
//! `AsyncExitStack`, a [`SpinCell`] ([`Shared`]) for the `Sendable`
//! `AsyncExitStack`, which must be `Sync` because its methods take `&self`
//! and their futures hold that borrow across an `.await`. Each pointer is an
//! [`Owned`], which is `Send` exactly when a `Box` of its entry would be, so
//! the arena is `Send` (and, in a `SpinCell`, `Sync`) exactly when what it
//! holds is `Send`: `dyn Entry<E, Sendable> + Send + 'm` is, the other
//! entry types are not. Whether an entry type is `Send` is asked through
//! [`SendIf`], so that for a local stack rustc names one stand-in,
//! `UseAsyncExitStackNewSend`, in its error.
//!
//! Miri (`.ci/run`) runs the ExitStack and AsyncExitStack tests under
//! Stacked Borrows.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::{RefCell, UnsafeCell};
use core::future::Future;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::ContextManager;

/// The result of an enter: `Result<V, E>`, asked whether it is `Ok`.
pub trait Entered {
    fn is_ok(&self) -> bool;
}

impl<V, E> Entered for Result<V, E> {
    #[inline]
    fn is_ok(&self) -> bool {
        Result::is_ok(self)
    }
}

/// `NonNull<T>` unsized to `NonNull<Self>`, which generic code cannot
/// write on stable Rust.
///
/// # Safety
///
/// `erase(ptr)` must be `ptr` itself, unsized: the same address, with the
/// metadata of `T` (for a `dyn` type, `T`'s vtable). The arena rebuilds the
/// `Box<T>` it leaked from the result, as a `Box<Self>`.
pub unsafe trait Erase<T> {
    fn erase(ptr: NonNull<T>) -> NonNull<Self>;
}

/// A registered entry: the pointer of a leaked `Box<D>`, which the arena
/// owns as it would own the `Box`.
pub struct Owned<D: ?Sized>(NonNull<D>);

// SAFETY: an `Owned<D>` is the unique owner of a `Box<D>` (leaked, rebuilt
// exactly once by `Arena::pop` or `Drop`; no `&D` is handed out through a
// shared borrow of the arena), so moving it to another thread moves the
// box: sound when `Box<D>: Send`, i.e. `D: Send`, which `D::When: Send`
// implies (`SendIf`'s contract).
unsafe impl<D: ?Sized + SendIf> Send for Owned<D> where D::When: Send {}

/// What must be `Send` for `Self` to be sent: `Self` itself, or a stand-in
/// that rustc names in its error instead of the crate's insides (for a
/// local `AsyncExitStack`, `UseAsyncExitStackNewSend`, whose name says what
/// to do).
///
/// # Safety
///
/// `When: Send` must imply `Self: Send`.
pub unsafe trait SendIf {
    type When: ?Sized;
}

/// The cell around the arena's list of entries.
pub trait Lock {
    type Cell<V>;
    fn new<V>(value: V) -> Self::Cell<V>;
    /// Runs `f` on the contents. `f` must not reach the same cell again
    /// (the arena's closures only touch the `Vec`).
    fn with<V, R>(cell: &Self::Cell<V>, f: impl FnOnce(&mut V) -> R) -> R;
    fn get_mut<V>(cell: &mut Self::Cell<V>) -> &mut V;
}

/// A `RefCell`: neither `Sync` nor costlier than before.
pub enum Unshared {}

impl Lock for Unshared {
    type Cell<V> = RefCell<V>;
    #[inline]
    fn new<V>(value: V) -> RefCell<V> {
        RefCell::new(value)
    }
    #[inline]
    fn with<V, R>(cell: &RefCell<V>, f: impl FnOnce(&mut V) -> R) -> R {
        f(&mut cell.borrow_mut())
    }
    #[inline]
    fn get_mut<V>(cell: &mut RefCell<V>) -> &mut V {
        cell.get_mut()
    }
}

/// A [`SpinCell`]: `Sync`, for the `Sendable` stack.
pub enum Shared {}

impl Lock for Shared {
    type Cell<V> = SpinCell<V>;
    #[inline]
    fn new<V>(value: V) -> SpinCell<V> {
        SpinCell {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }
    #[inline]
    fn with<V, R>(cell: &SpinCell<V>, f: impl FnOnce(&mut V) -> R) -> R {
        cell.with(f)
    }
    #[inline]
    fn get_mut<V>(cell: &mut SpinCell<V>) -> &mut V {
        cell.value.get_mut()
    }
}

/// A spin lock around a value, for critical sections of a few instructions
/// (a `Vec`'s `push`, `reserve` or `len`) that never reach the lock again.
/// It needs neither `std` nor an OS: the stack stays `alloc`-only. Two
/// threads meet here only when both add entries through a shared `&` stack
/// at the same instant; the usual case (one task at a time) never spins.
pub struct SpinCell<V> {
    locked: AtomicBool,
    value: UnsafeCell<V>,
}

// SAFETY: the value is reached through `&SpinCell` only inside `with`, while
// `locked` is held, so by one thread at a time: a `Mutex<V>`, `Sync` when
// `V: Send`. (`Send` is automatic: `UnsafeCell<V>: Send` when `V: Send`.)
unsafe impl<V: Send> Sync for SpinCell<V> {}

impl<V> SpinCell<V> {
    fn with<R>(&self, f: impl FnOnce(&mut V) -> R) -> R {
        /// Unlocks on the way out, also when `f` panics (a `Vec` whose
        /// capacity overflows).
        struct Unlock<'a>(&'a AtomicBool);
        impl Drop for Unlock<'_> {
            #[inline]
            fn drop(&mut self) {
                self.0.store(false, Ordering::Release);
            }
        }
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            core::hint::spin_loop();
        }
        let _unlock = Unlock(&self.locked);
        // SAFETY: `locked` was false and this thread set it (Acquire, which
        // pairs with the Release of the last unlock, so that thread's writes
        // are seen): no other `&mut V` exists until `_unlock` drops, after
        // `f`'s last use of this one. `f` does not reach this cell again.
        f(unsafe { &mut *self.value.get() })
    }
}

/// Entries in the order they were registered, in the cell `L` picks.
pub struct Arena<D: ?Sized, L: Lock = Unshared> {
    /// Each pointer came from `Box::leak`, is here once, and is rebuilt
    /// into its box exactly once: by [`Arena::pop`] or by `Drop`.
    entries: L::Cell<Vec<Owned<D>>>,
}

/// Frees a boxed entry that did not get registered (its enter failed,
/// panicked, or was cancelled).
struct Unregistered<T>(NonNull<T>);

impl<T> Unregistered<T> {
    /// Leaks `entry` into a box that this guard frees unless registered.
    fn new(entry: T) -> Self {
        Unregistered(NonNull::from(Box::leak(Box::new(entry))))
    }
}

// SAFETY: an `Unregistered<T>` is the unique owner of a leaked `Box<T>`
// (freed by its `Drop`, or handed to the arena once), as a `Box<T>` would
// be: moving it to another thread is sound exactly when `T: Send`. The one
// `&'s mut T` made beside it is `Send` under the same condition.
unsafe impl<T: Send> Send for Unregistered<T> {}

impl<T> Drop for Unregistered<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` in `Unregistered::new`
        // and was not registered, so this is its only rebuild. The `&'s mut`
        // made in `Arena::enter`/`enter_async` is not used after this point:
        // enter returned `Err`, is unwinding, or its future was dropped
        // before this guard (see `Arena::enter_async`), so no value borrowing
        // the entry was produced, and enter's error type `M::Error` was fixed
        // before `'s` was chosen, so it cannot borrow the entry either.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

impl<D: ?Sized, L: Lock> Arena<D, L> {
    pub(crate) fn new() -> Self {
        Arena {
            entries: L::new(Vec::new()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        L::with(&self.entries, |entries| entries.len())
    }

    /// Registers `entry`, to be popped later.
    #[inline]
    pub(crate) fn push<T>(&self, entry: T)
    where
        D: Erase<T>,
    {
        let ptr = D::erase(NonNull::from(Box::leak(Box::new(entry))));
        L::with(&self.entries, |entries| entries.push(Owned(ptr)));
    }

    /// Leaks `entry` and makes the one `&'s mut T` to it.
    ///
    /// The `&mut` is not derived from `self`; it borrows `self` for `'s` so
    /// that `pop` and `Drop` (which take `&mut self`) cannot run while it,
    /// or a value derived from it, is alive.
    #[allow(clippy::mut_from_ref)]
    fn leak<'s, T: 's>(&'s self, entry: T) -> (Unregistered<T>, &'s mut T) {
        // Room first, so that registering cannot fail after a sync enter
        // succeeded.
        L::with(&self.entries, |entries| entries.reserve(1));
        let unregistered = Unregistered::new(entry);
        // SAFETY: the pointer is to a live allocation owned by nobody else
        // (just leaked, not yet registered). This `&'s mut T` is the only
        // reference made from it until `pop` or `Drop`, which take
        // `&mut self` and so run only after `'s` (the borrow of `self` that
        // this reference and the value enter derives from it live in) has
        // ended; or until `Unregistered` frees it, after its last use.
        let entry: &'s mut T = unsafe { &mut *unregistered.0.as_ptr() };
        (unregistered, entry)
    }

    /// Registers the entry `unregistered` holds: it is no longer freed.
    fn register<T>(&self, unregistered: Unregistered<T>)
    where
        D: Erase<T>,
    {
        let unregistered = ManuallyDrop::new(unregistered);
        let ptr = D::erase(unregistered.0);
        L::with(&self.entries, |entries| entries.push(Owned(ptr)));
    }

    /// Boxes `entry`, enters the manager that `manager` finds in it, and
    /// hands out the manager's value for `'s`. Registers the entry if enter
    /// succeeded; frees it otherwise (also when enter panics).
    pub(crate) fn enter<'s, T, M>(
        &'s self,
        entry: T,
        manager: fn(&mut T) -> &mut M,
    ) -> Result<M::Value<'s>, M::Error>
    where
        D: Erase<T>,
        T: 's,
        M: ContextManager + 's,
    {
        let (unregistered, entry) = self.leak(entry);
        let entered = manager(entry).enter();
        if entered.is_ok() {
            self.register(unregistered);
        }
        entered
    }

    /// [`Arena::enter`] with an awaited enter. The entry is freed, not
    /// registered, also when this future is dropped before enter ends.
    ///
    /// `enter` starts the manager's enter: `AsyncContextManager::enter`, or
    /// a variant whose future is declared `Send`.
    ///
    /// Generic over the future only, not over the value and error it gives:
    /// a type parameter set to the manager's `Value<'s>` (a projection with
    /// a `Self: 's` bound) would make rustc fail to prove the caller's
    /// future `Send` for a manager with a lifetime parameter ("not general
    /// enough").
    pub(crate) async fn enter_async<'s, T, Fut>(
        &'s self,
        entry: T,
        enter: impl FnOnce(&'s mut T) -> Fut,
    ) -> Fut::Output
    where
        D: Erase<T>,
        T: 's,
        Fut: Future<Output: Entered>,
    {
        let (unregistered, entry) = self.leak(entry);
        // If this future is dropped mid-enter, or enter's poll panics, the
        // future being awaited (a temporary of this statement, which holds
        // the `&'s mut T`) is dropped before any local, `unregistered`
        // included.
        let entered = enter(entry).await;
        if entered.is_ok() {
            self.register(unregistered);
        }
        entered
    }

    /// The most recent entry, unregistered and boxed again.
    pub(crate) fn pop(&mut self) -> Option<Box<D>> {
        let Owned(ptr) = L::get_mut(&mut self.entries).pop()?;
        // SAFETY: `ptr` came from `Box::leak` of a `Box<T>`, unsized to `D`
        // by `Erase` (same address, `T`'s metadata), was registered once and
        // has just been removed, so this is the only rebuild. `&mut self`
        // proves that no `&'s self` from `enter` is alive, so the `&'s mut T`
        // made there and every value derived from it are dead: the box is
        // unique again.
        Some(unsafe { Box::from_raw(ptr.as_ptr()) })
    }

    /// Moves every entry into a new arena, leaving this one empty.
    pub(crate) fn take(&mut self) -> Self {
        Arena {
            entries: L::new(core::mem::take(L::get_mut(&mut self.entries))),
        }
    }
}

impl<D: ?Sized, L: Lock> Drop for Arena<D, L> {
    /// Frees entries that were never exited (their exit does not run: the
    /// stacks' own `Drop` exits them first; what remains here is left over
    /// from a panic without `std`, where nothing could catch it).
    fn drop(&mut self) {
        while let Some(entry) = self.pop() {
            drop(entry);
        }
    }
}
