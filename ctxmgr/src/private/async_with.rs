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

use core::convert::Infallible;
use core::future::Future;
use core::ops::ControlFlow;

use super::with::{GuardKind, KindNever, KindReal, NeverTag, RealTag, ReturnsError};
use crate::asynchronous::State;
use crate::{AsyncContextManager, AsyncGuard, Outcome};

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
        let (manager, state) = guard.parts();
        debug_assert!(*state == State::Idle, "entered twice");
        match manager.enter().await {
            Ok(value) => {
                *state = State::Entered;
                ControlFlow::Continue(value)
            }
            Err(never) => match never {},
        }
    }
    /// Awaits exit; `Break` never happens.
    #[inline(always)]
    pub async fn finish_async<M: AsyncContextManager<Error = Infallible>, R>(
        self,
        guard: &mut AsyncGuard<M>,
        outcome: Outcome<'_>,
    ) -> ControlFlow<R> {
        let (manager, state) = guard.parts();
        debug_assert!(*state == State::Entered, "exited before entered, or twice");
        let result = manager.exit(outcome).await;
        *state = State::Finished;
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
        let (manager, state) = guard.parts();
        debug_assert!(*state == State::Idle, "entered twice");
        match manager.enter().await {
            Ok(value) => {
                *state = State::Entered;
                ControlFlow::Continue(value)
            }
            Err(error) => ControlFlow::Break(R::__ctxmgr_from_error(error)),
        }
    }
    /// Awaits exit; `Break` holds what the function returns on its error.
    #[inline(always)]
    pub async fn finish_async<M: AsyncContextManager, R: ReturnsError<M::Error>>(
        self,
        guard: &mut AsyncGuard<M>,
        outcome: Outcome<'_>,
    ) -> ControlFlow<R> {
        let (manager, state) = guard.parts();
        debug_assert!(*state == State::Entered, "exited before entered, or twice");
        let result = manager.exit(outcome).await;
        *state = State::Finished;
        match result {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => ControlFlow::Break(R::__ctxmgr_from_error(error)),
        }
    }
}

/// What a caught panic carries (nothing without `std`, where panics are not
/// caught).
#[cfg(feature = "std")]
pub type PanicPayload = std::boxed::Box<dyn core::any::Any + Send + 'static>;
#[cfg(not(feature = "std"))]
pub type PanicPayload = Infallible;

/// Awaits `body`, polling it under `catch_unwind`: `Err` with the payload
/// when a poll panicked. Safe and allocation-free: the body is pinned on this
/// future's own state, and the result is `Send` when the body is.
#[cfg(feature = "std")]
#[inline(always)]
pub async fn catch_unwind<F: Future>(body: F) -> Result<F::Output, PanicPayload> {
    let mut body = core::pin::pin!(body);
    core::future::poll_fn(move |cx| {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body.as_mut().poll(cx))) {
            Ok(core::task::Poll::Ready(value)) => core::task::Poll::Ready(Ok(value)),
            Ok(core::task::Poll::Pending) => core::task::Poll::Pending,
            Err(payload) => core::task::Poll::Ready(Err(payload)),
        }
    })
    .await
}

/// Without `std` a panic cannot be caught: the body is awaited as it is.
#[cfg(not(feature = "std"))]
#[inline(always)]
pub async fn catch_unwind<F: Future>(body: F) -> Result<F::Output, PanicPayload> {
    Ok(body.await)
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
