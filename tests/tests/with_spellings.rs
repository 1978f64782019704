//! `with!`'s two spellings: `EXPR as PAT, { BODY }` (which rustfmt formats)
//! and the original `EXPR as PAT => { BODY }`, with `async { EXPR }` and
//! `, mut` for the async and `mut` forms. Each spelling expands to the same
//! code: exit sees the same outcomes, in the same order.

use ctxmgr::{nullcontext, with};
use ctxmgr_tests::async_probe::{AsyncProbe, SyncLog};
use ctxmgr_tests::{Log, Probe, Quiet, TestError};

#[test]
fn the_comma_spelling_binds_runs_the_body_and_exits_once() {
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
fn the_comma_spelling_sees_a_question_mark_error() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(Probe::new("a", &log), {
            log.push("body");
            Err(TestError::Body("x"))?;
            log.push("not reached");
        });
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Body("x")));
    assert_eq!(log.take(), ["enter a", "body", "exit a err(body x failed)"]);
}

#[test]
fn several_managers_patterns_and_no_binding_in_the_comma_spelling() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(
            Probe::new("a", &log) as a,
            nullcontext((1, 2)) as (x, y),
            Quiet::new("c", &log),
            {
                log.push(format!("body {a} {x} {}", *y + 1));
            }
        );
        Ok(())
    };
    run().unwrap();
    assert_eq!(
        log.take(),
        ["enter a", "enter c", "body a 1 3", "exit c ok", "exit a ok"]
    );
}

#[test]
fn a_trailing_comma_after_the_body_is_accepted() {
    let log = Log::new();
    with!(Quiet::new("a", &log), {
        log.push("body");
    },);
    assert_eq!(log.take(), ["enter a", "body", "exit a ok"]);
}

#[test]
fn a_mut_marker_makes_every_name_of_the_pattern_before_it_mutable() {
    let log = Log::new();
    let total = with!(
        Quiet::new("a", &log) as a,
        mut,
        nullcontext((1, 2)) as (x, y),
        mut,
        {
            a = "changed";
            // `(mut x, mut y)` on `&mut (i32, i32)` binds copies (edition 2021).
            x += 10;
            y += 20;
            format!("{a} {x} {y}")
        }
    );
    assert_eq!(total, "changed 11 22");
    assert_eq!(log.take(), ["enter a", "exit a ok"]);
}

#[test]
fn a_mut_marker_binds_an_owned_value_mutably() {
    let log = Log::new();
    let run = || -> Result<String, TestError> {
        Ok(with!(Probe::new("a", &log) as name, mut, {
            name = "renamed";
            name.to_string()
        }))
    };
    assert_eq!(run().unwrap(), "renamed");
    assert_eq!(log.take(), ["enter a", "exit a ok"]);
}

#[test]
fn the_arrow_spelling_is_still_accepted() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(Probe::new("a", &log) as mut name => {
            name = "b";
            log.push(format!("body {name}"));
        });
        Ok(())
    };
    run().unwrap();
    assert_eq!(log.take(), ["enter a", "body b", "exit a ok"]);
}

#[tokio::test]
async fn async_block_spelling_awaits_enter_and_exit() {
    let log = SyncLog::new();
    let run = async {
        with!(async { AsyncProbe::new("a", &log) } as name, {
            log.push(format!("body {name}"));
            Err(TestError::Body("x"))?;
        });
        Ok::<(), TestError>(())
    };
    assert_eq!(run.await, Err(TestError::Body("x")));
    assert_eq!(
        log.take(),
        ["enter a", "body a", "exit a err(body x failed)"]
    );
}

#[tokio::test]
async fn async_block_spelling_mixes_with_sync_managers_and_statements() {
    let log = SyncLog::new();
    let quiet = Log::new();
    let run = async {
        with!(
            Quiet::new("s", &quiet),
            async {
                let name = "b";
                AsyncProbe::new(name, &log)
            } as b,
            {
                log.push(format!("body {b}"));
            }
        );
        Ok::<(), TestError>(())
    };
    run.await.unwrap();
    assert_eq!(log.take(), ["enter b", "body b", "exit b ok"]);
    assert_eq!(quiet.take(), ["enter s", "exit s ok"]);
}

#[tokio::test]
async fn the_async_keyword_spelling_in_the_comma_form() {
    let log = SyncLog::new();
    let run = async {
        with!(async AsyncProbe::new("a", &log) as name, {
            log.push(format!("body {name}"));
        });
        Ok::<(), TestError>(())
    };
    run.await.unwrap();
    assert_eq!(log.take(), ["enter a", "body a", "exit a ok"]);
}

#[tokio::test]
async fn a_manager_expression_ending_in_await_is_a_sync_manager() {
    // `.await` belongs to the expression: the manager it yields is entered
    // synchronously.
    let log = Log::new();
    let make = async { Quiet::new("a", &log) };
    with!(make.await, {
        log.push("body");
    });
    assert_eq!(log.take(), ["enter a", "body", "exit a ok"]);
}

/// A manager whose value is a lock guard.
struct Locked<'m>(&'m std::sync::Mutex<u32>);

impl ctxmgr::ContextManager for Locked<'_> {
    type Value<'a>
        = std::sync::MutexGuard<'a, u32>
    where
        Self: 'a;
    type Error = std::convert::Infallible;
    fn enter(&mut self) -> Result<Self::Value<'_>, Self::Error> {
        Ok(self.0.lock().unwrap())
    }
    fn exit(&mut self, _outcome: ctxmgr::Outcome<'_>) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[test]
fn as_underscore_on_a_lock_guard_compiles_without_an_allow_and_holds_the_lock_for_the_body() {
    // `let _ = guard;` would trip `let_underscore_lock`, a deny-by-default
    // lint: this file has no `allow`, so compiling it is half the test.
    let mutex = std::sync::Mutex::new(0);
    let held = with!(Locked(&mutex) as _, { mutex.try_lock().is_err() });
    assert!(held, "the lock is held while the body runs");
    assert!(mutex.try_lock().is_ok(), "and released after it");
    let held = with!(Locked(&mutex) => { mutex.try_lock().is_err() });
    assert!(held);
}
