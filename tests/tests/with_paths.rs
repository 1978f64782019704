// Bodies deliberately use every control-flow form, redundant ones included.
#![allow(
    clippy::never_loop,
    clippy::needless_return,
    clippy::needless_question_mark,
    clippy::diverging_sub_expression,
    clippy::unused_unit
)]

//! `with!`: exit runs exactly once on every path out of the body, and sees
//! the outcome the docs promise.

use ctxmgr::with;
use ctxmgr_tests::{Log, Probe, Quiet, TestError};

fn log_of(f: impl FnOnce(&Log)) -> Vec<String> {
    let log = Log::new();
    f(&log);
    log.take()
}

#[test]
fn normal_end_evaluates_to_body_value_and_exits_ok() {
    let log = Log::new();
    let run = || -> Result<usize, TestError> {
        let n = with!(Probe::new("a", &log) as name, {
            log.push("body");
            name.len() + 1
        });
        Ok(n)
    };
    assert_eq!(run(), Ok(2));
    assert_eq!(log.take(), ["enter a", "body", "exit a ok"]);
}

#[test]
fn no_binding_form() {
    let events = log_of(|log| {
        with!(Quiet::new("a", log), {
            log.push("body");
        });
    });
    assert_eq!(events, ["enter a", "body", "exit a ok"]);
}

#[test]
fn question_mark_exit_sees_error_before_from_conversion() {
    let log = Log::new();
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        with!(Probe::new("a", &log), {
            log.push("body");
            Err(TestError::Body("x"))?;
            log.push("not reached");
        });
        Ok(())
    };
    let err = run().unwrap_err();
    assert_eq!(err.to_string(), "body x failed");
    assert_eq!(log.take(), ["enter a", "body", "exit a err(body x failed)"]);
}

/// `let Some(x) = v else { return None };` is the same failure as `v?`:
/// a transaction must not commit on it.
#[test]
fn return_none_is_err_like_question_mark_on_none() {
    let log = Log::new();
    let seen = std::cell::Cell::new(false);
    let run = |v: Option<u8>| -> Option<u8> {
        let out = with!(Quiet::new("a", &log), {
            let Some(x) = v else { return None };
            if x == 0 {
                return Some(0); // a `Some` return is not an error
            }
            x + 1
        });
        Some(out)
    };
    assert_eq!(run(Some(1)), Some(2));
    assert_eq!(run(Some(0)), Some(0));
    assert_eq!(run(None), None);
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a ok",
            "enter a",
            "exit a err(`?` found a `None`)"
        ]
    );
    // The view says so, as for `?` on `None`.
    struct Check<'s>(&'s std::cell::Cell<bool>);
    impl ctxmgr::ContextManager for Check<'_> {
        type Value<'a>
            = ()
        where
            Self: 'a;
        type Error = std::convert::Infallible;
        fn enter(&mut self) -> Result<(), std::convert::Infallible> {
            Ok(())
        }
        fn exit(&mut self, outcome: ctxmgr::Outcome<'_>) -> Result<(), std::convert::Infallible> {
            self.0
                .set(outcome.error().is_some_and(|e| e.is_none_value()));
            Ok(())
        }
    }
    let check = || -> Option<()> {
        with!(Check(&seen), {
            return None;
        });
    };
    assert_eq!(check(), None);
    assert!(seen.get(), "exit did not see a none value");
}

#[test]
fn question_mark_on_none_is_err_and_propagates_none() {
    let log = Log::new();
    let run = |v: Option<u8>| -> Option<u8> {
        let out = with!(Quiet::new("a", &log), {
            let x = v?;
            x + 1
        });
        Some(out)
    };
    assert_eq!(run(Some(1)), Some(2));
    assert_eq!(run(None), None);
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a err(`?` found a `None`)"
        ]
    );
}

#[test]
fn return_ok_value_is_ok_and_returns() {
    let log = Log::new();
    let run = || -> Result<u32, TestError> {
        with!(Probe::new("a", &log), {
            return Ok(7);
        });
    };
    assert_eq!(run(), Ok(7));
    assert_eq!(log.take(), ["enter a", "exit a ok"]);
}

#[test]
fn return_err_is_err() {
    let log = Log::new();
    let run = || -> Result<u32, TestError> {
        with!(Probe::new("a", &log), {
            return Err(TestError::Body("r"));
        });
    };
    assert_eq!(run(), Err(TestError::Body("r")));
    assert_eq!(log.take(), ["enter a", "exit a err(body r failed)"]);
}

fn collect_in_return(items: &[&str], log: &Log) -> Result<Vec<u32>, std::num::ParseIntError> {
    with!(Probe::new("a", log).exit_never_fails(), {
        // The return type is only known from the signature.
        return items.iter().map(|s| s.parse::<u32>()).collect();
    });
}

trait NeverFails {
    fn exit_never_fails(self) -> ctxmgr_tests::Quiet;
}
impl NeverFails for Probe {
    fn exit_never_fails(self) -> ctxmgr_tests::Quiet {
        ctxmgr_tests::Quiet::new(self.name, &self.log)
    }
}

#[test]
fn return_with_inferred_type_from_signature() {
    let log = Log::new();
    assert_eq!(collect_in_return(&["1", "2"], &log), Ok(vec![1, 2]));
    assert!(collect_in_return(&["1", "x"], &log).is_err());
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a err(invalid digit found in string)"
        ]
    );
}

#[test]
fn body_value_that_is_err_is_ok() {
    let log = Log::new();
    let run = || -> Result<Result<(), TestError>, TestError> {
        let v: Result<(), TestError> =
            with!(Probe::new("a", &log), { Err(TestError::Body("value")) });
        Ok(v)
    };
    assert_eq!(run(), Ok(Err(TestError::Body("value"))));
    assert_eq!(log.take(), ["enter a", "exit a ok"]);
}

#[test]
fn body_value_type_is_inferred_from_context() {
    let log = Log::new();
    let v: Vec<u32> = with!(Quiet::new("a", &log), { (1..4).collect() });
    assert_eq!(v, [1, 2, 3]);
}

#[test]
fn break_and_continue_unlabelled_to_outer_loop() {
    let log = Log::new();
    let mut seen = Vec::new();
    for i in 0..5 {
        with!(Quiet::new("a", &log), {
            if i == 1 {
                continue;
            }
            if i == 3 {
                break;
            }
            seen.push(i);
        });
        seen.push(100 + i);
    }
    assert_eq!(seen, [0, 100, 2, 102]);
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a ok",
            "enter a",
            "exit a ok",
            "enter a",
            "exit a ok"
        ]
    );
}

#[test]
fn labelled_break_with_value_and_labelled_continue() {
    let log = Log::new();
    let mut rounds = 0;
    let found = 'outer: loop {
        rounds += 1;
        for i in 0.. {
            with!(Quiet::new("a", &log), {
                if rounds == 1 && i == 1 {
                    continue 'outer;
                }
                if i == 2 {
                    break 'outer i * 10;
                }
            });
        }
    };
    assert_eq!(found, 20);
    assert_eq!(rounds, 2);
    assert_eq!(log.take().len(), 2 + 2 + 2 * 3);
}

#[test]
fn break_out_of_labelled_block() {
    let log = Log::new();
    let v = 'blk: {
        with!(Quiet::new("a", &log), {
            break 'blk 5;
        });
    };
    assert_eq!(v, 5);
    assert_eq!(log.take(), ["enter a", "exit a ok"]);
}

#[test]
fn loops_inside_the_body_are_left_alone() {
    let log = Log::new();
    let total = with!(Quiet::new("a", &log), {
        let mut total = 0;
        for i in 0..10 {
            if i % 2 == 0 {
                continue;
            }
            if i > 6 {
                break;
            }
            total += i;
        }
        let x = loop {
            break 4;
        };
        'inner: for _ in 0..3 {
            break 'inner;
        }
        total + x
    });
    assert_eq!(total, 1 + 3 + 5 + 4);
    assert_eq!(log.take(), ["enter a", "exit a ok"]);
}

#[test]
fn question_mark_in_closures_async_blocks_and_items_is_theirs() {
    let log = Log::new();
    let run = || -> Result<u32, TestError> {
        let v = with!(Probe::new("a", &log), {
            let parse =
                |s: &str| -> Result<u32, std::num::ParseIntError> { Ok(s.parse::<u32>()? + 1) };
            fn helper(x: Option<u32>) -> Option<u32> {
                Some(x? * 2)
            }
            let fut = async { Ok::<u32, TestError>(Err(TestError::Body("async"))?) };
            drop(fut);
            let r = parse("x").is_err() as u32 + helper(Some(2)).unwrap();
            let ret = (|| {
                return 3;
            })();
            r + ret
        });
        Ok(v)
    };
    assert_eq!(run(), Ok(1 + 4 + 3));
    assert_eq!(log.take(), ["enter a", "exit a ok"]);
}

#[test]
fn enter_error_propagates_without_body_or_exit() {
    let log = Log::new();
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        with!(Probe::new("a", &log).enter_fails(), {
            log.push("body");
        });
        Ok(())
    };
    assert_eq!(run().unwrap_err().to_string(), "enter a failed");
    assert_eq!(log.take(), ["enter a"]);
}

#[test]
fn exit_error_propagates_on_ok_path() {
    let log = Log::new();
    let run = || -> Result<u8, TestError> {
        let v = with!(Probe::new("a", &log).exit_fails(), { 1 });
        Ok(v)
    };
    assert_eq!(run(), Err(TestError::Exit("a")));
    assert_eq!(log.take(), ["enter a", "exit a ok"]);
}

#[test]
fn exit_error_replaces_body_error_and_exit_saw_the_body_error() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(Probe::new("a", &log).exit_fails(), {
            Err(TestError::Body("b"))?;
        });
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Exit("a")));
    assert_eq!(log.take(), ["enter a", "exit a err(body b failed)"]);
}

#[test]
fn exit_error_replaces_return_value() {
    let log = Log::new();
    let run = || -> Result<u8, TestError> {
        with!(Probe::new("a", &log).exit_fails(), {
            return Ok(3);
        });
    };
    assert_eq!(run(), Err(TestError::Exit("a")));
}

#[test]
fn exit_error_on_break_propagates_instead_of_breaking() {
    let log = Log::new();
    let run = || -> Result<u8, TestError> {
        loop {
            with!(Probe::new("a", &log).exit_fails(), {
                break;
            });
        }
        Ok(1)
    };
    assert_eq!(run(), Err(TestError::Exit("a")));
}

#[test]
fn infallible_manager_in_unit_function() {
    fn unit(log: &Log) {
        with!(Quiet::new("a", log) as a, {
            log.push(format!("body {a}"));
        });
    }
    let log = Log::new();
    unit(&log);
    assert_eq!(log.take(), ["enter a", "body a", "exit a ok"]);
}

#[test]
fn reuse_a_manager_by_mut_reference() {
    let log = Log::new();
    let mut m = Quiet::new("kept", &log);
    for _ in 0..2 {
        with!(&mut m as name, {
            log.push(name);
        });
    }
    assert_eq!(m.name, "kept");
    assert_eq!(
        log.take(),
        [
            "enter kept",
            "kept",
            "exit kept ok",
            "enter kept",
            "kept",
            "exit kept ok"
        ]
    );
}

/// A manager whose value is a pair, for destructuring patterns.
struct Pair(Result<u8, u8>);
impl ctxmgr::ContextManager for Pair {
    type Value<'a> = (Result<u8, u8>, &'static str);
    type Error = std::convert::Infallible;
    fn enter(&mut self) -> Result<Self::Value<'_>, Self::Error> {
        Ok((self.0, "pair"))
    }
    fn exit(&mut self, _: ctxmgr::Outcome<'_>) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[test]
fn patterns_destructure_including_or_patterns() {
    let v = with!(Pair(Ok(3)) as (Ok(n) | Err(n), name), { format!("{name} {n}") });
    assert_eq!(v, "pair 3");
    let w = with!(Pair(Err(4)) as (_, _), { 1 });
    assert_eq!(w, 1);
    let x = with!(Pair(Err(5)) as ref pair, { pair.1.len() });
    assert_eq!(x, 4);
}

fn generic_over_manager<M: ctxmgr::ContextManager, E: From<M::Error>>(
    m: M,
    r: Result<u32, E>,
) -> Result<u32, E> {
    let v = with!(m, { r? + 1 });
    Ok(v)
}

#[test]
fn works_in_generic_code_over_any_manager_and_error() {
    #[derive(Debug, PartialEq)]
    struct NoDisplay;
    impl From<std::convert::Infallible> for NoDisplay {
        fn from(never: std::convert::Infallible) -> Self {
            match never {}
        }
    }
    let log = Log::new();
    assert_eq!(
        generic_over_manager::<_, NoDisplay>(Quiet::new("g", &log), Ok(1)),
        Ok(2)
    );
    assert_eq!(
        generic_over_manager(Quiet::new("g", &log), Err(NoDisplay)),
        Err(NoDisplay)
    );
    let events = log.take();
    assert_eq!(events[..2], ["enter g", "exit g ok"]);
    // A generic error type is shown by its type name: nothing else is known.
    assert!(
        events[3].starts_with("exit g err(an error of type `"),
        "{}",
        events[3]
    );
}

#[test]
fn question_mark_at_statement_start_followed_by_a_method_call() {
    let log = Log::new();
    let run = |v: Result<Vec<u8>, TestError>| -> Result<usize, TestError> {
        let mut n = 0;
        with!(Quiet::new("a", &log), {
            v?.clear();
            n += 1;
        });
        Ok(n)
    };
    assert_eq!(run(Ok(vec![1])), Ok(1));
    assert_eq!(run(Err(TestError::Body("s"))), Err(TestError::Body("s")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a err(body s failed)"
        ]
    );
}
