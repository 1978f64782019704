//! Property tests for `with!(async ..)`: random nests of sync and async
//! managers, a random way out of the innermost body, and a random point at
//! which the whole future is cancelled (dropped mid-`.await`), checked
//! against a model of the documented rules.
//!
//! A *plan* holds 1 to 6 managers, each sync or `async`, each of which may
//! enter (ok / fail / panic / its expression panics) and exit (ok / fail /
//! panic). They are grouped into *frames*: one recursive call of [`run`]
//! (a boxed `async` block) whose body is either a `with!` over a list of one
//! to three managers, `async` or not per manager (`with!(async A, B, async C
//! => ..)`: every mix), or a `with!` of one manager whose body is a nested
//! `with!` of another (`with!(async { A }, { with!(B, ..) })`). A frame's
//! body recurses into the next frame (by `?`, `return`, or as a plain value)
//! or, in the last frame, may await once and then leaves by the plan's
//! [`BodyPath`]: finishing, `?` on `Err`, `?` on `None` (in a frame whose
//! function returns an `Option`, with infallible managers), `return`,
//! `return Err`, an `Err` value, `break` / `continue` (plain and labelled),
//! a panic, or awaiting a future that never completes.
//!
//! Async managers ([`AsyncProbe`], [`AsyncQuiet`]) suspend once in enter and
//! once in exit. The future is driven by [`Cancellable`], which logs every
//! suspension and drops the future at the plan's `cancel` suspension (or
//! when it is stuck): a cancellation at any await point, in an enter, in the
//! body, or in an exit (also the exit awaited after a panic).
//!
//! Every case is first checked for structure on the real log, with no model
//! ([`check_structure`]: each entered manager ends once, innermost first),
//! then against the model ([`Model`]), which walks the same plan without
//! running any of it and predicts the whole log, suspensions included, and
//! the result:
//! * enters left to right; exits right to left, each awaited exactly once
//!   with the `Outcome` of the path (`Ok` for finish, `return v`, `break`,
//!   `continue` and an `Err` value; `Err` for `?` and `return Err`; `Panic`
//!   while a panic is on its way, which then resumes);
//! * exit errors: exit's error replaces what was leaving, so the inner
//!   exit's error is what the outer exit sees and the outermost propagates;
//!   while panicking it is dropped;
//! * an async exit that panics leaves its guard entered: its `Drop` runs
//!   `drop_exit(Panic)`;
//! * on cancellation, innermost first: every entered async level (also one
//!   cancelled mid-exit) gets `drop_exit(Unseen)` and never exit; a sync
//!   level gets `exit(Unseen)` from its guard's `Drop`. When such a sync
//!   exit panics or fails (which a dropped guard turns into a panic), the
//!   drop panics and the levels further out see `Panic`.
//!
//! `cargo test` runs [`NORMAL_CASES`] on a no-op-waker poll loop and
//! [`TOKIO_CASES`] spawned on a tokio runtime; `cargo test --release --
//! --ignored` runs [`HEAVY_CASES`] and prints `async property cases run: N`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use ctxmgr::with;
use ctxmgr_tests::async_probe::{
    block_on_noop, yield_now, AsyncProbe, AsyncQuiet, Cancellable, SyncLog,
};
use ctxmgr_tests::property::{self, quietly};
use ctxmgr_tests::{Act, Probe, Quiet, TestError};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const NORMAL_CASES: u32 = 500;
const TOKIO_CASES: u32 = 300;
const HEAVY_CASES: u32 = 10_000;

const NAMES: [&str; 6] = ["m0", "m1", "m2", "m3", "m4", "m5"];

/// What a dropped guard's exit failing on `Unseen` panics with (the real
/// message names the manager's type; [`normalize`] maps it to this).
const UNSEEN_EXIT_FAILED: &str = "ctxmgr: exit failed after its guard was dropped";

/// Whether a manager is written with `async` in its `with!`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fl {
    /// A sync manager: [`Probe`] (or [`Quiet`] in an `Option` frame).
    S,
    /// An `async` manager: [`AsyncProbe`] (or [`AsyncQuiet`]).
    A,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Enter {
    Ok,
    Fail,
    Panic,
    /// The manager expression itself panics, before enter.
    ExprPanics,
}

#[derive(Clone, Copy, Debug)]
struct ManagerPlan {
    flavor: Fl,
    enter: Enter,
    exit: Act,
}

/// How a frame's body hands on the next frame's result.
#[derive(Clone, Copy, Debug)]
enum Link {
    /// `Ok(run(next).await?)`
    Try,
    /// `return run(next).await`
    Return,
    /// `run(next).await` as the body's value
    Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BodyPath {
    Finish,
    Try,
    /// `?` on `None`: the last frame is then an `Option` frame.
    TryNone,
    Return,
    ReturnErr,
    ErrValue,
    Break,
    BreakLabelled,
    Continue,
    ContinueLabelled,
    Panic,
    /// Awaits a future that never completes: always cancelled there.
    Hang,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    /// Index of its first manager.
    start: usize,
    /// How many managers (1 to 3; 2 when `nest`).
    len: usize,
    /// `with!(A, { with!(B, ..) })` rather than `with!(A, B, ..)`.
    nest: bool,
    link: Link,
}

#[derive(Clone, Debug)]
struct Plan {
    managers: Vec<ManagerPlan>,
    frames: Vec<Frame>,
    /// The last frame's body awaits once before it leaves.
    suspend: bool,
    body: BodyPath,
    /// The suspension (0-based) at which the future is dropped.
    cancel: Option<u32>,
}

impl Plan {
    fn is_option_frame(&self, f: usize) -> bool {
        self.body == BodyPath::TryNone && f + 1 == self.frames.len()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    Finished,
    Returned,
    Broke,
    Continued,
}

/// How a case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ended {
    Value(Result<Val, TestError>),
    Panicked(String),
    Cancelled,
}

// ---------------------------------------------------------------------------
// The code under test.

/// A frame's `with!`, chosen by the flavors and shape of its managers: every
/// arm is the same `$body` under a different `with!`. (`with!` is a proc
/// macro: the body's tokens must be in its input, not behind a macro call,
/// so the body is passed in and written out in each arm.)
macro_rules! with_frame {
    ($plan:ident, $frame:ident, $sync:ident, $async_:ident => $body:tt) => {{
        let s = $frame.start;
        let flavors: Vec<Fl> = $plan.managers[s..s + $frame.len]
            .iter()
            .map(|m| m.flavor)
            .collect();
        match ($frame.nest, &flavors[..]) {
            (false, [Fl::S]) => with!($sync(s), $body),
            (false, [Fl::A]) => with!(async { $async_(s) }, $body),
            (false, [Fl::S, Fl::S]) => with!($sync(s), $sync(s + 1), $body),
            (false, [Fl::S, Fl::A]) => with!($sync(s), async { $async_(s + 1) }, $body),
            (false, [Fl::A, Fl::S]) => with!(async { $async_(s) }, $sync(s + 1), $body),
            (false, [Fl::A, Fl::A]) => with!(async { $async_(s) }, async { $async_(s + 1) }, $body),
            (false, [Fl::S, Fl::S, Fl::S]) => {
                with!($sync(s), $sync(s + 1), $sync(s + 2), $body)
            }
            (false, [Fl::S, Fl::S, Fl::A]) => {
                with!($sync(s), $sync(s + 1), async { $async_(s + 2) }, $body)
            }
            (false, [Fl::S, Fl::A, Fl::S]) => {
                with!($sync(s), async { $async_(s + 1) }, $sync(s + 2), $body)
            }
            (false, [Fl::S, Fl::A, Fl::A]) => {
                with!(
                    $sync(s),
                    async { $async_(s + 1) },
                    async { $async_(s + 2) },
                    $body
                )
            }
            (false, [Fl::A, Fl::S, Fl::S]) => {
                with!(async { $async_(s) }, $sync(s + 1), $sync(s + 2), $body)
            }
            (false, [Fl::A, Fl::S, Fl::A]) => {
                with!(
                    async { $async_(s) },
                    $sync(s + 1),
                    async { $async_(s + 2) },
                    $body
                )
            }
            (false, [Fl::A, Fl::A, Fl::S]) => {
                with!(
                    async { $async_(s) },
                    async { $async_(s + 1) },
                    $sync(s + 2),
                    $body
                )
            }
            (false, [Fl::A, Fl::A, Fl::A]) => {
                with!(
                    async { $async_(s) },
                    async { $async_(s + 1) },
                    async { $async_(s + 2) },
                    $body
                )
            }
            (true, [Fl::S, Fl::S]) => with!($sync(s), { with!($sync(s + 1), $body) }),
            (true, [Fl::S, Fl::A]) => with!($sync(s), { with!(async { $async_(s + 1) }, $body) }),
            (true, [Fl::A, Fl::S]) => with!(async { $async_(s) }, { with!($sync(s + 1), $body) }),
            (true, [Fl::A, Fl::A]) => {
                with!(async { $async_(s) }, {
                    with!(async { $async_(s + 1) }, $body)
                })
            }
            (nest, flavors) => unreachable!("no frame of shape {nest} {flavors:?}"),
        }
    }};
}

type Run<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The manager expression, which panics when the plan says so.
fn checked(i: usize, plan: &Plan) -> ManagerPlan {
    let m = plan.managers[i];
    assert!(m.enter != Enter::ExprPanics, "expr {} panicked", NAMES[i]);
    m
}

fn act(enter: Enter) -> Act {
    match enter {
        Enter::Ok | Enter::ExprPanics => Act::Ok,
        Enter::Fail => Act::Fail,
        Enter::Panic => Act::Panic,
    }
}

fn run<'a>(f: usize, plan: &'a Plan, log: &'a SyncLog) -> Run<'a, Result<Val, TestError>> {
    if plan.is_option_frame(f) {
        return Box::pin(async move {
            run_option(f, plan, log)
                .await
                .ok_or(TestError::Body("none"))
        });
    }
    Box::pin(async move {
        let sync = |i: usize| {
            let m = checked(i, plan);
            Probe {
                name: NAMES[i],
                log: log.clone(),
                enter: act(m.enter),
                exit: m.exit,
            }
        };
        let async_ = |i: usize| {
            let m = checked(i, plan);
            AsyncProbe {
                name: NAMES[i],
                log: log.clone(),
                enter: act(m.enter),
                exit: m.exit,
            }
        };
        let frame = plan.frames[f];
        let mut iteration = 0;
        'frame: loop {
            iteration += 1;
            if iteration > 1 {
                log.push("continued");
                break Ok(Val::Continued);
            }
            let result = with_frame!(plan, frame, sync, async_ => {
                if f + 1 < plan.frames.len() {
                    let next = run(f + 1, plan, log);
                    match frame.link {
                        Link::Try => Ok(next.await?),
                        Link::Return => return next.await,
                        Link::Value => next.await,
                    }
                } else {
                    log.push("body");
                    if plan.suspend {
                        yield_now().await;
                    }
                    match plan.body {
                        BodyPath::Finish => Ok(Val::Finished),
                        BodyPath::Try => Ok(Err::<Val, _>(TestError::Body("q"))?),
                        BodyPath::Return => return Ok(Val::Returned),
                        BodyPath::ReturnErr => return Err(TestError::Body("r")),
                        BodyPath::ErrValue => Err(TestError::Body("v")),
                        BodyPath::Break => break Ok(Val::Broke),
                        BodyPath::BreakLabelled => break 'frame Ok(Val::Broke),
                        BodyPath::Continue => continue,
                        BodyPath::ContinueLabelled => continue 'frame,
                        BodyPath::Panic => panic!("body panicked"),
                        BodyPath::Hang => std::future::pending().await,
                        BodyPath::TryNone => unreachable!("an option frame"),
                    }
                }
            });
            break result;
        }
    })
}

/// The last frame when the body leaves by `?` on `None`: its function
/// returns an `Option`, so its managers are infallible ([`Quiet`],
/// [`AsyncQuiet`], whose exit may still panic).
fn run_option<'a>(f: usize, plan: &'a Plan, log: &'a SyncLog) -> Run<'a, Option<Val>> {
    Box::pin(async move {
        let sync = |i: usize| {
            checked(i, plan);
            Quiet::new(NAMES[i], log)
        };
        let async_ = |i: usize| {
            let q = AsyncQuiet::new(NAMES[i], log);
            if checked(i, plan).exit == Act::Panic {
                q.exit_panics()
            } else {
                q
            }
        };
        let frame = plan.frames[f];
        with_frame!(plan, frame, sync, async_ => {
            log.push("body");
            if plan.suspend {
                yield_now().await;
            }
            Some(None::<Val>?)
        })
    })
}

// ---------------------------------------------------------------------------
// The model: what DESIGN.md and the crate docs prescribe, computed without
// running any of the code above.

/// How control is leaving a `with!` (or its body).
#[derive(Clone, Debug)]
enum Leave {
    /// The block evaluates to this value.
    Value(Result<Val, TestError>),
    /// `?` on this error.
    Try(TestError),
    /// `?` on `None`.
    TryNone,
    /// `return` of this value (enter and exit errors propagate this way too).
    Return(Result<Val, TestError>),
    Break,
    Continue,
    /// Unwinding with this message.
    Panic(String),
    /// The future was dropped; `Some` while a guard's `Drop` is panicking
    /// with this message.
    Cancelled(Option<String>),
}

impl Leave {
    /// The `Outcome` an exit is awaited with, as `describe` writes it.
    fn outcome(&self) -> String {
        match self {
            Leave::Value(_) | Leave::Return(Ok(_)) | Leave::Break | Leave::Continue => "ok".into(),
            Leave::Try(e) | Leave::Return(Err(e)) => format!("err({e})"),
            Leave::TryNone => "err(`?` found a `None`)".into(),
            Leave::Panic(_) => "panic".into(),
            Leave::Cancelled(_) => unreachable!("a cancelled level is dropped, not exited"),
        }
    }
}

/// What a frame's function does.
enum FrameEnd {
    Returns(Result<Val, TestError>),
    Panics(String),
    Cancelled(Option<String>),
}

struct Model<'p> {
    plan: &'p Plan,
    events: Vec<String>,
    suspensions: u32,
}

impl Model<'_> {
    fn log(&mut self, event: impl Into<String>) {
        self.events.push(event.into());
    }

    /// A suspension point: `true` when the future is cancelled there.
    fn suspend(&mut self) -> bool {
        self.log("pending");
        let n = self.suspensions;
        self.suspensions += 1;
        let cancelled = self.plan.cancel == Some(n);
        if cancelled {
            self.log("cancel");
        }
        cancelled
    }

    /// A future that never completes: the driver cancels it there.
    fn hang(&mut self) {
        self.log("pending");
        self.suspensions += 1;
        self.log("cancel");
    }

    fn frame(&mut self, f: usize) -> FrameEnd {
        let frame = self.plan.frames[f];
        let leave = self.levels(frame.start, frame.start + frame.len, f);
        if self.plan.is_option_frame(f) {
            // `run` turns the `None` into an error.
            if let Leave::TryNone = leave {
                return FrameEnd::Returns(Err(TestError::Body("none")));
            }
        }
        match leave {
            Leave::Value(r) | Leave::Return(r) => FrameEnd::Returns(r),
            Leave::Try(e) => FrameEnd::Returns(Err(e)),
            Leave::Break => FrameEnd::Returns(Ok(Val::Broke)),
            Leave::Continue => {
                self.log("continued");
                FrameEnd::Returns(Ok(Val::Continued))
            }
            Leave::Panic(msg) => FrameEnd::Panics(msg),
            Leave::Cancelled(p) => FrameEnd::Cancelled(p),
            Leave::TryNone => unreachable!("`?` on `None` only in an option frame"),
        }
    }

    /// Managers `i..end` of frame `f`, nested as a list or nested `with!`s
    /// nest.
    fn levels(&mut self, i: usize, end: usize, f: usize) -> Leave {
        if i == end {
            return self.body(f);
        }
        let m = self.plan.managers[i];
        let name = NAMES[i];
        let awaited = m.flavor == Fl::A;
        if m.enter == Enter::ExprPanics {
            return Leave::Panic(format!("expr {name} panicked"));
        }
        // Cancelled mid-enter: nothing entered, nothing to exit.
        if awaited && self.suspend() {
            return Leave::Cancelled(None);
        }
        self.log(format!("enter {name}"));
        match m.enter {
            Enter::Fail => return Leave::Return(Err(TestError::Enter(name))),
            Enter::Panic => return Leave::Panic(format!("enter {name} panicked")),
            Enter::Ok | Enter::ExprPanics => {}
        }
        let leave = self.levels(i + 1, end, f);
        if let Leave::Cancelled(panicking) = leave {
            return Leave::Cancelled(self.dropped(i, panicking));
        }
        // Cancelled mid-exit: the guard is still entered.
        if awaited && self.suspend() {
            return Leave::Cancelled(self.dropped(i, None));
        }
        self.log(format!("exit {name} {}", leave.outcome()));
        match (m.exit, leave) {
            (Act::Ok, leave) => leave,
            // While unwinding, exit's error is dropped and its panic caught;
            // an async exit that panicked left its guard entered.
            (Act::Fail, Leave::Panic(msg)) => Leave::Panic(msg),
            (Act::Panic, Leave::Panic(msg)) => {
                if awaited {
                    self.log(format!("drop_exit {name} panic"));
                }
                Leave::Panic(msg)
            }
            // Otherwise exit's error replaces whatever was leaving.
            (Act::Fail, _) => Leave::Return(Err(TestError::Exit(name))),
            (Act::Panic, _) => {
                if awaited {
                    self.log(format!("drop_exit {name} panic"));
                }
                Leave::Panic(format!("exit {name} panicked"))
            }
        }
    }

    /// Manager `i`'s guard dropped entered by a cancellation; `panicking`
    /// when an inner guard's `Drop` is unwinding. Returns what is unwinding
    /// after it.
    fn dropped(&mut self, i: usize, panicking: Option<String>) -> Option<String> {
        let m = self.plan.managers[i];
        let name = NAMES[i];
        let outcome = if panicking.is_some() {
            "panic"
        } else {
            "unseen"
        };
        match m.flavor {
            Fl::A => {
                self.log(format!("drop_exit {name} {outcome}"));
                panicking
            }
            Fl::S => {
                self.log(format!("exit {name} {outcome}"));
                match (panicking, m.exit) {
                    (Some(msg), _) => Some(msg),
                    (None, Act::Ok) => None,
                    (None, Act::Fail) => Some(UNSEEN_EXIT_FAILED.into()),
                    (None, Act::Panic) => Some(format!("exit {name} panicked")),
                }
            }
        }
    }

    fn body(&mut self, f: usize) -> Leave {
        if f + 1 < self.plan.frames.len() {
            return match (self.plan.frames[f].link, self.frame(f + 1)) {
                (_, FrameEnd::Panics(msg)) => Leave::Panic(msg),
                (_, FrameEnd::Cancelled(p)) => Leave::Cancelled(p),
                (Link::Try, FrameEnd::Returns(Ok(v))) => Leave::Value(Ok(v)),
                (Link::Try, FrameEnd::Returns(Err(e))) => Leave::Try(e),
                (Link::Return, FrameEnd::Returns(r)) => Leave::Return(r),
                (Link::Value, FrameEnd::Returns(r)) => Leave::Value(r),
            };
        }
        self.log("body");
        if self.plan.suspend && self.suspend() {
            return Leave::Cancelled(None);
        }
        match self.plan.body {
            BodyPath::Finish => Leave::Value(Ok(Val::Finished)),
            BodyPath::Try => Leave::Try(TestError::Body("q")),
            BodyPath::TryNone => Leave::TryNone,
            BodyPath::Return => Leave::Return(Ok(Val::Returned)),
            BodyPath::ReturnErr => Leave::Return(Err(TestError::Body("r"))),
            // A body whose value is an `Err` is a value: exit sees `Ok`.
            BodyPath::ErrValue => Leave::Value(Err(TestError::Body("v"))),
            BodyPath::Break | BodyPath::BreakLabelled => Leave::Break,
            BodyPath::Continue | BodyPath::ContinueLabelled => Leave::Continue,
            BodyPath::Panic => Leave::Panic("body panicked".into()),
            BodyPath::Hang => {
                self.hang();
                Leave::Cancelled(None)
            }
        }
    }
}

fn model(plan: &Plan) -> (Vec<String>, Ended) {
    let mut model = Model {
        plan,
        events: Vec::new(),
        suspensions: 0,
    };
    let ended = match model.frame(0) {
        FrameEnd::Returns(r) => Ended::Value(r),
        FrameEnd::Panics(msg) | FrameEnd::Cancelled(Some(msg)) => Ended::Panicked(msg),
        FrameEnd::Cancelled(None) => Ended::Cancelled,
    };
    (model.events, ended)
}

// ---------------------------------------------------------------------------
// Structure, checked on the real log with no model: every entered manager
// ends exactly once, innermost first (an async one by its awaited exit, or
// by `drop_exit`, or both when its exit panicked), never seeing `Ok` from a
// drop, and no async exit runs after the cancellation.

fn check_structure(plan: &Plan, events: &[String]) -> Result<(), String> {
    // Entered managers, innermost last; `true` once an async exit panicked
    // and its guard's `drop_exit` is due.
    let mut stack: Vec<(usize, bool)> = Vec::new();
    let mut cancelled = false;
    for e in events {
        let mut words = e.split(' ');
        let (what, name, outcome) = (words.next(), words.next(), words.next());
        let index = || {
            NAMES
                .iter()
                .position(|n| Some(*n) == name)
                .ok_or(format!("unknown manager in {e:?}"))
        };
        match what {
            Some("cancel") => cancelled = true,
            Some("enter") => {
                let i = index()?;
                if plan.managers[i].enter == Enter::Ok {
                    stack.push((i, false));
                }
            }
            Some(kind @ ("exit" | "drop_exit")) => {
                let i = index()?;
                let Some(&(top, exit_panicked)) = stack.last() else {
                    return Err(format!("{e:?} without an enter"));
                };
                if top != i {
                    return Err(format!("{e:?} while {} was innermost", NAMES[top]));
                }
                let m = plan.managers[i];
                let from_drop = kind == "drop_exit" || (m.flavor == Fl::S && cancelled);
                if from_drop && outcome == Some("ok") {
                    return Err(format!("{e:?}: a dropped guard reported `Ok`"));
                }
                if kind == "exit" && m.flavor == Fl::A && (cancelled || exit_panicked) {
                    return Err(format!(
                        "{e:?}: exit after the future was dropped or exited"
                    ));
                }
                if kind == "drop_exit" && m.flavor == Fl::S {
                    return Err(format!("{e:?}: drop_exit of a sync manager"));
                }
                if kind == "exit" && m.flavor == Fl::A && m.exit == Act::Panic {
                    stack.last_mut().unwrap_or_else(|| unreachable!()).1 = true;
                } else {
                    stack.pop();
                }
            }
            _ => {}
        }
    }
    match stack.last() {
        Some((i, _)) => Err(format!("{} was entered and never exited", NAMES[*i])),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Generation.

fn plan_strategy() -> impl Strategy<Value = Plan> {
    let flavor = prop_oneof![Just(Fl::S), Just(Fl::A)];
    let enter = prop_oneof![
        20 => Just(Enter::Ok),
        2 => Just(Enter::Fail),
        1 => Just(Enter::Panic),
        1 => Just(Enter::ExprPanics),
    ];
    let exit = prop_oneof![8 => Just(Act::Ok), 2 => Just(Act::Fail), 1 => Just(Act::Panic)];
    let managers = prop::collection::vec(
        (flavor, enter, exit).prop_map(|(flavor, enter, exit)| ManagerPlan {
            flavor,
            enter,
            exit,
        }),
        1..=6,
    );
    let link = prop_oneof![Just(Link::Try), Just(Link::Return), Just(Link::Value)];
    // A frame's shape: a list of 1 to 3, or two nested.
    let shape = prop_oneof![
        Just((1, false)),
        Just((2, false)),
        Just((3, false)),
        Just((2, true)),
    ];
    let body = prop_oneof![
        Just(BodyPath::Finish),
        Just(BodyPath::Try),
        Just(BodyPath::TryNone),
        Just(BodyPath::Return),
        Just(BodyPath::ReturnErr),
        Just(BodyPath::ErrValue),
        Just(BodyPath::Break),
        Just(BodyPath::BreakLabelled),
        Just(BodyPath::Continue),
        Just(BodyPath::ContinueLabelled),
        Just(BodyPath::Panic),
        Just(BodyPath::Hang),
    ];
    let cancel = prop_oneof![2 => Just(None), 1 => (0..12u32).prop_map(Some)];
    (
        managers,
        prop::collection::vec((shape, link), 6),
        any::<bool>(),
        body,
        cancel,
    )
        .prop_map(|(mut managers, shapes, suspend, body, cancel)| {
            let mut frames = Vec::new();
            let mut start = 0;
            for ((len, nest), link) in shapes {
                if start >= managers.len() {
                    break;
                }
                let len = len.min(managers.len() - start);
                let nest = nest && len == 2;
                frames.push(Frame {
                    start,
                    len,
                    nest,
                    link,
                });
                start += len;
            }
            if body == BodyPath::TryNone {
                // The option frame's managers are infallible; an async
                // one's exit may still panic.
                let last = frames[frames.len() - 1];
                for m in &mut managers[last.start..last.start + last.len] {
                    if m.enter != Enter::ExprPanics {
                        m.enter = Enter::Ok;
                    }
                    if m.flavor == Fl::S || m.exit == Act::Fail {
                        m.exit = Act::Ok;
                    }
                }
            }
            Plan {
                managers,
                frames,
                suspend,
                body,
                cancel,
            }
        })
}

// ---------------------------------------------------------------------------
// The harness.

/// A dropped guard's panic names the manager's type: the model does not.
fn normalize(message: String) -> String {
    if message.starts_with("ctxmgr: exit of `") {
        UNSEEN_EXIT_FAILED.into()
    } else {
        message
    }
}

fn ended(result: Result<Option<Result<Val, TestError>>, String>) -> Ended {
    match result {
        Ok(Some(r)) => Ended::Value(r),
        Ok(None) => Ended::Cancelled,
        Err(message) => Ended::Panicked(normalize(message)),
    }
}

fn compare(plan: &Plan, events: &[String], ended: &Ended) -> Result<(), TestCaseError> {
    check_structure(plan, events).map_err(TestCaseError::fail)?;
    let (expected_events, expected) = model(plan);
    prop_assert_eq!(
        events,
        &expected_events[..],
        "the log (suspensions, enter, exit/drop_exit and outcome)"
    );
    prop_assert_eq!(ended, &expected, "what propagated");
    Ok(())
}

/// Polls the case on this thread with a no-op waker.
fn check_case(plan: &Plan) -> Result<(), TestCaseError> {
    let log = SyncLog::new();
    let result = quietly(|| block_on_noop(Cancellable::new(run(0, plan, &log), plan.cancel, &log)));
    compare(plan, &log.take(), &ended(result))
}

/// Spawns the case as a tokio task (so its future must be `Send`), on a
/// current-thread runtime: the task runs on this thread, where panics are
/// kept quiet, and a panic comes back as the task's `JoinError`.
fn check_case_on_tokio(rt: &tokio::runtime::Runtime, plan: &Plan) -> Result<(), TestCaseError> {
    let log = SyncLog::new();
    let task_log = log.clone();
    let task_plan = Arc::new(plan.clone());
    let joined = quietly(|| {
        rt.block_on(rt.spawn(async move {
            let plan = &*task_plan;
            Cancellable::new(run(0, plan, &task_log), plan.cancel, &task_log).await
        }))
    })
    .map_err(|message| TestCaseError::fail(format!("the runtime panicked: {message}")))?;
    let result = joined.map_err(|e| ctxmgr_tests::panic_text(&*e.into_panic()));
    compare(plan, &log.take(), &ended(result))
}

fn run_cases(cases: u32) -> usize {
    property::run_cases(cases, &plan_strategy(), check_case)
}

#[test]
fn async_nests_await_exit_once_or_drop_exit_on_cancellation() {
    let ran = run_cases(NORMAL_CASES);
    assert!(ran >= NORMAL_CASES as usize);
    eprintln!("async property cases run: {ran}");
}

#[test]
fn async_nests_on_a_tokio_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a tokio runtime");
    let ran = property::run_cases(TOKIO_CASES, &plan_strategy(), |plan| {
        check_case_on_tokio(&rt, plan)
    });
    assert!(ran >= TOKIO_CASES as usize);
}

#[test]
#[ignore = "heavy: run with `cargo test --release -- --ignored`"]
fn async_nests_heavy() {
    let ran = run_cases(HEAVY_CASES);
    assert!(ran >= HEAVY_CASES as usize);
    eprintln!("async property cases run: {ran}");
}

/// The model itself, on hand-written cases: it must say what the docs say.
#[test]
fn the_model_matches_the_documented_async_rules() {
    let m = |flavor, exit| ManagerPlan {
        flavor,
        enter: Enter::Ok,
        exit,
    };
    let plan = |managers: Vec<ManagerPlan>, body, cancel| Plan {
        frames: vec![Frame {
            start: 0,
            len: managers.len(),
            nest: false,
            link: Link::Try,
        }],
        managers,
        suspend: true,
        body,
        cancel,
    };
    // `with!(async { m0 }, m1, async { m2 }, ..)` cancelled mid-body: the async
    // levels get `drop_exit(Unseen)`, never exit; the sync one in between
    // exits with `Unseen` from its guard's drop; innermost first.
    let cancelled = plan(
        vec![m(Fl::A, Act::Ok), m(Fl::S, Act::Ok), m(Fl::A, Act::Ok)],
        BodyPath::Finish,
        Some(2),
    );
    assert_eq!(
        model(&cancelled),
        (
            [
                "pending",
                "enter m0",
                "enter m1",
                "pending",
                "enter m2",
                "body",
                "pending",
                "cancel",
                "drop_exit m2 unseen",
                "exit m1 unseen",
                "drop_exit m0 unseen"
            ]
            .map(String::from)
            .to_vec(),
            Ended::Cancelled
        )
    );
    // A `?` in the body: each exit is awaited (a suspension, then the log)
    // with the error; the inner exit's error is what the outer exit sees and
    // what propagates.
    let exit_fails = plan(
        vec![m(Fl::A, Act::Ok), m(Fl::A, Act::Fail)],
        BodyPath::Try,
        None,
    );
    assert_eq!(
        model(&exit_fails),
        (
            [
                "pending",
                "enter m0",
                "pending",
                "enter m1",
                "body",
                "pending",
                "pending",
                "exit m1 err(body q failed)",
                "pending",
                "exit m0 err(exit m1 failed)"
            ]
            .map(String::from)
            .to_vec(),
            Ended::Value(Err(TestError::Exit("m1")))
        )
    );
    // A body panic: exit awaited with `Panic`; an async exit that panics
    // then leaves its guard to `drop_exit(Panic)`; the body's panic resumes.
    let panics = plan(vec![m(Fl::A, Act::Panic)], BodyPath::Panic, None);
    assert_eq!(
        model(&panics),
        (
            [
                "pending",
                "enter m0",
                "body",
                "pending",
                "pending",
                "exit m0 panic",
                "drop_exit m0 panic"
            ]
            .map(String::from)
            .to_vec(),
            Ended::Panicked("body panicked".into())
        )
    );
    // Cancelled while awaiting the exit after a body panic: the guard is
    // still entered, so `drop_exit(Unseen)` (the thread is not unwinding:
    // the panic was caught and is held); the panic goes with the future.
    let mut cancelled_after_panic = plan(vec![m(Fl::A, Act::Ok)], BodyPath::Panic, Some(1));
    cancelled_after_panic.suspend = false;
    assert_eq!(
        model(&cancelled_after_panic),
        (
            [
                "pending",
                "enter m0",
                "body",
                "pending",
                "cancel",
                "drop_exit m0 unseen"
            ]
            .map(String::from)
            .to_vec(),
            Ended::Cancelled
        )
    );
    // The real code agrees on all four.
    for p in [cancelled, exit_fails, panics, cancelled_after_panic] {
        check_case(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
    }
}
