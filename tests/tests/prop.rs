//! Property tests: random nests of managers with random behaviour and a
//! random way out of the innermost body, checked against a small model of
//! the documented semantics.
//!
//! A *plan* holds 1 to 5 managers, each of which may enter (ok / fail /
//! panic / its expression panics) and exit (ok / fail / panic). They are
//! grouped into *frames*: one recursive call of [`run`] whose body is a
//! `with!` over one or two managers (`with!(A, B, ..)`), whose body either
//! recurses into the next frame (by `?`, by `return`, or as a plain value)
//! or, in the last frame, leaves by the plan's [`BodyPath`]: finishing,
//! `?`, `return`, `return Err`, an `Err` value, `break` / `continue`
//! (plain and labelled, to the frame's loop), or a panic.
//!
//! Every case checks, on the real log:
//! * structure: each entered manager exits exactly once, in reverse order,
//!   and no manager that was not entered exits;
//! * the exact log, against [`model`]: the `Outcome` each exit saw;
//! * the exact result: the value or error that propagates (exit's error wins
//!   over the body's), or the message of the panic that continues.
//!
//! `cargo test` runs [`NORMAL_CASES`]; `cargo test --release -- --ignored`
//! runs [`HEAVY_CASES`] and prints `property cases run: N`.

use ctxmgr_tests::property::{self, quietly};
use ctxmgr_tests::{Act, Log, Probe, TestError};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

const NORMAL_CASES: u32 = 500;
const HEAVY_CASES: u32 = 10_000;

const NAMES: [&str; 5] = ["m0", "m1", "m2", "m3", "m4"];

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
    enter: Enter,
    exit: Act,
}

/// How a frame's body hands on the next frame's result.
#[derive(Clone, Copy, Debug)]
enum Link {
    /// `Ok(run(next)?)`
    Try,
    /// `return run(next)`
    Return,
    /// `run(next)` as the body's value
    Value,
}

#[derive(Clone, Copy, Debug)]
enum BodyPath {
    Finish,
    Try,
    Return,
    ReturnErr,
    ErrValue,
    Break,
    BreakLabelled,
    Continue,
    ContinueLabelled,
    Panic,
}

#[derive(Clone, Copy, Debug)]
struct Frame {
    /// Index of its first manager.
    start: usize,
    /// 1 or 2 managers in its `with!`.
    len: usize,
    link: Link,
}

#[derive(Clone, Debug)]
struct Plan {
    managers: Vec<ManagerPlan>,
    frames: Vec<Frame>,
    body: BodyPath,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Val {
    Finished,
    Returned,
    Broke,
    Continued,
}

// ---------------------------------------------------------------------------
// The code under test.

fn manager(i: usize, plan: &Plan, log: &Log) -> Probe {
    let m = plan.managers[i];
    let enter = match m.enter {
        Enter::Ok => Act::Ok,
        Enter::Fail => Act::Fail,
        Enter::Panic => Act::Panic,
        Enter::ExprPanics => panic!("expr {} panicked", NAMES[i]),
    };
    Probe {
        name: NAMES[i],
        log: log.clone(),
        enter,
        exit: m.exit,
    }
}

/// One frame's `with!`; a macro so that the one- and two-manager forms share
/// the body text (`with!` sees the body's tokens after substitution).
macro_rules! frame_with {
    ($f:ident, $plan:ident, $log:ident, $frame:lifetime; $($manager:expr),+) => {
        ctxmgr::with!($($manager),+, {
            if $f + 1 < $plan.frames.len() {
                match $plan.frames[$f].link {
                    Link::Try => Ok(run($f + 1, $plan, $log)?),
                    Link::Return => return run($f + 1, $plan, $log),
                    Link::Value => run($f + 1, $plan, $log),
                }
            } else {
                $log.push("body");
                match $plan.body {
                    BodyPath::Finish => Ok(Val::Finished),
                    BodyPath::Try => Ok(Err::<Val, _>(TestError::Body("q"))?),
                    BodyPath::Return => return Ok(Val::Returned),
                    BodyPath::ReturnErr => return Err(TestError::Body("r")),
                    BodyPath::ErrValue => Err(TestError::Body("v")),
                    BodyPath::Break => break Ok(Val::Broke),
                    BodyPath::BreakLabelled => break $frame Ok(Val::Broke),
                    BodyPath::Continue => continue,
                    BodyPath::ContinueLabelled => continue $frame,
                    BodyPath::Panic => panic!("body panicked"),
                }
            }
        })
    };
}

fn run(f: usize, plan: &Plan, log: &Log) -> Result<Val, TestError> {
    let frame = plan.frames[f];
    let mut iteration = 0;
    'frame: loop {
        iteration += 1;
        if iteration > 1 {
            log.push("continued");
            break Ok(Val::Continued);
        }
        let result = if frame.len == 1 {
            frame_with!(f, plan, log, 'frame; manager(frame.start, plan, log))
        } else {
            frame_with!(f, plan, log, 'frame;
                manager(frame.start, plan, log),
                manager(frame.start + 1, plan, log))
        };
        break result;
    }
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
    /// `return` of this value (enter and exit errors propagate this way too).
    Return(Result<Val, TestError>),
    Break,
    Continue,
    /// Unwinding with this message.
    Panic(String),
}

/// What `run(f)` does: returns a value, or panics with a message.
type FrameResult = Result<Result<Val, TestError>, String>;

fn model_frame(f: usize, plan: &Plan, events: &mut Vec<String>) -> FrameResult {
    let frame = plan.frames[f];
    match model_with(frame.start, frame.start + frame.len, f, plan, events) {
        Leave::Value(r) | Leave::Return(r) => Ok(r),
        Leave::Try(e) => Ok(Err(e)),
        Leave::Break => Ok(Ok(Val::Broke)),
        Leave::Continue => {
            events.push("continued".into());
            Ok(Ok(Val::Continued))
        }
        Leave::Panic(msg) => Err(msg),
    }
}

/// Managers `i..end` of frame `f`, nested as `with!(A, B, ..)` nests.
fn model_with(i: usize, end: usize, f: usize, plan: &Plan, events: &mut Vec<String>) -> Leave {
    if i == end {
        return model_body(f, plan, events);
    }
    let m = plan.managers[i];
    let name = NAMES[i];
    match m.enter {
        Enter::ExprPanics => return Leave::Panic(format!("expr {name} panicked")),
        Enter::Fail => {
            events.push(format!("enter {name}"));
            return Leave::Return(Err(TestError::Enter(name)));
        }
        Enter::Panic => {
            events.push(format!("enter {name}"));
            return Leave::Panic(format!("enter {name} panicked"));
        }
        Enter::Ok => events.push(format!("enter {name}")),
    }
    let leave = model_with(i + 1, end, f, plan, events);
    let outcome = match &leave {
        Leave::Value(_) | Leave::Return(Ok(_)) | Leave::Break | Leave::Continue => "ok".into(),
        Leave::Try(e) | Leave::Return(Err(e)) => format!("err({e})"),
        Leave::Panic(_) => "panic".into(),
    };
    events.push(format!("exit {name} {outcome}"));
    match (m.exit, leave) {
        (Act::Ok, leave) => leave,
        // While unwinding, exit's error is dropped and its panic caught.
        (Act::Fail | Act::Panic, Leave::Panic(msg)) => Leave::Panic(msg),
        // Otherwise exit's error replaces whatever was leaving.
        (Act::Fail, _) => Leave::Return(Err(TestError::Exit(name))),
        (Act::Panic, _) => Leave::Panic(format!("exit {name} panicked")),
    }
}

fn model_body(f: usize, plan: &Plan, events: &mut Vec<String>) -> Leave {
    if f + 1 < plan.frames.len() {
        return match (plan.frames[f].link, model_frame(f + 1, plan, events)) {
            (_, Err(msg)) => Leave::Panic(msg),
            (Link::Try, Ok(Ok(v))) => Leave::Value(Ok(v)),
            (Link::Try, Ok(Err(e))) => Leave::Try(e),
            (Link::Return, Ok(r)) => Leave::Return(r),
            (Link::Value, Ok(r)) => Leave::Value(r),
        };
    }
    events.push("body".into());
    match plan.body {
        BodyPath::Finish => Leave::Value(Ok(Val::Finished)),
        BodyPath::Try => Leave::Try(TestError::Body("q")),
        BodyPath::Return => Leave::Return(Ok(Val::Returned)),
        BodyPath::ReturnErr => Leave::Return(Err(TestError::Body("r"))),
        // A body whose value is an `Err` is a value: exit sees `Ok`.
        BodyPath::ErrValue => Leave::Value(Err(TestError::Body("v"))),
        BodyPath::Break | BodyPath::BreakLabelled => Leave::Break,
        BodyPath::Continue | BodyPath::ContinueLabelled => Leave::Continue,
        BodyPath::Panic => Leave::Panic("body panicked".into()),
    }
}

fn model(plan: &Plan) -> (Vec<String>, FrameResult) {
    let mut events = Vec::new();
    let result = model_frame(0, plan, &mut events);
    (events, result)
}

// ---------------------------------------------------------------------------
// Structure, checked on the real log with no model: exactly-once, reverse
// order, never an exit without an enter.

fn check_structure(plan: &Plan, events: &[String]) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut exited = Vec::new();
    for e in events {
        if let Some(name) = e.strip_prefix("enter ") {
            let i = NAMES.iter().position(|n| *n == name).ok_or("unknown")?;
            if plan.managers[i].enter == Enter::Ok {
                stack.push(NAMES[i]);
            }
        } else if let Some(rest) = e.strip_prefix("exit ") {
            let name = rest.split(' ').next().unwrap_or_default();
            if exited.contains(&name) {
                return Err(format!("{name} exited twice"));
            }
            match stack.pop() {
                Some(top) if top == name => exited.push(name),
                Some(top) => return Err(format!("{name} exited while {top} was innermost")),
                None => return Err(format!("{name} exited without being entered")),
            }
            if rest.ends_with(" unseen") {
                return Err(format!("{name} saw Outcome::Unseen"));
            }
        }
    }
    match stack.last() {
        Some(name) => Err(format!("{name} was entered and never exited")),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Generation.

fn plan_strategy() -> impl Strategy<Value = Plan> {
    let enter = prop_oneof![
        6 => Just(Enter::Ok),
        2 => Just(Enter::Fail),
        1 => Just(Enter::Panic),
        1 => Just(Enter::ExprPanics),
    ];
    let exit = prop_oneof![6 => Just(Act::Ok), 2 => Just(Act::Fail), 1 => Just(Act::Panic)];
    let managers = prop::collection::vec(
        (enter, exit).prop_map(|(enter, exit)| ManagerPlan { enter, exit }),
        1..=5,
    );
    let link = prop_oneof![Just(Link::Try), Just(Link::Return), Just(Link::Value)];
    let body = prop_oneof![
        Just(BodyPath::Finish),
        Just(BodyPath::Try),
        Just(BodyPath::Return),
        Just(BodyPath::ReturnErr),
        Just(BodyPath::ErrValue),
        Just(BodyPath::Break),
        Just(BodyPath::BreakLabelled),
        Just(BodyPath::Continue),
        Just(BodyPath::ContinueLabelled),
        Just(BodyPath::Panic),
    ];
    (
        managers,
        prop::collection::vec((any::<bool>(), link), 5),
        body,
    )
        .prop_map(|(managers, shape, body)| {
            // Group managers into frames of one, or two when `pair` says so.
            let mut frames = Vec::new();
            let mut start = 0;
            for (pair, link) in shape {
                if start >= managers.len() {
                    break;
                }
                let len = if pair && start + 1 < managers.len() {
                    2
                } else {
                    1
                };
                frames.push(Frame { start, len, link });
                start += len;
            }
            Plan {
                managers,
                frames,
                body,
            }
        })
}

// ---------------------------------------------------------------------------
// The harness.

fn check_case(plan: &Plan) -> Result<(), TestCaseError> {
    let log = Log::new();
    let result = quietly(|| run(0, plan, &log));
    let events = log.take();

    check_structure(plan, &events).map_err(TestCaseError::fail)?;
    let (expected_events, expected_result) = model(plan);
    prop_assert_eq!(&events, &expected_events, "the log (enter/exit/outcome)");
    prop_assert_eq!(&result, &expected_result, "what propagated");
    Ok(())
}

fn run_cases(cases: u32) -> usize {
    property::run_cases(cases, &plan_strategy(), check_case)
}

#[test]
fn nests_of_managers_exit_exactly_once_with_the_prescribed_outcome() {
    let ran = run_cases(NORMAL_CASES);
    assert!(ran >= NORMAL_CASES as usize);
    eprintln!("property cases run: {ran}");
}

#[test]
#[ignore = "heavy: run with `cargo test --release -- --ignored`"]
fn nests_of_managers_heavy() {
    let ran = run_cases(HEAVY_CASES);
    assert!(ran >= HEAVY_CASES as usize);
    eprintln!("property cases run: {ran}");
}

/// The model itself, on hand-written cases: it must say what the docs say.
#[test]
fn the_model_matches_the_documented_examples() {
    let plan = |managers: Vec<ManagerPlan>, pair: bool, body| {
        let frames = if pair {
            vec![Frame {
                start: 0,
                len: 2,
                link: Link::Try,
            }]
        } else {
            (0..managers.len())
                .map(|start| Frame {
                    start,
                    len: 1,
                    link: Link::Try,
                })
                .collect()
        };
        Plan {
            managers,
            frames,
            body,
        }
    };
    let ok = ManagerPlan {
        enter: Enter::Ok,
        exit: Act::Ok,
    };
    let exit_fails = ManagerPlan {
        enter: Enter::Ok,
        exit: Act::Fail,
    };
    // Exit's error replaces the body's; exit saw the body's error.
    let (events, result) = model(&plan(vec![ok, exit_fails], true, BodyPath::Try));
    assert_eq!(
        events,
        [
            "enter m0",
            "enter m1",
            "body",
            "exit m1 err(body q failed)",
            "exit m0 err(exit m1 failed)"
        ]
    );
    assert_eq!(result, Ok(Err(TestError::Exit("m1"))));
    // A body value that is `Err` is reported `Ok` and returned as a value.
    let (events, result) = model(&plan(vec![ok], false, BodyPath::ErrValue));
    assert_eq!(events, ["enter m0", "body", "exit m0 ok"]);
    assert_eq!(result, Ok(Err(TestError::Body("v"))));
    // The real code agrees on both.
    for (managers, pair, body) in [
        (vec![ok, exit_fails], true, BodyPath::Try),
        (vec![ok], false, BodyPath::ErrValue),
        (vec![exit_fails, ok], false, BodyPath::Continue),
    ] {
        let p = plan(managers, pair, body);
        check_case(&p).unwrap_or_else(|e| panic!("{p:?}: {e}"));
    }
}
