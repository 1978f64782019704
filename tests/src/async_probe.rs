//! Fixtures for `with!(async ..)`: an [`AsyncProbe`] that records into a
//! thread-safe [`SyncLog`], awaits a real suspension point in enter and exit
//! (holding its `Outcome` across it), and records `drop_exit`. Its futures
//! are `Send`, so tasks using it can be `tokio::spawn`ed.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use ctxmgr::{AsyncContextManager, Outcome};

use crate::{describe, Act, TestError};

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
pub struct AsyncProbe {
    pub name: &'static str,
    pub log: SyncLog,
    pub enter: Act,
    pub exit: Act,
}

impl AsyncProbe {
    pub fn new(name: &'static str, log: &SyncLog) -> Self {
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
    pub fn exit_fails(mut self) -> Self {
        self.exit = Act::Fail;
        self
    }
    pub fn exit_panics(mut self) -> Self {
        self.exit = Act::Panic;
        self
    }
}

impl AsyncContextManager for AsyncProbe {
    type Value<'a> = &'static str;
    type Error = TestError;

    async fn enter(&mut self) -> Result<&'static str, TestError> {
        yield_now().await;
        self.log.push(format!("enter {}", self.name));
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
            .push(format!("exit {} {}", self.name, describe(&outcome)));
        match self.exit {
            Act::Ok => Ok(()),
            Act::Fail => Err(TestError::Exit(self.name)),
            Act::Panic => panic!("exit {} panicked", self.name),
        }
    }

    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        self.log
            .push(format!("drop_exit {} {}", self.name, describe(&outcome)));
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
