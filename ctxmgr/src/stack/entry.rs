//! One registered entry of a stack, for both stacks: the [`Entry`] trait,
//! generic over the stack's [`Flavour`] (what an exit may leave to await),
//! and the entries that both stacks hold, written once: [`Managed`] (a sync
//! manager, asked whether it suppresses), and the [`Plain`] ones, whose exit
//! is their fallback: a [`Callback`] or a [`Push`].
//!
//! [`ExitStack`](super::ExitStack) is the flavour [`Blocking`], whose exit
//! future is uninhabited: its entries are always [`Exiting::Done`]. The two
//! flavours of [`AsyncExitStack`](crate::AsyncExitStack) (`Local` and
//! `Sendable`, `stack/threading.rs`) box a future to await; their async
//! entries live with the async stack.
//!
//! The `unsafe` here ties these trait objects to the arena
//! (`stack/arena.rs`): the unsizing coercion ([`Erase`]) and when they are
//! `Send` ([`SendIf`]).

use alloc::boxed::Box;
use core::convert::Infallible;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::NonNull;
use core::task::{Context, Poll};

use super::arena::{Erase, Lock, SendIf, Unshared};
use crate::{ContextManager, Outcome};

/// What differs between the flavours of stack: the type of an entry, of a
/// boxed exit future, and the arena's cell. Implemented by [`Blocking`]
/// (`ExitStack`) and by `Local` and `Sendable` (`stack/threading.rs`).
pub trait Flavour: Sized + 'static {
    /// `dyn Entry<E, Self> + 'm`, plus `Send` for `Sendable`.
    type Entry<'m, E>: ?Sized + Entry<E, Self>;
    /// The future of an exit left to await: uninhabited for [`Blocking`],
    /// `Pin<Box<dyn Future<Output = Result<bool, E>> + 'a>>` (plus `Send`
    /// for `Sendable`) for the async stacks.
    type Exit<'a, E>: Future<Output = Result<bool, E>>;
    /// The arena's cell.
    type Lock: Lock;
}

/// One registered entry of a stack of flavour `F`, object-safe
/// (`ContextManager` has a GAT and is not).
pub trait Entry<E, F: Flavour> {
    /// Starts the entry's exit with `outcome`, and frees it: done at once
    /// for a sync entry, a future to await for an async one. `Ok(true)`
    /// when `ask` was set, exit succeeded and the entry swallows the error
    /// of `outcome` (see [`Suppress`](crate::Suppress)).
    ///
    /// `outcome` is borrowed: the unwind loop then passes the stack's given
    /// outcome (64 bytes) without copying it for every entry.
    fn exit<'a>(self: Box<Self>, outcome: &Outcome<'a>, ask: bool) -> Exiting<'a, E, F>
    where
        Self: 'a,
        E: 'a;

    /// The sync fallback, on the drop path (the stack was dropped
    /// unclosed, so nothing can be awaited): `outcome` is `Unseen`,
    /// `Panic`, or the error of an entry above whose fallback failed.
    fn drop_exit(self: Box<Self>, outcome: Outcome<'_>) -> Result<(), E>;
}

/// What [`Entry::exit`] gives: the result, or the future of it.
pub enum Exiting<'a, E, F: Flavour> {
    Done(Result<bool, E>),
    Awaiting(F::Exit<'a, E>),
}

/// The flavour of [`ExitStack`](super::ExitStack): nothing is awaited.
pub enum Blocking {}

impl Flavour for Blocking {
    type Entry<'m, E> = dyn Entry<E, Blocking> + 'm;
    type Exit<'a, E> = NoExit<E>;
    type Lock = Unshared;
}

/// [`Blocking`]'s exit future: there is none (no value of it exists).
pub struct NoExit<E>(Infallible, PhantomData<fn() -> E>);

impl<E> NoExit<E> {
    /// Never called: there is no `NoExit`.
    #[inline]
    pub fn unreachable<T>(self) -> T {
        match self.0 {}
    }
}

impl<E> Future for NoExit<E> {
    type Output = Result<bool, E>;
    #[inline]
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        match self.0 {}
    }
}

// SAFETY: the body is the unsizing coercion of `ptr` and nothing else.
unsafe impl<'m, E, F: Flavour, T: Entry<E, F> + 'm> Erase<T> for dyn Entry<E, F> + 'm {
    #[inline]
    fn erase(ptr: NonNull<T>) -> NonNull<Self> {
        ptr
    }
}

// SAFETY: the body is the unsizing coercion of `ptr` and nothing else.
unsafe impl<'m, E, F: Flavour, T: Entry<E, F> + Send + 'm> Erase<T>
    for dyn Entry<E, F> + Send + 'm
{
    #[inline]
    fn erase(ptr: NonNull<T>) -> NonNull<Self> {
        ptr
    }
}

// SAFETY: `When` is `Self`.
unsafe impl<'m, E> SendIf for dyn Entry<E, Blocking> + 'm {
    type When = Self;
}

// SAFETY: `Self` is `Send`: its type says so.
unsafe impl<'m, E, F: Flavour> SendIf for dyn Entry<E, F> + Send + 'm {
    type When = ();
}

/// What rustc names when a future holding a `Local` stack
/// ([`AsyncExitStack::new`](crate::AsyncExitStack::new)) must be `Send`
/// (`tokio::spawn`): "the trait `Send` is not implemented for
/// `dyn UseAsyncExitStackNewSend`". A local stack holds entries that need not be
/// `Send`, so it is not `Send` itself: make the stack with
/// [`AsyncExitStack::new_send`](crate::AsyncExitStack::new_send) instead, or
/// run the task on one thread (tokio's `LocalSet`/`spawn_local`).
///
/// Nothing implements it; it only stands in the crate's types for "not
/// `Send`", so that the error names it rather than the stack's insides.
pub trait UseAsyncExitStackNewSend {}

/// A boxed exit future that is not `Send` (a `Local` stack's), and says so
/// by naming [`UseAsyncExitStackNewSend`] in rustc's error instead of `dyn Future`.
pub struct UnsentExit<'a, E, F>(
    Pin<Box<dyn Future<Output = Result<bool, E>> + 'a>>,
    PhantomData<fn() -> F>,
);

impl<'a, E, F> UnsentExit<'a, E, F> {
    #[inline]
    pub(crate) fn new(exit: Pin<Box<dyn Future<Output = Result<bool, E>> + 'a>>) -> Self {
        UnsentExit(exit, PhantomData)
    }
}

// SAFETY: the bound is never met: `SendIf` is implemented for a
// `dyn Entry` without `+ Send` only for `Local` (whose `When` is
// `dyn UseAsyncExitStackNewSend`, not `Send`; the only flavour that uses
// `UnsentExit`) and `Blocking` (whose `When` is that `dyn Entry` itself, not
// `Send`). So this impl claims nothing; it replaces the automatic one only
// for the name in the error.
unsafe impl<E, F: Flavour> Send for UnsentExit<'_, E, F>
where
    dyn Entry<E, F>: SendIf,
    <dyn Entry<E, F> as SendIf>::When: Send,
{
}

impl<E, F> Future for UnsentExit<'_, E, F> {
    type Output = Result<bool, E>;
    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

// ---------------------------------------------------------------------------
// The entries both stacks hold.

/// A sync manager: `enter_context` on either stack.
pub struct Managed<M>(pub M);

impl<M: ContextManager, E, F: Flavour> Entry<E, F> for Managed<M>
where
    M::Error: Into<E>,
{
    #[inline]
    fn exit<'a>(mut self: Box<Self>, outcome: &Outcome<'a>, ask: bool) -> Exiting<'a, E, F>
    where
        Self: 'a,
        E: 'a,
    {
        let outcome = *outcome;
        Exiting::Done(match self.0.exit(outcome) {
            Ok(()) => Ok(match outcome {
                Outcome::Err(e) if ask => self.0.suppresses(e),
                _ => false,
            }),
            Err(e) => Err(e.into()),
        })
    }

    #[inline]
    fn drop_exit(mut self: Box<Self>, outcome: Outcome<'_>) -> Result<(), E> {
        self.0.exit(outcome).map_err(Into::into)
    }
}

/// An entry that never awaits and never suppresses, so that its exit and
/// its fallback on the drop path are one call, [`Run::run`]: a
/// [`Callback`] or a [`Push`].
pub struct Plain<R>(pub R);

/// What a [`Plain`] entry runs.
pub trait Run<E> {
    /// Runs the entry with `outcome`.
    fn run(self, outcome: Outcome<'_>) -> Result<(), E>;
}

impl<R: Run<E>, E, F: Flavour> Entry<E, F> for Plain<R> {
    #[inline]
    fn exit<'a>(self: Box<Self>, outcome: &Outcome<'a>, _ask: bool) -> Exiting<'a, E, F>
    where
        Self: 'a,
        E: 'a,
    {
        Exiting::Done(self.0.run(*outcome).and(Ok(false)))
    }

    #[inline]
    fn drop_exit(self: Box<Self>, outcome: Outcome<'_>) -> Result<(), E> {
        self.0.run(outcome)
    }
}

/// `callback(f)`: runs whatever the outcome, also on the drop path.
pub struct Callback<C>(pub C);

impl<C: FnOnce(), E> Run<E> for Callback<C> {
    #[inline]
    fn run(self, _outcome: Outcome<'_>) -> Result<(), E> {
        (self.0)();
        Ok(())
    }
}

/// `push(exit)`: sees the pending outcome and may fail, also on the drop
/// path.
pub struct Push<P>(pub P);

impl<P: FnOnce(Outcome<'_>) -> Result<(), E>, E> Run<E> for Push<P> {
    #[inline]
    fn run(self, outcome: Outcome<'_>) -> Result<(), E> {
        (self.0)(outcome)
    }
}
