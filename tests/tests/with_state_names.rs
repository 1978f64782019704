//! Each `with!` level keeps its state in one local named after the first
//! name its pattern binds (issue 19: rust-analyzer then lists that name
//! once). These bodies bind the same names in several levels, name the
//! pattern like a variable the manager expression reads, and shadow the
//! bindings again: hygiene must keep every user name and every state apart,
//! and each exit must still run once, in order, told how the body ended.

use ctxmgr::with;
use ctxmgr_tests::{Log, Probe, TestError};

#[test]
fn two_levels_binding_the_same_name_exit_in_order() {
    let log = Log::new();
    let run = || -> Result<String, TestError> {
        // The second manager reads the first's `f`; the body, the second's.
        let s = with!(
            Probe::new("a", &log) as f,
            Probe::new(if f == "a" { "b" } else { "x" }, &log) as f,
            {
                log.push(format!("body {f}"));
                f.to_string()
            }
        );
        Ok(s)
    };
    assert_eq!(run(), Ok("b".to_string()));
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "body b", "exit b ok", "exit a ok"]
    );
}

#[test]
fn same_name_in_a_nested_with_and_a_question_mark_reaching_both_exits() {
    let log = Log::new();
    let fail = |f: &str| -> Result<(), TestError> {
        Err(TestError::Body(if f == "b" { "b" } else { "x" }))
    };
    let run = || -> Result<(), TestError> {
        with!(Probe::new("a", &log) as f, {
            let outer = f;
            with!(Probe::new("b", &log) as f, {
                log.push(format!("inner {outer} {f}"));
                fail(f)?;
            });
            log.push("not reached");
        });
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Body("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "inner a b",
            "exit b err(body b failed)",
            "exit a err(body b failed)"
        ]
    );
}

#[test]
fn the_manager_expression_reads_a_variable_named_like_the_binding() {
    let log = Log::new();
    let f = "a";
    let run = || -> Result<&'static str, TestError> {
        let got = with!(
            Probe::new(f, &log) as f,
            Probe::new(if f == "a" { "b" } else { "c" }, &log) as g,
            {
                let f = [f, g].concat();
                log.push(format!("body {f}"));
                g
            }
        );
        Ok(got)
    };
    assert_eq!(run(), Ok("b"));
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "body ab", "exit b ok", "exit a ok"]
    );
}

#[test]
fn an_inner_enter_error_reaches_the_outer_exit_and_the_caller() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(
            Probe::new("a", &log) as f,
            Probe::new(if f == "a" { "b" } else { "x" }, &log).enter_fails() as f,
            {
                log.push(format!("body {f}"));
            }
        );
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Enter("b")));
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "exit a err(enter b failed)"]
    );
}

#[test]
fn an_inner_exit_error_reaches_the_outer_exit_after_the_body() {
    let log = Log::new();
    let run = || -> Result<u8, TestError> {
        let n = with!(
            Probe::new("a", &log) as x,
            Probe::new("b", &log).exit_fails() as y,
            {
                log.push(format!("body {x}{y}"));
                7
            }
        );
        Ok(n)
    };
    assert_eq!(run(), Err(TestError::Exit("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "body ab",
            "exit b ok",
            "exit a err(exit b failed)"
        ]
    );
}

#[test]
fn a_return_and_a_question_mark_with_tuple_and_wildcard_patterns() {
    let log = Log::new();
    let run = |early: bool| -> Result<u8, TestError> {
        let first = || Probe::new("p", &log);
        let n = with!(first() as _, Probe::new("q", &log) as q, {
            if early {
                return Ok(1);
            }
            let (a, _b) = (q, q);
            if a == "q" {
                Err(TestError::Body("q"))?;
            }
            2
        });
        Ok(n)
    };
    assert_eq!(run(true), Ok(1));
    assert_eq!(log.take(), ["enter p", "enter q", "exit q ok", "exit p ok"]);
    assert_eq!(run(false), Err(TestError::Body("q")));
    assert_eq!(
        log.take(),
        [
            "enter p",
            "enter q",
            "exit q err(body q failed)",
            "exit p err(body q failed)"
        ]
    );
}
