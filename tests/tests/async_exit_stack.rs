//! `AsyncExitStack` under a real tokio runtime: exits awaited last-in
//! first-out, one at a time, with the outcome each entry sees; which error
//! propagates; panics; a failed, panicking or cancelled enter; `pop_all`,
//! `aclose`; a stack dropped unclosed or cancelled (sync fallbacks, never
//! exit with `Ok`); suppression; 10,000 entries; several values held at once.
//!
//! Also run under Miri by `.ci/run`: there `block_on` polls with a noop
//! waker instead of tokio, and the tests that need tokio's timers, threads
//! or files are skipped.

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use ctxmgr::{
    with, AsyncContextManager, AsyncExitStack, AsyncGuard, AsyncSuppress, BoxError, ContextManager,
    ErrorRef, Outcome, Suppress,
};
use ctxmgr_tests::async_probe::{yield_now, AsyncProbe};
use ctxmgr_tests::{describe, panic_message, Log, Probe, TestError};

/// Runs `future` to its end: on a tokio current-thread runtime, or, under
/// Miri, by polling with a noop waker (every fixture wakes itself).
fn block_on<F: Future>(future: F) -> F::Output {
    #[cfg(not(miri))]
    {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(future)
    }
    #[cfg(miri)]
    {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
                return value;
            }
        }
    }
}

/// Polls `future` `polls` times with a noop waker, then drops it (cancels
/// it) unless it ended; returns its output if it did.
fn poll_then_drop<F: Future>(future: F, polls: usize) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..polls {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return Some(value);
        }
    }
    None
}

/// An async manager that logs `enter NAME`, then (after an await)
/// `exit NAME OUTCOME`, and `drop_exit NAME OUTCOME`; each half awaits a
/// real suspension point first and can be told to fail or panic.
type Slow = AsyncProbe<Log>;

fn slow(name: &'static str, log: &Log) -> Slow {
    AsyncProbe::new(name, log)
}

/// A callback entry that logs `cb NAME`.
fn cb<'l>(stack: &AsyncExitStack<'l, impl Sized>, name: &'static str, log: &'l Log) {
    stack.callback(move || log.push(format!("cb {name}")));
}

/// An async callback entry that logs `acb NAME` after an await.
fn acb<'l>(stack: &AsyncExitStack<'l, impl Sized>, name: &'static str, log: &'l Log) {
    stack.push_async_callback(move || async move {
        yield_now().await;
        log.push(format!("acb {name}"));
    });
}

/// A push entry that logs `push NAME OUTCOME` and returns `result`.
fn push<'l>(
    stack: &AsyncExitStack<'l, TestError>,
    name: &'static str,
    log: &'l Log,
    result: Result<(), TestError>,
) {
    stack.push(move |outcome| {
        log.push(format!("push {name} {}", describe(&outcome)));
        result
    });
}

/// An async push entry that logs `apush NAME OUTCOME` after an await and
/// returns `result`.
fn apush<'l>(
    stack: &AsyncExitStack<'l, TestError>,
    name: &'static str,
    log: &'l Log,
    result: Result<(), TestError>,
) {
    stack.push_async_exit(move |outcome| {
        let seen = describe(&outcome);
        async move {
            yield_now().await;
            log.push(format!("apush {name} {seen}"));
            result
        }
    });
}

#[test]
fn aclose_awaits_every_kind_of_entry_last_in_first_out_with_ok() {
    let log = Log::new();
    let mut stack = AsyncExitStack::<TestError>::default();
    block_on(async {
        assert_eq!(stack.enter_async_context(slow("a", &log)).await, Ok("a"));
        assert_eq!(stack.enter_context(Probe::new("b", &log)), Ok("b"));
        cb(&stack, "c", &log);
        acb(&stack, "d", &log);
        push(&stack, "e", &log, Ok(()));
        apush(&stack, "f", &log, Ok(()));
        assert_eq!(stack.enter_async_context(slow("g", &log)).await, Ok("g"));
        assert_eq!(stack.len(), 7);
        assert_eq!(stack.aclose().await, Ok(()));
    });
    assert!(stack.is_empty());
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "enter g",
            "exit g ok",
            "apush f ok",
            "push e ok",
            "acb d",
            "cb c",
            "exit b ok",
            "exit a ok",
        ]
    );
    // Empty and reusable.
    block_on(async {
        assert_eq!(stack.aclose().await, Ok(()));
        stack.callback(|| log.push("again"));
        assert_eq!(stack.aclose().await, Ok(()));
    });
    assert_eq!(log.take(), ["again"]);
}

#[test]
fn each_exit_is_awaited_to_its_end_before_the_next_starts() {
    /// Logs `start NAME`, awaits three suspension points, logs `end NAME`.
    struct Steps(&'static str, Log);
    impl AsyncContextManager for Steps {
        type Value<'a> = ();
        type Error = Infallible;
        async fn enter(&mut self) -> Result<(), Infallible> {
            Ok(())
        }
        async fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
            self.1.push(format!("start {}", self.0));
            for _ in 0..3 {
                yield_now().await;
            }
            self.1.push(format!("end {}", self.0));
            Ok(())
        }
    }
    let log = Log::new();
    let mut stack = AsyncExitStack::new();
    block_on(async {
        for name in ["a", "b", "c"] {
            stack
                .enter_async_context(Steps(name, log.clone()))
                .await
                .unwrap();
        }
        stack.aclose().await.unwrap();
    });
    assert_eq!(
        log.take(),
        ["start c", "end c", "start b", "end b", "start a", "end a"]
    );
}

#[test]
fn a_with_over_a_stack_shows_every_entry_the_body_error() {
    async fn run(log: &Log) -> Result<(), TestError> {
        with!(async { AsyncExitStack::<TestError>::default() } as stack, {
            stack.enter_async_context(slow("a", log)).await?;
            push(stack, "b", log, Ok(()));
            stack.enter_context(Probe::new("c", log))?;
            apush(stack, "d", log, Ok(()));
            Err(TestError::Body("q"))?;
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(block_on(run(&log)), Err(TestError::Body("q")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter c",
            "apush d err(body q failed)",
            "exit c err(body q failed)",
            "push b err(body q failed)",
            "exit a err(body q failed)",
        ]
    );
}

#[test]
fn a_with_over_a_stack_evaluates_to_the_body_and_shows_ok() {
    let log = Log::new();
    let run = async {
        let n = with!(async { AsyncExitStack::<TestError>::default() } as stack, {
            let a = stack.enter_async_context(slow("a", &log)).await?;
            let b = stack.enter_context(Probe::new("b", &log))?;
            a.len() + b.len()
        });
        Ok::<_, TestError>(n)
    };
    assert_eq!(block_on(run), Ok(2));
    assert_eq!(log.take(), ["enter a", "enter b", "exit b ok", "exit a ok"]);
}

#[test]
fn a_failing_exit_is_seen_below_and_the_outermost_error_propagates() {
    let log = Log::new();
    let mut stack = AsyncExitStack::<TestError>::default();
    let closed = block_on(async {
        stack
            .enter_async_context(slow("a", &log).exit_fails())
            .await
            .unwrap();
        stack.enter_async_context(slow("b", &log)).await.unwrap();
        stack
            .enter_context(Probe::new("c", &log).exit_fails())
            .unwrap();
        apush(&stack, "d", &log, Ok(()));
        stack
            .enter_async_context(slow("e", &log).exit_fails())
            .await
            .unwrap();
        cb(&stack, "f", &log);
        stack.aclose().await
    });
    // a's error is raised last: it propagates; b saw c's, d saw e's.
    assert_eq!(closed, Err(TestError::Exit("a")));
    assert_eq!(
        log.take()[4..],
        [
            "cb f",
            "exit e ok",
            "apush d err(exit e failed)",
            "exit c err(exit e failed)",
            "exit b err(exit c failed)",
            "exit a err(exit c failed)",
        ]
    );
}

#[test]
fn an_exit_error_replaces_the_body_error_for_the_entries_below() {
    async fn run(log: &Log) -> Result<(), TestError> {
        with!(async { AsyncExitStack::<TestError>::default() } as stack, {
            stack.enter_async_context(slow("a", log)).await?;
            stack
                .enter_async_context(slow("b", log).exit_fails())
                .await?;
            Err(TestError::Body("q"))?;
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(block_on(run(&log)), Err(TestError::Exit("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b err(body q failed)",
            "exit a err(exit b failed)",
        ]
    );
}

#[test]
fn a_failed_enter_registers_nothing_and_the_entries_below_see_its_error() {
    async fn run(log: &Log) -> Result<(), TestError> {
        with!(async { AsyncExitStack::<TestError>::default() } as stack, {
            stack.enter_async_context(slow("a", log)).await?;
            let failed = stack
                .enter_async_context(slow("b", log).enter_fails())
                .await;
            log.push(format!("registered {}", stack.len()));
            failed?;
            log.push("not reached");
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(block_on(run(&log)), Err(TestError::Enter("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "registered 1",
            "exit a err(enter b failed)"
        ]
    );
}

/// Sets its flag when dropped: shows that the stack freed a manager.
struct DropFlag<'f>(&'f Cell<bool>, Slow);

impl Drop for DropFlag<'_> {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

impl AsyncContextManager for DropFlag<'_> {
    type Value<'a>
        = &'static str
    where
        Self: 'a;
    type Error = TestError;
    async fn enter(&mut self) -> Result<&'static str, TestError> {
        self.1.enter().await
    }
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        self.1.exit(outcome).await
    }
    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        self.1.drop_exit(outcome);
    }
}

#[test]
fn a_panicking_enter_frees_the_manager_and_registers_nothing() {
    let log = Log::new();
    let dropped = Cell::new(false);
    let mut stack = AsyncExitStack::<TestError>::default();
    let msg = panic_message(AssertUnwindSafe(|| {
        block_on(async {
            let _ = stack
                .enter_async_context(DropFlag(&dropped, slow("a", &log).enter_panics()))
                .await;
        });
    }));
    assert_eq!(msg, "enter a panicked");
    assert!(dropped.get());
    assert!(stack.is_empty());
    // A failed enter drops the manager too.
    dropped.set(false);
    let entered =
        block_on(stack.enter_async_context(DropFlag(&dropped, slow("b", &log).enter_fails())));
    assert_eq!(entered, Err(TestError::Enter("b")));
    assert!(dropped.get());
    assert!(stack.is_empty());
    assert_eq!(block_on(stack.aclose()), Ok(()));
    assert_eq!(log.take(), ["enter a", "enter b"]);
}

#[test]
fn a_cancelled_enter_frees_the_manager_after_its_enter_future_and_registers_nothing() {
    /// Its enter future writes to the manager when dropped, and the manager
    /// logs its own drop: the enter future must go first (under Miri, the
    /// other order is a use after free).
    struct Touchy(String, Log);
    impl Drop for Touchy {
        fn drop(&mut self) {
            self.1.push(format!("{} dropped", self.0));
        }
    }
    struct Touch<'a>(&'a mut String, Log);
    impl Drop for Touch<'_> {
        fn drop(&mut self) {
            self.0.push_str(" (enter cancelled)");
            self.1.push(self.0.clone());
        }
    }
    impl AsyncContextManager for Touchy {
        type Value<'a> = ();
        type Error = TestError;
        async fn enter(&mut self) -> Result<(), TestError> {
            let _touch = Touch(&mut self.0, self.1.clone());
            yield_now().await;
            Ok(())
        }
        async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
            self.1.push(format!("exit {}", describe(&outcome)));
            Ok(())
        }
        fn drop_exit(&mut self, outcome: Outcome<'_>) {
            self.1.push(format!("drop_exit {}", describe(&outcome)));
        }
    }
    let log = Log::new();
    let stack = AsyncExitStack::<TestError>::default();
    // One poll: enter is suspended at its first await, then dropped.
    let entered = poll_then_drop(
        stack.enter_async_context(Touchy("a".into(), log.clone())),
        1,
    );
    assert!(entered.is_none());
    assert!(stack.is_empty());
    drop(stack);
    // Neither exit nor drop_exit: the manager was never entered.
    assert_eq!(
        log.take(),
        ["a (enter cancelled)", "a (enter cancelled) dropped"]
    );
}

#[test]
fn concurrent_enters_on_one_stack_register_in_the_order_they_end() {
    /// Enter awaits `delay` suspension points.
    struct Delayed(&'static str, usize, Log);
    impl AsyncContextManager for Delayed {
        type Value<'a> = &'a mut &'static str;
        type Error = Infallible;
        async fn enter(&mut self) -> Result<&mut &'static str, Infallible> {
            for _ in 0..self.1 {
                yield_now().await;
            }
            self.2.push(format!("enter {}", self.0));
            Ok(&mut self.0)
        }
        async fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
            self.2.push(format!("exit {}", self.0));
            Ok(())
        }
    }
    let log = Log::new();
    let mut stack = AsyncExitStack::new();
    block_on(async {
        let (slow_one, fast_one) = tokio::join!(
            stack.enter_async_context(Delayed("slow", 5, log.clone())),
            stack.enter_async_context(Delayed("fast", 1, log.clone())),
        );
        // Both values held at once.
        assert_eq!([*slow_one.unwrap(), *fast_one.unwrap()], ["slow", "fast"]);
        stack.aclose().await.unwrap();
    });
    assert_eq!(
        log.take(),
        ["enter fast", "enter slow", "exit slow", "exit fast"]
    );
}

#[test]
fn a_panicking_exit_does_not_skip_the_others_then_the_panic_resumes() {
    let log = Log::new();
    let mut stack = AsyncExitStack::<TestError>::default();
    let msg = panic_message(AssertUnwindSafe(|| {
        block_on(async {
            stack
                .enter_async_context(slow("a", &log).exit_fails())
                .await
                .unwrap();
            stack
                .enter_context(Probe::new("b", &log).exit_panics())
                .unwrap();
            acb(&stack, "c", &log);
            stack
                .enter_async_context(slow("d", &log).exit_panics())
                .await
                .unwrap();
            stack
                .enter_async_context(slow("e", &log).exit_fails())
                .await
                .unwrap();
            let _ = stack.aclose().await;
        });
    }));
    // The first panic resumes; b's panic and a's error are dropped. The
    // async manager whose exit panicked also gets its `drop_exit`.
    assert_eq!(msg, "exit d panicked");
    assert!(stack.is_empty());
    assert_eq!(
        log.take()[4..],
        [
            "exit e ok",
            "exit d err(exit e failed)",
            "drop_exit d panic",
            "acb c",
            "exit b panic",
            "exit a panic",
        ]
    );
}

#[test]
fn a_panicking_body_exits_every_entry_with_panic_and_continues() {
    let log = Log::new();
    let run = async {
        with!(async { AsyncExitStack::<TestError>::default() } as stack, {
            stack
                .enter_async_context(slow("a", &log).exit_fails())
                .await?;
            stack.enter_context(Probe::new("b", &log).exit_panics())?;
            apush(stack, "c", &log, Err(TestError::Exit("c")));
            stack
                .enter_async_context(slow("d", &log).exit_panics())
                .await?;
            if stack.len() == 4 {
                panic!("body panicked");
            }
        });
        Ok::<(), TestError>(())
    };
    let msg = panic_message(AssertUnwindSafe(|| {
        let _ = block_on(run);
    }));
    assert_eq!(msg, "body panicked");
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "enter d",
            "exit d panic",
            "drop_exit d panic",
            "apush c panic",
            "exit b panic",
            "exit a panic",
        ]
    );
}

#[test]
fn pop_all_moves_the_entries_out_of_the_with() {
    let log = Log::new();
    let run = |fail: bool| {
        let log = &log;
        async move {
            let kept = with!(async { AsyncExitStack::<TestError>::default() } as stack, {
                stack.enter_async_context(slow("a", log)).await?;
                cb(stack, "b", log);
                if fail {
                    Err(TestError::Body("q"))?;
                }
                stack.pop_all()
            });
            Ok::<_, TestError>(kept)
        }
    };
    let mut kept = block_on(run(false)).unwrap();
    assert_eq!(log.take(), ["enter a"]);
    assert_eq!(kept.len(), 2);
    assert_eq!(block_on(kept.aclose()), Ok(()));
    assert_eq!(log.take(), ["cb b", "exit a ok"]);

    assert!(block_on(run(true)).is_err());
    assert_eq!(log.take(), ["enter a", "cb b", "exit a err(body q failed)"]);
}

#[test]
fn dropped_unclosed_runs_every_sync_fallback_with_unseen() {
    let log = Log::new();
    {
        let stack = AsyncExitStack::<TestError>::default();
        block_on(async {
            stack.enter_async_context(slow("a", &log)).await.unwrap();
            stack.enter_context(Probe::new("b", &log)).unwrap();
            cb(&stack, "c", &log);
            acb(&stack, "d", &log);
            push(&stack, "e", &log, Ok(()));
            apush(&stack, "f", &log, Ok(()));
            stack.enter_async_context(slow("g", &log)).await.unwrap();
        });
    }
    // The async callback and exit cannot be awaited: they do not run.
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "enter g",
            "drop_exit g unseen",
            "push e unseen",
            "cb c",
            "exit b unseen",
            "drop_exit a unseen",
        ]
    );
}

#[test]
fn dropped_unclosed_with_a_failing_fallback_panics_after_every_entry_ran() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let stack = AsyncExitStack::<TestError>::default();
        block_on(stack.enter_async_context(slow("a", &log))).unwrap();
        stack.enter_context(Probe::new("b", &log)).unwrap();
        push(&stack, "c", &log, Err(TestError::Exit("c")));
    }));
    assert!(msg.contains("dropped without being closed"), "{msg}");
    // A sync exit sees the error above it; an async drop_exit is only ever
    // told `Unseen` or `Panic`.
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "push c unseen",
            "exit b err(exit c failed)",
            "drop_exit a unseen",
        ]
    );
}

#[test]
fn dropped_unclosed_while_panicking_runs_the_fallbacks_with_panic() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let stack = AsyncExitStack::<TestError>::default();
        block_on(stack.enter_async_context(slow("a", &log))).unwrap();
        stack
            .enter_context(Probe::new("b", &log).exit_panics())
            .unwrap();
        push(&stack, "c", &log, Err(TestError::Exit("c")));
        panic!("outer");
    }));
    assert_eq!(msg, "outer");
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "push c panic",
            "exit b panic",
            "drop_exit a panic"
        ]
    );
}

/// The body is suspended forever after entering `a` (async), `b` (sync) and
/// a callback; returns the future.
async fn stuck_in_the_body(log: &Log) -> Result<(), TestError> {
    with!(async { AsyncExitStack::<TestError>::default() } as stack, {
        stack.enter_async_context(slow("a", log)).await?;
        stack.enter_context(Probe::new("b", log))?;
        cb(stack, "c", log);
        acb(stack, "d", log);
        stack.enter_async_context(slow("e", log)).await?;
        log.push("body waits");
        std::future::pending::<()>().await;
    });
    Ok(())
}

const CANCELLED_IN_THE_BODY: [&str; 8] = [
    "enter a",
    "enter b",
    "enter e",
    "body waits",
    "drop_exit e unseen",
    "cb c",
    "exit b unseen",
    "drop_exit a unseen",
];

#[tokio::test]
#[cfg_attr(miri, ignore = "tokio's timer")]
async fn a_timeout_mid_body_runs_every_fallback_with_unseen_and_no_exit() {
    let log = Log::new();
    let timed_out = tokio::time::timeout(
        std::time::Duration::from_millis(20),
        stuck_in_the_body(&log),
    )
    .await;
    assert!(timed_out.is_err());
    assert_eq!(log.take(), CANCELLED_IN_THE_BODY);
}

#[test]
fn a_future_dropped_mid_body_runs_every_fallback_with_unseen_and_no_exit() {
    let log = Log::new();
    assert!(poll_then_drop(stuck_in_the_body(&log), 100).is_none());
    assert_eq!(log.take(), CANCELLED_IN_THE_BODY);
}

#[test]
fn a_future_dropped_during_aclose_runs_drop_exit_for_the_entry_being_exited_then_the_rest() {
    /// Exit never ends.
    struct Hangs(Log);
    impl AsyncContextManager for Hangs {
        type Value<'a> = ();
        type Error = TestError;
        async fn enter(&mut self) -> Result<(), TestError> {
            Ok(())
        }
        async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
            self.0.push(format!("exit h {}", describe(&outcome)));
            std::future::pending().await
        }
        fn drop_exit(&mut self, outcome: Outcome<'_>) {
            self.0.push(format!("drop_exit h {}", describe(&outcome)));
        }
    }
    let log = Log::new();
    let mut stack = AsyncExitStack::<TestError>::default();
    block_on(async {
        stack.enter_async_context(slow("a", &log)).await.unwrap();
        cb(&stack, "b", &log);
        stack.enter_async_context(Hangs(log.clone())).await.unwrap();
        stack.enter_async_context(slow("c", &log)).await.unwrap();
    });
    assert!(poll_then_drop(stack.aclose(), 100).is_none());
    assert_eq!(stack.len(), 2);
    drop(stack);
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter c",
            "exit c ok",
            "exit h ok",
            "drop_exit h unseen",
            "cb b",
            "drop_exit a unseen",
        ]
    );
}

/// A suppressing async manager: swallows an error whose text is `swallows`.
struct Swallow {
    name: &'static str,
    log: Log,
    swallows: &'static str,
}

fn swallow(name: &'static str, log: &Log, swallows: &'static str) -> Swallow {
    Swallow {
        name,
        log: log.clone(),
        swallows,
    }
}

impl Swallow {
    fn asked(&mut self, error: ErrorRef<'_>) -> bool {
        let yes = error.to_string() == self.swallows;
        self.log.push(format!("asked {} -> {yes}", self.name));
        yes
    }
}

impl AsyncContextManager for Swallow {
    type Value<'a> = ();
    type Error = TestError;
    async fn enter(&mut self) -> Result<(), TestError> {
        self.log.push(format!("enter {}", self.name));
        Ok(())
    }
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        yield_now().await;
        self.log
            .push(format!("exit {} {}", self.name, describe(&outcome)));
        Ok(())
    }
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        self.asked(error)
    }
}

impl AsyncSuppress for Swallow {}

/// The same, sync.
struct SyncSwallow(Swallow);

impl ContextManager for SyncSwallow {
    type Value<'a> = ();
    type Error = TestError;
    fn enter(&mut self) -> Result<(), TestError> {
        self.0.log.push(format!("enter {}", self.0.name));
        Ok(())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        self.0
            .log
            .push(format!("exit {} {}", self.0.name, describe(&outcome)));
        Ok(())
    }
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        self.0.asked(error)
    }
}

impl Suppress for SyncSwallow {}

#[test]
fn a_suppressing_entry_swallows_the_body_error_and_the_entries_below_see_ok() {
    async fn run(log: &Log, fail: bool, sync: bool) -> Result<u32, TestError> {
        let n = with!(async { AsyncExitStack::<TestError>::default() } as stack, {
            stack.enter_async_context(slow("a", log)).await?;
            if sync {
                stack.enter_context(SyncSwallow(swallow("s", log, "body q failed")))?;
            } else {
                stack
                    .enter_async_context(swallow("s", log, "body q failed"))
                    .await?;
            }
            stack.enter_async_context(slow("b", log)).await?;
            if fail {
                Err(TestError::Body("q"))?;
            }
            7
        });
        Ok(n)
    }
    for sync in [false, true] {
        let log = Log::new();
        assert_eq!(block_on(run(&log, true, sync)), Ok(0)); // u32::default()
        assert_eq!(
            log.take(),
            [
                "enter a",
                "enter s",
                "enter b",
                "exit b err(body q failed)",
                "exit s err(body q failed)",
                "asked s -> true",
                "exit a ok",
            ]
        );
        // Nothing to swallow: not asked.
        assert_eq!(block_on(run(&log, false, sync)), Ok(7));
        assert_eq!(
            log.take(),
            [
                "enter a",
                "enter s",
                "enter b",
                "exit b ok",
                "exit s ok",
                "exit a ok"
            ]
        );
    }
}

#[test]
fn a_suppressing_entry_is_not_asked_about_another_entrys_exit_error() {
    async fn run(log: &Log) -> Result<(), TestError> {
        with!(async { AsyncExitStack::<TestError>::default() } as stack, {
            stack
                .enter_async_context(swallow("s", log, "exit b failed"))
                .await?;
            stack
                .enter_async_context(slow("b", log).exit_fails())
                .await?;
            Err(TestError::Body("q"))?;
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(block_on(run(&log)), Err(TestError::Exit("b")));
    assert_eq!(
        log.take(),
        [
            "enter s",
            "enter b",
            "exit b err(body q failed)",
            "exit s err(exit b failed)",
        ]
    );
}

#[test]
fn suppress_entered_with_plain_enter_context_swallows_the_body_error() {
    // Python's `stack.enter_context(suppress(ValueError))` in an `async with`.
    async fn run(log: &Log, text: &str) -> Result<u32, BoxError> {
        let n = with!(async { AsyncExitStack::new() } as stack, {
            stack.enter_async_context(slow("a", log)).await?;
            stack.enter_context(ctxmgr::suppress(|e| e.is::<std::num::ParseIntError>()))?;
            stack.enter_async_context(slow("b", log)).await?;
            text.parse::<u32>()?
        });
        Ok(n)
    }
    let log = Log::new();
    assert_eq!(block_on(run(&log, "seven")).unwrap(), 0); // u32::default()
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b err(invalid digit found in string)",
            "exit a ok", // below the suppressor: `Ok`
        ]
    );
    assert_eq!(block_on(run(&log, "7")).unwrap(), 7);
    assert_eq!(log.take(), ["enter a", "enter b", "exit b ok", "exit a ok"]);
}

#[test]
fn an_async_manager_entered_with_enter_async_context_is_asked() {
    async fn run(log: &Log) -> Result<(), TestError> {
        with!(async { AsyncExitStack::<TestError>::default() } as stack, {
            stack.enter_context(Probe::new("a", log))?;
            stack
                .enter_async_context(swallow("s", log, "body q failed"))
                .await?;
            Err(TestError::Body("q"))?;
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(block_on(run(&log)), Ok(()));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter s",
            "exit s err(body q failed)",
            "asked s -> true",
            "exit a ok",
        ]
    );
}

#[test]
#[allow(deprecated)]
fn the_deprecated_suppressing_enters_still_suppress() {
    async fn run(log: &Log, sync: bool) -> Result<u32, TestError> {
        let n = with!(async { AsyncExitStack::<TestError>::default() } as stack, {
            if sync {
                stack.enter_suppressing_context(SyncSwallow(swallow("s", log, "body q failed")))?;
            } else {
                stack
                    .enter_suppressing_async_context(swallow("s", log, "body q failed"))
                    .await?;
            }
            Err(TestError::Body("q"))?;
            3
        });
        Ok(n)
    }
    for sync in [false, true] {
        let log = Log::new();
        assert_eq!(block_on(run(&log, sync)), Ok(0));
        assert_eq!(
            log.take(),
            ["enter s", "exit s err(body q failed)", "asked s -> true"]
        );
    }
}

#[test]
fn values_that_borrow_their_managers_are_held_at_once() {
    /// Hands out `&mut` to its own buffer; exit logs what was written.
    struct Buffer<'l>(String, &'l RefCell<Vec<String>>);
    impl AsyncContextManager for Buffer<'_> {
        type Value<'a>
            = &'a mut String
        where
            Self: 'a;
        type Error = Infallible;
        async fn enter(&mut self) -> Result<&mut String, Infallible> {
            yield_now().await;
            Ok(&mut self.0)
        }
        async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Infallible> {
            yield_now().await;
            self.1
                .borrow_mut()
                .push(format!("{} {}", self.0, describe(&outcome)));
            Ok(())
        }
    }
    let written = RefCell::new(Vec::new());
    let run = async {
        with!(async { AsyncExitStack::new() } as stack, {
            let mut buffers = Vec::new();
            for name in ["x", "y", "z"] {
                buffers.push(
                    stack
                        .enter_async_context(Buffer(name.to_string(), &written))
                        .await?,
                );
            }
            for (i, b) in buffers.iter_mut().enumerate() {
                b.push_str(&"!".repeat(i + 1));
            }
        });
        Ok::<(), BoxError>(())
    };
    block_on(run).unwrap();
    assert_eq!(*written.borrow(), ["z!!! ok", "y!! ok", "x! ok"]);
}

#[test]
#[cfg_attr(miri, ignore = "file I/O")]
fn a_loop_enters_n_open_files_and_writes_to_all_of_them() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("ctxmgr-async-stack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<_> = (0..5).map(|i| dir.join(format!("{i}.txt"))).collect();
    let closed = Cell::new(false);
    let run = async {
        with!(async { AsyncExitStack::new() } as stack, {
            let mut files = Vec::new();
            for p in &paths {
                files.push(stack.enter_context(ctxmgr::open(p).mode("w"))?);
            }
            stack.push_async_callback(|| async { closed.set(true) });
            for (i, f) in files.iter_mut().enumerate() {
                write!(f, "file {i}")?;
            }
            yield_now().await;
            for f in &mut files {
                writeln!(f, " of {}", paths.len())?;
            }
        });
        Ok::<(), BoxError>(())
    };
    block_on(run).unwrap();
    assert!(closed.get());
    for (i, p) in paths.iter().enumerate() {
        assert_eq!(
            std::fs::read_to_string(p).unwrap(),
            format!("file {i} of 5\n")
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "10,000 entries are slow under Miri")]
fn ten_thousand_entries_close_on_a_256_kib_thread() {
    const N: usize = 10_000;
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let count = Cell::new(0usize);
            let all_saw_the_error = Cell::new(true);
            let log = Log::new();
            // Through `with!(async ..)`, with a body error, and through `aclose`.
            let run = async {
                with!(async { AsyncExitStack::<TestError>::default() } as stack, {
                    for i in 0..N {
                        match i % 4 {
                            0 => {
                                stack.enter_async_context(slow("q", &log)).await?;
                            }
                            1 => stack.callback(|| count.set(count.get() + 1)),
                            2 => {
                                stack.enter_context(Probe::new("p", &log))?;
                            }
                            _ => {
                                let (saw, count) = (&all_saw_the_error, &count);
                                stack.push_async_exit(move |outcome| {
                                    saw.set(saw.get() && outcome.is_err());
                                    async move {
                                        yield_now().await;
                                        count.set(count.get() + 1);
                                        Ok(())
                                    }
                                });
                            }
                        }
                    }
                    Err(TestError::Body("q"))?;
                });
                Ok::<(), TestError>(())
            };
            assert_eq!(block_on(run), Err(TestError::Body("q")));
            let events = log.take();
            assert_eq!(events.len(), 2 * (N / 2));
            assert!(events[N / 2..]
                .iter()
                .all(|e| e.ends_with("err(body q failed)")));
            assert!(all_saw_the_error.get());
            let mut stack = AsyncExitStack::new();
            for _ in 0..N {
                stack.push_async_callback(|| async { count.set(count.get() + 1) });
            }
            block_on(stack.aclose()).unwrap();
            count.get()
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), N / 2 + N);
}

#[test]
fn a_stack_works_through_an_async_guard_by_hand() {
    let log = Log::new();
    let e = TestError::Body("x");
    block_on(async {
        let mut guard = AsyncGuard::new(AsyncExitStack::<TestError>::default());
        let stack = guard.enter().await.unwrap();
        stack.enter_async_context(slow("a", &log)).await.unwrap();
        push(stack, "b", &log, Ok(()));
        assert_eq!(guard.finish(Outcome::Err(ErrorRef::new(&e))).await, Ok(()));
    });
    assert_eq!(
        log.take(),
        [
            "enter a",
            "push b err(body x failed)",
            "exit a err(body x failed)"
        ]
    );
    // Dropped entered but unfinished: the guard's `drop_exit` reaches the entries.
    block_on(async {
        let mut guard = AsyncGuard::new(AsyncExitStack::<TestError>::default());
        let stack = guard.enter().await.unwrap();
        stack.enter_async_context(slow("c", &log)).await.unwrap();
        push(stack, "d", &log, Ok(()));
    });
    assert_eq!(
        log.take(),
        ["enter c", "push d unseen", "drop_exit c unseen"]
    );
}

/// The default (`Local`) stack is not `Send` (see its docs, "Threads"): on
/// a multi-thread runtime it runs in a `LocalSet`, next to `Send` tasks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(miri, ignore = "tokio's threads")]
async fn a_stack_runs_in_a_local_set_on_a_multi_thread_runtime() {
    let local = tokio::task::LocalSet::new();
    let events = local
        .run_until(async {
            let handle = tokio::task::spawn_local(async {
                let log = Log::new();
                let run = async {
                    with!(async { AsyncExitStack::<TestError>::default() } as stack, {
                        stack.enter_async_context(slow("a", &log)).await?;
                        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                        stack.enter_async_context(slow("b", &log)).await?;
                        tokio::task::yield_now().await;
                    });
                    Ok::<(), TestError>(())
                };
                run.await.unwrap();
                log.take()
            });
            let other = tokio::spawn(async { 1 + 1 });
            assert_eq!(other.await.unwrap(), 2);
            handle.await.unwrap()
        })
        .await;
    assert_eq!(events, ["enter a", "enter b", "exit b ok", "exit a ok"]);
}

/// The `Sendable` stack (`AsyncExitStack::new_send()`): the same entries and
/// order, its arena behind a spin lock, filled from two threads at once.
/// Here (not only in async_exit_stack_send.rs) so that Miri runs its
/// `unsafe` too; tokio's multi-thread runtime is in that file.
mod sendable {
    use super::{block_on, describe, poll_then_drop, yield_now};
    use ctxmgr::{AsyncContextManager, AsyncExitStack, ContextManager, Outcome};
    use ctxmgr::{BoxError, SendAsyncContextManager};
    use ctxmgr_tests::async_probe::SyncLog;
    use std::future::Future;

    /// Logs its enter, exit and `drop_exit`, and its own drop; each half
    /// awaits a real suspension first.
    struct Conn(&'static str, SyncLog, String);

    impl AsyncContextManager for Conn {
        type Value<'a> = &'a mut String;
        type Error = std::io::Error;
        async fn enter(&mut self) -> std::io::Result<&mut String> {
            yield_now().await;
            self.1.push(format!("enter {}", self.0));
            Ok(&mut self.2)
        }
        async fn exit(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> {
            yield_now().await;
            self.1
                .push(format!("exit {} {}", self.0, describe(&outcome)));
            Ok(())
        }
        fn drop_exit(&mut self, outcome: Outcome<'_>) {
            self.1
                .push(format!("drop_exit {} {}", self.0, describe(&outcome)));
        }
    }

    impl SendAsyncContextManager for Conn {
        fn enter_send(&mut self) -> impl Future<Output = std::io::Result<&mut String>> + Send {
            self.enter()
        }
        fn exit_send(
            &mut self,
            outcome: Outcome<'_>,
        ) -> impl Future<Output = std::io::Result<()>> + Send {
            self.exit(outcome)
        }
    }

    impl Drop for Conn {
        fn drop(&mut self) {
            self.1.push(format!("drop {}", self.0));
        }
    }

    struct Sync(SyncLog);

    impl ContextManager for Sync {
        type Value<'a> = ();
        type Error = std::io::Error;
        fn enter(&mut self) -> std::io::Result<()> {
            Ok(())
        }
        fn exit(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> {
            self.0.push(format!("sync exit {}", describe(&outcome)));
            Ok(())
        }
    }

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn every_kind_of_entry_exits_in_reverse() {
        let log = SyncLog::default();
        let run = async {
            let mut stack = AsyncExitStack::new_send();
            let a = stack
                .enter_async_context(Conn("a", log.clone(), String::new()))
                .await?;
            stack.enter_context(Sync(log.clone()))?;
            let l = log.clone();
            stack.callback(move || l.push("callback"));
            let l = log.clone();
            stack.push(move |outcome| {
                l.push(format!("push {}", describe(&outcome)));
                Ok(())
            });
            let l = log.clone();
            stack.push_async_callback(move || async move {
                yield_now().await;
                l.push("async callback");
            });
            let l = log.clone();
            stack.push_async_exit(move |outcome| {
                let seen = describe(&outcome);
                async move {
                    yield_now().await;
                    l.push(format!("async exit {seen}"));
                    Ok(())
                }
            });
            a.push_str("held");
            let mut moved = stack.pop_all();
            assert!(stack.is_empty());
            assert_eq!(moved.len(), 6);
            let closing = moved.aclose();
            assert_send(&closing);
            closing.await?;
            Ok::<(), BoxError>(())
        };
        assert_send(&run);
        block_on(run).unwrap();
        assert_eq!(
            log.take(),
            [
                "enter a",
                "async exit ok",
                "async callback",
                "push ok",
                "callback",
                "sync exit ok",
                "exit a ok",
                "drop a",
            ]
        );
    }

    #[test]
    fn two_threads_add_entries_through_one_shared_stack() {
        let log = SyncLog::default();
        let mut stack = AsyncExitStack::new_send();
        std::thread::scope(|s| {
            for t in 0..2 {
                let (stack, log) = (&stack, &log);
                s.spawn(move || {
                    for i in 0..20 {
                        let log = log.clone();
                        stack.callback(move || log.push(format!("{t}.{i}")));
                    }
                });
            }
        });
        assert_eq!(stack.len(), 40);
        block_on(stack.aclose()).unwrap();
        let events = log.take();
        assert_eq!(events.len(), 40);
        for t in 0..2 {
            let mine: Vec<_> = events
                .iter()
                .filter(|e| e.starts_with(&format!("{t}.")))
                .cloned()
                .collect();
            let expected: Vec<_> = (0..20).rev().map(|i| format!("{t}.{i}")).collect();
            assert_eq!(
                mine, expected,
                "each thread's entries exit last-in first-out"
            );
        }
    }

    #[test]
    fn a_cancelled_enter_frees_the_manager_and_registers_nothing() {
        let log = SyncLog::default();
        let stack = AsyncExitStack::new_send();
        assert!(poll_then_drop(
            stack.enter_async_context(Conn("a", log.clone(), String::new())),
            1
        )
        .is_none());
        assert_eq!(stack.len(), 0);
        assert_eq!(log.take(), ["drop a"]);
    }

    #[test]
    fn dropped_unclosed_runs_the_sync_fallbacks_in_reverse() {
        let log = SyncLog::default();
        {
            let stack = AsyncExitStack::new_send();
            block_on(stack.enter_async_context(Conn("a", log.clone(), String::new()))).unwrap();
            let l = log.clone();
            stack.push(move |outcome| {
                l.push(format!("push {}", describe(&outcome)));
                Ok(())
            });
            let l = log.clone();
            stack.push_async_callback(move || async move { l.push("async callback (not run)") });
        }
        assert_eq!(
            log.take(),
            ["enter a", "push unseen", "drop_exit a unseen", "drop a"]
        );
    }
}
