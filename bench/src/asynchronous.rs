//! The async workload (issue 11): `with!(async ..)` against what a careful
//! engineer writes by hand for the same work.
//!
//! Each case function is sync and `#[inline(never)]` (so callgrind can count
//! it): it builds the case's future and polls it to the end on a no-op waker
//! ([`block_on`]), so no executor is measured. Both variants run the very
//! same [`AsyncSpan`] enter/exit futures and deliver the same [`Outcome`].
//!
//! | case | body | what it exercises |
//! | --- | --- | --- |
//! | `async_ok` | a value | enter awaited, body polled under `catch_unwind`, exit awaited with `Ok` |
//! | `async_err` | `?` on an `Err` | exit awaited with the `?`'s error viewed, then `From` |
//! | `async_pending` | a value; enter, body and exit each `Pending` once | the same as `async_ok` through real suspension points: four polls |
//!
//! The hand-written variants ([`async_ok_hand`] and friends) are what
//! `with!(async ..)` promises, without the macro: a Drop guard armed after
//! enter and disarmed only once exit *completed* (so a future dropped
//! mid-body or mid-exit still runs `drop_exit`, with `Panic` while unwinding
//! and a panic from it caught, as [`ctxmgr::AsyncGuard`] does), the body
//! pinned and polled under `catch_unwind` through `poll_fn`, and exit awaited
//! on each path: `Ok`, the `?`'s error, or `Panic` before the panic resumes.

use core::future::{poll_fn, Future};
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::hint::black_box;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use ctxmgr::{with, AsyncContextManager, ErrorRef, Outcome};

use crate::{parse, BenchError, ParseError, Stats};

/// Polls `future` on a no-op waker until it is ready: the least an executor
/// does, the same for every variant.
#[inline(always)]
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// Returns `Pending` once (waking itself), then `Ready`: a real suspension
/// point under any executor.
#[derive(Default)]
pub struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    #[inline]
    fn poll(mut self: core::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// Awaits a [`YieldOnce`] when `PENDING` (decided at compile time), nothing
/// otherwise.
#[inline(always)]
async fn maybe_yield<const PENDING: bool>() {
    if PENDING {
        YieldOnce::default().await;
    }
}

/// The async twin of [`crate::Span`]: enter hands out a ticket, exit commits
/// or rolls back. With `PENDING`, enter and exit each return `Pending` once
/// before their work; without, their futures are ready at the first poll.
pub struct AsyncSpan<'s, const PENDING: bool> {
    stats: &'s mut Stats,
}

impl<'s, const PENDING: bool> AsyncSpan<'s, PENDING> {
    #[inline]
    pub fn new(stats: &'s mut Stats) -> Self {
        AsyncSpan { stats }
    }
}

impl<const PENDING: bool> AsyncContextManager for AsyncSpan<'_, PENDING> {
    type Value<'a>
        = u64
    where
        Self: 'a;
    type Error = BenchError;

    #[inline]
    async fn enter(&mut self) -> Result<u64, BenchError> {
        maybe_yield::<PENDING>().await;
        if self.stats.fail_enter {
            return Err(BenchError::Enter);
        }
        self.stats.entered += 1;
        Ok(self.stats.entered)
    }

    #[inline]
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), BenchError> {
        maybe_yield::<PENDING>().await;
        if outcome.is_ok() {
            self.stats.committed += 1;
        } else {
            self.stats.rolled_back += 1;
        }
        if self.stats.fail_exit {
            Err(BenchError::Exit)
        } else {
            Ok(())
        }
    }

    #[inline]
    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        // Cancelled or panicking: counted apart from a rollback that exit saw.
        let _ = outcome;
        self.stats.total = black_box(self.stats.total.wrapping_add(1));
    }
}

// ---------------------------------------------------------------------------
// Hand-written: the cancellation-safe Drop guard a careful engineer writes.

/// Runs the span's `drop_exit` if dropped while armed: armed after a
/// successful enter, disarmed only when exit has run to its end.
pub struct AsyncSpanDropGuard<'s, const PENDING: bool> {
    pub span: AsyncSpan<'s, PENDING>,
    pub armed: bool,
}

impl<const PENDING: bool> Drop for AsyncSpanDropGuard<'_, PENDING> {
    #[inline]
    fn drop(&mut self) {
        if self.armed {
            self.drop_exit();
        }
    }
}

impl<const PENDING: bool> AsyncSpanDropGuard<'_, PENDING> {
    /// Cancelled mid-body or mid-exit (`Unseen`), or unwinding (`Panic`, a
    /// second panic caught so the process does not abort).
    #[cold]
    fn drop_exit(&mut self) {
        self.armed = false;
        if std::thread::panicking() {
            let span = &mut self.span;
            let _ = catch_unwind(AssertUnwindSafe(move || span.drop_exit(Outcome::Panic)));
        } else {
            self.span.drop_exit(Outcome::Unseen);
        }
    }
}

// ---------------------------------------------------------------------------
// Case `async_ok`: enter, a body that yields a value, exit `Ok`.

async fn ok_with<const PENDING: bool>(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let y = with!(async AsyncSpan::<PENDING>::new(stats) as ticket => {
        maybe_yield::<PENDING>().await;
        black_box(x) + ticket
    });
    Ok(y)
}

async fn ok_hand<const PENDING: bool>(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut guard = AsyncSpanDropGuard {
        span: AsyncSpan::<PENDING>::new(stats),
        armed: false,
    };
    let ticket = guard.span.enter().await?;
    guard.armed = true;
    let caught = {
        let mut body = pin!(async {
            maybe_yield::<PENDING>().await;
            black_box(x) + ticket
        });
        poll_fn(
            |cx| match catch_unwind(AssertUnwindSafe(|| body.as_mut().poll(cx))) {
                Ok(Poll::Ready(y)) => Poll::Ready(Ok(y)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(payload) => Poll::Ready(Err(payload)),
            },
        )
        .await
    };
    match caught {
        Ok(y) => {
            let exited = guard.span.exit(Outcome::Ok).await;
            guard.armed = false;
            exited?;
            Ok(y)
        }
        Err(payload) => {
            let exited = {
                let mut exit = pin!(guard.span.exit(Outcome::Panic));
                poll_fn(
                    |cx| match catch_unwind(AssertUnwindSafe(|| exit.as_mut().poll(cx))) {
                        Ok(Poll::Ready(_)) => Poll::Ready(true),
                        Ok(Poll::Pending) => Poll::Pending,
                        Err(_) => Poll::Ready(false),
                    },
                )
                .await
            };
            // Exit panicked: the guard stays armed, its `drop_exit` runs.
            guard.armed = !exited;
            resume_unwind(payload)
        }
    }
}

#[inline(never)]
pub fn async_ok_with(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    block_on(ok_with::<false>(stats, x))
}

#[inline(never)]
pub fn async_ok_hand(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    block_on(ok_hand::<false>(stats, x))
}

// ---------------------------------------------------------------------------
// Case `async_err`: the body's `?` fails (odd input); exit sees the
// `ParseError`, then it propagates converted into `BenchError`.

async fn err_with(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let y = with!(async AsyncSpan::<false>::new(stats) as ticket => {
        parse(black_box(x))? + ticket
    });
    Ok(y)
}

async fn err_hand(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut guard = AsyncSpanDropGuard {
        span: AsyncSpan::<false>::new(stats),
        armed: false,
    };
    let ticket = guard.span.enter().await?;
    guard.armed = true;
    let caught = {
        let mut body = pin!(async { Ok::<_, ParseError>(parse(black_box(x))? + ticket) });
        poll_fn(
            |cx| match catch_unwind(AssertUnwindSafe(|| body.as_mut().poll(cx))) {
                Ok(Poll::Ready(y)) => Poll::Ready(Ok(y)),
                Ok(Poll::Pending) => Poll::Pending,
                Err(payload) => Poll::Ready(Err(payload)),
            },
        )
        .await
    };
    match caught {
        Ok(Ok(y)) => {
            let exited = guard.span.exit(Outcome::Ok).await;
            guard.armed = false;
            exited?;
            Ok(y)
        }
        Ok(Err(e)) => {
            let exited = guard.span.exit(Outcome::Err(ErrorRef::new(&e))).await;
            guard.armed = false;
            exited?;
            Err(e.into())
        }
        Err(payload) => {
            let exited = {
                let mut exit = pin!(guard.span.exit(Outcome::Panic));
                poll_fn(
                    |cx| match catch_unwind(AssertUnwindSafe(|| exit.as_mut().poll(cx))) {
                        Ok(Poll::Ready(_)) => Poll::Ready(true),
                        Ok(Poll::Pending) => Poll::Pending,
                        Err(_) => Poll::Ready(false),
                    },
                )
                .await
            };
            guard.armed = !exited;
            resume_unwind(payload)
        }
    }
}

#[inline(never)]
pub fn async_err_with(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    block_on(err_with(stats, x))
}

#[inline(never)]
pub fn async_err_hand(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    block_on(err_hand(stats, x))
}

// ---------------------------------------------------------------------------
// Case `async_pending`: `async_ok` where enter, the body and exit each
// return `Pending` once.

#[inline(never)]
pub fn async_pending_with(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    block_on(ok_with::<true>(stats, x))
}

#[inline(never)]
pub fn async_pending_hand(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    block_on(ok_hand::<true>(stats, x))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both variants of a case do the same observable work, on every path.
    #[test]
    fn variants_agree() {
        type Case = fn(&mut Stats, u64) -> Result<u64, BenchError>;
        let pairs: [(Case, Case, u64); 3] = [
            (async_ok_with, async_ok_hand, 4),
            (async_err_with, async_err_hand, 3),
            (async_pending_with, async_pending_hand, 4),
        ];
        for (with, hand, x) in pairs {
            for (fail_enter, fail_exit) in [(false, false), (false, true), (true, false)] {
                let mut a = Stats {
                    fail_enter,
                    fail_exit,
                    ..Stats::default()
                };
                let mut b = a.clone();
                assert_eq!(with(&mut a, x), hand(&mut b, x));
                assert_eq!(a, b);
                assert_eq!(a.entered, u64::from(!fail_enter));
                assert_eq!(a.total, 0, "drop_exit did not run");
            }
        }
    }

    /// Polls `future` `polls` times, then drops it (cancels it).
    fn cancel_after<F: Future>(future: F, polls: usize) {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        for _ in 0..polls {
            assert!(future.as_mut().poll(&mut cx).is_pending());
        }
    }

    /// Cancelled mid-enter, mid-body or mid-exit, both variants run
    /// `drop_exit` exactly when `with!(async ..)` does.
    #[test]
    fn cancellation_agrees() {
        // Polls: 1 leaves enter pending, 2 the body, 3 exit.
        for (polls, drop_exits) in [(1, 0), (2, 1), (3, 1)] {
            let (mut a, mut b) = (Stats::default(), Stats::default());
            cancel_after(ok_with::<true>(&mut a, 4), polls);
            cancel_after(ok_hand::<true>(&mut b, 4), polls);
            assert_eq!(a, b, "after {polls} polls");
            assert_eq!(a.total, drop_exits, "after {polls} polls");
        }
    }
}
