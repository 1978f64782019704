//! `AsyncGuard` by hand and `with!(async ..)`, polled on a no-op waker: no
//! executor, a deterministic count of polls.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ctxmgr::{with, AsyncContextManager, AsyncGuard, ErrorRef, Outcome};
use ctxmgr_tests::async_probe::{yield_now, AsyncProbe, SyncLog};
use ctxmgr_tests::TestError;

/// Polls `future` to its end on a no-op waker, counting the polls.
fn block_on<F: Future>(future: F) -> (F::Output, usize) {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    let mut polls = 0;
    loop {
        polls += 1;
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return (output, polls);
        }
    }
}

/// A manager with a lifetime parameter and a value borrowing it.
struct Lines<'l> {
    log: &'l SyncLog,
    lines: Vec<String>,
}

impl AsyncContextManager for Lines<'_> {
    type Value<'a>
        = &'a mut Vec<String>
    where
        Self: 'a;
    type Error = TestError;

    async fn enter(&mut self) -> Result<&mut Vec<String>, TestError> {
        yield_now().await;
        self.log.push("enter");
        Ok(&mut self.lines)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        yield_now().await;
        self.log.push(format!(
            "exit {} after {:?}",
            ctxmgr_tests::describe(&outcome),
            self.lines
        ));
        Ok(())
    }
}

async fn by_hand(log: &SyncLog, fail: bool) -> Result<usize, TestError> {
    let mut guard = AsyncGuard::new(Lines {
        log,
        lines: Vec::new(),
    });
    let lines = guard.enter().await?;
    lines.push("one".into());
    let n = lines.len();
    assert!(guard.is_entered());
    let error = TestError::Body("hand");
    let outcome = if fail {
        Outcome::Err(ErrorRef::new(&error))
    } else {
        Outcome::Ok
    };
    guard.finish(outcome).await?;
    assert!(!guard.is_entered());
    // A second finish does nothing.
    guard.finish(Outcome::Ok).await?;
    Ok(n)
}

#[test]
fn a_hand_used_guard_awaits_enter_and_exit_once() {
    let log = SyncLog::new();
    let (result, polls) = block_on(by_hand(&log, false));
    assert_eq!(result, Ok(1));
    assert_eq!(polls, 3, "enter and exit each suspended once");
    assert_eq!(block_on(by_hand(&log, true)).0, Ok(1));
    assert_eq!(
        log.take(),
        [
            "enter",
            "exit ok after [\"one\"]",
            "enter",
            "exit err(body hand failed) after [\"one\"]"
        ]
    );
}

#[test]
fn a_guard_dropped_mid_enter_is_not_entered_and_runs_nothing() {
    let log = SyncLog::new();
    let mut guard = AsyncGuard::new(AsyncProbe::new("a", &log));
    {
        let mut enter = pin!(guard.enter());
        let mut cx = Context::from_waker(Waker::noop());
        assert!(enter.as_mut().poll(&mut cx).is_pending());
    }
    assert!(!guard.is_entered());
    drop(guard);
    assert!(log.take().is_empty());
}

#[test]
fn a_guard_dropped_mid_exit_runs_drop_exit() {
    let log = SyncLog::new();
    let mut guard = AsyncGuard::new(AsyncProbe::new("a", &log));
    assert_eq!(block_on(guard.enter()).0, Ok("a"));
    {
        let mut exit = pin!(guard.finish(Outcome::Ok));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(exit.as_mut().poll(&mut cx).is_pending());
    }
    assert!(guard.is_entered(), "exit did not complete");
    drop(guard);
    assert_eq!(log.take(), ["enter a", "drop_exit a unseen"]);
}

#[test]
fn with_async_on_a_no_op_waker_sees_every_outcome() {
    async fn run(log: &SyncLog, fail: bool) -> Result<u32, TestError> {
        let n = with!(async { AsyncProbe::new("a", log) } as name, {
            yield_now().await;
            if fail {
                Err(TestError::Body(name))?;
            }
            7
        });
        Ok(n)
    }
    let log = SyncLog::new();
    assert_eq!(block_on(run(&log, false)).0, Ok(7));
    assert_eq!(block_on(run(&log, true)).0, Err(TestError::Body("a")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a err(body a failed)"
        ]
    );
}
