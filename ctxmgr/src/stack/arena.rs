//! The crate's `unsafe` (besides the `Send`/`Sync` of `ErrorRef`'s
//! thread-checked view of a `Box<dyn Error>`, in `outcome.rs`): the arena
//! under [`ExitStack`](super::ExitStack) and
//! [`AsyncExitStack`](crate::AsyncExitStack).
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
//! The arena is **invariant in `'m`** (through the `RefCell`). If it were
//! covariant, a `&ExitStack<'long>` could shrink to a `&ExitStack<'short>`,
//! accept an entry holding a `'short` reference, and run it at close after
//! the referent died. `tests/ui/exit_stack/covariance.rs` keeps that from
//! compiling. Drop check sees the `Drop` impl (no `#[may_dangle]`), so `'m`
//! must strictly outlive the arena as well.
//!
//! The arena is generic over what it stores, `D`: `dyn Entry<E> + 'm` for
//! `ExitStack`, `dyn AsyncEntry<E> + 'm` for `AsyncExitStack`. It must turn
//! the `NonNull<T>` it handed out as `&'s mut T` into the `NonNull<D>` it
//! stores, which stable Rust cannot write generically (`T: Unsize<D>` is
//! unstable): the `unsafe` trait [`Erase`] is that coercion, implemented only
//! here, for the two `dyn` types, by the coercion itself.
//!
//! An async enter is awaited while the arena holds the entry unregistered:
//! if that future is dropped (cancelled) or its poll panics, the enter
//! future, which holds the `&'s mut T`, is dropped before the guard that
//! frees the entry (the awaited future is a temporary of the `.await`'s
//! statement, dropped before the `async fn`'s locals, as a temporary is in
//! a sync scope). `tests/tests/async_exit_stack.rs` pins it with an enter
//! future that writes to its manager when dropped.
//!
//! Miri (`.ci/run`) runs the ExitStack and AsyncExitStack tests under
//! Stacked Borrows.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::future::Future;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::ptr::NonNull;

use crate::{AsyncContextManager, ContextManager, Outcome};

/// One registered entry of an `ExitStack`, object-safe (`ContextManager`
/// has a GAT and is not).
pub(crate) trait Entry<E> {
    /// Runs the entry's exit with `outcome`, then frees it. `Ok(true)` when
    /// `ask` was set, exit succeeded and the entry swallows the error of
    /// `outcome` (see [`Suppress`](crate::Suppress)).
    fn exit(self: Box<Self>, outcome: Outcome<'_>, ask: bool) -> Result<bool, E>;
}

/// One registered entry of an `AsyncExitStack`.
pub(crate) trait AsyncEntry<E> {
    /// Starts the entry's exit with `outcome`: done at once for a sync entry,
    /// a future to await for an async one. `Ok(true)` as for [`Entry::exit`].
    fn exit<'a>(self: Box<Self>, outcome: Outcome<'a>, ask: bool) -> Exiting<'a, E>
    where
        Self: 'a,
        E: 'a;

    /// The sync fallback when the exit cannot be awaited (the stack was
    /// dropped unclosed): `outcome` is `Unseen`, `Panic`, or the error of an
    /// entry above whose fallback failed.
    fn drop_exit(self: Box<Self>, outcome: Outcome<'_>) -> Result<(), E>;
}

/// What [`AsyncEntry::exit`] gives: the result, or the future of it.
pub(crate) enum Exiting<'a, E> {
    Done(Result<bool, E>),
    Awaiting(Pin<Box<dyn Future<Output = Result<bool, E>> + 'a>>),
}

/// `NonNull<T>` unsized to `NonNull<Self>`, which generic code cannot
/// write on stable Rust.
///
/// # Safety
///
/// `erase(ptr)` must be `ptr` itself, unsized: the same address, with the
/// metadata of `T` (for a `dyn` type, `T`'s vtable). The arena rebuilds the
/// `Box<T>` it leaked from the result, as a `Box<Self>`.
pub(crate) unsafe trait Erase<T> {
    fn erase(ptr: NonNull<T>) -> NonNull<Self>;
}

// SAFETY: the body is the unsizing coercion of `ptr` and nothing else.
unsafe impl<'m, E, T: Entry<E> + 'm> Erase<T> for dyn Entry<E> + 'm {
    #[inline]
    fn erase(ptr: NonNull<T>) -> NonNull<Self> {
        ptr
    }
}

// SAFETY: the body is the unsizing coercion of `ptr` and nothing else.
unsafe impl<'m, E, T: AsyncEntry<E> + 'm> Erase<T> for dyn AsyncEntry<E> + 'm {
    #[inline]
    fn erase(ptr: NonNull<T>) -> NonNull<Self> {
        ptr
    }
}

/// Entries in the order they were registered.
pub(crate) struct Arena<D: ?Sized> {
    /// Each pointer came from `Box::leak`, is here once, and is rebuilt
    /// into its box exactly once: by [`Arena::pop`] or by `Drop`.
    entries: RefCell<Vec<NonNull<D>>>,
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

impl<D: ?Sized> Arena<D> {
    pub(crate) const fn new() -> Self {
        Arena {
            entries: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    /// Registers `entry`, to be popped later.
    pub(crate) fn push<T>(&self, entry: T)
    where
        D: Erase<T>,
    {
        let ptr = D::erase(NonNull::from(Box::leak(Box::new(entry))));
        self.entries.borrow_mut().push(ptr);
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
        self.entries.borrow_mut().reserve(1);
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
        self.entries.borrow_mut().push(D::erase(unregistered.0));
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
    pub(crate) async fn enter_async<'s, T, M>(
        &'s self,
        entry: T,
        manager: fn(&mut T) -> &mut M,
    ) -> Result<M::Value<'s>, M::Error>
    where
        D: Erase<T>,
        T: 's,
        M: AsyncContextManager + 's,
    {
        let (unregistered, entry) = self.leak(entry);
        // If this future is dropped mid-enter, or enter's poll panics, the
        // future being awaited (a temporary of this statement, which holds
        // the `&'s mut T`) is dropped before any local, `unregistered`
        // included.
        let entered = manager(entry).enter().await;
        if entered.is_ok() {
            self.register(unregistered);
        }
        entered
    }

    /// The most recent entry, unregistered and boxed again.
    pub(crate) fn pop(&mut self) -> Option<Box<D>> {
        let ptr = self.entries.get_mut().pop()?;
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
            entries: RefCell::new(core::mem::take(self.entries.get_mut())),
        }
    }
}

impl<D: ?Sized> Drop for Arena<D> {
    /// Frees entries that were never exited (their exit does not run: the
    /// stacks' own `Drop` exits them first; what remains here is left over
    /// from a panic without `std`, where nothing could catch it).
    fn drop(&mut self) {
        while let Some(entry) = self.pop() {
            drop(entry);
        }
    }
}
