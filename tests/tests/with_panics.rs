// Bodies deliberately use every control-flow form, redundant ones included.
#![allow(
    clippy::never_loop,
    clippy::needless_return,
    clippy::needless_question_mark,
    clippy::diverging_sub_expression,
    clippy::unused_unit
)]

//! `with!` and `Guard` under panics: exit runs with `Outcome::Panic`, a
//! panic inside exit while unwinding does not abort, and the original panic
//! is the one that continues.

use std::panic::AssertUnwindSafe;

use ctxmgr::{with, Guard, Outcome};
use ctxmgr_tests::{panic_message, Log, Probe, Quiet, TestError};

#[test]
fn body_panic_runs_exit_with_panic_outcome() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let _: Result<(), TestError> = (|| {
            with!(Probe::new("a", &log), Probe::new("b", &log), {
                panic!("boom");
            });
        })();
    }));
    assert_eq!(msg, "boom");
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "exit b panic", "exit a panic"]
    );
}

#[test]
fn exit_panicking_while_unwinding_does_not_abort_and_original_panic_continues() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let _: Result<(), TestError> = (|| {
            with!(
                Probe::new("a", &log),
                Probe::new("b", &log).exit_panics(),
                {
                    panic!("original");
                }
            );
        })();
    }));
    assert_eq!(msg, "original");
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "exit b panic", "exit a panic"]
    );
}

#[test]
fn exit_error_during_panic_is_dropped_and_panic_continues() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let _: Result<(), TestError> = (|| {
            with!(Probe::new("a", &log).exit_fails(), {
                panic!("first");
            });
        })();
    }));
    assert_eq!(msg, "first");
    assert_eq!(log.take(), ["enter a", "exit a panic"]);
}

#[test]
fn exit_panicking_on_normal_path_propagates_and_outer_sees_panic() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let _: Result<(), TestError> = (|| {
            with!(
                Probe::new("a", &log),
                Probe::new("b", &log).exit_panics(),
                {
                    log.push("body");
                }
            );
            Ok(())
        })();
    }));
    assert_eq!(msg, "exit b panicked");
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "body", "exit b ok", "exit a panic"]
    );
}

#[test]
fn enter_panicking_runs_outer_exit_only() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let _: Result<(), TestError> = (|| {
            with!(
                Probe::new("a", &log),
                Probe::new("b", &log).enter_panics(),
                {
                    log.push("body");
                }
            );
            Ok(())
        })();
    }));
    assert_eq!(msg, "enter b panicked");
    assert_eq!(log.take(), ["enter a", "enter b", "exit a panic"]);
}

#[test]
fn guard_finish_runs_exit_once_and_drop_does_not_repeat_it() {
    let log = Log::new();
    let mut g = Guard::new(Quiet::new("g", &log));
    assert!(!g.is_entered());
    assert_eq!(g.enter(), Ok("g"));
    assert!(g.is_entered());
    assert_eq!(g.finish(Outcome::Ok), Ok(()));
    assert_eq!(g.finish(Outcome::Ok), Ok(()));
    drop(g);
    assert_eq!(log.take(), ["enter g", "exit g ok"]);
}

#[test]
fn guard_returns_exit_error_from_finish() {
    let log = Log::new();
    let mut g = Guard::new(Probe::new("g", &log).exit_fails());
    g.enter().unwrap();
    assert_eq!(g.finish(Outcome::Ok), Err(TestError::Exit("g")));
}

#[test]
fn guard_failed_enter_is_never_exited() {
    let log = Log::new();
    let mut g = Guard::new(Probe::new("g", &log).enter_fails());
    assert_eq!(g.enter(), Err(TestError::Enter("g")));
    assert!(!g.is_entered());
    drop(g);
    assert_eq!(log.take(), ["enter g"]);
}

#[test]
fn guard_dropped_unfinished_reports_unseen_never_ok() {
    let log = Log::new();
    let mut g = Guard::new(Quiet::new("g", &log));
    g.enter().unwrap();
    drop(g);
    assert_eq!(log.take(), ["enter g", "exit g unseen"]);
}

#[test]
fn guard_dropped_unfinished_with_failing_exit_panics_loudly() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let mut g = Guard::new(Probe::new("g", &log).exit_fails());
        g.enter().unwrap();
    }));
    assert!(
        msg.contains("exit of `ctxmgr_tests::Probe` failed"),
        "{msg}"
    );
    assert_eq!(log.take(), ["enter g", "exit g unseen"]);
}

#[test]
fn guard_dropped_while_panicking_reports_panic() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let mut g = Guard::new(Quiet::new("g", &log));
        g.enter().unwrap();
        panic!("in scope");
    }));
    assert_eq!(msg, "in scope");
    assert_eq!(log.take(), ["enter g", "exit g panic"]);
}

#[test]
fn guard_enter_twice_is_a_clear_panic() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let mut g = Guard::new(Quiet::new("g", &log));
        g.enter().unwrap();
        let _ = g.enter();
    }));
    assert!(msg.contains("already entered"), "{msg}");
}
