//! The `Sendable` `AsyncExitStack` (`AsyncExitStack::new_send()`) inside
//! `tokio::spawn` on a real multi-thread runtime: a derived `send` manager,
//! a hand-written `SendAsyncContextManager`, a sync manager on a real file,
//! `tokio::open`, a sqlx transaction on a real SQLite file, callbacks and
//! async exits; the order of the exits and the outcome each saw (ok, `?`,
//! panic); which error propagates; suppression; a future dropped mid-body
//! (its sync fallbacks run); stacks nested in stacks.

use std::io::{self, Write};
use std::str::FromStr;
use std::time::Duration;

use ctxmgr::threading::Sendable;
use ctxmgr::{
    with, AsyncContextManager, AsyncExitStack, BoxError, ContextManager, ErrorRef, Outcome,
    SendAsyncContextManager,
};
use ctxmgr_tests::async_probe::SyncLog as Log;
use ctxmgr_tests::describe;

fn assert_send<T: Send>(_: &T) {}
fn assert_send_sync<T: Send + Sync>(_: &T) {}

/// The futures below must be `Send`: `tokio::spawn` on this runtime moves
/// them between its two worker threads.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `task` with `tokio::spawn` on a fresh multi-thread runtime: it
/// compiles only if `task` is `Send`.
fn spawn_and_join<F>(task: F) -> Result<F::Output, tokio::task::JoinError>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    runtime().block_on(async { tokio::spawn(task).await })
}

/// Spawns the task that `body` makes with a fresh log, as
/// [`spawn_and_join`] does; gives its result and what it logged.
fn spawn_logged<F, Fut>(body: F) -> (Result<Fut::Output, tokio::task::JoinError>, Vec<String>)
where
    F: FnOnce(Log) -> Fut,
    Fut: std::future::Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let log = Log::default();
    let joined = spawn_and_join(body(log.clone()));
    (joined, log.take())
}

/// A hand-written async manager: logs `enter NAME`, `exit NAME OUTCOME`
/// (after a real suspension, with the outcome held across it) and
/// `drop_exit NAME OUTCOME`; its exit can be told to fail.
struct Conn {
    name: &'static str,
    log: Log,
    exit_fails: bool,
}

fn conn(name: &'static str, log: &Log) -> Conn {
    Conn {
        name,
        log: log.clone(),
        exit_fails: false,
    }
}

impl AsyncContextManager for Conn {
    type Value<'a> = &'a str;
    type Error = io::Error;

    async fn enter(&mut self) -> io::Result<&str> {
        tokio::task::yield_now().await;
        self.log.push(format!("enter {}", self.name));
        Ok(self.name)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.log
            .push(format!("exit {} {}", self.name, describe(&outcome)));
        if self.exit_fails {
            return Err(io::Error::other(format!("{} exit failed", self.name)));
        }
        Ok(())
    }

    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        self.log
            .push(format!("drop_exit {} {}", self.name, describe(&outcome)));
    }
}

impl SendAsyncContextManager for Conn {
    fn enter_send(&mut self) -> impl std::future::Future<Output = io::Result<&str>> + Send {
        self.enter()
    }

    fn exit_send(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl std::future::Future<Output = io::Result<()>> + Send {
        self.exit(outcome)
    }
}

/// A derived async manager with `send`: its exit holds the outcome across a
/// real sleep.
#[derive(ctxmgr::ContextManager)]
struct Session {
    name: &'static str,
    log: Log,
}

#[ctxmgr::context_manager(send)]
impl Session {
    #[enter]
    async fn open(&mut self) -> io::Result<()> {
        tokio::task::yield_now().await;
        self.log.push(format!("open {}", self.name));
        Ok(())
    }

    #[exit]
    async fn close(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.log
            .push(format!("close {} {}", self.name, describe(&outcome)));
        Ok(())
    }
}

/// A sync manager that swallows every error it is shown, and logs it.
struct Swallow(Log);

impl ContextManager for Swallow {
    type Value<'a> = ();
    type Error = io::Error;
    fn enter(&mut self) -> io::Result<()> {
        Ok(())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        self.0.push(format!("swallow saw {}", describe(&outcome)));
        Ok(())
    }
    fn suppresses(&mut self, _error: ErrorRef<'_>) -> bool {
        true
    }
}

fn temp_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "ctxmgr-send-{name}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ))
}

#[test]
fn a_sendable_stack_is_send_and_sync_and_so_are_its_futures() {
    let stack = AsyncExitStack::new_send();
    assert_send_sync(&stack);
    let typed: &AsyncExitStack<'_, BoxError, Sendable> = &stack;
    let log = Log::default();
    assert_send(&typed.enter_async_context(conn("a", &log)));
    let mut stack = stack;
    assert_send(&stack.aclose());
    let mut string_stack =
        AsyncExitStack::<String, Sendable>::new_send_with_error_view(|e| ErrorRef::from_display(e));
    assert_send_sync(&string_stack);
    assert_send(&string_stack.aclose());
}

#[test]
fn inside_spawn_every_kind_of_entry_exits_in_reverse_with_ok() {
    let log = Log::default();
    let path = temp_path("ok");
    let task = {
        let log = log.clone();
        let path = path.clone();
        async move {
            let mut stack = AsyncExitStack::new_send();
            let name = stack.enter_async_context(conn("a", &log)).await?;
            assert_eq!(name, "a");
            stack
                .enter_async_context(Session {
                    name: "b",
                    log: log.clone(),
                })
                .await?;
            let file = stack.enter_context(ctxmgr::open(&path).mode("w"))?;
            let cb_log = log.clone();
            stack.callback(move || cb_log.push("callback"));
            let push_log = log.clone();
            stack.push(move |outcome| {
                push_log.push(format!("push {}", describe(&outcome)));
                Ok(())
            });
            let exit_log = log.clone();
            stack.push_async_exit(move |outcome| {
                let seen = describe(&outcome);
                async move {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    exit_log.push(format!("async exit {seen}"));
                    Ok(())
                }
            });
            let acb_log = log.clone();
            stack.push_async_callback(move || async move {
                tokio::task::yield_now().await;
                acb_log.push("async callback");
            });
            // Held across awaits on a multi-thread runtime.
            tokio::time::sleep(Duration::from_millis(2)).await;
            file.write_all(b"written inside a spawned task")?;
            assert_eq!(stack.len(), 7);
            stack.aclose().await?;
            Ok::<_, BoxError>(stack.len())
        }
    };
    assert_send(&task);
    let left = spawn_and_join(task).unwrap().unwrap();
    assert_eq!(left, 0);
    assert_eq!(
        log.take(),
        [
            "enter a",
            "open b",
            "async callback",
            "async exit ok",
            "push ok",
            "callback",
            "close b ok",
            "exit a ok",
        ]
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "written inside a spawned task"
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn with_over_a_sendable_stack_in_spawn_sees_a_question_mark_error() {
    let (joined, events) = spawn_logged(|log| async move {
        with!(async { AsyncExitStack::new_send() } as stack, {
            stack.enter_async_context(conn("a", &log)).await?;
            let push_log = log.clone();
            stack.push(move |outcome| {
                push_log.push(format!("push {}", describe(&outcome)));
                Ok(())
            });
            tokio::task::yield_now().await;
            Err(io::Error::other("body failed"))?;
        });
        Ok::<(), BoxError>(())
    });
    let result = joined.unwrap();
    assert_eq!(result.unwrap_err().to_string(), "body failed");
    assert_eq!(
        events,
        [
            "enter a",
            "push err(body failed)",
            "exit a err(body failed)"
        ]
    );
}

#[test]
fn a_panic_in_the_body_is_seen_by_every_exit_then_resumes() {
    let (joined, events) = spawn_logged(|log| async move {
        with!(async { AsyncExitStack::new_send() } as stack, {
            stack.enter_async_context(conn("a", &log)).await?;
            stack
                .enter_async_context(Session {
                    name: "b",
                    log: log.clone(),
                })
                .await?;
            tokio::task::yield_now().await;
            if std::hint::black_box(true) {
                panic!("body panicked");
            }
        });
        Ok::<(), BoxError>(())
    });
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(*payload.downcast::<&str>().unwrap(), "body panicked");
    assert_eq!(
        events,
        ["enter a", "open b", "close b panic", "exit a panic"]
    );
}

#[test]
fn a_failed_exit_is_seen_below_and_propagates() {
    let (joined, events) = spawn_logged(|log| async move {
        let mut stack = AsyncExitStack::new_send();
        stack.enter_async_context(conn("a", &log)).await?;
        stack
            .enter_async_context(Conn {
                exit_fails: true,
                ..conn("b", &log)
            })
            .await?;
        stack.aclose().await
    });
    let result = joined.unwrap();
    assert_eq!(result.unwrap_err().to_string(), "b exit failed");
    assert_eq!(
        events,
        [
            "enter a",
            "enter b",
            "exit b ok",
            "exit a err(b exit failed)"
        ]
    );
}

#[test]
fn a_suppressing_entry_swallows_the_body_error_for_the_entries_below() {
    let (joined, events) = spawn_logged(|log| async move {
        let value: u32 = with!(async { AsyncExitStack::new_send() } as stack, {
            stack.enter_async_context(conn("a", &log)).await?;
            stack.enter_context(Swallow(log.clone()))?;
            tokio::task::yield_now().await;
            Err(io::Error::other("swallowed"))?;
            7
        });
        Ok::<u32, BoxError>(value)
    });
    let value = joined.unwrap().unwrap();
    assert_eq!(
        value, 0,
        "a suppressed body evaluates to Default::default()"
    );
    assert_eq!(
        events,
        ["enter a", "swallow saw err(swallowed)", "exit a ok"]
    );
}

#[test]
fn a_spawned_future_dropped_mid_body_runs_the_sync_fallbacks_in_reverse() {
    let (joined, events) = spawn_logged(|log| async move {
        tokio::time::timeout(Duration::from_millis(20), async {
            with!(async { AsyncExitStack::new_send() } as stack, {
                stack.enter_async_context(conn("a", &log)).await?;
                let push_log = log.clone();
                stack.push(move |outcome| {
                    push_log.push(format!("push {}", describe(&outcome)));
                    Ok(())
                });
                let acb_log = log.clone();
                stack.push_async_callback(move || async move {
                    acb_log.push("async callback (must not run)");
                });
                let cb_log = log.clone();
                stack.callback(move || cb_log.push("callback"));
                tokio::time::sleep(Duration::from_secs(10)).await;
            });
            Ok::<(), BoxError>(())
        })
        .await
    });
    let result = joined.unwrap();
    assert!(result.is_err(), "the timeout elapsed");
    assert_eq!(
        events,
        ["enter a", "callback", "push unseen", "drop_exit a unseen"]
    );
}

#[test]
fn sendable_stacks_nest() {
    let (joined, events) = spawn_logged(|log| async move {
        let mut outer = AsyncExitStack::new_send();
        outer.enter_async_context(conn("outer", &log)).await?;
        let inner = outer
            .enter_async_context(AsyncExitStack::new_send())
            .await?;
        inner.enter_async_context(conn("inner", &log)).await?;
        tokio::task::yield_now().await;
        outer.aclose().await
    });
    joined.unwrap().unwrap();
    assert_eq!(
        events,
        [
            "enter outer",
            "enter inner",
            "exit inner ok",
            "exit outer ok"
        ]
    );
}

#[test]
fn tokio_open_in_a_sendable_stack_flushes_at_exit() {
    let path = temp_path("tokio-open");
    let task = {
        let path = path.clone();
        async move {
            use tokio::io::AsyncWriteExt;
            let mut stack = AsyncExitStack::new_send();
            let file = stack
                .enter_async_context(ctxmgr::tokio::open(&path).mode("w"))
                .await?;
            file.write_all(b"flushed by exit").await?;
            tokio::task::yield_now().await;
            stack.aclose().await
        }
    };
    spawn_and_join(task).unwrap().unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "flushed by exit");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn a_sqlx_transaction_in_a_sendable_stack_commits_or_rolls_back() {
    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
    let rt = runtime();
    let pool = rt.block_on(async {
        let pool = SqlitePoolOptions::new()
            .max_connections(2)
            .connect_with(
                SqliteConnectOptions::from_str(&url)
                    .unwrap()
                    .create_if_missing(true),
            )
            .await
            .unwrap();
        sqlx::raw_sql("CREATE TABLE t (x INTEGER PRIMARY KEY)")
            .execute(&pool)
            .await
            .unwrap();
        pool
    });
    let insert = |x: i64, fail: bool| {
        let pool = pool.clone();
        async move {
            with!(async { AsyncExitStack::new_send() } as stack, {
                let tx = stack
                    .enter_async_context(ctxmgr::sqlx::transaction(&pool))
                    .await?;
                sqlx::query("INSERT INTO t (x) VALUES (?)")
                    .bind(x)
                    .execute(&mut **tx)
                    .await?;
                if fail {
                    Err(io::Error::other("rolled back"))?;
                }
            });
            Ok::<(), BoxError>(())
        }
    };
    rt.block_on(async { tokio::spawn(insert(1, false)).await })
        .unwrap()
        .unwrap();
    let failed = rt
        .block_on(async { tokio::spawn(insert(2, true)).await })
        .unwrap();
    assert_eq!(failed.unwrap_err().to_string(), "rolled back");
    let rows: Vec<i64> = rt.block_on(async {
        sqlx::query_scalar("SELECT x FROM t ORDER BY x")
            .fetch_all(&pool)
            .await
            .unwrap()
    });
    assert_eq!(rows, [1], "the first committed, the second rolled back");
}

/// A `#[contextmanager] async fn` over owned (`Send`) arguments.
#[ctxmgr::contextmanager]
async fn tag(log: Log, name: &'static str) -> Result<&'static str, io::Error> {
    tokio::task::yield_now().await;
    log.push(format!("<{name}>"));
    let outcome: Outcome<'_> = ctxmgr::yield_!(name);
    tokio::time::sleep(Duration::from_millis(1)).await;
    log.push(format!("</{name}> {}", describe(&outcome)));
    Ok(())
}

#[test]
fn a_contextmanager_async_fn_enters_a_sendable_stack() {
    let (joined, events) = spawn_logged(|log| async move {
        let mut stack = AsyncExitStack::new_send();
        let a = stack.enter_async_context(tag(log.clone(), "a")).await?;
        let b = stack.enter_async_context(tag(log.clone(), "b")).await?;
        assert_eq!((a, b), ("a", "b"));
        tokio::task::yield_now().await;
        stack.aclose().await
    });
    joined.unwrap().unwrap();
    assert_eq!(events, ["<a>", "<b>", "</b> ok", "</a> ok"]);
}

/// ctxmgr's own async managers whose exit futures are `Send`.
#[test]
fn ctxmgrs_own_managers_implement_send_async_context_manager() {
    fn implements<M: SendAsyncContextManager>() {}
    implements::<ctxmgr::tokio::Open>();
    implements::<ctxmgr::postgres::Transaction<'static>>();
    implements::<ctxmgr::postgres::Savepoint<'static, 'static>>();
    implements::<ctxmgr::sqlx::PoolTransaction<'static, sqlx::Postgres>>();
    implements::<ctxmgr::sqlx::PoolTransaction<'static, sqlx::Sqlite>>();
    implements::<ctxmgr::sqlx::ConnectionTransaction<'static, sqlx::Postgres>>();
    implements::<ctxmgr::sqlx::ConnectionTransaction<'static, sqlx::Sqlite>>();
    implements::<AsyncExitStack<'static, BoxError, Sendable>>();
    implements::<&mut Conn>();
}
