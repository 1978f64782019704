// Bodies deliberately use every control-flow form, redundant ones included.
#![allow(
    clippy::never_loop,
    clippy::needless_return,
    clippy::needless_question_mark,
    clippy::diverging_sub_expression
)]

//! `with!(async ..)` under a real tokio runtime: exit is awaited exactly
//! once on every path out of the body, with the outcome the docs promise; a
//! cancelled future runs `drop_exit(Unseen)` instead; sync and async
//! managers mix in one list.

use std::time::Duration;

use ctxmgr::{with, AsyncContextManager, AsyncSuppress, ErrorRef, Outcome};
use ctxmgr_tests::async_probe::{yield_now, AsyncProbe, AsyncQuiet, SyncLog};
use ctxmgr_tests::{Log, Probe, TestError};

#[tokio::test]
async fn normal_end_awaits_exit_with_ok_and_evaluates_to_the_body() {
    let log = SyncLog::new();
    let run = async {
        let n = with!(async { AsyncProbe::new("a", &log) } as name, {
            yield_now().await;
            log.push("body");
            name.len() + 1
        });
        Ok::<_, TestError>(n)
    };
    assert_eq!(run.await, Ok(2));
    assert_eq!(log.take(), ["enter a", "body", "exit a ok"]);
}

#[tokio::test]
async fn question_mark_exit_sees_the_error_before_from_conversion() {
    let log = SyncLog::new();
    let run = || async {
        with!(async { AsyncProbe::new("a", &log) }, {
            log.push("body");
            Err(TestError::Body("x"))?;
            log.push("not reached");
        });
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    };
    let err = run().await.unwrap_err();
    assert_eq!(err.to_string(), "body x failed");
    assert_eq!(log.take(), ["enter a", "body", "exit a err(body x failed)"]);
}

#[tokio::test]
async fn question_mark_on_none_is_an_error() {
    let log = SyncLog::new();
    let run = || async {
        let c = with!(async { AsyncQuiet::new("a", &log) }, { "".chars().next()? });
        Some(c)
    };
    assert_eq!(run().await, None);
    assert_eq!(log.take(), ["enter a", "exit a err(`?` found a `None`)"]);
}

#[tokio::test]
async fn return_ok_is_ok_and_return_err_is_an_error() {
    let log = SyncLog::new();
    let run = |fail: bool| {
        let log = log.clone();
        async move {
            with!(async { AsyncProbe::new("a", &log) }, {
                if fail {
                    return Err(TestError::Body("r"));
                }
                return Ok(7);
            })
        }
    };
    assert_eq!(run(false).await, Ok(7));
    assert_eq!(run(true).await, Err(TestError::Body("r")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a err(body r failed)"
        ]
    );
}

#[tokio::test]
async fn break_and_continue_unlabelled_and_labelled_await_exit_with_ok() {
    let log = SyncLog::new();
    let mut seen = Vec::new();
    'outer: for i in 0..4 {
        for j in 0..2 {
            with!(async { AsyncQuiet::new("a", &log) }, {
                yield_now().await;
                if i == 0 {
                    continue;
                }
                if i == 1 {
                    break;
                }
                if i == 2 && j == 0 {
                    continue 'outer;
                }
                seen.push((i, j));
                break 'outer;
            });
        }
    }
    assert_eq!(seen, [(3, 0)]);
    // i = 0: two continues; i = 1: one break; i = 2: continue 'outer;
    // i = 3: break 'outer. Each one exit, with Ok.
    let events = log.take();
    assert_eq!(events.len(), 10);
    assert!(events
        .chunks(2)
        .all(|pair| pair == ["enter a", "exit a ok"]));
}

#[tokio::test]
async fn a_valued_break_from_a_labelled_block_carries_its_value() {
    let log = SyncLog::new();
    let v = 'found: {
        with!(async { AsyncQuiet::new("a", &log) }, {
            break 'found 42;
        });
        0
    };
    assert_eq!(v, 42);
    assert_eq!(log.take(), ["enter a", "exit a ok"]);
}

#[tokio::test]
async fn enter_failure_skips_body_and_exit_and_converts_with_from() {
    let log = SyncLog::new();
    let run = || async {
        with!(async { AsyncProbe::new("a", &log).enter_fails() }, {
            log.push("body");
        });
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    };
    assert_eq!(run().await.unwrap_err().to_string(), "enter a failed");
    assert_eq!(log.take(), ["enter a"]);
}

#[tokio::test]
async fn an_exit_error_propagates_and_replaces_the_body_error() {
    let log = SyncLog::new();
    let ok_body = || async {
        with!(async { AsyncProbe::new("a", &log).exit_fails() }, {
            log.push("body");
        });
        Ok::<(), TestError>(())
    };
    assert_eq!(ok_body().await, Err(TestError::Exit("a")));
    let failing_body = || async {
        with!(async { AsyncProbe::new("b", &log).exit_fails() }, {
            Err(TestError::Body("b"))?;
        });
        Ok::<(), TestError>(())
    };
    // As in the sync `with!`: exit saw the body's error, and exit's own
    // error is the one that propagates.
    assert_eq!(failing_body().await, Err(TestError::Exit("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "body",
            "exit a ok",
            "enter b",
            "exit b err(body b failed)"
        ]
    );
}

#[tokio::test]
async fn sync_and_async_managers_mix_entered_left_to_right_exited_right_to_left() {
    let log = SyncLog::new();
    let sync_log = Log::new();
    let run = || async {
        with!(
            async { AsyncProbe::new("a", &log) } as a,
            Probe::new("s", &sync_log) as s,
            async { AsyncProbe::new("b", &log) } as b,
            {
                log.push(format!("body {a} {s} {b}"));
                yield_now().await;
                Err(TestError::Body("mixed"))?;
            }
        );
        Ok::<(), TestError>(())
    };
    assert_eq!(run().await, Err(TestError::Body("mixed")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "body a s b",
            "exit b err(body mixed failed)",
            "exit a err(body mixed failed)"
        ]
    );
    assert_eq!(
        sync_log.take(),
        ["enter s", "exit s err(body mixed failed)"]
    );
}

#[tokio::test]
async fn when_the_inner_enter_fails_the_outer_exit_sees_its_error() {
    let log = SyncLog::new();
    let run = || async {
        with!(
            async { AsyncProbe::new("a", &log) },
            async { AsyncProbe::new("b", &log).enter_fails() },
            {
                log.push("body");
            }
        );
        Ok::<(), TestError>(())
    };
    assert_eq!(run().await, Err(TestError::Enter("b")));
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "exit a err(enter b failed)"]
    );
}

#[tokio::test]
async fn an_inner_exit_error_is_what_the_outer_exit_sees() {
    let log = SyncLog::new();
    let run = || async {
        with!(async { AsyncProbe::new("a", &log) }, {
            with!(async { AsyncProbe::new("b", &log).exit_fails() }, {
                log.push("body");
            });
            log.push("not reached");
        });
        Ok::<(), TestError>(())
    };
    assert_eq!(run().await, Err(TestError::Exit("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "body",
            "exit b ok",
            "exit a err(exit b failed)"
        ]
    );
}

#[tokio::test]
async fn question_mark_inside_std_macros_is_seen() {
    let log = SyncLog::new();
    let run = || async {
        with!(async { AsyncProbe::new("a", &log) }, {
            let text = format!("{}", "x".parse::<u8>()?);
            log.push(text);
        });
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    };
    assert!(run().await.is_err());
    assert_eq!(
        log.take(),
        ["enter a", "exit a err(invalid digit found in string)"]
    );
}

#[tokio::test]
async fn a_panicking_body_awaits_exit_with_panic_then_the_panic_resumes() {
    let log = SyncLog::new();
    let task_log = log.clone();
    let joined = tokio::spawn(async move {
        with!(async { AsyncQuiet::new("a", &task_log) }, {
            yield_now().await;
            task_log.push("body");
            if task_log.take().len() < 100 {
                panic!("body failed");
            }
        });
        task_log.push("not reached");
    })
    .await;
    let err = joined.unwrap_err();
    assert!(err.is_panic());
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"body failed"));
    // (`take` in the body cleared "enter a" and "body".)
    assert_eq!(log.take(), ["exit a panic"]);
}

#[tokio::test]
async fn a_panic_inside_exit_after_a_body_panic_keeps_the_original_panic() {
    let log = SyncLog::new();
    let task_log = log.clone();
    let joined = tokio::spawn(async move {
        with!(async { AsyncQuiet::new("a", &task_log).exit_panics() }, {
            panic!("the body's panic");
        })
    })
    .await;
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the body's panic"));
    // Exit panicked before its future completed, so the guard, dropped while
    // that panic unwound, ran the fallback too (and the second panic was
    // caught: the task's panic is the body's).
    assert_eq!(log.take(), ["enter a", "exit a panic", "drop_exit a panic"]);
}

#[tokio::test]
async fn a_future_cancelled_mid_body_runs_drop_exit_unseen_and_never_exit() {
    let log = SyncLog::new();
    let slow = async {
        with!(async { AsyncProbe::new("a", &log) }, {
            log.push("body starts");
            tokio::time::sleep(Duration::from_secs(60)).await;
            log.push("not reached");
        });
        Ok::<(), TestError>(())
    };
    let timed_out = tokio::time::timeout(Duration::from_millis(20), slow).await;
    assert!(timed_out.is_err());
    assert_eq!(log.take(), ["enter a", "body starts", "drop_exit a unseen"]);
}

#[tokio::test]
async fn a_select_that_lost_cancels_every_level_innermost_first() {
    let log = SyncLog::new();
    let sync_log = Log::new();
    let mut slow = Box::pin(async {
        with!(
            async { AsyncProbe::new("a", &log) },
            Probe::new("s", &sync_log),
            async { AsyncProbe::new("b", &log) },
            {
                std::future::pending::<()>().await;
            }
        );
        Ok::<(), TestError>(())
    });
    tokio::select! {
        _ = &mut slow => unreachable!("the body never ends"),
        () = tokio::time::sleep(Duration::from_millis(10)) => {}
    }
    assert_eq!(log.take(), ["enter a", "enter b"]);
    drop(slow);
    assert_eq!(log.take(), ["drop_exit b unseen", "drop_exit a unseen"]);
    // The sync manager in between exits from its guard's drop, as always.
    assert_eq!(sync_log.take(), ["enter s", "exit s unseen"]);
}

#[tokio::test]
async fn a_future_cancelled_during_exit_runs_drop_exit() {
    struct SlowExit(SyncLog);
    impl AsyncContextManager for SlowExit {
        type Value<'a> = ();
        type Error = std::convert::Infallible;
        async fn enter(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
        async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
            self.0.push(format!("exit starts ok={}", outcome.is_ok()));
            tokio::time::sleep(Duration::from_secs(60)).await;
            self.0.push("exit ends");
            Ok(())
        }
        fn drop_exit(&mut self, outcome: Outcome<'_>) {
            self.0
                .push(format!("drop_exit unseen={}", outcome.is_unseen()));
        }
    }
    let log = SyncLog::new();
    let run = async {
        with!(async { SlowExit(log.clone()) }, {
            log.push("body");
        });
    };
    assert!(tokio::time::timeout(Duration::from_millis(20), run)
        .await
        .is_err());
    assert_eq!(
        log.take(),
        ["body", "exit starts ok=true", "drop_exit unseen=true"]
    );
}

#[tokio::test]
async fn an_infallible_async_manager_works_in_a_unit_returning_fn() {
    struct Count<'c>(&'c mut u32);
    impl AsyncContextManager for Count<'_> {
        type Value<'a>
            = u32
        where
            Self: 'a;
        type Error = std::convert::Infallible;
        async fn enter(&mut self) -> Result<u32, Self::Error> {
            *self.0 += 1;
            Ok(*self.0)
        }
        async fn exit(&mut self, _: Outcome<'_>) -> Result<(), Self::Error> {
            *self.0 += 10;
            Ok(())
        }
    }
    async fn unit(n: &mut u32) {
        with!(async { Count(n) } as depth, {
            assert_eq!(depth, 1);
        });
    }
    let mut n = 0;
    unit(&mut n).await;
    assert_eq!(n, 11);
}

#[tokio::test]
async fn the_bound_value_is_dropped_before_exit_is_awaited() {
    struct Locked(std::sync::Mutex<Vec<&'static str>>);
    impl AsyncContextManager for Locked {
        type Value<'a> = std::sync::MutexGuard<'a, Vec<&'static str>>;
        type Error = std::convert::Infallible;
        async fn enter(&mut self) -> Result<Self::Value<'_>, Self::Error> {
            Ok(self.0.lock().unwrap())
        }
        async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
            // Would deadlock (or fail `try_lock`) if the value were alive.
            let mut items = self.0.try_lock().expect("the value is gone");
            items.push(if outcome.is_ok() {
                "exit ok"
            } else {
                "exit err"
            });
            Ok(())
        }
    }
    let mut locked = Locked(std::sync::Mutex::new(Vec::new()));
    let run = async {
        with!(async { &mut locked } as items, mut, {
            items.push("body");
            Err("stop")?;
        });
        Ok::<(), &'static str>(())
    };
    assert_eq!(run.await, Err("stop"));
    assert_eq!(*locked.0.lock().unwrap(), ["body", "exit err"]);
}

#[tokio::test]
async fn an_async_suppressing_manager_swallows_the_error_and_evaluates_to_default() {
    struct Ignore(SyncLog);
    impl AsyncContextManager for Ignore {
        type Value<'a> = ();
        type Error = std::convert::Infallible;
        async fn enter(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
        async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
            yield_now().await;
            self.0
                .push(format!("exit {}", ctxmgr_tests::describe(&outcome)));
            Ok(())
        }
        fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
            error.is::<std::num::ParseIntError>()
        }
    }
    impl AsyncSuppress for Ignore {}
    let log = SyncLog::new();
    let parse = |text: &'static str| {
        let log = log.clone();
        async move {
            let n: u8 = with!(async { Ignore(log.clone()) }, { text.parse::<u8>()? });
            Ok::<u8, std::num::ParseIntError>(n)
        }
    };
    assert_eq!(parse("7").await, Ok(7));
    assert_eq!(parse("seven").await, Ok(0));
    assert_eq!(
        log.take(),
        ["exit ok", "exit err(invalid digit found in string)"]
    );
}

/// A task whose manager's futures are `Send` is itself `Send`, with exit
/// holding its `Outcome` across an `.await`: eight of them on a
/// multi-thread runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_spawned_tasks_on_a_multi_thread_runtime() {
    async fn task(i: u32, log: SyncLog) -> Result<u32, TestError> {
        let n = with!(async { AsyncProbe::new("t", &log) } as name, {
            tokio::time::sleep(Duration::from_millis(u64::from(i % 3))).await;
            if i % 2 == 1 {
                Err(TestError::Body(name))?;
            }
            i * 10
        });
        Ok(n)
    }
    fn assert_send<F: std::future::Future + Send>(f: F) -> F {
        f
    }
    let log = SyncLog::new();
    let handles: Vec<_> = (0..8)
        .map(|i| tokio::spawn(assert_send(task(i, log.clone()))))
        .collect();
    let mut results = Vec::new();
    for handle in handles {
        results.push(handle.await.unwrap());
    }
    assert_eq!(
        results,
        (0..8)
            .map(|i| if i % 2 == 1 {
                Err(TestError::Body("t"))
            } else {
                Ok(i * 10)
            })
            .collect::<Vec<_>>()
    );
    let mut events = log.take();
    events.sort();
    let mut expected: Vec<String> = (0..8)
        .flat_map(|i| {
            let exit = if i % 2 == 1 {
                "exit t err(body t failed)"
            } else {
                "exit t ok"
            };
            ["enter t".to_string(), exit.to_string()]
        })
        .collect();
    expected.sort();
    assert_eq!(events, expected);
}

/// `#[derive(ContextManager)]` with `async fn` markers implements
/// `AsyncContextManager`; generics, a `Result` alias and an exit without the
/// outcome carry over, and its futures are `Send`.
mod derived {
    use super::{yield_now, SyncLog};
    use ctxmgr::{with, ContextManager, Outcome};

    #[derive(ContextManager)]
    pub struct Session<'l, T: Send> {
        log: &'l SyncLog,
        greeting: T,
    }

    #[ctxmgr::context_manager]
    impl<T: Send + std::fmt::Display> Session<'_, T> {
        #[enter]
        async fn open(&mut self) -> std::io::Result<&mut T> {
            yield_now().await;
            self.log.push(format!("open {}", self.greeting));
            Ok(&mut self.greeting)
        }

        #[exit]
        async fn close(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> {
            yield_now().await;
            self.log.push(format!("close ok={}", outcome.is_ok()));
            if self.greeting.to_string() == "fail-exit" {
                return Err(std::io::Error::other("close failed"));
            }
            Ok(())
        }
    }

    #[derive(ContextManager)]
    pub struct Bell<'l>(&'l SyncLog);

    #[ctxmgr::context_manager]
    impl Bell<'_> {
        #[enter]
        async fn ring(&mut self) {
            self.0.push("ring");
        }

        #[exit]
        async fn stop(&mut self) {
            self.0.push("stop");
        }
    }

    async fn talk(log: &SyncLog, greeting: &str, fail: bool) -> std::io::Result<String> {
        let said = with!(
            async {
                Session {
                    log,
                    greeting: greeting.to_string(),
                }
            } as g,
            async { Bell(log) },
            {
                yield_now().await;
                if fail {
                    Err(std::io::Error::other("body failed"))?;
                }
                format!("said {g}")
            }
        );
        Ok(said)
    }

    #[tokio::test]
    async fn a_derived_async_manager_awaits_enter_and_exit() {
        let log = SyncLog::new();
        assert_eq!(talk(&log, "hi", false).await.unwrap(), "said hi");
        assert_eq!(
            talk(&log, "hi", true).await.unwrap_err().to_string(),
            "body failed"
        );
        assert_eq!(
            talk(&log, "fail-exit", false)
                .await
                .unwrap_err()
                .to_string(),
            "close failed"
        );
        assert_eq!(
            log.take(),
            [
                "open hi",
                "ring",
                "stop",
                "close ok=true",
                "open hi",
                "ring",
                "stop",
                "close ok=false",
                "open fail-exit",
                "ring",
                "stop",
                "close ok=true",
            ]
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_derived_async_manager_gives_send_futures() {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                tokio::spawn(async move {
                    let log = SyncLog::new();
                    let said = talk(&log, &i.to_string(), false).await.unwrap();
                    (said, log.take().len())
                })
            })
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.await.unwrap(), (format!("said {i}"), 4));
        }
    }
}

/// `#[suppress]` in an async manager is a plain `fn`: the method becomes
/// `AsyncContextManager::suppresses` and the type `AsyncSuppress`, so
/// `with!(async ..)` and `AsyncExitStack` ask it after exit was awaited.
mod derived_suppress {
    use super::{yield_now, SyncLog};
    use ctxmgr::{with, AsyncExitStack, AsyncSuppress, ContextManager, ErrorRef, Outcome};
    use ctxmgr_tests::TestError;

    #[derive(ContextManager)]
    pub struct Retry<'l> {
        log: &'l SyncLog,
        retryable: &'static str,
    }

    #[ctxmgr::context_manager]
    impl Retry<'_> {
        #[enter]
        async fn begin(&mut self) -> Result<(), TestError> {
            yield_now().await;
            self.log.push("enter");
            Ok(())
        }

        #[exit]
        async fn end(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
            yield_now().await;
            self.log
                .push(format!("exit {}", ctxmgr_tests::describe(&outcome)));
            Ok(())
        }

        #[suppress]
        fn swallows(&mut self, error: ErrorRef<'_>) -> bool {
            let yes = error.downcast_ref::<TestError>() == Some(&TestError::Body(self.retryable));
            self.log.push(format!("asked {error}: {yes}"));
            yes
        }
    }

    async fn run(log: &SyncLog, fail: &'static str) -> Result<u32, TestError> {
        let n = with!(
            async {
                Retry {
                    log,
                    retryable: "x",
                }
            },
            {
                yield_now().await;
                if !fail.is_empty() {
                    Err(TestError::Body(fail))?;
                }
                5
            }
        );
        log.push("after with");
        Ok(n)
    }

    #[tokio::test]
    async fn an_async_derived_manager_suppresses_by_its_plain_suppress_method() {
        fn is_async_suppress<M: AsyncSuppress>() {}
        is_async_suppress::<Retry<'_>>();

        let log = SyncLog::new();
        assert_eq!(run(&log, "x").await, Ok(0));
        assert_eq!(
            log.take(),
            [
                "enter",
                "exit err(body x failed)",
                "asked body x failed: true",
                "after with"
            ]
        );
        assert_eq!(run(&log, "y").await, Err(TestError::Body("y")));
        assert_eq!(
            log.take(),
            [
                "enter",
                "exit err(body y failed)",
                "asked body y failed: false"
            ]
        );
        assert_eq!(run(&log, "").await, Ok(5));
        assert_eq!(log.take(), ["enter", "exit ok", "after with"]);
    }

    #[tokio::test]
    async fn an_async_derived_manager_suppresses_inside_an_async_exit_stack() {
        let log = SyncLog::new();
        let run = |fail: &'static str| {
            let log = &log;
            async move {
                let n = with!(async { AsyncExitStack::<TestError>::default() } as stack, {
                    stack
                        .enter_async_context(Retry {
                            log,
                            retryable: "x",
                        })
                        .await?;
                    Err(TestError::Body(fail))?;
                    1
                });
                log.push("after with");
                Ok::<u32, TestError>(n)
            }
        };
        assert_eq!(run("x").await, Ok(0));
        assert_eq!(
            log.take(),
            [
                "enter",
                "exit err(body x failed)",
                "asked body x failed: true",
                "after with"
            ]
        );
        assert_eq!(run("y").await, Err(TestError::Body("y")));
        assert_eq!(
            log.take(),
            [
                "enter",
                "exit err(body y failed)",
                "asked body y failed: false"
            ]
        );
    }
}

/// An async manager may have one half a plain `fn` (nothing to await: no
/// `async fn` for clippy's `unused_async` to flag) and a half without `self`
/// (no state: nothing for `unused_self`); the plain half is called, the
/// async one awaited, on every path (issue 21).
mod derived_mixed {
    use super::{yield_now, SyncLog};
    use ctxmgr::{with, ContextManager, Outcome};

    #[derive(ContextManager)]
    pub struct Probe<'l>(&'l SyncLog, bool);

    #[ctxmgr::context_manager]
    impl<'l> Probe<'l> {
        #[enter]
        fn begin(&mut self) -> Result<&'l SyncLog, String> {
            self.0.push("enter (plain fn)");
            if self.1 {
                return Err("enter failed".into());
            }
            Ok(self.0)
        }

        #[exit]
        async fn end(outcome: Outcome<'_>) -> Result<(), String> {
            yield_now().await;
            if outcome.is_err() {
                return Err(format!("exit saw {}", outcome.error().unwrap()));
            }
            Ok(())
        }
    }

    async fn run(log: &SyncLog, fail_enter: bool, fail_body: bool) -> Result<(), String> {
        with!(async { Probe(log, fail_enter) } as l, {
            yield_now().await;
            l.push("body");
            if fail_body {
                Err("body failed".to_string())?;
            }
        });
        log.push("after");
        Ok(())
    }

    #[tokio::test]
    async fn a_plain_enter_and_a_selfless_async_exit() {
        let log = SyncLog::new();
        assert_eq!(run(&log, false, false).await, Ok(()));
        assert_eq!(log.take(), ["enter (plain fn)", "body", "after"]);
        assert_eq!(run(&log, true, false).await, Err("enter failed".into()));
        assert_eq!(log.take(), ["enter (plain fn)"]);
        assert_eq!(
            run(&log, false, true).await,
            Err("exit saw body failed".into())
        );
        assert_eq!(log.take(), ["enter (plain fn)", "body"]);
    }
}

/// `#[ctxmgr::contextmanager]` on an `async fn`: awaits in both halves, the
/// exit half awaited on every path, and a `Send` manager over borrowed
/// arguments.
mod generator {
    use super::{yield_now, SyncLog};
    use ctxmgr::{with, Outcome};
    use ctxmgr_tests::TestError;

    #[ctxmgr::contextmanager]
    async fn tag(log: &SyncLog, name: &str, fail: Option<&str>) -> Result<String, TestError> {
        yield_now().await;
        if fail == Some("enter") {
            Err(TestError::Enter("tag"))?;
        }
        log.push(format!("<{name}>"));
        let outcome: Outcome<'_> = ctxmgr::yield_!(format!("[{name}]"));
        yield_now().await;
        log.push(format!("</{name}> {}", ctxmgr_tests::describe(&outcome)));
        if fail == Some("exit") {
            return Err(TestError::Exit("tag"));
        }
    }

    async fn page(log: &SyncLog, fail: Option<&str>) -> Result<usize, TestError> {
        let n = with!(async { tag(log, "b", fail) } as b, {
            yield_now().await;
            log.push(format!("body {b}"));
            if fail == Some("body") {
                Err(TestError::Body("page"))?;
            }
            b.len()
        });
        Ok(n)
    }

    #[tokio::test]
    async fn both_halves_await_and_exit_sees_each_outcome() {
        let log = SyncLog::new();
        assert_eq!(page(&log, None).await, Ok(3));
        assert_eq!(page(&log, Some("body")).await, Err(TestError::Body("page")));
        assert_eq!(page(&log, Some("exit")).await, Err(TestError::Exit("tag")));
        assert_eq!(
            page(&log, Some("enter")).await,
            Err(TestError::Enter("tag"))
        );
        assert_eq!(
            log.take(),
            [
                "<b>",
                "body [b]",
                "</b> ok",
                "<b>",
                "body [b]",
                "</b> err(body page failed)",
                "<b>",
                "body [b]",
                "</b> ok",
                // enter failed: no body, no exit
            ]
        );
    }

    #[tokio::test]
    async fn a_panicking_body_runs_the_exit_half_with_panic() {
        let log = SyncLog::new();
        let task_log = log.clone();
        let joined = tokio::spawn(async move {
            with!(async { tag(&task_log, "p", None) }, {
                panic!("body panicked");
            });
            Ok::<(), TestError>(())
        })
        .await;
        assert!(joined.unwrap_err().is_panic());
        assert_eq!(log.take(), ["<p>", "</p> panic"]);
    }

    #[tokio::test]
    async fn a_cancelled_body_never_runs_the_exit_half() {
        let log = SyncLog::new();
        let slow = async {
            with!(async { tag(&log, "c", None) }, {
                std::future::pending::<()>().await;
            });
            Ok::<(), TestError>(())
        };
        let timed_out = tokio::time::timeout(std::time::Duration::from_millis(10), slow).await;
        assert!(timed_out.is_err());
        // Nothing can be awaited any more, and a generator has no sync
        // fallback: its exit half is dropped unrun, never told `Ok`.
        assert_eq!(log.take(), ["<c>"]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_async_generator_over_borrowed_arguments_gives_send_futures() {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                tokio::spawn(async move {
                    let log = SyncLog::new();
                    let fail = (i % 2 == 1).then_some("body");
                    (page(&log, fail).await, log.take())
                })
            })
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            let (result, events) = handle.await.unwrap();
            if i % 2 == 1 {
                assert_eq!(result, Err(TestError::Body("page")));
                assert_eq!(events, ["<b>", "body [b]", "</b> err(body page failed)"]);
            } else {
                assert_eq!(result, Ok(3));
                assert_eq!(events, ["<b>", "body [b]", "</b> ok"]);
            }
        }
    }
}

#[tokio::test]
async fn an_async_exit_sees_a_box_dyn_error_by_its_message() {
    /// Records the message exit sees, after an `.await` (still on this
    /// current-thread runtime's thread).
    struct Record(Log);
    impl AsyncContextManager for Record {
        type Value<'a> = ();
        type Error = std::convert::Infallible;
        async fn enter(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
        async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
            yield_now().await;
            let chain = outcome
                .error()
                .and_then(|e| e.as_error())
                .and_then(std::error::Error::source)
                .map(ToString::to_string);
            self.0
                .push(format!("exit {} <- {chain:?}", outcome.error().unwrap()));
            Ok(())
        }
    }
    let log = Log::new();
    let by_try = async {
        with!(async { Record(log.clone()) }, {
            let parsed: Result<u8, Box<dyn std::error::Error>> =
                "x".parse::<u8>().map_err(Into::into);
            parsed?;
        });
        Ok::<(), Box<dyn std::error::Error>>(())
    };
    assert!(by_try.await.is_err());
    let by_return = async {
        with!(async { Record(log.clone()) }, {
            let e: Box<dyn std::error::Error> = Box::new(std::io::Error::other("gone"));
            if !e.to_string().is_empty() {
                return Err(e);
            }
        });
        Ok(())
    };
    let returned: Result<(), Box<dyn std::error::Error>> = by_return.await;
    assert!(returned.is_err());
    assert_eq!(
        log.take(),
        [
            "exit invalid digit found in string <- None",
            "exit gone <- None"
        ]
    );
}
