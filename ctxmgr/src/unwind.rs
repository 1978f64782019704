//! Catching and resuming panics: the guards' drop paths, and the async
//! machinery that polls a body and awaits exits under `catch_unwind`
//! ([`poll_catching`], [`catch_unwind`]). Without `std` panics are not
//! caught: [`catch`] just runs its closure and [`unwinding`] is always
//! `false`.
//!
//! The expansions of `with!(async ..)` name some of these through
//! `__private`, which re-exports them; the runtime's own modules import them
//! from here.

use core::future::{poll_fn, Future};
use core::pin::{pin, Pin};
use core::task::{Context, Poll};

/// What a caught panic carries (nothing without `std`, where panics are not
/// caught).
#[cfg(feature = "std")]
pub type PanicPayload = std::boxed::Box<dyn core::any::Any + Send + 'static>;
/// What a caught panic carries (nothing without `std`, where panics are not
/// caught).
#[cfg(not(feature = "std"))]
pub type PanicPayload = core::convert::Infallible;

/// Runs `f`, catching a panic (without `std`, where panics cannot be
/// caught, just runs it).
#[inline(always)]
pub fn catch<R>(f: impl FnOnce() -> R) -> Result<R, PanicPayload> {
    #[cfg(feature = "std")]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
    }
    #[cfg(not(feature = "std"))]
    {
        Ok(f())
    }
}

/// Polls `body` once under `catch_unwind`: `Ready(Err(payload))` when the
/// poll panicked. `poll_fn(|cx| poll_catching(body.as_mut(), cx))` over a
/// `pin!`ned body is [`catch_unwind`] with no coroutine of its own: the
/// form the expansions of `with!(async ..)` write, so the body runs in the
/// user's own coroutine.
#[inline(always)]
pub fn poll_catching<F: Future>(
    body: Pin<&mut F>,
    cx: &mut Context<'_>,
) -> Poll<Result<F::Output, PanicPayload>> {
    match catch(|| body.poll(cx)) {
        Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(payload) => Poll::Ready(Err(payload)),
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

/// Resumes a caught panic.
pub fn resume_unwind(payload: PanicPayload) -> ! {
    #[cfg(feature = "std")]
    {
        std::panic::resume_unwind(payload)
    }
    #[cfg(not(feature = "std"))]
    {
        match payload {}
    }
}

/// `true` while the thread unwinds from a panic: a guard dropped then tells
/// its manager [`Outcome::Panic`](crate::Outcome::Panic). Always `false`
/// without `std`, where a guard cannot tell a panic from an unseen path.
#[inline]
pub(crate) fn unwinding() -> bool {
    #[cfg(feature = "std")]
    {
        std::thread::panicking()
    }
    #[cfg(not(feature = "std"))]
    {
        false
    }
}
