//! `#[ctxmgr::contextmanager]`: a manager from one function split at its
//! `yield_!`. Each test asserts what ran, in which order, and the outcome the
//! exit half saw.

use std::cell::Cell;

use ctxmgr::{with, ContextManager, Guard, Outcome};
use ctxmgr_tests::{describe, panic_message, Log, Probe, TestError};

#[ctxmgr::contextmanager]
fn tag(log: &Log, name: &'static str) -> Result<String, TestError> {
    log.push(format!("enter {name}"));
    let opened = format!("<{name}>"); // a local of the enter half
    let outcome = yield_!(format!("[{name}]"));
    log.push(format!("exit {name} {} after {opened}", describe(&outcome)));
}

#[test]
fn enter_runs_before_the_body_and_exit_after_with_locals_kept() {
    let log = Log::new();
    let out: Result<usize, TestError> = (|| {
        let n = with!(tag(&log, "b") as t, {
            log.push(format!("body {t}"));
            t.len()
        });
        Ok(n)
    })();
    assert_eq!(out, Ok(3));
    assert_eq!(log.take(), ["enter b", "body [b]", "exit b ok after <b>"]);
}

#[test]
fn nothing_runs_until_entered() {
    let log = Log::new();
    let manager = tag(&log, "lazy");
    assert!(
        log.events().is_empty(),
        "calling the function ran code: {:?}",
        log.events()
    );
    let mut guard = Guard::new(manager);
    assert_eq!(guard.enter().unwrap(), "[lazy]");
    assert_eq!(log.events(), ["enter lazy"]);
    guard.finish(Outcome::Ok).unwrap();
    assert_eq!(log.take(), ["enter lazy", "exit lazy ok after <lazy>"]);
}

#[test]
fn the_outcome_binding_sees_a_question_mark_error() {
    let log = Log::new();
    let out: Result<(), TestError> = (|| {
        with!(tag(&log, "b"), {
            log.push("body");
            Err(TestError::Body("boom"))?;
            log.push("not reached");
        });
        Ok(())
    })();
    assert_eq!(out, Err(TestError::Body("boom")));
    assert_eq!(
        log.take(),
        ["enter b", "body", "exit b err(body boom failed) after <b>"]
    );
}

#[test]
fn the_outcome_binding_sees_a_panic_and_the_panic_continues() {
    let log = Log::new();
    let message = panic_message(std::panic::AssertUnwindSafe(|| {
        let _: Result<(), TestError> = (|| {
            with!(tag(&log, "b"), {
                panic!("body panicked");
            });
            #[allow(unreachable_code)]
            Ok(())
        })();
    }));
    assert_eq!(message, "body panicked");
    assert_eq!(log.take(), ["enter b", "exit b panic after <b>"]);
}

#[ctxmgr::contextmanager]
fn fallible(log: &Log, enter_fails: bool, exit_fails: bool) -> Result<u32, TestError> {
    log.push("enter");
    if enter_fails {
        Err(TestError::Enter("g"))?;
    }
    let outcome = yield_!(7);
    log.push(format!("exit {}", describe(&outcome)));
    if exit_fails {
        return Err(TestError::Exit("g"));
    }
    Ok(())
}

fn run_fallible(log: &Log, enter_fails: bool, exit_fails: bool) -> Result<u32, TestError> {
    let v = with!(fallible(log, enter_fails, exit_fails) as v, {
        log.push(format!("body {v}"));
        v
    });
    Ok(v)
}

#[test]
fn question_mark_before_the_yield_is_enter_error_body_and_exit_skipped() {
    let log = Log::new();
    assert_eq!(run_fallible(&log, true, false), Err(TestError::Enter("g")));
    assert_eq!(log.take(), ["enter"]);
}

#[test]
fn an_error_after_the_yield_is_exit_error_and_propagates() {
    let log = Log::new();
    assert_eq!(run_fallible(&log, false, true), Err(TestError::Exit("g")));
    assert_eq!(log.take(), ["enter", "body 7", "exit ok"]);
    assert_eq!(run_fallible(&log, false, false), Ok(7));
    assert_eq!(log.take(), ["enter", "body 7", "exit ok"]);
}

#[ctxmgr::contextmanager]
fn question_mark_in_exit(log: &Log, text: &'static str) -> Result<(), String> {
    log.push("enter");
    yield_!(());
    let n: i32 = text.parse().map_err(|e| format!("{e}"))?;
    log.push(format!("parsed {n}"));
}

#[test]
fn question_mark_after_the_yield_is_exit_error() {
    let log = Log::new();
    let run = |text| -> Result<(), String> {
        with!(question_mark_in_exit(&log, text), {});
        Ok(())
    };
    assert_eq!(run("12"), Ok(()));
    assert_eq!(log.take(), ["enter", "parsed 12"]);
    assert_eq!(run("x"), Err("invalid digit found in string".to_string()));
    assert_eq!(log.take(), ["enter"]);
}

/// Infallible: no `Result` in the signature.
#[ctxmgr::contextmanager]
fn counter(count: &Cell<u32>) -> u32 {
    count.set(count.get() + 1);
    yield_!(count.get());
    count.set(count.get() + 100);
}

/// No return type: the value is `()`.
#[ctxmgr::contextmanager]
fn mark(log: &Log) {
    log.push("in");
    yield_!();
    log.push("out");
}

#[test]
fn infallible_generators_work_in_functions_returning_unit() {
    let count = Cell::new(0);
    let log = Log::new();
    with!(counter(&count) as n, mark(&log), {
        assert_eq!(n, 1);
        log.push("body");
    });
    assert_eq!(count.get(), 101);
    assert_eq!(log.take(), ["in", "body", "out"]);
}

/// Generic, and an associated function of an impl block.
struct Stack;
impl Stack {
    #[ctxmgr::contextmanager]
    fn push<T: Clone + std::fmt::Debug>(items: &mut Vec<T>, item: T) -> Result<usize, TestError> {
        items.push(item.clone());
        let outcome = yield_!(items.len());
        let popped = items.pop();
        assert_eq!(format!("{popped:?}"), format!("{:?}", Some(item)));
        if !outcome.is_ok() {
            return Err(TestError::Exit("pop after a failure"));
        }
        Ok(())
    }
}

#[test]
fn generic_associated_generator_restores_on_every_path() {
    let mut items = vec!["a"];
    let out: Result<usize, TestError> = (|| Ok(with!(Stack::push(&mut items, "b") as n, { n })))();
    assert_eq!(out, Ok(2));
    assert_eq!(items, ["a"]);
    let out: Result<usize, TestError> = (|| {
        Ok(with!(Stack::push(&mut items, "c") as _n, {
            Err(TestError::Body("x"))?
        }))
    })();
    // Exit saw the error and replaced it with its own, as exit errors do.
    assert_eq!(out, Err(TestError::Exit("pop after a failure")));
    assert_eq!(items, ["a"]);
}

#[test]
fn nests_with_other_managers_in_order() {
    let log = Log::new();
    let out: Result<(), TestError> = (|| {
        with!(
            Probe::new("outer", &log),
            tag(&log, "mid"),
            Probe::new("inner", &log),
            {
                log.push("body");
            }
        );
        Ok(())
    })();
    assert_eq!(out, Ok(()));
    assert_eq!(
        log.take(),
        [
            "enter outer",
            "enter mid",
            "enter inner",
            "body",
            "exit inner ok",
            "exit mid ok after <mid>",
            "exit outer ok",
        ]
    );
}

#[test]
fn a_dropped_guard_runs_the_exit_half_once_with_unseen() {
    let log = Log::new();
    {
        let mut guard = Guard::new(tag(&log, "g"));
        guard.enter().unwrap();
    }
    assert_eq!(log.take(), ["enter g", "exit g unseen after <g>"]);
}

#[test]
fn a_generator_is_entered_once() {
    let log = Log::new();
    let mut manager = tag(&log, "once");
    manager.enter().unwrap();
    manager.exit(Outcome::Ok).unwrap();
    manager.exit(Outcome::Ok).unwrap(); // a second exit does nothing
    assert_eq!(log.take(), ["enter once", "exit once ok after <once>"]);
    let message = panic_message(std::panic::AssertUnwindSafe(|| {
        let _ = manager.enter();
    }));
    assert!(message.contains("entered once"), "{message}");
}

#[test]
fn a_generator_is_a_decorator_too() {
    #[ctxmgr::wrap(tag(log, "w") as t)]
    fn decorated(log: &Log, fail: bool) -> Result<String, TestError> {
        if fail {
            return Err(TestError::Body("no"));
        }
        Ok(t)
    }
    let log = Log::new();
    assert_eq!(decorated(&log, false), Ok("[w]".to_string()));
    assert_eq!(decorated(&log, true), Err(TestError::Body("no")));
    assert_eq!(
        log.take(),
        [
            "enter w",
            "exit w ok after <w>",
            "enter w",
            "exit w err(body no failed) after <w>",
        ]
    );
}

#[test]
fn generators_enter_an_exit_stack_and_exit_in_reverse() {
    use ctxmgr::ExitStack;
    let log = Log::new();
    let mut stack: ExitStack<'_, TestError> = ExitStack::default();
    let a = stack.enter_context(tag(&log, "a")).unwrap();
    let b = stack.enter_context(tag(&log, "b")).unwrap();
    log.push(format!("body {a} {b}"));
    stack.close().unwrap();
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "body [a] [b]",
            "exit b ok after <b>",
            "exit a ok after <a>",
        ]
    );
}

/// `-> $ret:ty` of a `macro_rules!` arrives as an invisible group around
/// the type: a `Result` there is still enter's, so a failed enter stops the
/// body (an alias named otherwise is a compile error:
/// tests/ui/contextmanager/returns-result-alias.rs).
macro_rules! generator_returning {
    ($name:ident, $ret:ty) => {
        #[ctxmgr::contextmanager]
        fn $name(log: &Log, fail: bool) -> $ret {
            log.push("enter".to_string());
            if fail {
                return Err(TestError::Enter("g"));
            }
            let outcome = yield_!(3);
            log.push(format!("exit {}", describe(&outcome)));
        }
    };
}
generator_returning!(through_a_macro, Result<u32, TestError>);

#[test]
fn a_result_through_a_macro_type_fragment_is_fallible() {
    let log = Log::new();
    let run = |fail: bool| -> Result<u32, TestError> {
        Ok(with!(through_a_macro(&log, fail) as v, {
            log.push(format!("body {v}"));
            v
        }))
    };
    assert_eq!(run(true), Err(TestError::Enter("g")));
    assert_eq!(log.take(), ["enter"]);
    assert_eq!(run(false), Ok(3));
    assert_eq!(log.take(), ["enter", "body 3", "exit ok"]);
}
