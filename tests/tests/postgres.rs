//! `ctxmgr::postgres` against a real PostgreSQL, started by
//! `ctxmgr_tests::pg` (skipped, loudly, when the server binaries are missing;
//! a failure under `CTXMGR_REQUIRE_PG=1`).
//!
//! Every test runs on a multi-thread tokio runtime and checks the server from
//! a second connection: `pg_stat_activity` (state, `backend_xid`) and the
//! table's rows.

use std::error::Error as StdError;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use ctxmgr::postgres::{self, tokio_postgres, CancelRequest, CancelTarget, Dropped};
use ctxmgr::with;
use ctxmgr_tests::pg;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, IsolationLevel, NoTls};

type BoxError = Box<dyn StdError + Send + Sync>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// A fresh database with `t (id int primary key)`; its URL and name.
async fn database(server: &pg::PgServer, hint: &str) -> (String, String) {
    let url = server.fresh_database(hint);
    let name = url.rsplit('/').next().unwrap().to_string();
    let c = connect(&url).await;
    c.batch_execute("CREATE TABLE t (id int PRIMARY KEY)")
        .await
        .unwrap();
    (url, name)
}

async fn rows(c: &Client) -> Vec<i32> {
    c.query("SELECT id FROM t ORDER BY id", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Backends of this database other than `observer` that are not plain
/// `idle` or hold a transaction id: `(pid, state, backend_xid, query)`.
async fn busy(observer: &Client, db: &str) -> Vec<(i32, String, Option<String>, String)> {
    observer
        .query(
            "SELECT pid, coalesce(state, ''), backend_xid::text, query FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid() \
             AND (state <> 'idle' OR backend_xid IS NOT NULL)",
            &[&db],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

/// Polls until no backend of ours is busy; how long that took. Panics
/// after `limit`, naming what was still open.
async fn wait_clean(observer: &Client, db: &str, since: Instant, limit: Duration) -> Duration {
    loop {
        let open = busy(observer, db).await;
        if open.is_empty() {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < limit,
            "still open {:?} after the drop: {open:?}",
            since.elapsed()
        );
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

async fn backend_pid(c: &Client) -> i32 {
    c.query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0)
}

fn code_of(e: &(dyn StdError + 'static)) -> Option<SqlState> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(e) = cur {
        if let Some(pg) = e.downcast_ref::<tokio_postgres::Error>() {
            return pg.code().cloned();
        }
        cur = e.source();
    }
    None
}

// ---------------------------------------------------------------------------
// The paths with! sees.

#[test]
fn ok_commits_and_the_commit_is_awaited() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "commit").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        let r: Result<i32, BoxError> = async {
            let v = with!(async { postgres::transaction(&mut client) } as tx, {
                tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
                7
            });
            Ok(v)
        }
        .await;
        assert_eq!(r.unwrap(), 7);
        // Awaited: visible to another session at once, nothing left open.
        assert_eq!(rows(&observer).await, [1]);
        assert!(busy(&observer, &db).await.is_empty());
    });
}

#[test]
fn question_mark_rolls_back_and_the_error_comes_out_unchanged() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "qmark").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        observer
            .batch_execute("INSERT INTO t VALUES (2)")
            .await
            .unwrap();
        let r: Result<(), tokio_postgres::Error> = async {
            with!(async { postgres::transaction(&mut client) } as tx, {
                tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
                tx.execute("INSERT INTO t VALUES (2)", &[]).await?; // duplicate
            });
            Ok(())
        }
        .await
        .map_err(|e: BoxError| *e.downcast::<tokio_postgres::Error>().unwrap());
        // The body's own error, unchanged (no wrapper), SQLSTATE included.
        assert_eq!(r.unwrap_err().code(), Some(&SqlState::UNIQUE_VIOLATION));
        // ROLLBACK was awaited before with! returned.
        assert!(busy(&observer, &db).await.is_empty());
        assert_eq!(rows(&observer).await, [2]);
        assert_eq!(rows(&client).await, [2]);
    });
}

#[derive(Debug)]
struct Refused;
impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused by the application")
    }
}
impl StdError for Refused {}

async fn refuse(client: &mut Client) -> Result<(), BoxError> {
    with!(async { postgres::transaction(client) } as tx, {
        tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
        return Err(Refused.into());
    });
    #[allow(unreachable_code)]
    Ok(())
}

#[test]
fn return_err_rolls_back() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "return_err").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        let r = refuse(&mut client).await;
        assert!(r.unwrap_err().is::<Refused>());
        assert!(busy(&observer, &db).await.is_empty());
        assert!(rows(&observer).await.is_empty());
    });
}

#[test]
fn panic_rolls_back_then_resumes_with_its_payload() {
    let Some(server) = pg::server() else { return };
    let rt = runtime();
    rt.block_on(async {
        let (url, db) = database(server, "panic").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        let task = tokio::spawn(async move {
            let _: Result<(), BoxError> = async {
                with!(async { postgres::transaction(&mut client) } as tx, {
                    tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
                    panic!("boom in the body");
                });
                #[allow(unreachable_code)]
                Ok(())
            }
            .await;
        });
        let payload = task.await.unwrap_err().into_panic();
        assert_eq!(
            payload.downcast_ref::<&str>().copied(),
            Some("boom in the body")
        );
        assert!(busy(&observer, &db).await.is_empty());
        assert!(rows(&observer).await.is_empty());
    });
}

#[test]
fn a_deferred_constraint_refusing_commit_is_the_error() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "deferred").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        observer
            .batch_execute(
                "CREATE TABLE child (parent int REFERENCES t (id) DEFERRABLE INITIALLY DEFERRED)",
            )
            .await
            .unwrap();
        let r: Result<(), BoxError> = async {
            with!(async { postgres::transaction(&mut client) } as tx, {
                tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
                tx.execute("INSERT INTO child VALUES (99)", &[]).await?; // checked at COMMIT
            });
            Ok(())
        }
        .await;
        let e = r.unwrap_err();
        let ours = e
            .downcast_ref::<postgres::Error>()
            .expect("the manager's error");
        assert!(ours.is_commit(), "{ours}");
        assert_eq!(ours.code(), Some(&SqlState::FOREIGN_KEY_VIOLATION));
        assert!(
            ours.to_string()
                .starts_with("COMMIT failed (nothing was committed): db error: ")
                && ours.to_string().ends_with("(SQLSTATE 23503)"),
            "{ours}"
        );
        // The driver's error is in the source chain, SQLSTATE included.
        assert_eq!(
            code_of(e.source().unwrap()),
            Some(SqlState::FOREIGN_KEY_VIOLATION)
        );
        assert!(busy(&observer, &db).await.is_empty());
        assert!(rows(&observer).await.is_empty());
        // The connection is usable, outside any transaction.
        assert_eq!(rows(&client).await, Vec::<i32>::new());
    });
}

#[test]
fn a_serialization_failure_at_commit_is_the_error() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "serializable").await;
        let mut ours = connect(&url).await;
        let mut theirs = connect(&url).await;
        let observer = connect(&url).await;
        observer
            .batch_execute(
                "CREATE TABLE duty (doctor text, on_call bool); \
                 INSERT INTO duty VALUES ('a', true), ('b', true)",
            )
            .await
            .unwrap();
        let r: Result<(), BoxError> = async {
            with!(
                async {
                    postgres::transaction(&mut ours).isolation_level(IsolationLevel::Serializable)
                } as tx,
                {
                    // Write skew: each reads what the other writes.
                    tx.query("SELECT count(*) FROM duty WHERE on_call", &[])
                        .await?;
                    tx.execute("UPDATE duty SET on_call = false WHERE doctor = 'a'", &[])
                        .await?;
                    let other = theirs
                        .build_transaction()
                        .isolation_level(IsolationLevel::Serializable)
                        .start()
                        .await?;
                    other
                        .query("SELECT count(*) FROM duty WHERE on_call", &[])
                        .await?;
                    other
                        .execute("UPDATE duty SET on_call = false WHERE doctor = 'b'", &[])
                        .await?;
                    other.commit().await?;
                }
            );
            Ok(())
        }
        .await;
        let e = r.unwrap_err();
        let ours = e
            .downcast_ref::<postgres::Error>()
            .expect("the manager's error");
        assert!(ours.is_commit(), "{ours}");
        assert_eq!(ours.code(), Some(&SqlState::T_R_SERIALIZATION_FAILURE));
        assert!(busy(&observer, &db).await.is_empty());
        let on_call: i64 = observer
            .query_one("SELECT count(*) FROM duty WHERE on_call", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(on_call, 1, "only the other transaction committed");
    });
}

#[test]
fn a_transaction_an_ignored_error_aborted_does_not_report_ok() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "aborted").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        let r: Result<(), BoxError> = async {
            with!(async { postgres::transaction(&mut client) } as tx, {
                tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
                // Ignored: the server has aborted the transaction. A plain
                // COMMIT would now roll back and report success.
                let _ = tx.execute("SELECT 1/0", &[]).await;
            });
            Ok(())
        }
        .await;
        let e = r.unwrap_err();
        let ours = e.downcast_ref::<postgres::Error>().unwrap();
        assert!(ours.is_commit());
        assert_eq!(ours.code(), Some(&SqlState::IN_FAILED_SQL_TRANSACTION));
        assert!(busy(&observer, &db).await.is_empty());
        assert!(rows(&observer).await.is_empty());
        assert!(rows(&client).await.is_empty());
    });
}

async fn show(tx: &tokio_postgres::Transaction<'_>, what: &str) -> String {
    let rows = tx.simple_query(&format!("SHOW {what}")).await.unwrap();
    rows.iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(r.get(0).unwrap().to_string()),
            _ => None,
        })
        .unwrap()
}

#[test]
fn the_builder_sets_isolation_read_only_deferrable_and_plain_begin_keeps_defaults() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, _db) = database(server, "builder").await;
        let mut client = connect(&url).await;
        let got: Result<_, BoxError> = async {
            let plain = with!(async { postgres::transaction(&mut client) } as tx, {
                (
                    show(tx, "transaction_isolation").await,
                    show(tx, "transaction_read_only").await,
                    show(tx, "transaction_deferrable").await,
                )
            });
            let set = with!(
                async {
                    postgres::transaction(&mut client)
                        .isolation_level(IsolationLevel::Serializable)
                        .read_only(true)
                        .deferrable(true)
                } as tx,
                {
                    (
                        show(tx, "transaction_isolation").await,
                        show(tx, "transaction_read_only").await,
                        show(tx, "transaction_deferrable").await,
                    )
                }
            );
            let rr = with!(
                async {
                    postgres::transaction(&mut client)
                        .isolation_level(IsolationLevel::RepeatableRead)
                        .read_only(false)
                } as tx,
                {
                    (
                        show(tx, "transaction_isolation").await,
                        show(tx, "transaction_read_only").await,
                    )
                }
            );
            Ok((plain, set, rr))
        }
        .await;
        let (plain, set, rr) = got.unwrap();
        assert_eq!(plain, ("read committed".into(), "off".into(), "off".into()));
        assert_eq!(set, ("serializable".into(), "on".into(), "on".into()));
        assert_eq!(rr, ("repeatable read".into(), "off".into()));
    });
}

async fn nested(client: &mut Client, observer: &Client) -> Result<(), BoxError> {
    with!(async { postgres::transaction(client) } as tx, {
        tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
        // Released.
        with!(async { postgres::transaction(&mut *tx) } as sp, {
            sp.execute("INSERT INTO t VALUES (2)", &[]).await?;
            // Two levels deep, rolled back to.
            let inner = savepoint_duplicate(sp).await;
            assert_eq!(
                code_of(&*inner.unwrap_err()),
                Some(SqlState::UNIQUE_VIOLATION)
            );
            // The savepoint's rollback left the outer usable.
            sp.execute("INSERT INTO t VALUES (4)", &[]).await?;
        });
        // Rolled back to, by a returned error.
        assert!(savepoint_refused(tx).await.unwrap_err().is::<Refused>());
        // Nothing visible to others before the outer COMMIT.
        assert!(rows(observer).await.is_empty());
    });
    Ok(())
}

async fn savepoint_duplicate(tx: &mut tokio_postgres::Transaction<'_>) -> Result<(), BoxError> {
    with!(async { postgres::transaction(tx) } as sp, {
        sp.execute("INSERT INTO t VALUES (3)", &[]).await?;
        sp.execute("INSERT INTO t VALUES (3)", &[]).await?;
    });
    Ok(())
}

async fn savepoint_refused(tx: &mut tokio_postgres::Transaction<'_>) -> Result<(), BoxError> {
    with!(async { postgres::transaction(tx) } as sp, {
        sp.execute("INSERT INTO t VALUES (5)", &[]).await?;
        return Err(Refused.into());
    });
    #[allow(unreachable_code)]
    Ok(())
}

#[test]
fn savepoints_release_or_roll_back_to_and_nest() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "savepoint").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        nested(&mut client, &observer).await.unwrap();
        assert_eq!(rows(&observer).await, [1, 2, 4]);
        assert!(busy(&observer, &db).await.is_empty());
    });
}

fn unique(e: ctxmgr::ErrorRef<'_>) -> bool {
    e.downcast_ref::<tokio_postgres::Error>()
        .is_some_and(|e| e.code() == Some(&SqlState::UNIQUE_VIOLATION))
}

/// Python: `with suppress(UniqueViolation): with conn: ...`. The value is
/// the rows the last statement inserted, `0` when swallowed.
async fn insert_unless_duplicate(client: &mut Client, a: i32, b: i32) -> Result<u64, BoxError> {
    let n = with!(
        ctxmgr::suppress(unique),
        async { postgres::transaction(client) } as tx,
        {
            tx.execute("INSERT INTO t VALUES ($1)", &[&a]).await?;
            let n = tx.execute("INSERT INTO t VALUES ($1)", &[&b]).await?;
            n
        }
    );
    Ok(n)
}

async fn insert_unless_duplicate_into(client: &mut Client, table: &str) -> Result<u64, BoxError> {
    let q = format!("INSERT INTO {table} VALUES (1)");
    let n = with!(
        ctxmgr::suppress(unique),
        async { postgres::transaction(client) } as tx,
        {
            let n = tx.execute(&q, &[]).await?;
            n
        }
    );
    Ok(n)
}

#[test]
fn suppress_outside_the_transaction_rolls_back_and_swallows_chosen_errors() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "suppress").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        observer
            .batch_execute("INSERT INTO t VALUES (2)")
            .await
            .unwrap();
        let swallowed = insert_unless_duplicate(&mut client, 1, 2).await.unwrap();
        let committed = insert_unless_duplicate(&mut client, 3, 4).await.unwrap();
        // Swallowed: with! is `Default::default()`, and row 1 was rolled back.
        assert_eq!((swallowed, committed), (0, 1));
        assert_eq!(rows(&observer).await, [2, 3, 4]);
        assert!(busy(&observer, &db).await.is_empty());
        // Another error still propagates.
        let r = insert_unless_duplicate_into(&mut client, "nowhere").await;
        assert_eq!(code_of(&*r.unwrap_err()), Some(SqlState::UNDEFINED_TABLE));
    });
}

async fn two_levels(client: &mut Client) -> Result<(), BoxError> {
    with!(
        async { postgres::transaction(client).on_drop(|_| ()) } as tx,
        {
            tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
            tokio::task::yield_now().await;
            with!(async { postgres::transaction(&mut *tx) } as sp, {
                sp.execute("INSERT INTO t VALUES (2)", &[]).await?;
            });
        }
    );
    Ok(())
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[test]
fn futures_are_send_under_tokio_spawn() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, _db) = database(server, "send").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        let task = tokio::spawn(assert_send(async move { two_levels(&mut client).await }));
        task.await.unwrap().unwrap();
        assert_eq!(rows(&observer).await, [1, 2]);
    });
}

// ---------------------------------------------------------------------------
// Faults.

#[test]
fn connection_killed_mid_body_is_an_error_and_nothing_commits() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "killed_body").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        let pid = backend_pid(&client).await;
        let r: Result<(), BoxError> = async {
            with!(async { postgres::transaction(&mut client) } as tx, {
                tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
                observer
                    .execute("SELECT pg_terminate_backend($1)", &[&pid])
                    .await?;
                tokio::time::sleep(Duration::from_millis(50)).await;
                tx.execute("INSERT INTO t VALUES (2)", &[]).await?;
            });
            Ok(())
        }
        .await;
        // ROLLBACK failed too (the connection is gone): that error is
        // with!'s, and it carries the body's.
        let e = r.unwrap_err();
        let ours = e
            .downcast_ref::<postgres::Error>()
            .expect("the manager's error");
        assert!(ours.is_rollback(), "{ours}");
        assert!(ours.body_error().is_some(), "{ours}");
        assert!(
            ours.to_string().contains("after the body failed with"),
            "{ours}"
        );
        assert!(rows(&observer).await.is_empty());
        assert!(busy(&observer, &db).await.is_empty());
    });
}

/// A constraint trigger that sleeps at COMMIT: `COMMIT` then takes `secs`.
async fn slow_commit(observer: &Client, secs: f64) {
    observer
        .batch_execute(&format!(
            "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS \
               $$ BEGIN PERFORM pg_sleep({secs}); RETURN NULL; END $$; \
             CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON t \
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow();"
        ))
        .await
        .unwrap();
}

#[test]
fn connection_killed_during_commit_is_an_error_never_ok() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "killed_commit").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        slow_commit(&observer, 2.0).await;
        let pid = backend_pid(&client).await;
        let killer = {
            let url = url.clone();
            tokio::spawn(async move {
                let killer = connect(&url).await;
                // Wait until the COMMIT is running, then kill the backend.
                loop {
                    let q: Option<String> = killer
                        .query_opt("SELECT query FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", &[&pid])
                        .await
                        .unwrap()
                        .map(|r| r.get(0));
                    if q.is_some_and(|q| q.contains("COMMIT")) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                killer
                    .execute("SELECT pg_terminate_backend($1)", &[&pid])
                    .await
                    .unwrap();
            })
        };
        let r: Result<(), BoxError> = async {
            with!(async { postgres::transaction(&mut client) } as tx, {
                tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
            });
            Ok(())
        }
        .await;
        killer.await.unwrap();
        let e = r.expect_err("a COMMIT whose connection died is never Ok");
        let ours = e.downcast_ref::<postgres::Error>().unwrap();
        assert!(ours.is_commit(), "{ours}");
        assert!(rows(&observer).await.is_empty());
        assert!(busy(&observer, &db).await.is_empty());
    });
}

// ---------------------------------------------------------------------------
// Cancellation.

/// Polls the inner future; after `k` polls that returned `Pending`, drops it
/// (the cancellation) and returns `None`.
struct DropAfter<F> {
    future: Option<Pin<Box<F>>>,
    k: usize,
    pending: usize,
    /// When the future was dropped (just before).
    dropped_at: Option<Instant>,
}

impl<F: Future> Future for DropAfter<F> {
    type Output = Option<F::Output>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(f) = this.future.as_mut() else {
            return Poll::Ready(None);
        };
        match f.as_mut().poll(cx) {
            Poll::Ready(v) => {
                this.future = None;
                Poll::Ready(Some(v))
            }
            Poll::Pending => {
                this.pending += 1;
                if this.pending >= this.k {
                    this.dropped_at = Some(Instant::now());
                    this.future = None; // dropped mid-flight
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                }
            }
        }
    }
}

#[derive(Clone, Default)]
struct Reports(Arc<Mutex<Vec<Dropped>>>);

impl Reports {
    fn sink(&self) -> impl FnOnce(Dropped) + Send + 'static {
        let me = self.clone();
        move |d| me.0.lock().unwrap().push(d)
    }
    fn take(&self) -> Vec<Dropped> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

async fn every_await_point(client: &mut Client, reports: &Reports) -> Result<(), BoxError> {
    with!(
        async { postgres::transaction(client).on_drop(reports.sink()) } as tx,
        {
            tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
            tokio::time::sleep(Duration::from_millis(2)).await;
            with!(async { postgres::transaction(&mut *tx) } as sp, {
                sp.execute("INSERT INTO t VALUES (2)", &[]).await?;
            });
            tx.execute("SELECT pg_sleep(0.02)", &[]).await?;
        }
    );
    Ok(())
}

/// Drops the `with!` future after each of its first k polls, k = 1, 2, …,
/// until it completes: BEGIN in flight, each statement and the sleep of the
/// body, a savepoint, COMMIT in flight. After each drop, from a second
/// connection: no backend of ours busy or holding an xid within 300 ms, none
/// of the body's rows visible; on the same connection, the next statement
/// runs outside any transaction.
#[test]
fn dropped_after_each_poll_no_transaction_is_left_open() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "drop_each_poll").await;
        let observer = connect(&url).await;
        slow_commit(&observer, 0.05).await;
        let mut client = connect(&url).await;
        let reports = Reports::default();
        let mut worst = Duration::ZERO;
        let mut seen = Vec::new();
        let mut k = 1;
        loop {
            assert!(k < 100, "the body never completed");
            let work = every_await_point(&mut client, &reports);
            let mut driver = DropAfter {
                future: Some(Box::pin(work)),
                k,
                pending: 0,
                dropped_at: None,
            };
            let done = (&mut driver).await;
            let dropped_at = driver.dropped_at.unwrap_or_else(Instant::now);
            drop(driver);
            let took = wait_clean(&observer, &db, dropped_at, Duration::from_millis(300)).await;
            let report = reports.take();
            if !matches!(report.as_slice(), [Dropped::CommitUnknown]) {
                // (A COMMIT in flight is not cancelled: it runs its 2 x 50 ms
                // trigger to the end.)
                worst = worst.max(took);
            }
            if let Some(r) = done {
                r.unwrap();
                assert_eq!(rows(&observer).await, [1, 2], "k = {k}: completed");
                seen.push(format!("k={k}: completed"));
                break;
            }
            let visible = rows(&observer).await;
            match report.as_slice() {
                [] => {
                    // Dropped before enter finished (BEGIN in flight).
                    assert!(visible.is_empty(), "k = {k}: {visible:?}");
                }
                [Dropped::RolledBack { cancel }] => {
                    assert!(
                        matches!(cancel, CancelRequest::Confirmed { .. }),
                        "k = {k}: {cancel:?}"
                    );
                    assert!(visible.is_empty(), "k = {k}: {visible:?}");
                }
                [Dropped::CommitUnknown] => {
                    // Not cancelled: it completes on the server.
                    assert!(visible.is_empty() || visible == [1, 2], "k = {k}: {visible:?}");
                    observer.batch_execute("DELETE FROM t").await.unwrap();
                }
                other => panic!("k = {k}: {other:?}"),
            }
            seen.push(format!("k={k}: clean after {took:.1?}: {report:?}"));
            // The same connection is outside any transaction: it sees no
            // row of the dropped body, and has no transaction id.
            let (xid, n): (Option<i64>, i64) = {
                let row = client
                    .query_one("SELECT txid_current_if_assigned(), (SELECT count(*) FROM t)", &[])
                    .await
                    .unwrap();
                (row.get(0), row.get(1))
            };
            assert_eq!((xid, n), (None, 0), "k = {k}");
            k += 1;
        }
        eprintln!("drop after each poll: worst time to clean, COMMIT in flight aside: {worst:?}; {seen:#?}");
        // (How many polls each await takes varies with the load, so the k
        // that lands in the COMMIT may be skipped: `a_commit_in_flight_*`
        // drops there on purpose.)
        assert!(seen.iter().any(|s| s.contains("RolledBack")), "{seen:#?}");
        assert!(seen.iter().any(|s| s.ends_with(": []")), "{seen:#?}");
        assert!(worst < Duration::from_millis(300), "{worst:?}");
    });
}

async fn insert_one(client: &mut Client, reports: &Reports) -> Result<(), BoxError> {
    with!(
        async { postgres::transaction(client).on_drop(reports.sink()) } as tx,
        {
            tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
        }
    );
    Ok(())
}

/// Dropped while its COMMIT runs (a 0.5 s deferred trigger), the outcome is
/// unknown: reported as `CommitUnknown`. The COMMIT is not cancelled: it
/// completes on the server (so here the row is committed), and the
/// connection is left outside any transaction.
#[test]
fn a_commit_in_flight_when_dropped_is_reported_as_unknown() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "commit_in_flight").await;
        let observer = connect(&url).await;
        slow_commit(&observer, 0.5).await;
        let mut client = connect(&url).await;
        let pid = backend_pid(&client).await;
        let reports = Reports::default();
        let committing = async {
            loop {
                let active: Option<String> = observer
                    .query_opt(
                        "SELECT query FROM pg_stat_activity WHERE pid = $1 AND state = 'active'",
                        &[&pid],
                    )
                    .await
                    .unwrap()
                    .map(|r| r.get(0));
                if active.is_some_and(|q| q.contains("COMMIT")) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        };
        tokio::select! {
            _ = insert_one(&mut client, &reports) => panic!("the COMMIT should still run"),
            () = committing => {} // drops the with! future mid-COMMIT
        }
        assert_eq!(reports.take(), [Dropped::CommitUnknown]);
        wait_clean(&observer, &db, Instant::now(), Duration::from_secs(2)).await;
        assert_eq!(rows(&observer).await, [1]);
        let xid: Option<i64> = client
            .query_one("SELECT txid_current_if_assigned()", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(xid, None);
    });
}

/// A statement still running when the future is dropped is cancelled on
/// the server, and its locks released, well within 1 s.
#[test]
fn a_running_statement_is_cancelled_on_the_server() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "cancel_running").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        observer
            .batch_execute("INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        let reports = Reports::default();
        let work = async {
            let r: Result<(), BoxError> = async {
                with!(
                    async { postgres::transaction(&mut client).on_drop(reports.sink()) } as tx,
                    {
                        tx.execute("UPDATE t SET id = 10 WHERE id = 1", &[]).await?; // row lock
                        tx.execute("SELECT pg_sleep(30)", &[]).await?;
                    }
                );
                Ok(())
            }
            .await;
            r
        };
        // Measured from the deadline, before the timer even fires.
        let dropped_at = Instant::now() + Duration::from_millis(200);
        assert!(tokio::time::timeout_at(dropped_at.into(), work)
            .await
            .is_err());
        let took = wait_clean(&observer, &db, dropped_at, Duration::from_secs(1)).await;
        // The row lock is gone: another session can update the row now.
        observer
            .batch_execute("SET lock_timeout = '100ms'; UPDATE t SET id = 1 WHERE id = 1")
            .await
            .unwrap();
        let report = reports.take();
        assert!(
            matches!(
                report.as_slice(),
                [Dropped::RolledBack {
                    cancel: CancelRequest::Confirmed { .. }
                }]
            ),
            "{report:?}"
        );
        eprintln!(
            "running statement: cancelled and rolled back {took:?} after the drop; {report:?}"
        );
        assert!(took < Duration::from_millis(300), "{took:?}");
        // And the connection goes on, outside a transaction.
        assert_eq!(rows(&client).await, [1]);
    });
}

/// A cancel request never reaches a later statement of the connection:
/// many drops mid-statement, each followed at once by a statement on the
/// same connection, with other connections loading the server.
#[test]
fn a_cancel_never_reaches_a_later_statement() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, _db) = database(server, "cancel_later").await;
        // Load: sessions that keep the server and the CPUs busy.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut load = Vec::new();
        for _ in 0..3 {
            let url = url.clone();
            let stop = stop.clone();
            load.push(tokio::spawn(async move {
                let c = connect(&url).await;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let _ = c
                        .batch_execute("SELECT count(*) FROM generate_series(1, 200000)")
                        .await;
                }
            }));
        }
        let mut client = connect(&url).await;
        let reports = Reports::default();
        let mut cancelled = 0;
        for i in 0..40u64 {
            let work = async {
                let r: Result<(), BoxError> = async {
                    with!(
                        async { postgres::transaction(&mut client).on_drop(reports.sink()) } as tx,
                        {
                            tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
                            tx.execute("SELECT pg_sleep(5)", &[]).await?;
                        }
                    );
                    Ok(())
                }
                .await;
                r
            };
            // Vary where the drop lands: before, in, after the INSERT.
            let _ = tokio::time::timeout(Duration::from_micros(300 * (i % 10)), work).await;
            // At once: a statement that takes a while, so a late cancel
            // would have time to hit it.
            let r = client
                .query_one("SELECT pg_sleep(0.01)::text, (SELECT count(*) FROM t)", &[])
                .await;
            let row = r.unwrap_or_else(|e| panic!("iteration {i}: a later statement failed: {e}"));
            assert_eq!(row.get::<_, i64>(1), 0, "iteration {i}");
            if let [Dropped::RolledBack { cancel }] = reports.take().as_slice() {
                assert!(
                    matches!(cancel, CancelRequest::Confirmed { .. }),
                    "{cancel:?}"
                );
                cancelled += 1;
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for l in load {
            l.await.unwrap();
        }
        assert!(cancelled > 20, "only {cancelled} drops mid-body");
    });
}

/// The driver alone vs ctxmgr, measured and printed (`--nocapture`): how
/// long the backend stays busy (`idle in transaction`, running, or holding a
/// transaction id) after the future is dropped (a) while the body awaits
/// something else, (b) while a 2 s statement runs. Timed from the
/// timeout's deadline, by polling `pg_stat_activity` from a second
/// connection.
#[test]
fn baseline_the_driver_alone_vs_ctxmgr() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "baseline").await;
        let observer = connect(&url).await;
        let mut client = connect(&url).await;
        let mut table = Vec::new();
        for (what, stmt) in [
            ("dropped while the body awaits a timer", None),
            ("dropped while a 2 s statement runs", Some("SELECT pg_sleep(2)")),
        ] {
            // The driver alone.
            let work = async {
                let tx = client.transaction().await?;
                tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
                match stmt {
                    Some(s) => drop(tx.execute(s, &[]).await?),
                    None => tokio::time::sleep(Duration::from_secs(5)).await,
                }
                tx.commit().await
            };
            let at = Instant::now() + Duration::from_millis(100);
            assert!(tokio::time::timeout_at(at.into(), work).await.is_err());
            let alone = wait_clean(&observer, &db, at, Duration::from_secs(5)).await;
            // ctxmgr.
            let work = async {
                let r: Result<(), BoxError> = async {
                    with!(async { postgres::transaction(&mut client) } as tx, {
                        tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
                        match stmt {
                            Some(s) => drop(tx.execute(s, &[]).await?),
                            None => tokio::time::sleep(Duration::from_secs(5)).await,
                        }
                    });
                    Ok(())
                }
                .await;
                r
            };
            let at = Instant::now() + Duration::from_millis(100);
            assert!(tokio::time::timeout_at(at.into(), work).await.is_err());
            let ours = wait_clean(&observer, &db, at, Duration::from_secs(1)).await;
            assert!(rows(&observer).await.is_empty());
            table.push(format!("| {what} | {alone:.1?} | {ours:.1?} |"));
            if stmt.is_some() {
                assert!(alone > Duration::from_millis(1500), "{alone:?}");
                assert!(ours < Duration::from_millis(300), "{ours:?}");
            }
        }
        eprintln!(
            "backend busy after the drop (multi-thread runtime)\n| path | driver alone | ctxmgr |\n| --- | --- | --- |\n{}",
            table.join("\n")
        );
    });
}

/// Where the cancel request cannot be sent (nobody listens at the cancel
/// address), nothing is sent: the running statement ends on its own, then
/// the `ROLLBACK` runs; the connection goes on.
#[test]
fn a_cancel_that_cannot_be_sent_lets_the_statement_end_then_rolls_back() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "cancel_failed").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        // A port nobody listens on.
        let nowhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let reports = Reports::default();
        let work = sleep_in_transaction(&mut client, &reports, Some(nowhere), 0.4);
        let dropped_at = Instant::now() + Duration::from_millis(100);
        assert!(tokio::time::timeout_at(dropped_at.into(), work).await.is_err());
        let took = wait_clean(&observer, &db, dropped_at, Duration::from_secs(2)).await;
        let report = reports.take();
        assert!(
            matches!(report.as_slice(), [Dropped::RolledBack { cancel: CancelRequest::Failed { address, .. } }] if *address == CancelTarget::Tcp(nowhere)),
            "{report:?}"
        );
        // The 0.4 s statement ran to its end (about 0.3 s after the drop).
        assert!(took > Duration::from_millis(200), "{took:?}");
        assert!(rows(&observer).await.is_empty());
        assert_eq!(rows(&client).await, Vec::<i32>::new());
    });
}

/// A cancel request the server does not confirm in time might land later:
/// the manager then ends the session (`pg_terminate_backend`) before the
/// ROLLBACK, so the late cancel cannot hit a later statement; the later
/// statement fails with a closed connection instead, and nothing stays open.
#[test]
fn an_unconfirmed_cancel_ends_the_session() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "cancel_unconfirmed").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        // Accepts the cancel request and never answers.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = silent.local_addr().unwrap();
        let hold = std::thread::spawn(move || {
            let (conn, _) = silent.accept().unwrap();
            std::thread::sleep(Duration::from_secs(2));
            drop(conn);
        });
        let reports = Reports::default();
        let work = sleep_in_transaction(&mut client, &reports, Some(address), 1.0);
        let dropped_at = Instant::now() + Duration::from_millis(100);
        assert!(tokio::time::timeout_at(dropped_at.into(), work)
            .await
            .is_err());
        let report = reports.take();
        assert_eq!(
            report,
            [Dropped::RolledBack {
                cancel: CancelRequest::Unconfirmed {
                    address: CancelTarget::Tcp(address)
                }
            }]
        );
        // The 1 s statement was not cancelled (the request went nowhere): it
        // runs to its end, then the queued terminate ends the session, and
        // the server rolls back.
        let took = wait_clean(&observer, &db, dropped_at, Duration::from_secs(3)).await;
        eprintln!("unconfirmed cancel: session ended {took:?} after the drop");
        assert!(rows(&observer).await.is_empty());
        let later = client.query_one("SELECT 1", &[]).await;
        assert!(later.unwrap_err().is_closed());
        hold.join().unwrap();
    });
}

async fn sleep_in_transaction(
    client: &mut Client,
    reports: &Reports,
    cancel_to: Option<std::net::SocketAddr>,
    secs: f64,
) -> Result<(), BoxError> {
    let mut manager = postgres::transaction(client).on_drop(reports.sink());
    if let Some(a) = cancel_to {
        manager = manager.cancel_address(a);
    }
    with!(async { manager } as tx, {
        tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
        tx.execute("SELECT pg_sleep($1)", &[&secs]).await?;
    });
    Ok(())
}

async fn savepoint_ignoring_an_error(
    tx: &mut tokio_postgres::Transaction<'_>,
) -> Result<(), BoxError> {
    with!(async { postgres::transaction(tx) } as sp, {
        sp.execute("INSERT INTO t VALUES (2)", &[]).await?;
        let _ = sp.execute("SELECT 1/0", &[]).await; // ignored: the savepoint is aborted
    });
    Ok(())
}

async fn outer_with_aborted_savepoint(client: &mut Client) -> Result<(), BoxError> {
    with!(async { postgres::transaction(client) } as tx, {
        tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
        let refused = savepoint_ignoring_an_error(tx).await.unwrap_err();
        let refused = refused.downcast_ref::<postgres::Error>().unwrap();
        assert!(refused.is_commit(), "{refused}");
        assert_eq!(refused.code(), Some(&SqlState::IN_FAILED_SQL_TRANSACTION));
        // Ignored again: the outer COMMIT is refused in turn.
    });
    Ok(())
}

/// A savepoint whose body ignored an error is not released as if all went
/// well: RELEASE is refused, and an outer transaction that ignores that too
/// is refused at COMMIT. Nothing commits.
#[test]
fn an_aborted_savepoint_is_refused_and_so_is_the_outer_commit() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "aborted_savepoint").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        let e = outer_with_aborted_savepoint(&mut client).await.unwrap_err();
        let e = e.downcast_ref::<postgres::Error>().unwrap();
        assert!(e.is_commit(), "{e}");
        assert!(rows(&observer).await.is_empty());
        assert!(busy(&observer, &db).await.is_empty());
    });
}

async fn outer_with_a_timed_out_savepoint(
    client: &mut Client,
    reports: &Reports,
) -> Result<(), BoxError> {
    with!(async { postgres::transaction(client) } as tx, {
        tx.execute("INSERT INTO t VALUES (1)", &[]).await?;
        let slow = async {
            with!(
                async { postgres::transaction(&mut *tx).on_drop(reports.sink()) } as sp,
                {
                    sp.execute("INSERT INTO t VALUES (2)", &[]).await?;
                    sp.execute("SELECT pg_sleep(30)", &[]).await?;
                }
            );
            Ok::<(), BoxError>(())
        };
        let started = Instant::now();
        assert!(tokio::time::timeout(Duration::from_millis(100), slow)
            .await
            .is_err());
        // The savepoint's statement was cancelled and ROLLBACK TO queued: the
        // transaction goes on at once, without row 2.
        tx.execute("INSERT INTO t VALUES (3)", &[]).await?;
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    });
    Ok(())
}

/// A savepoint dropped alone (a timeout inside the outer body): its running
/// statement is cancelled, `ROLLBACK TO` queued, and the outer transaction
/// goes on and commits without the savepoint's rows.
#[test]
fn a_savepoint_dropped_alone_rolls_back_to_and_the_outer_goes_on() {
    let Some(server) = pg::server() else { return };
    runtime().block_on(async {
        let (url, db) = database(server, "savepoint_dropped").await;
        let mut client = connect(&url).await;
        let observer = connect(&url).await;
        let reports = Reports::default();
        outer_with_a_timed_out_savepoint(&mut client, &reports)
            .await
            .unwrap();
        let report = reports.take();
        assert!(
            matches!(
                report.as_slice(),
                [Dropped::RolledBack {
                    cancel: CancelRequest::Confirmed { .. }
                }]
            ),
            "{report:?}"
        );
        assert_eq!(rows(&observer).await, [1, 3]);
        assert!(busy(&observer, &db).await.is_empty());
    });
}

/// Over a Unix socket the cancel request goes to the server's socket
/// (`unix_socket_directories`, `port`): confirmed, the statement cancelled,
/// nothing left open.
#[test]
fn over_a_unix_socket_the_cancel_goes_to_the_socket() {
    let Some(server) = pg::server() else { return };
    let Some(socket_dir) = server.socket_dir() else {
        eprintln!("skipped: the server has no Unix socket");
        return;
    };
    runtime().block_on(async {
        let (url, db) = database(server, "unix_socket").await;
        let unix = format!(
            "host={} port={} user=postgres dbname={db}",
            socket_dir.display(),
            server.port()
        );
        let mut client = connect(&unix).await;
        let observer = connect(&url).await;
        let reports = Reports::default();
        let work = sleep_in_transaction(&mut client, &reports, None, 30.0);
        let dropped_at = Instant::now() + Duration::from_millis(100);
        assert!(tokio::time::timeout_at(dropped_at.into(), work)
            .await
            .is_err());
        let report = reports.take();
        assert!(
            matches!(
                report.as_slice(),
                [Dropped::RolledBack {
                    cancel: CancelRequest::Confirmed { .. }
                }]
            ),
            "{report:?}"
        );
        wait_clean(&observer, &db, dropped_at, Duration::from_millis(300)).await;
        assert!(rows(&observer).await.is_empty());
        assert!(rows(&client).await.is_empty());
    });
}
