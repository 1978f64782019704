// Bodies deliberately use every control-flow form, redundant ones included.
#![allow(
    clippy::never_loop,
    clippy::needless_return,
    clippy::needless_question_mark,
    clippy::diverging_sub_expression,
    clippy::unused_unit,
    clippy::useless_vec
)]

//! `with!` with several managers, nested `with!`s, values with their own
//! `Drop`, `?` inside macro arguments, `.await`, and suppression.

use std::sync::Mutex;

use ctxmgr::{with, ContextManager, ErrorRef, Outcome, Suppress};
use ctxmgr_tests::{describe, Log, Probe, Quiet, TestError};

#[test]
fn several_managers_enter_left_to_right_exit_right_to_left() {
    let log = Log::new();
    let run = || -> Result<String, TestError> {
        let s = with!(
            Probe::new("a", &log) as a,
            Probe::new("b", &log) as b,
            Quiet::new("c", &log),
            {
                log.push("body");
                format!("{a}{b}")
            }
        );
        Ok(s)
    };
    assert_eq!(run(), Ok("ab".to_string()));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "enter c",
            "body",
            "exit c ok",
            "exit b ok",
            "exit a ok"
        ]
    );
}

#[test]
fn second_enter_fails_first_exit_sees_that_error() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(
            Probe::new("a", &log),
            Probe::new("b", &log).enter_fails(),
            {
                log.push("body");
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

fn make_second(log: &Log, fail: bool) -> Result<Probe, TestError> {
    if fail {
        Err(TestError::Body("make"))
    } else {
        Ok(Probe::new("b", log))
    }
}

#[test]
fn second_expression_fails_with_question_mark_first_exit_sees_it() {
    let log = Log::new();
    let run = |fail| -> Result<(), TestError> {
        with!(Probe::new("a", &log), make_second(&log, fail)?, {
            log.push("body");
        });
        Ok(())
    };
    assert_eq!(run(true), Err(TestError::Body("make")));
    assert_eq!(log.take(), ["enter a", "exit a err(body make failed)"]);
    assert_eq!(run(false), Ok(()));
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "body", "exit b ok", "exit a ok"]
    );
}

#[test]
fn question_mark_in_a_nested_with_s_manager_expressions_leaves_the_outer_body() {
    // A `with!` in a body, its own managers' expressions the body's code:
    // `?` there (in the first and in a later manager) is a way out of the
    // outer body, which the outer exit sees.
    let log = Log::new();
    let run = |fail_first: bool, fail_second: bool| -> Result<u8, TestError> {
        with!(Probe::new("a", &log), {
            log.push("body a");
            with!(
                make_second(&log, fail_first)? as b,
                make_second(&log, fail_second)?,
                {
                    log.push(format!("body {b}"));
                }
            );
        });
        Ok(1)
    };
    assert_eq!(run(true, false), Err(TestError::Body("make")));
    assert_eq!(
        log.take(),
        ["enter a", "body a", "exit a err(body make failed)"]
    );
    assert_eq!(run(false, true), Err(TestError::Body("make")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "body a",
            "enter b",
            "exit b err(body make failed)",
            "exit a err(body make failed)"
        ]
    );
    assert_eq!(run(false, false), Ok(1));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "body a",
            "enter b",
            "enter b",
            "body b",
            "exit b ok",
            "exit b ok",
            "exit a ok"
        ]
    );
}

/// What a nested `with!` hands on, with a method taking it by value.
struct Tally<'l>(&'l Log, String);

impl Tally<'_> {
    fn record(&self) {
        self.0.push(format!("record {}", self.1));
    }
}

#[test]
fn nested_with_as_the_receiver_that_starts_a_statement() {
    // `with!(..).method();` in a body is an expression statement that
    // starts with the nested expansion's block: it must stay one
    // expression, not a block statement followed by `.method()` or `[0]`.
    let log = Log::new();
    let run = |fail: bool| -> Result<(), TestError> {
        with!(Probe::new("a", &log), {
            with!(Probe::new("b", &log) as b, {
                if fail {
                    Err(TestError::Body("b"))?;
                }
                Tally(&log, b.to_string())
            })
            .record();
            with!(Probe::new("c", &log) as c, { Tally(&log, c.to_string()) }).record();
            // As tokens, `{ .. }[0]` would be a block, then an array.
            with!(Probe::new("d", &log) as d, { [Tally(&log, d.to_string())] })[0].record();
        });
        Ok(())
    };
    assert_eq!(run(false), Ok(()));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b ok",
            "record b",
            "enter c",
            "exit c ok",
            "record c",
            "enter d",
            "exit d ok",
            "record d",
            "exit a ok"
        ]
    );
    assert_eq!(run(true), Err(TestError::Body("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b err(body b failed)",
            "exit a err(body b failed)"
        ]
    );
}

#[test]
fn inner_exit_error_is_what_outer_exit_sees() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(Probe::new("a", &log), Probe::new("b", &log).exit_fails(), {
        });
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Exit("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b ok",
            "exit a err(exit b failed)"
        ]
    );
}

#[test]
fn body_error_reaches_every_exit_inner_first() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(Probe::new("a", &log), Probe::new("b", &log), {
            Err(TestError::Body("x"))?;
        });
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Body("x")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b err(body x failed)",
            "exit a err(body x failed)"
        ]
    );
}

#[test]
fn hand_nested_with_behaves_like_the_list_form() {
    let log = Log::new();
    let run = || -> Result<u8, TestError> {
        for i in 0..3 {
            with!(Probe::new("a", &log), {
                with!(Probe::new("b", &log) as b, {
                    if i == 0 {
                        continue;
                    }
                    log.push(format!("body {b} {i}"));
                    return Ok(i);
                });
            });
        }
        Ok(99)
    };
    assert_eq!(run(), Ok(1));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b ok",
            "exit a ok",
            "enter a",
            "enter b",
            "body b 1",
            "exit b ok",
            "exit a ok"
        ]
    );
}

/// A manager whose value borrows it and has its own `Drop`.
struct Locked<'l> {
    data: Mutex<Vec<u32>>,
    log: &'l Log,
}

impl ContextManager for Locked<'_> {
    type Value<'a>
        = std::sync::MutexGuard<'a, Vec<u32>>
    where
        Self: 'a;
    type Error = TestError;
    fn enter(&mut self) -> Result<Self::Value<'_>, TestError> {
        Ok(self.data.lock().unwrap())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        // If the guard were still alive, `try_lock` would fail.
        let free = self.data.try_lock().is_ok();
        self.log
            .push(format!("exit {} lock free: {free}", describe(&outcome)));
        Ok(())
    }
}

#[test]
fn borrowed_value_with_drop_is_gone_before_exit_on_every_path() {
    let log = Log::new();
    let mut m = Locked {
        data: Mutex::new(vec![]),
        log: &log,
    };
    let run = |m: &mut Locked<'_>, step: u32| -> Result<u32, TestError> {
        for _ in 0..1 {
            let n = with!(&mut *m as guard, mut, {
                guard.push(step);
                // `?` in the middle of an expression that uses the guard.
                let len = guard.len() as u32
                    + if step == 1 {
                        Err(TestError::Body("mid"))?
                    } else {
                        0
                    };
                if step == 2 {
                    return Ok(len);
                }
                if step == 3 {
                    break;
                }
                len
            });
            return Ok(n);
        }
        Ok(0)
    };
    assert_eq!(run(&mut m, 0), Ok(1));
    assert_eq!(run(&mut m, 1), Err(TestError::Body("mid")));
    assert_eq!(run(&mut m, 2), Ok(3));
    assert_eq!(run(&mut m, 3), Ok(0));
    assert_eq!(
        log.take(),
        [
            "exit ok lock free: true",
            "exit err(body mid failed) lock free: true",
            "exit ok lock free: true",
            "exit ok lock free: true"
        ]
    );
    assert_eq!(*m.data.lock().unwrap(), [0, 1, 2, 3]);
}

#[test]
fn question_mark_in_std_macro_arguments_is_seen() {
    let log = Log::new();
    let parse = |s: &str| s.parse::<u32>().map_err(|_| TestError::Body("parse"));
    let run = |s: &str| -> Result<String, TestError> {
        let out = with!(Probe::new("a", &log), {
            let v = vec![parse(s)?, 1];
            assert!(parse(s)? < 1000, "{}", parse(s)?);
            format!("{}-{}", parse(s)?, v.len())
        });
        Ok(out)
    };
    assert_eq!(run("7"), Ok("7-2".to_string()));
    assert_eq!(run("x"), Err(TestError::Body("parse")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a err(body parse failed)"
        ]
    );
}

macro_rules! opaque {
    ($e:expr) => {
        $e
    };
}

#[test]
fn question_mark_in_other_macros_is_reported_unseen_never_ok() {
    let log = Log::new();
    let run = || -> Result<u32, TestError> {
        let v = with!(Probe::new("a", &log), {
            opaque!(Err::<u32, _>(TestError::Body("hidden"))?)
        });
        Ok(v)
    };
    assert_eq!(run(), Err(TestError::Body("hidden")));
    assert_eq!(log.take(), ["enter a", "exit a unseen"]);
}

fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// A future that is pending once, then ready.
struct YieldOnce(bool);
impl std::future::Future for YieldOnce {
    type Output = u32;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<u32> {
        if self.0 {
            std::task::Poll::Ready(5)
        } else {
            self.0 = true;
            std::task::Poll::Pending
        }
    }
}

async fn async_body(log: &Log, fail: bool) -> Result<u32, TestError> {
    let v = with!(Probe::new("a", log), {
        let x = YieldOnce(false).await;
        log.push("awaited");
        if fail {
            Err(TestError::Body("async"))?;
        }
        x
    });
    Ok(v)
}

#[test]
fn await_in_the_body_of_an_async_fn() {
    let log = Log::new();
    assert_eq!(block_on(async_body(&log, false)), Ok(5));
    assert_eq!(
        block_on(async_body(&log, true)),
        Err(TestError::Body("async"))
    );
    assert_eq!(
        log.take(),
        [
            "enter a",
            "awaited",
            "exit a ok",
            "enter a",
            "awaited",
            "exit a err(body async failed)"
        ]
    );
}

/// Swallows `TestError::Body("ignorable")`, like `contextlib.suppress`.
struct SuppressIgnorable(Log);
impl ContextManager for SuppressIgnorable {
    type Value<'a> = ();
    type Error = TestError;
    fn enter(&mut self) -> Result<(), TestError> {
        Ok(())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        self.0.push(format!("exit {}", describe(&outcome)));
        Ok(())
    }
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        error.downcast_ref::<TestError>() == Some(&TestError::Body("ignorable"))
    }
}
impl Suppress for SuppressIgnorable {}

#[test]
fn suppression_swallows_chosen_errors_and_evaluates_to_default() {
    let log = Log::new();
    let run = |e: TestError| -> Result<(u32, &'static str), TestError> {
        let n: u32 = with!(SuppressIgnorable(log.clone()), {
            Err(e)?;
            7
        });
        Ok((n, "after"))
    };
    assert_eq!(run(TestError::Body("ignorable")), Ok((0, "after")));
    assert_eq!(run(TestError::Body("other")), Err(TestError::Body("other")));
    assert_eq!(
        log.take(),
        [
            "exit err(body ignorable failed)",
            "exit err(body other failed)"
        ]
    );
}

#[test]
fn suppression_does_not_apply_to_explicit_return() {
    let log = Log::new();
    let run = || -> Result<u32, TestError> {
        with!(SuppressIgnorable(log.clone()), {
            return Err(TestError::Body("ignorable"));
        });
    };
    assert_eq!(run(), Err(TestError::Body("ignorable")));
}

#[derive(Debug, PartialEq)]
enum UserError {
    Conflict,
}
impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("conflict")
    }
}

/// Records what `downcast_ref` finds in the error exit sees.
struct Inspect(Log);
impl ContextManager for Inspect {
    type Value<'a> = ();
    type Error = std::convert::Infallible;
    fn enter(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
        let e = outcome.error().expect("an error");
        let found = if let Some(io) = e.downcast_ref::<std::io::Error>() {
            format!("io {:?}", io.kind())
        } else if let Some(s) = e.downcast_ref::<String>() {
            format!("string {s}")
        } else if let Some(u) = e.downcast_ref::<UserError>() {
            format!("user {u:?}")
        } else if let Some(b) = e.downcast_ref::<ctxmgr::BoxError>() {
            let inner = e
                .as_error()
                .and_then(|x| x.downcast_ref::<std::io::Error>());
            format!("boxed {b} inner io: {}", inner.is_some())
        } else {
            format!("other {e}")
        };
        self.0.push(format!("{found} / display {e} / debug {e:?}"));
        Ok(())
    }
}

#[test]
fn exit_can_display_debug_and_downcast_the_error() {
    let log = Log::new();
    let io = || -> Result<(), std::io::Error> {
        with!(Inspect(log.clone()), {
            Err(std::io::Error::from(std::io::ErrorKind::NotFound))?;
        });
        Ok(())
    };
    let string = || -> Result<(), String> {
        with!(Inspect(log.clone()), {
            Err("plain".to_string())?;
        });
        Ok(())
    };
    let user = || -> Result<(), UserError> {
        with!(Inspect(log.clone()), {
            return Err(UserError::Conflict);
        });
    };
    let boxed = || -> Result<(), ctxmgr::BoxError> {
        with!(Inspect(log.clone()), {
            let e: ctxmgr::BoxError = Box::new(std::io::Error::other("deep"));
            Err(e)?;
        });
        Ok(())
    };
    // Not `Sync`: viewed on the thread that made the view, as the box it is.
    let not_sync = || -> Result<(), Box<dyn std::error::Error>> {
        with!(Inspect(log.clone()), {
            let e: Box<dyn std::error::Error> = Box::new(std::io::Error::other("local"));
            Err(e)?;
        });
        Ok(())
    };
    assert!(io().is_err() && string().is_err() && user().is_err());
    assert!(boxed().is_err() && not_sync().is_err());
    assert_eq!(
        log.take(),
        [
            "io NotFound / display entity not found / debug Kind(NotFound)",
            "string plain / display plain / debug \"plain\"",
            "user Conflict / display conflict / debug Conflict",
            "boxed deep inner io: true / display deep / debug Custom { kind: Other, error: \"deep\" }",
            "other local / display local / debug Custom { kind: Other, error: \"local\" }",
        ]
    );
}

#[test]
fn errors_without_display_are_shown_by_debug_or_type_name() {
    #[derive(Debug)]
    struct DebugOnly(#[allow(dead_code)] u8);
    struct Nothing;
    let log = Log::new();
    let dbg = || -> Result<(), DebugOnly> {
        with!(Quiet::new("a", &log), {
            Err(DebugOnly(3))?;
        });
        Ok(())
    };
    let nothing = || -> Result<(), Nothing> {
        with!(Quiet::new("b", &log), {
            Err(Nothing)?;
        });
        Ok(())
    };
    assert!(dbg().is_err());
    assert!(nothing().is_err());
    let events = log.take();
    assert_eq!(events[1], "exit a err(DebugOnly(3))");
    assert!(
        events[3].starts_with("exit b err(an error of type `") && events[3].ends_with("Nothing`)"),
        "{}",
        events[3]
    );
}

/// An error with a source, as `Box<dyn Error>` boxes it.
#[derive(Debug)]
struct Loading(std::io::Error);
impl std::fmt::Display for Loading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("loading the config failed")
    }
}
impl std::error::Error for Loading {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

/// Records the message and the source chain exit sees, here and from
/// another thread.
struct Chain(Log);
impl ContextManager for Chain {
    type Value<'a> = ();
    type Error = std::convert::Infallible;
    fn enter(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
        let e = outcome.error().expect("an error");
        let mut chain = Vec::new();
        let mut next = e.as_error().and_then(std::error::Error::source);
        while let Some(source) = next {
            chain.push(source.to_string());
            next = source.source();
        }
        let io = e
            .as_error()
            .and_then(|e| e.source())
            .and_then(|s| s.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind);
        self.0.push(format!("{e} <- {chain:?}, io {io:?}"));
        let elsewhere = std::thread::scope(|s| s.spawn(|| e.to_string()).join().unwrap());
        self.0.push(elsewhere);
        Ok(())
    }
}

#[test]
fn a_box_dyn_error_that_is_not_sync_is_seen_by_its_message_and_source_chain() {
    // The README's `fn main() -> Result<(), Box<dyn Error>>`: `?` and
    // `return Err(..)` both show exit the message and the chain.
    let log = Log::new();
    let loading = || {
        Loading(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no config.toml",
        ))
    };
    let by_try = || -> Result<(), Box<dyn std::error::Error>> {
        with!(Chain(log.clone()), {
            Err::<(), Box<dyn std::error::Error>>(Box::new(loading()))?;
        });
        Ok(())
    };
    let by_return = || -> Result<(), Box<dyn std::error::Error>> {
        with!(Chain(log.clone()), {
            return Err(Box::new(loading()));
        });
    };
    let send = || -> Result<(), Box<dyn std::error::Error + Send>> {
        with!(Chain(log.clone()), {
            Err::<(), Box<dyn std::error::Error + Send>>(Box::new(loading()))?;
        });
        Ok(())
    };
    assert_eq!(
        by_try().unwrap_err().to_string(),
        "loading the config failed"
    );
    assert_eq!(
        by_return().unwrap_err().to_string(),
        "loading the config failed"
    );
    assert_eq!(send().unwrap_err().to_string(), "loading the config failed");
    let seen = "loading the config failed <- [\"no config.toml\"], io Some(NotFound)";
    let elsewhere = |ty: &str| format!("an error of type `{ty}` (viewed on another thread)");
    assert_eq!(
        log.take(),
        [
            seen.to_string(),
            elsewhere("alloc::boxed::Box<dyn core::error::Error>"),
            seen.to_string(),
            elsewhere("alloc::boxed::Box<dyn core::error::Error>"),
            seen.to_string(),
            elsewhere("alloc::boxed::Box<dyn core::error::Error + core::marker::Send>"),
        ]
    );
}

#[test]
fn a_box_dyn_error_view_downcasts_to_the_box_and_through_it() {
    use ctxmgr::ErrorRef;
    let e: Box<dyn std::error::Error> = Box::new(std::io::Error::other("inner"));
    let view = ErrorRef::from_local(&e);
    assert!(view.is::<Box<dyn std::error::Error>>());
    let io = view
        .as_error()
        .and_then(|e| e.downcast_ref::<std::io::Error>());
    assert_eq!(
        io.map(std::io::Error::kind),
        Some(std::io::ErrorKind::Other)
    );
    assert_eq!(
        format!("{view:?}"),
        "Custom { kind: Other, error: \"inner\" }"
    );
    // Elsewhere: nothing but the type's name, and no downcast.
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(view.as_error().is_none());
            assert!(!view.is::<Box<dyn std::error::Error>>());
            assert_eq!(
                format!("{view:?}"),
                "<alloc::boxed::Box<dyn core::error::Error>>"
            );
        });
    });
}

#[test]
fn a_temporary_in_the_manager_expression_lives_as_long_as_the_with() {
    // The expansion holds the manager as `let S = Kind { m: EXPR };`, which
    // extends the temporaries of `EXPR` (here the `Probe` that `&mut`
    // borrows) to the end of the `with!`, as `let S = EXPR;` would.
    let log = Log::new();
    let run = |fail: bool| -> Result<String, TestError> {
        let s = with!(&mut Probe::new("t", &log) as t, {
            log.push("body");
            if fail {
                Err(TestError::Body("t"))?;
            }
            t.to_string()
        });
        Ok(s)
    };
    assert_eq!(run(false), Ok("t".to_string()));
    assert_eq!(log.take(), ["enter t", "body", "exit t ok"]);
    assert_eq!(run(true), Err(TestError::Body("t")));
    assert_eq!(log.take(), ["enter t", "body", "exit t err(body t failed)"]);
}
