//! What the expansions of `with!(async ..)` name, beside what they share
//! with the sync `with!` (`private/with.rs`): the kind probes and tags for an
//! [`AsyncGuard`], and polling the body under `catch_unwind`.
//!
//! `enter_async` and `finish_async` await the manager's own futures and keep
//! the guard's state themselves rather than awaiting
//! [`AsyncGuard::enter`]/[`AsyncGuard::finish`]: an `async fn`'s
//! `#[inline]` does not reach its coroutine (rust-lang/rust#129347), so each
//! coroutine layer is a candidate LLVM may leave out of line, and one layer
//! less brought `bench/run`'s `async_ok` from 241 to 196 instructions and
//! `async_err` from 242 to 194. They are only called by the expansion, on the
//! guard it has just made, once each: the guard's checks become
//! `debug_assert!`s.
//!
//! Their sync halves, [`async_parts`] with `KIND.entered`/`KIND.exited`, and
//! [`poll_catching`] with the re-exported `pin!` and `poll_fn`, let an
//! expansion await the manager's futures and poll the body in the user's own
//! coroutine, with no coroutine of ctxmgr's at all: measured on `bench/run`'s
//! cases, 79 instructions instead of 196 for `async_ok` and 144 instead of
//! 194 for `async_err` (hand-written: 161 and 134).

use core::convert::Infallible;
use core::future::Future;
use core::ops::ControlFlow;
use core::pin::Pin;
use core::task::{Context, Poll};

// The expansion pins the body with `pin!` and polls it with `poll_fn`, and
// names the trait to call the manager's `enter` and `exit` itself.
pub use crate::AsyncContextManager;
pub use core::future::poll_fn;
pub use core::pin::pin;

use super::with::{GuardKind, KindNever, KindReal, NeverTag, RealTag, ReturnsError};
pub use crate::asynchronous::State as AsyncState;
use crate::{AsyncGuard, Outcome};

impl<M: AsyncContextManager<Error = Infallible>> KindNever for &GuardKind<'_, AsyncGuard<M>> {
    #[inline(always)]
    fn __ctxmgr_kind(&self) -> NeverTag {
        NeverTag
    }
}
impl<M: AsyncContextManager> KindReal for GuardKind<'_, AsyncGuard<M>> {
    #[inline(always)]
    fn __ctxmgr_kind(&self) -> RealTag {
        RealTag
    }
}

impl NeverTag {
    /// Awaits enter; `Break` never happens.
    #[inline(always)]
    pub async fn enter_async<'g, M: AsyncContextManager<Error = Infallible>, R>(
        self,
        guard: &'g mut AsyncGuard<M>,
    ) -> ControlFlow<R, M::Value<'g>> {
        let (manager, state) = async_parts(guard);
        self.entered(state, manager.enter().await)
    }
    /// Awaits exit; `Break` never happens.
    #[inline(always)]
    pub async fn finish_async<M: AsyncContextManager<Error = Infallible>, R>(
        self,
        guard: &mut AsyncGuard<M>,
        outcome: Outcome<'_>,
    ) -> ControlFlow<R> {
        let (manager, state) = async_parts(guard);
        self.exited(state, manager.exit(outcome).await)
    }
    /// What enter's result makes of the guard: entered on `Ok`.
    #[inline(always)]
    pub fn entered<V, R>(
        self,
        state: &mut AsyncState,
        result: Result<V, Infallible>,
    ) -> ControlFlow<R, V> {
        debug_assert!(*state == AsyncState::Idle, "entered twice");
        match result {
            Ok(value) => {
                *state = AsyncState::Entered;
                ControlFlow::Continue(value)
            }
            Err(never) => match never {},
        }
    }
    /// Exit has run to its end: the guard is finished.
    #[inline(always)]
    pub fn exited<R>(
        self,
        state: &mut AsyncState,
        result: Result<(), Infallible>,
    ) -> ControlFlow<R> {
        debug_assert!(
            *state == AsyncState::Entered,
            "exited before entered, or twice"
        );
        *state = AsyncState::Finished;
        match result {
            Ok(()) => ControlFlow::Continue(()),
            Err(never) => match never {},
        }
    }
}

impl RealTag {
    /// Awaits enter; `Break` holds what the function returns on its error.
    #[inline(always)]
    pub async fn enter_async<'g, M: AsyncContextManager, R: ReturnsError<M::Error>>(
        self,
        guard: &'g mut AsyncGuard<M>,
    ) -> ControlFlow<R, M::Value<'g>> {
        let (manager, state) = async_parts(guard);
        self.entered(state, manager.enter().await)
    }
    /// Awaits exit; `Break` holds what the function returns on its error.
    #[inline(always)]
    pub async fn finish_async<M: AsyncContextManager, R: ReturnsError<M::Error>>(
        self,
        guard: &mut AsyncGuard<M>,
        outcome: Outcome<'_>,
    ) -> ControlFlow<R> {
        let (manager, state) = async_parts(guard);
        self.exited(state, manager.exit(outcome).await)
    }
    /// What enter's result makes of the guard: entered on `Ok`; `Break`
    /// holds what the function returns on enter's error.
    #[inline(always)]
    pub fn entered<V, E, R: ReturnsError<E>>(
        self,
        state: &mut AsyncState,
        result: Result<V, E>,
    ) -> ControlFlow<R, V> {
        debug_assert!(*state == AsyncState::Idle, "entered twice");
        match result {
            Ok(value) => {
                *state = AsyncState::Entered;
                ControlFlow::Continue(value)
            }
            Err(error) => ControlFlow::Break(R::__ctxmgr_from_error(error)),
        }
    }
    /// Exit has run to its end: the guard is finished; `Break` holds what
    /// the function returns on exit's error.
    #[inline(always)]
    pub fn exited<E, R: ReturnsError<E>>(
        self,
        state: &mut AsyncState,
        result: Result<(), E>,
    ) -> ControlFlow<R> {
        debug_assert!(
            *state == AsyncState::Entered,
            "exited before entered, or twice"
        );
        *state = AsyncState::Finished;
        match result {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => ControlFlow::Break(R::__ctxmgr_from_error(error)),
        }
    }
}

/// The guard's manager and state, borrowed apart: what lets a coroutine
/// await the manager's own enter or exit and then record it on the guard
/// (`KIND.entered(STATE, MANAGER.enter().await)`), with no coroutine of
/// ctxmgr's between.
#[inline(always)]
pub fn async_parts<M: AsyncContextManager>(guard: &mut AsyncGuard<M>) -> (&mut M, &mut AsyncState) {
    guard.parts()
}

/// What a caught panic carries (nothing without `std`, where panics are not
/// caught).
#[cfg(feature = "std")]
pub type PanicPayload = std::boxed::Box<dyn core::any::Any + Send + 'static>;
#[cfg(not(feature = "std"))]
pub type PanicPayload = Infallible;

/// Polls `body` once under `catch_unwind`: `Ready(Err(payload))` when the
/// poll panicked. `poll_fn(|cx| poll_catching(body.as_mut(), cx))` over a
/// `pin!`ned body is [`catch_unwind`] with no coroutine of its own.
#[inline(always)]
pub fn poll_catching<F: Future>(
    body: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, PanicPayload>> {
    #[cfg(feature = "std")]
    {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body.poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
    // Without `std` a panic cannot be caught: the body is polled as it is.
    #[cfg(not(feature = "std"))]
    {
        body.poll(cx).map(Ok)
    }
}

/// Awaits `body`, polling it under `catch_unwind`: `Err` with the payload
/// when a poll panicked. Safe and allocation-free: the body is pinned on this
/// future's own state, and the result is `Send` when the body is.
#[inline(always)]
pub async fn catch_unwind<F: Future>(body: F) -> Result<F::Output, PanicPayload> {
    let mut body = pin!(body);
    poll_fn(move |cx| poll_catching(body.as_mut(), cx)).await
}

/// After the body panicked: awaits exit with `Outcome::Panic` (its error is
/// dropped, a panic from it caught), then resumes the body's panic.
#[cold]
pub async fn exit_on_panic<M: AsyncContextManager>(
    guard: &mut AsyncGuard<M>,
    payload: PanicPayload,
) -> ! {
    let _ = catch_unwind(guard.finish(Outcome::Panic)).await;
    resume_unwind(payload)
}

#[cfg(feature = "std")]
fn resume_unwind(payload: PanicPayload) -> ! {
    std::panic::resume_unwind(payload)
}
#[cfg(not(feature = "std"))]
fn resume_unwind(payload: PanicPayload) -> ! {
    match payload {}
}
