//! Shared fixtures for the behaviour tests in `tests/`: a [`Probe`] manager
//! that records every enter and exit into a [`Log`] (or any [`Sink`]), with
//! the outcome exit saw, and can be told to fail or panic in either.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use ctxmgr::{ContextManager, Outcome};

pub mod async_probe;
pub mod drop_after;
pub mod pg;

/// What happened, in order.
#[derive(Clone, Default)]
pub struct Log(Rc<RefCell<Vec<String>>>);

impl Log {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.borrow_mut())
    }
    pub fn events(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

/// Where the sync fixtures record: a [`Log`] by default, or the thread-safe
/// [`async_probe::SyncLog`] when sync and async managers share one log.
pub trait Sink: Clone {
    fn record(&self, event: String);
}

impl Sink for Log {
    fn record(&self, event: String) {
        self.push(event);
    }
}

/// The error every fixture uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestError {
    Enter(&'static str),
    Exit(&'static str),
    Body(&'static str),
}

impl fmt::Display for TestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestError::Enter(n) => write!(f, "enter {n} failed"),
            TestError::Exit(n) => write!(f, "exit {n} failed"),
            TestError::Body(n) => write!(f, "body {n} failed"),
        }
    }
}

impl std::error::Error for TestError {}

/// How a fixture behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Act {
    #[default]
    Ok,
    Fail,
    Panic,
}

/// Describes an outcome as a short string: `ok`, `err(<display>)`, `panic`,
/// `unseen`.
pub fn describe(outcome: &Outcome<'_>) -> String {
    match outcome {
        Outcome::Ok => "ok".into(),
        Outcome::Err(e) => format!("err({e})"),
        Outcome::Panic => "panic".into(),
        Outcome::Unseen => "unseen".into(),
    }
}

/// A manager that logs `enter NAME` and `exit NAME OUTCOME`.
pub struct Probe<L = Log> {
    pub name: &'static str,
    pub log: L,
    pub enter: Act,
    pub exit: Act,
}

impl<L: Sink> Probe<L> {
    pub fn new(name: &'static str, log: &L) -> Self {
        Probe {
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
    pub fn enter_panics(mut self) -> Self {
        self.enter = Act::Panic;
        self
    }
    pub fn exit_panics(mut self) -> Self {
        self.exit = Act::Panic;
        self
    }
}

impl<L: Sink> ContextManager for Probe<L> {
    type Value<'a>
        = &'static str
    where
        Self: 'a;
    type Error = TestError;

    fn enter(&mut self) -> Result<&'static str, TestError> {
        self.log.record(format!("enter {}", self.name));
        match self.enter {
            Act::Ok => Ok(self.name),
            Act::Fail => Err(TestError::Enter(self.name)),
            Act::Panic => panic!("enter {} panicked", self.name),
        }
    }

    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        self.log
            .record(format!("exit {} {}", self.name, describe(&outcome)));
        match self.exit {
            Act::Ok => Ok(()),
            Act::Fail => Err(TestError::Exit(self.name)),
            Act::Panic => panic!("exit {} panicked", self.name),
        }
    }
}

/// An infallible manager that logs like [`Probe`].
pub struct Quiet<L = Log> {
    pub name: &'static str,
    pub log: L,
}

impl<L: Sink> Quiet<L> {
    pub fn new(name: &'static str, log: &L) -> Self {
        Quiet {
            name,
            log: log.clone(),
        }
    }
}

impl<L: Sink> ContextManager for Quiet<L> {
    type Value<'a>
        = &'static str
    where
        Self: 'a;
    type Error = std::convert::Infallible;

    fn enter(&mut self) -> Result<&'static str, Self::Error> {
        self.log.record(format!("enter {}", self.name));
        Ok(self.name)
    }

    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
        self.log
            .record(format!("exit {} {}", self.name, describe(&outcome)));
        Ok(())
    }
}

/// Runs `f`, expecting it to panic, and returns the panic message.
pub fn panic_message(f: impl FnOnce() + std::panic::UnwindSafe) -> String {
    let payload = std::panic::catch_unwind(f).expect_err("expected a panic");
    panic_text(&*payload)
}

/// The message of a panic payload (`&str` or `String`).
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic>".into()
    }
}

/// The harness of the property tests: run cases with panics kept off
/// stderr (they are expected by the hundred).
pub mod property {
    use std::cell::{Cell, RefCell};
    use std::panic::{self, AssertUnwindSafe};
    use std::sync::Once;

    use proptest::strategy::Strategy;
    use proptest::test_runner::{Config, TestCaseError, TestRunner};

    thread_local! {
        static QUIET: Cell<bool> = const { Cell::new(false) };
    }

    /// Panics on the threads running [`quietly`] are not printed; elsewhere
    /// they are reported as usual.
    fn install_quiet_hook() {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let previous = panic::take_hook();
            panic::set_hook(Box::new(move |info| {
                if !QUIET.with(Cell::get) {
                    previous(info);
                }
            }));
        });
    }

    /// Runs `f`, catching a panic as its message.
    pub fn quietly<R>(f: impl FnOnce() -> R) -> Result<R, String> {
        QUIET.with(|q| q.set(true));
        let result = panic::catch_unwind(AssertUnwindSafe(f));
        QUIET.with(|q| q.set(false));
        result.map_err(|payload| crate::panic_text(&*payload))
    }

    /// Checks `cases` values drawn from `strategy`; returns how many ran.
    ///
    /// # Panics
    ///
    /// On the first failing case, with proptest's minimized report.
    pub fn run_cases<S: Strategy>(
        cases: u32,
        strategy: &S,
        check: impl Fn(&S::Value) -> Result<(), TestCaseError>,
    ) -> usize {
        install_quiet_hook();
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        let ran = RefCell::new(0usize);
        let outcome = runner.run(strategy, |value| {
            *ran.borrow_mut() += 1;
            check(&value)
        });
        if let Err(e) = outcome {
            panic!("{e}");
        }
        ran.into_inner()
    }
}
