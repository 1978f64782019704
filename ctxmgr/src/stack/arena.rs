//! The only `unsafe` of the crate: the arena under [`ExitStack`](super::ExitStack).
//!
//! `ExitStack::enter_context` takes `&self` and hands out the entered
//! manager's value, which may borrow the manager, for as long as that shared
//! borrow of the stack lasts. So the manager must stay put and stay uniquely
//! reachable through that `&mut` while later entries are added through other
//! shared borrows. An arena of raw boxes does it:
//!
//! * each entry is boxed and turned into a raw pointer with [`Box::leak`]
//!   (as `Box::into_raw` would): the `Vec` holds pointers, never `Box`es (moving a
//!   `Box` asserts it is unique, which an outstanding `&mut` to its contents
//!   would contradict);
//! * [`Arena::enter`] makes one `&'s mut T` from the pointer, for the `'s` of
//!   the `&'s self` it was called with, and gives it to the entry's enter;
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
//! Miri (`.ci/run`) runs the ExitStack tests under Stacked Borrows.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::RefCell;
use core::mem::ManuallyDrop;
use core::ptr::NonNull;

use crate::{ContextManager, Outcome};

/// One registered entry, object-safe (`ContextManager` has a GAT and is not).
pub(crate) trait Entry<E> {
    /// Runs the entry's exit with `outcome`, then frees it. `Ok(true)` when
    /// `ask` was set, exit succeeded and the entry swallows the error of
    /// `outcome` (see [`Suppress`](crate::Suppress)).
    fn exit(self: Box<Self>, outcome: Outcome<'_>, ask: bool) -> Result<bool, E>;
}

/// Entries in the order they were registered.
pub(crate) struct Arena<'m, E> {
    /// Each pointer came from `Box::leak`, is here once, and is rebuilt
    /// into its box exactly once: by [`Arena::pop`] or by `Drop`.
    entries: RefCell<Vec<NonNull<dyn Entry<E> + 'm>>>,
}

/// Frees a boxed entry that did not get registered (its enter failed or
/// panicked).
struct Unregistered<T>(NonNull<T>);

impl<T> Drop for Unregistered<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` in `Arena::enter` and was
        // not registered, so this is its only rebuild. The `&'s mut` made
        // there is not used after this point: enter returned `Err` or is
        // unwinding, so no value borrowing the entry was produced, and enter's
        // error type `M::Error` was fixed before `'s` was chosen, so it cannot
        // borrow the entry either.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}

impl<'m, E> Arena<'m, E> {
    pub(crate) const fn new() -> Self {
        Arena {
            entries: RefCell::new(Vec::new()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.borrow().len()
    }

    /// Registers `entry`, to be popped later.
    pub(crate) fn push<T: Entry<E> + 'm>(&self, entry: T) {
        let ptr: NonNull<dyn Entry<E> + 'm> = NonNull::from(Box::leak(Box::new(entry)));
        self.entries.borrow_mut().push(ptr);
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
        T: Entry<E> + 'm,
        M: ContextManager + 's,
    {
        // Room first, so that registering cannot fail after enter succeeded.
        self.entries.borrow_mut().reserve(1);
        let raw = NonNull::from(Box::leak(Box::new(entry)));
        let unregistered = Unregistered(raw);
        // SAFETY: `raw` points to a live allocation owned by nobody else (just
        // leaked, not yet registered). This `&'s mut T` is the only reference
        // made from it until `pop` or `Drop`, which take `&mut self` and so
        // run only after `'s` (the borrow of `self` that this reference and
        // the value enter derives from it live in) has ended. `T: 'm` and
        // `'m: 's` (implied by `&'s Arena<'m, _>`), so `T: 's`.
        let entry: &'s mut T = unsafe { &mut *raw.as_ptr() };
        let entered = manager(entry).enter();
        if entered.is_ok() {
            let _registered = ManuallyDrop::new(unregistered);
            let ptr: NonNull<dyn Entry<E> + 'm> = raw;
            self.entries.borrow_mut().push(ptr);
        }
        entered
    }

    /// The most recent entry, unregistered and boxed again.
    pub(crate) fn pop(&mut self) -> Option<Box<dyn Entry<E> + 'm>> {
        let ptr = self.entries.get_mut().pop()?;
        // SAFETY: `ptr` came from `Box::leak` of a
        // `Box<T: Entry<E> + 'm>` (unsized here to `dyn`), was registered once
        // and has just been removed, so this is the only rebuild. `&mut self`
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

impl<E> Drop for Arena<'_, E> {
    /// Frees entries that were never exited (their exit does not run:
    /// `ExitStack`'s own `Drop` exits them first; what remains here is left
    /// over from a panic without `std`, where nothing could catch it).
    fn drop(&mut self) {
        while let Some(entry) = self.pop() {
            drop(entry);
        }
    }
}
