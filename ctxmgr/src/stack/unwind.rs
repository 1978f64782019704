//! The core of both stacks: [`Core`] (the arena of entries, the view of
//! their error, whether one suppressed), [`Pending`] (what the next entry
//! is told, and what the stack will return), and the loops that unwind it.
//!
//! The two stacks differ only where one awaits: [`Core::unwind`] runs an
//! `ExitStack`'s entries; [`Core::unwind_awaiting`], an `AsyncExitStack`'s,
//! is the same loop with the `.await` of an entry's exit future in it (each
//! step under `catch`/`catch_unwind`, since one `catch` around the loop
//! cannot reach across an `.await`). The drop path, [`Core::drop_all`], is the same for
//! both: every entry's sync fallback, [`Entry::drop_exit`].
//!
//! `bench`'s callgrind case `exitstack` counts [`Core::unwind`]'s loop:
//! per entry it pops, makes the outcome seen (borrowed, not copied), makes
//! one dyn call and records the result, all inline ([`Step`] is a type, not
//! a closure, and [`Pending::exited`] is `#[inline]`), as the `ExitStack`
//! written on its own did.

use alloc::boxed::Box;

use super::arena::{Arena, Erase};
use super::entry::{Blocking, Entry, Exiting, Flavour, Managed};
use crate::unwind::{catch, resume_unwind, PanicPayload};
use crate::{ContextManager, ErrorRef, Outcome};

/// What the two stacks are made of: the entries in registration order,
/// the view that shows an entry's error `E` to the entries below, and
/// whether an entry suppressed the error at the last exit.
pub(crate) struct Core<'m, E, F: Flavour> {
    pub(crate) arena: Arena<F::Entry<'m, E>, F::Lock>,
    pub(crate) view: fn(&E) -> ErrorRef<'_>,
    /// An entry swallowed the pending error at the last exit.
    pub(crate) suppressed: bool,
}

/// What an entry is told, and what the stack will return, while it unwinds.
pub(crate) struct Pending<'o, E> {
    /// The outcome the stack was given; `Ok` once an entry suppressed it.
    given: Outcome<'o>,
    /// The error of the last entry whose exit failed.
    error: Option<E>,
    /// An entry panicked, or the stack was given `Outcome::Panic`.
    panicking: bool,
    suppressed: bool,
    /// The first entry's panic, resumed once every entry has run.
    payload: Option<PanicPayload>,
}

impl<'o, E> Pending<'o, E> {
    pub(crate) fn new(given: Outcome<'o>) -> Self {
        Pending {
            panicking: given.is_panic(),
            given,
            error: None,
            suppressed: false,
            payload: None,
        }
    }

    /// What the next entry sees, and whether a suppressing one is asked.
    /// Borrowed, not copied, when it is the given outcome (as it is for
    /// every entry of a stack whose exits succeed); an entry's error is
    /// shown through `shown`.
    #[inline]
    pub(crate) fn seen<'a>(
        &'a self,
        view: fn(&E) -> ErrorRef<'_>,
        shown: &'a mut Option<Outcome<'a>>,
    ) -> (&'a Outcome<'a>, bool) {
        if self.panicking {
            (&Outcome::Panic, false)
        } else if let Some(e) = &self.error {
            (shown.insert(Outcome::Err(view(e))), false)
        } else {
            (&self.given, self.given.is_err())
        }
    }

    /// Records what an entry's exit returned. Inlined into the loops: it
    /// runs once per entry, and its argument is as big as `E`.
    #[inline]
    pub(crate) fn exited(&mut self, exited: Result<bool, E>) {
        match exited {
            Ok(false) => {}
            Ok(true) => {
                self.given = Outcome::Ok;
                self.suppressed = true;
            }
            // While unwinding, an exit's error has nowhere to go.
            Err(_) if self.panicking => {}
            Err(e) => self.error = Some(e),
        }
    }

    /// Records that an entry's exit panicked.
    #[cold]
    pub(crate) fn panicked(&mut self, payload: PanicPayload) {
        // While the stack was given a panic, or after the first entry's
        // panic, later panics are dropped.
        if !self.panicking {
            self.payload = Some(payload);
        }
        self.panicking = true;
    }
}

impl<'m, E, F: Flavour> Core<'m, E, F> {
    #[inline]
    pub(crate) fn new(view: fn(&E) -> ErrorRef<'_>) -> Self {
        Core {
            arena: Arena::new(),
            view,
            suppressed: false,
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.arena.len()
    }

    /// `pop_all`: every entry, moved into a new core with the same view.
    #[inline]
    pub(crate) fn take(&mut self) -> Self {
        Core {
            arena: self.arena.take(),
            view: self.view,
            suppressed: false,
        }
    }

    /// `enter_context` on either stack: enters the sync `manager` now and
    /// registers its exit.
    #[inline]
    pub(crate) fn enter<'s, M>(&'s self, manager: M) -> Result<M::Value<'s>, E>
    where
        M: ContextManager + 'm,
        M::Error: Into<E>,
        F::Entry<'m, E>: Erase<Managed<M>>,
    {
        self.arena
            .enter(Managed(manager), |entry| &mut entry.0)
            .map_err(Into::into)
    }

    /// Registers `entry` (a callback, or an async entry).
    #[inline]
    pub(crate) fn push<T>(&self, entry: T)
    where
        F::Entry<'m, E>: Erase<T>,
    {
        self.arena.push(entry);
    }

    /// Resumes the first panic, or gives the error to propagate; remembers
    /// whether an entry suppressed the given error (only when the stack's
    /// exit succeeded: a failing exit suppresses nothing).
    pub(crate) fn finish(&mut self, pending: Pending<'_, E>) -> Result<(), E> {
        if let Some(payload) = pending.payload {
            resume_unwind(payload);
        }
        match pending.error {
            Some(e) if !pending.panicking => {
                self.suppressed = false;
                Err(e)
            }
            _ => {
                self.suppressed = pending.suppressed;
                Ok(())
            }
        }
    }

    /// Pops and runs every entry with `S`, which never awaits, under one
    /// `catch` for the whole loop: a panicking entry has already been
    /// popped, so the loop picks up below it.
    fn drain<S: Step<E, F>>(&mut self, pending: &mut Pending<'_, E>) {
        let view = self.view;
        loop {
            let drained = catch(|| {
                while let Some(entry) = self.arena.pop() {
                    let mut shown = None;
                    let (seen, ask) = pending.seen(view, &mut shown);
                    pending.exited(S::run(entry, seen, ask));
                }
            });
            match drained {
                Ok(()) => break,
                Err(payload) => pending.panicked(payload),
            }
        }
    }

    /// Runs every entry's sync fallback with `given` (`Unseen` or `Panic`)
    /// as the starting outcome.
    fn unwind_dropped(&mut self, given: Outcome<'_>) -> Result<(), E> {
        let mut pending = Pending::new(given);
        self.drain::<Fallback>(&mut pending);
        self.finish(pending)
    }

    /// The drop path of a stack dropped unclosed, told `outcome` (`Unseen`
    /// from `Drop`; `Panic` too from an async stack's `drop_exit`): every
    /// entry's fallback runs with `Outcome::Panic` while the thread
    /// panics (errors dropped, panics caught), `Outcome::Unseen` otherwise;
    /// an error on that unseen path panics with `unseen_failed` once every
    /// entry has run, since it had nowhere else to go.
    #[cold]
    pub(crate) fn drop_all(&mut self, outcome: Outcome<'_>, unseen_failed: &str) {
        #[cfg(feature = "std")]
        {
            if outcome.is_panic() || std::thread::panicking() {
                // Catches the entries' panics itself: nothing escapes.
                let _ = self.unwind_dropped(Outcome::Panic);
            } else if self.unwind_dropped(Outcome::Unseen).is_err() {
                panic!("{unseen_failed}");
            }
        }
        #[cfg(not(feature = "std"))]
        {
            let _ = (outcome, unseen_failed);
            let _ = self.unwind_dropped(Outcome::Unseen);
        }
    }
}

impl<E, F: Flavour> Core<'_, E, F> {
    /// An `AsyncExitStack`'s exit: [`Core::unwind`] with an `.await` in
    /// it. Awaits every entry's exit with `given` as the starting outcome.
    pub(crate) async fn unwind_awaiting(&mut self, given: Outcome<'_>) -> Result<(), E> {
        let view = self.view;
        let mut pending = Pending::new(given);
        loop {
            let Some(entry) = self.arena.pop() else { break };
            let mut shown = None;
            let (seen, ask) = pending.seen(view, &mut shown);
            let seen = *seen;
            // A sync entry runs its exit here; an async one only builds its
            // future, which is polled under `catch_unwind` as well. Only
            // that future is held across the `.await` (for a local stack,
            // the one value that is not `Send`).
            let exited = {
                let exiting = catch(move || entry.exit(&seen, ask));
                match exiting {
                    Ok(Exiting::Done(result)) => Ok(result),
                    Ok(Exiting::Awaiting(exit)) => crate::unwind::catch_unwind(exit).await,
                    Err(payload) => Err(payload),
                }
            };
            match exited {
                Ok(result) => pending.exited(result),
                Err(payload) => pending.panicked(payload),
            }
        }
        self.finish(pending)
    }
}

impl<E> Core<'_, E, Blocking> {
    /// An `ExitStack`'s exit: runs every entry with `given` as the starting
    /// outcome.
    pub(crate) fn unwind(&mut self, given: Outcome<'_>) -> Result<(), E> {
        let mut pending = Pending::new(given);
        self.drain::<Exit>(&mut pending);
        self.finish(pending)
    }
}

/// What [`Core::drain`] runs of each entry: [`Exit`] or [`Fallback`]. A
/// type rather than a closure: the closure's tupled arguments were written
/// to memory and copied again per entry (about 15 instructions of an
/// `ExitStack`'s exit, which `bench` counts).
trait Step<E, F: Flavour> {
    fn run<'m>(entry: Box<F::Entry<'m, E>>, outcome: &Outcome<'_>, ask: bool) -> Result<bool, E>;
}

/// An `ExitStack`'s entry's exit, which never awaits.
enum Exit {}

impl<E> Step<E, Blocking> for Exit {
    #[inline(always)]
    fn run<'m>(
        entry: Box<dyn Entry<E, Blocking> + 'm>,
        outcome: &Outcome<'_>,
        ask: bool,
    ) -> Result<bool, E> {
        match entry.exit(outcome, ask) {
            Exiting::Done(exited) => exited,
            Exiting::Awaiting(none) => none.unreachable(),
        }
    }
}

/// The sync fallback of an entry of either stack (the drop path); it never
/// suppresses.
enum Fallback {}

impl<E, F: Flavour> Step<E, F> for Fallback {
    #[inline(always)]
    fn run<'m>(entry: Box<F::Entry<'m, E>>, outcome: &Outcome<'_>, _ask: bool) -> Result<bool, E> {
        entry.drop_exit(*outcome).and(Ok(false))
    }
}
