//! Fixtures for `with!(async ..)`: an [`AsyncProbe`] that records into a
//! thread-safe [`SyncLog`], awaits a real suspension point in enter and exit
//! (holding its `Outcome` across it), and records `drop_exit`. Its futures
//! are `Send`, so tasks using it can be `tokio::spawn`ed.
//!
//! [`Cancellable`] drives a future and drops it at a chosen suspension point
//! (or when it is stuck), recording each suspension in a [`SyncLog`]; with
//! [`block_on_noop`] that needs no executor and is deterministic.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use ctxmgr::{AsyncContextManager, Outcome};

use crate::{describe, Act, Sink, TestError};

/// What happened, in order; shareable between threads.
#[derive(Clone, Default)]
pub struct SyncLog(Arc<Mutex<Vec<String>>>);

impl SyncLog {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&self, event: impl Into<String>) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event.into());
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The sync fixtures ([`crate::Probe`], [`crate::Quiet`]) can log here too,
/// so one log orders sync and async events.
impl Sink for SyncLog {
    fn record(&self, event: String) {
        self.push(event);
    }
}

/// Returns `Pending` once (waking itself), then `Ready`: a real suspension
/// point under any executor.
pub struct YieldNow(bool);

pub fn yield_now() -> YieldNow {
    YieldNow(false)
}

impl Future for YieldNow {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

/// An async manager that logs `enter NAME`, `exit NAME OUTCOME` (after an
/// await, with the outcome held across it) and `drop_exit NAME OUTCOME`.
pub struct AsyncProbe<L = SyncLog> {
    pub name: &'static str,
    pub log: L,
    pub enter: Act,
    pub exit: Act,
}

impl<L: Sink> AsyncProbe<L> {
    pub fn new(name: &'static str, log: &L) -> Self {
        AsyncProbe {
            name,
            log: log.clone(),
            enter: Act::Ok,
            exit: Act::Ok,
        }
    }
    pub fn enter_fails(mut self) -> Self {
        self.enter = Act::Fail;
        self
    }
    pub fn enter_panics(mut self) -> Self {
        self.enter = Act::Panic;
        self
    }
    pub fn exit_fails(mut self) -> Self {
        self.exit = Act::Fail;
        self
    }
    pub fn exit_panics(mut self) -> Self {
        self.exit = Act::Panic;
        self
    }
}

impl<L: Sink> AsyncContextManager for AsyncProbe<L> {
    type Value<'a>
        = &'static str
    where
        Self: 'a;
    type Error = TestError;

    async fn enter(&mut self) -> Result<&'static str, TestError> {
        yield_now().await;
        self.log.record(format!("enter {}", self.name));
        match self.enter {
            Act::Ok => Ok(self.name),
            Act::Fail => Err(TestError::Enter(self.name)),
            Act::Panic => panic!("enter {} panicked", self.name),
        }
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        // The outcome is held across an await: the future must stay `Send`.
        yield_now().await;
        self.log
            .record(format!("exit {} {}", self.name, describe(&outcome)));
        match self.exit {
            Act::Ok => Ok(()),
            Act::Fail => Err(TestError::Exit(self.name)),
            Act::Panic => panic!("exit {} panicked", self.name),
        }
    }

    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        self.log
            .record(format!("drop_exit {} {}", self.name, describe(&outcome)));
    }
}

/// An infallible [`AsyncProbe`]: usable in functions that do not return a
/// `Result`. Its exit may still panic.
pub struct AsyncQuiet {
    pub name: &'static str,
    pub log: SyncLog,
    pub exit_panics: bool,
}

impl AsyncQuiet {
    pub fn new(name: &'static str, log: &SyncLog) -> Self {
        AsyncQuiet {
            name,
            log: log.clone(),
            exit_panics: false,
        }
    }
    pub fn exit_panics(mut self) -> Self {
        self.exit_panics = true;
        self
    }
}

impl AsyncContextManager for AsyncQuiet {
    type Value<'a> = &'static str;
    type Error = std::convert::Infallible;

    async fn enter(&mut self) -> Result<&'static str, Self::Error> {
        yield_now().await;
        self.log.push(format!("enter {}", self.name));
        Ok(self.name)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
        yield_now().await;
        self.log
            .push(format!("exit {} {}", self.name, describe(&outcome)));
        assert!(!self.exit_panics, "exit {} panicked", self.name);
        Ok(())
    }

    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        self.log
            .push(format!("drop_exit {} {}", self.name, describe(&outcome)));
    }
}

/// Drives a future and cancels it (drops it mid-`.await`, as a timeout or a
/// lost `select!` would) at the suspension point numbered `cancel_at`
/// (0-based), or at the first one where the future is stuck: it returned
/// `Pending` without arranging a wake-up.
///
/// Each `Pending` is logged as `pending`, a cancellation as `cancel` (before
/// the future is dropped, so what its drop logs comes after). Resolves to
/// `None` when cancelled. A panic while dropping the future (a guard's
/// `Drop`) propagates from `poll`.
pub struct Cancellable<F> {
    future: Option<Pin<Box<F>>>,
    cancel_at: Option<u32>,
    suspensions: u32,
    log: SyncLog,
}

impl<F: Future> Cancellable<F> {
    pub fn new(future: F, cancel_at: Option<u32>, log: &SyncLog) -> Self {
        Cancellable {
            future: Some(Box::pin(future)),
            cancel_at,
            suspensions: 0,
            log: log.clone(),
        }
    }
}

/// Forwards a wake-up to the executor's waker and remembers that it came.
struct WakeFlag {
    woken: AtomicBool,
    waker: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.waker.wake_by_ref();
    }
}

impl<F: Future> Future for Cancellable<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(None);
        };
        let flag = Arc::new(WakeFlag {
            woken: AtomicBool::new(false),
            waker: cx.waker().clone(),
        });
        let waker = Waker::from(Arc::clone(&flag));
        if let Poll::Ready(value) = future.as_mut().poll(&mut Context::from_waker(&waker)) {
            this.future = None;
            return Poll::Ready(Some(value));
        }
        this.log.push("pending");
        let n = this.suspensions;
        this.suspensions += 1;
        if flag.woken.load(Ordering::SeqCst) && this.cancel_at != Some(n) {
            return Poll::Pending;
        }
        this.log.push("cancel");
        // The cancellation: the future's guards run their `Drop` here.
        this.future = None;
        Poll::Ready(None)
    }
}

/// Polls `future` to its end on this thread with a no-op waker: a future
/// that is stuck must be wrapped in [`Cancellable`], or this loops forever.
pub fn block_on_noop<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}
