//! `ctxmgr::sqlx` on a real PostgreSQL started by the tests
//! (`ctxmgr_tests::pg`): COMMIT/ROLLBACK awaited, failing COMMITs (deferred
//! constraint, serialization failure) are errors, savepoints, cancellation
//! after every poll with 0 leaked transactions, a running statement
//! cancelled, faults. Run with `--nocapture` to see the measurements that
//! the crate docs' "Transactions" chapter quotes.

use std::error::Error as StdError;
use std::time::{Duration, Instant};

use ctxmgr::sqlx::{transaction, ErrorKind, IsolationLevel};
use ctxmgr::with;
use ctxmgr_tests::drop_after::DropAfter;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::Connection;

type BoxError = Box<dyn StdError + Send + Sync>;

async fn setup(hint: &str) -> Option<(String, PgPool)> {
    let pg = ctxmgr_tests::pg::server()?;
    let url = pg.fresh_database(hint);
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .connect(&url)
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE t (x int PRIMARY KEY);
         CREATE TABLE a (x int); CREATE TABLE b (x int);
         CREATE TABLE parent (id int PRIMARY KEY);
         CREATE TABLE child (p int REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);",
    )
    .execute(&pool)
    .await
    .unwrap();
    Some((url, pool))
}

/// Seen from a second connection: the rows of `t`, and the backends of
/// this database (other than the observer) that are in a transaction
/// (`idle in transaction`, an xid assigned, or running a statement).
struct View {
    rows: Vec<i32>,
    in_transaction: i64,
    active: i64,
}

async fn view(observer: &mut PgConnection) -> View {
    let rows = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
        .fetch_all(&mut *observer)
        .await
        .unwrap();
    let (in_transaction, active): (i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE state LIKE 'idle in transaction%' OR backend_xid IS NOT NULL),
                count(*) FILTER (WHERE state = 'active')
         FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    )
    .fetch_one(&mut *observer)
    .await
    .unwrap();
    View {
        rows,
        in_transaction,
        active,
    }
}

/// Polls until no backend is in a transaction or running a statement;
/// returns how long that took.
async fn settle(observer: &mut PgConnection, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let v = view(observer).await;
        if v.in_transaction == 0 && v.active == 0 {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "still open after {limit:?}: {} in transaction, {} active",
            v.in_transaction,
            v.active
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn insert(pool: &PgPool, xs: &[i32]) -> Result<(), BoxError> {
    with!(async { transaction(pool) } as tx, {
        for x in xs {
            sqlx::query("INSERT INTO t VALUES ($1)")
                .bind(x)
                .execute(&mut **tx)
                .await?;
        }
    });
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_rollback_panic_and_a_failing_commit() {
    let Some((url, pool)) = setup("paths").await else {
        return;
    };
    let mut observer = PgConnection::connect(&url).await.unwrap();
    insert(&pool, &[1]).await.unwrap();
    // `?`: the body's error unchanged.
    let err = insert(&pool, &[2, 2]).await.unwrap_err();
    let e = err
        .downcast_ref::<sqlx::Error>()
        .expect("the body's own error");
    assert_eq!(
        e.as_database_error().unwrap().code().as_deref(),
        Some("23505")
    );
    // panic: rolled back, then the payload resumes.
    let p = pool.clone();
    let payload = tokio::spawn(async move {
        let _ = async {
            with!(async { transaction(&p) } as tx, {
                sqlx::query("INSERT INTO t VALUES (3)")
                    .execute(&mut **tx)
                    .await?;
                std::panic::panic_any("boom");
            });
            #[allow(unreachable_code)]
            Ok::<(), BoxError>(())
        }
        .await;
    })
    .await
    .unwrap_err()
    .into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    // A deferred foreign key fails COMMIT: the error of `with!`.
    async fn orphan(pool: &PgPool) -> Result<(), BoxError> {
        with!(async { transaction(pool) } as tx, {
            sqlx::query("INSERT INTO t VALUES (4)")
                .execute(&mut **tx)
                .await?;
            sqlx::query("INSERT INTO child VALUES (99)")
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }
    let err = orphan(&pool).await.unwrap_err();
    let err = err.downcast_ref::<ctxmgr::sqlx::Error>().unwrap();
    assert_eq!(err.kind(), ErrorKind::Commit);
    assert_eq!(err.code().as_deref(), Some("23503"));
    assert!(err
        .source()
        .unwrap()
        .downcast_ref::<sqlx::Error>()
        .is_some());
    let v = view(&mut observer).await;
    assert_eq!(v.rows, [1]);
    settle(&mut observer, Duration::from_millis(300)).await;
}

/// Write skew under SERIALIZABLE: the second COMMIT fails with 40001, and
/// `with!` says so ([`ctxmgr::sqlx::Error::is_retryable`]).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serialization_failure_at_commit_is_an_error() {
    let Some((url, _pool)) = setup("serial").await else {
        return;
    };
    let mut c1 = PgConnection::connect(&url).await.unwrap();
    let mut c2 = PgConnection::connect(&url).await.unwrap();
    let (go1, wait1) = tokio::sync::oneshot::channel::<()>();
    let (go2, wait2) = tokio::sync::oneshot::channel::<()>();
    let t2 = tokio::spawn(async move {
        let r: Result<(), ctxmgr::sqlx::Error> = async {
            with!(
                async { transaction(&mut c2).isolation(IsolationLevel::Serializable) } as tx,
                {
                    sqlx::query("SELECT count(*) FROM b")
                        .execute(&mut **tx)
                        .await?;
                    sqlx::query("INSERT INTO a VALUES (2)")
                        .execute(&mut **tx)
                        .await?;
                    go1.send(()).unwrap();
                    wait2.await.unwrap(); // T1 committed
                }
            );
            Ok(())
        }
        .await;
        r
    });
    let t1: Result<(), ctxmgr::sqlx::Error> = async {
        with!(
            async { transaction(&mut c1).isolation(IsolationLevel::Serializable) } as tx,
            {
                sqlx::query("SELECT count(*) FROM a")
                    .execute(&mut **tx)
                    .await?;
                wait1.await.unwrap();
                sqlx::query("INSERT INTO b VALUES (1)")
                    .execute(&mut **tx)
                    .await?;
            }
        );
        Ok(())
    }
    .await;
    t1.unwrap();
    go2.send(()).unwrap();
    let err = t2.await.unwrap().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Commit, "{err}");
    assert_eq!(err.code().as_deref(), Some("40001"));
    assert!(err.is_retryable());
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM a")
        .fetch_one(&mut c1)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn savepoints_and_builders() {
    let Some((url, pool)) = setup("savepoints").await else {
        return;
    };
    let mut conn = PgConnection::connect(&url).await.unwrap();
    async fn nested(conn: &mut PgConnection) -> Result<(), ctxmgr::sqlx::Error> {
        with!(
            async { transaction(&mut *conn).isolation(IsolationLevel::RepeatableRead) } as tx,
            {
                sqlx::query("INSERT INTO t VALUES (1)")
                    .execute(&mut **tx)
                    .await?;
                let inner: Result<(), ctxmgr::sqlx::Error> = async {
                    with!(async { transaction(&mut *tx) } as sp, {
                        sqlx::query("INSERT INTO t VALUES (2)")
                            .execute(&mut **sp)
                            .await?;
                        sqlx::query("INSERT INTO t VALUES (2)")
                            .execute(&mut **sp)
                            .await?;
                    });
                    Ok(())
                }
                .await;
                assert_eq!(inner.unwrap_err().code().as_deref(), Some("23505"));
                with!(async { transaction(&mut *tx) } as sp, {
                    sqlx::query("INSERT INTO t VALUES (3)")
                        .execute(&mut **sp)
                        .await?;
                });
                let level: String = sqlx::query_scalar("SHOW transaction_isolation")
                    .fetch_one(&mut **tx)
                    .await?;
                assert_eq!(level, "repeatable read");
            }
        );
        Ok(())
    }
    nested(&mut conn).await.unwrap();
    let r: Result<(), ctxmgr::sqlx::Error> = async {
        with!(
            async {
                transaction(&pool)
                    .isolation(IsolationLevel::Serializable)
                    .read_only()
                    .deferrable()
            } as tx,
            {
                let ro: String = sqlx::query_scalar("SHOW transaction_read_only")
                    .fetch_one(&mut **tx)
                    .await?;
                assert_eq!(ro, "on");
                sqlx::query("INSERT INTO t VALUES (9)")
                    .execute(&mut **tx)
                    .await?; // read only: fails
            }
        );
        Ok(())
    }
    .await;
    assert_eq!(r.unwrap_err().code().as_deref(), Some("25006"));
    let mut observer = PgConnection::connect(&url).await.unwrap();
    assert_eq!(view(&mut observer).await.rows, [1, 3]);
}

/// Drops the `with!` future after each of its first k polls, k = 1, 2, …
/// until it completes. After each drop, from a second connection: no
/// backend in a transaction within 300 ms, no row of the body visible (or,
/// for a drop while COMMIT was in flight, all of them); then the pool's
/// connections run statements without a stray cancel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_cancelled_after_every_poll_leaks_nothing() {
    let Some((url, first)) = setup("cancel_pool").await else {
        return;
    };
    first.close().await;
    let mut observer = PgConnection::connect(&url).await.unwrap();
    // COMMIT takes 20 ms, so the future always suspends while it is in flight.
    sqlx::raw_sql(
        "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN NULL; END $$;
         CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow();",
    )
    .execute(&mut observer)
    .await
    .unwrap();
    // Every connection of the pool open before the loop, so that the
    // suspension points of each run are the same ones (connecting adds some).
    let pool = PgPoolOptions::new()
        .max_connections(4)
        .min_connections(4)
        .test_before_acquire(false)
        .connect(&url)
        .await
        .unwrap();
    while pool.size() < 4 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    async fn body(
        pool: &PgPool,
        log: std::sync::Arc<std::sync::Mutex<Vec<ctxmgr::sqlx::Cancelled>>>,
    ) -> Result<(), BoxError> {
        with!(
            async { transaction(pool).on_cancel(move |c| log.lock().unwrap().push(c)) } as tx,
            {
                sqlx::query("INSERT INTO t VALUES (1)")
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("SELECT pg_sleep(0.01)")
                    .execute(&mut **tx)
                    .await?;
                with!(async { transaction(&mut *tx) } as sp, {
                    sqlx::query("INSERT INTO t VALUES (2)")
                        .execute(&mut **sp)
                        .await?;
                });
            }
        );
        Ok(())
    }
    // How many polls a run takes varies with timing (an answer already
    // there does not suspend; on a loaded machine more of them are), so the
    // k-loop runs again, up to 10 times, until drops in BEGIN, the body and
    // COMMIT were all seen.
    let mut worst = Duration::ZERO;
    let mut drops = 0;
    for round in 0.. {
        assert!(
            round < 10,
            "{:?}: not every phase was hit",
            reports.lock().unwrap()
        );
        let mut k = 1;
        loop {
            let started = Instant::now();
            if let Some(r) = DropAfter::new(body(&pool, reports.clone()), k).await {
                println!("k = {k}: completed in {:?}", started.elapsed());
                r.unwrap();
                sqlx::query("DELETE FROM t").execute(&pool).await.unwrap();
                break;
            }
            drops += 1;
            let took = settle(&mut observer, Duration::from_millis(300)).await;
            worst = worst.max(took);
            let report = *reports.lock().unwrap().last().unwrap();
            let rows = view(&mut observer).await.rows;
            if report.commit_outcome_unknown() && rows == [1, 2] {
                sqlx::query("DELETE FROM t").execute(&pool).await.unwrap();
            } else {
                assert_eq!(rows, Vec::<i32>::new(), "k = {k}: {report:?}");
            }
            // Every connection of the pool is clean: no stray cancel, no
            // forgotten transaction.
            for _ in 0..8 {
                let in_tx: bool =
                    sqlx::query_scalar("SELECT txid_current_if_assigned() IS NOT NULL")
                        .fetch_one(&pool)
                        .await
                        .unwrap_or_else(|e| panic!("k = {k}: a later statement failed: {e}"));
                assert!(
                    !in_tx,
                    "k = {k}: a pooled connection is inside a transaction"
                );
            }
            k += 1;
            assert!(k < 500);
        }
        let reports = reports.lock().unwrap().clone();
        assert_eq!(reports.len(), drops);
        if reports.iter().any(|c| c.during_begin())
            && reports.iter().any(|c| c.during_body())
            && reports.iter().any(|c| c.commit_outcome_unknown())
        {
            println!("pool: {drops} drops in {} round(s) ({reports:?}), every one settled; worst time to 0 open transactions: {worst:?}", round + 1);
            break;
        }
    }
}

/// A statement still running when the future is dropped is cancelled on
/// the server (not left to run its 5 s), the transaction ends, and the
/// connection's next statements are not hit by the cancel.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_statement_is_cancelled_within_a_second() {
    let Some((url, pool)) = setup("cancel_running").await else {
        return;
    };
    let mut observer = PgConnection::connect(&url).await.unwrap();
    let mut worst = Duration::ZERO;
    for _ in 0..5 {
        let r = tokio::time::timeout(Duration::from_millis(100), async {
            with!(async { transaction(&pool) } as tx, {
                sqlx::query("INSERT INTO t VALUES (1)")
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("SELECT pg_sleep(5)").execute(&mut **tx).await?;
            });
            Ok::<(), BoxError>(())
        })
        .await;
        assert!(r.is_err(), "timed out");
        let took = settle(&mut observer, Duration::from_secs(1)).await;
        worst = worst.max(took);
        assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());
        for _ in 0..8 {
            sqlx::query("SELECT pg_sleep(0.001)")
                .execute(&pool)
                .await
                .expect("no stray cancel");
        }
    }
    println!(
        "running statement: cancelled and rolled back within {worst:?} of the drop (worst of 5)"
    );
}

/// Faults: the backend killed mid-body is an error and commits nothing; the
/// backend killed while COMMIT runs is an error, never `Ok`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_connection_is_an_error_and_commits_nothing() {
    let Some((url, pool)) = setup("faults").await else {
        return;
    };
    let mut observer = PgConnection::connect(&url).await.unwrap();
    async fn killed_mid_body(pool: &PgPool, url: &str) -> Result<(), BoxError> {
        with!(async { transaction(pool) } as tx, {
            sqlx::query("INSERT INTO t VALUES (1)")
                .execute(&mut **tx)
                .await?;
            let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
                .fetch_one(&mut **tx)
                .await?;
            let mut killer = PgConnection::connect(url).await?;
            sqlx::query("SELECT pg_terminate_backend($1)")
                .bind(pid)
                .execute(&mut killer)
                .await?;
            tokio::time::sleep(Duration::from_millis(50)).await;
            sqlx::query("INSERT INTO t VALUES (2)")
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }
    let err = killed_mid_body(&pool, &url).await.unwrap_err();
    // The body's INSERT failed on the dead connection, then so did the
    // ROLLBACK: exit's error replaces the body's (the crate's rule) and
    // carries it.
    let err = err
        .downcast_ref::<ctxmgr::sqlx::Error>()
        .expect("the ROLLBACK's error");
    assert_eq!(err.kind(), ErrorKind::Rollback, "{err}");
    let body = err.body_error().expect("the body's error is kept");
    assert!(err.to_string().contains(body), "{err}");
    println!("killed mid-body: {err}");
    assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());

    // A deferred constraint trigger makes COMMIT sleep; the backend is
    // killed meanwhile.
    sqlx::raw_sql(
        "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.5); RETURN NULL; END $$;
         CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow();",
    )
    .execute(&mut observer)
    .await
    .unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    let killer_url = url.clone();
    let killer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut k = PgConnection::connect(&killer_url).await.unwrap();
        sqlx::query("SELECT pg_terminate_backend($1)")
            .bind(pid)
            .execute(&mut k)
            .await
            .unwrap();
    });
    let started = Instant::now();
    let r: Result<(), ctxmgr::sqlx::Error> = async {
        with!(async { transaction(&mut conn) } as tx, {
            sqlx::query("INSERT INTO t VALUES (3)")
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }
    .await;
    killer.await.unwrap();
    let err = r.expect_err("COMMIT on a killed backend is never Ok");
    assert_eq!(err.kind(), ErrorKind::Commit, "{err}");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());
}

/// The driver alone, for the docs' table: sqlx's own `Transaction` dropped
/// mid-body on a bare connection stays `idle in transaction` until the next
/// query; a pooled one is rolled back by the pool's return task; a running
/// statement is not cancelled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_the_driver_alone() {
    let Some((url, pool)) = setup("driver_alone").await else {
        return;
    };
    let mut observer = PgConnection::connect(&url).await.unwrap();
    // Bare connection, dropped mid-body.
    let mut conn = PgConnection::connect(&url).await.unwrap();
    {
        let mut tx = conn.begin().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let v = view(&mut observer).await;
    println!(
        "driver alone, bare connection: {} backend(s) still in a transaction 500 ms after the drop",
        v.in_transaction
    );
    assert_eq!(v.in_transaction, 1);
    sqlx::query("SELECT 1").execute(&mut conn).await.unwrap(); // sends the ROLLBACK
    settle(&mut observer, Duration::from_millis(300)).await;
    // Pool, dropped mid-body.
    {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    let took = settle(&mut observer, Duration::from_millis(300)).await;
    println!("driver alone, pool: rolled back {took:?} after the drop");
    // Pool, a running statement dropped by a timeout.
    let _ = tokio::time::timeout(Duration::from_millis(100), async {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("SELECT pg_sleep(1)")
            .execute(&mut *tx)
            .await
            .unwrap();
    })
    .await;
    let took = settle(&mut observer, Duration::from_secs(3)).await;
    println!("driver alone, pool, running pg_sleep(1) dropped at 100 ms: settled {took:?} after the drop");

    // Ours, bare connection, dropped mid-body: the ROLLBACK is pushed out.
    let dropped = Instant::now();
    let r = tokio::time::timeout(Duration::from_millis(100), async {
        let r: Result<(), ctxmgr::sqlx::Error> = async {
            with!(async { transaction(&mut conn) } as tx, {
                sqlx::query("INSERT INTO t VALUES (1)")
                    .execute(&mut **tx)
                    .await?;
                std::future::pending::<()>().await;
            });
            Ok(())
        }
        .await;
        r
    })
    .await;
    assert!(r.is_err());
    let took = settle(&mut observer, Duration::from_millis(300)).await;
    println!(
        "ctxmgr, bare connection dropped mid-body: no transaction open {took:?} after the drop ({:?} after it began)",
        dropped.elapsed()
    );
    sqlx::query("SELECT 1").execute(&mut conn).await.unwrap();
    assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());
}

/// The bare connection, dropped after each poll: the ROLLBACK is on the
/// wire at once (no backend in a transaction within 300 ms), a drop while
/// BEGIN is in flight included; in every case the connection's next
/// statement runs outside the forgotten transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_connection_cancelled_after_every_poll() {
    let Some((url, pool)) = setup("cancel_bare").await else {
        return;
    };
    pool.close().await;
    let mut observer = PgConnection::connect(&url).await.unwrap();
    // COMMIT takes 20 ms a row, so the future always suspends while it is in
    // flight.
    sqlx::raw_sql(
        "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN NULL; END $$;
         CREATE CONSTRAINT TRIGGER slow AFTER INSERT ON t DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow();",
    )
    .execute(&mut observer)
    .await
    .unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let inner_reports =
        std::sync::Arc::new(std::sync::Mutex::new(Vec::<ctxmgr::sqlx::Cancelled>::new()));
    let mut worst = Duration::ZERO;
    let mut stale_errors = 0;
    let mut round = 0;
    let mut k = 1;
    loop {
        let log = reports.clone();
        let inner_log = inner_reports.clone();
        let run = async {
            let r: Result<(), ctxmgr::sqlx::Error> = async {
                with!(
                    async { transaction(&mut conn).on_cancel(move |c| log.lock().unwrap().push(c)) }
                        as tx,
                    {
                        sqlx::query("INSERT INTO t VALUES (1)")
                            .execute(&mut **tx)
                            .await?;
                        with!(
                            async {
                                transaction(&mut *tx)
                                    .on_cancel(move |c| inner_log.lock().unwrap().push(c))
                            } as sp,
                            {
                                sqlx::query("INSERT INTO t VALUES (2)")
                                    .execute(&mut **sp)
                                    .await?;
                            }
                        );
                        sqlx::query("SELECT pg_sleep(0.005)")
                            .execute(&mut **tx)
                            .await?;
                    }
                );
                Ok(())
            }
            .await;
            r
        };
        if let Some(r) = DropAfter::new(run, k).await {
            r.unwrap();
            sqlx::query("DELETE FROM t")
                .execute(&mut conn)
                .await
                .unwrap();
            // Again (up to 10 rounds) until drops in BEGIN, the body and
            // COMMIT were all seen: suspension counts vary with timing.
            let seen = reports.lock().unwrap().clone();
            if seen.iter().any(|c| c.during_begin())
                && seen.iter().any(|c| c.during_body())
                && seen.iter().any(|c| c.commit_outcome_unknown())
            {
                break;
            }
            round += 1;
            assert!(round < 10, "{seen:?}: not every phase was hit");
            k = 1;
            continue;
        }
        let report = *reports.lock().unwrap().last().unwrap();
        // In BEGIN too: the ROLLBACK sqlx queued is pushed onto the wire.
        let took = settle(&mut observer, Duration::from_millis(300)).await;
        worst = worst.max(took);
        let rows = view(&mut observer).await.rows;
        if report.commit_outcome_unknown() && rows == [1, 2] {
            sqlx::query("DELETE FROM t")
                .execute(&mut observer)
                .await
                .unwrap();
        } else {
            assert_eq!(rows, Vec::<i32>::new(), "k = {k}: {report:?}");
        }
        // The next use: outside the forgotten transaction (its row is
        // visible to others at once), and not hit by anything stray, except
        // in one case (documented): dropped while the savepoint's RELEASE
        // was in flight, sqlx's own drop of it queues `ROLLBACK TO
        // SAVEPOINT`, which fails (3B001) because the savepoint was
        // released; the whole transaction is rolled back all the same, and
        // that failure is what the next use reports, once.
        let released_in_flight = inner_reports
            .lock()
            .unwrap()
            .drain(..)
            .any(|c| c.commit_outcome_unknown());
        let next = sqlx::query("INSERT INTO t VALUES (100)")
            .execute(&mut conn)
            .await;
        match next {
            Ok(_) => {}
            Err(e)
                if released_in_flight
                    && e.as_database_error().and_then(|d| d.code()).as_deref() == Some("3B001") =>
            {
                stale_errors += 1;
                sqlx::query("INSERT INTO t VALUES (100)")
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            Err(e) => panic!("k = {k}: {report:?}: the next use failed: {e}"),
        }
        assert_eq!(view(&mut observer).await.rows, [100], "k = {k}: {report:?}");
        sqlx::query("DELETE FROM t")
            .execute(&mut conn)
            .await
            .unwrap();
        settle(&mut observer, Duration::from_millis(300)).await;
        k += 1;
        assert!(k < 500);
    }
    let reports = reports.lock().unwrap().clone();
    println!("bare connection: {} drops in {} round(s) ({reports:?}); worst time to 0 open transactions after a drop past BEGIN: {worst:?}; {stale_errors} stale error(s) after a drop during RELEASE", reports.len(), round + 1);
    assert!(
        reports.iter().any(|c| c.commit_outcome_unknown()),
        "{reports:?}"
    );
}

/// A current_thread runtime whose thread blocks after the drop: a task
/// cannot run, so only what happens inside the drop itself counts. Ours on
/// a bare connection sends the ROLLBACK in the drop; sqlx alone leaves it in
/// the buffer; a pool's cleanup (sqlx's and ours) is a task, and waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_a_blocked_current_thread_runtime() {
    let Some((url, _pool)) = setup("blocked").await else {
        return;
    };
    let mut observer = PgConnection::connect(&url).await.unwrap();
    let (dropped, wait_dropped) = tokio::sync::mpsc::unbounded_channel::<&'static str>();
    let mut wait_dropped = wait_dropped;
    let url2 = url.clone();
    let worker = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut conn = PgConnection::connect(&url2).await.unwrap();
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .connect(&url2)
                .await
                .unwrap();
            let r = tokio::time::timeout(Duration::from_millis(50), async {
                let r: Result<(), ctxmgr::sqlx::Error> = async {
                    with!(async { transaction(&mut conn) } as tx, {
                        sqlx::query("INSERT INTO t VALUES (1)")
                            .execute(&mut **tx)
                            .await?;
                        std::future::pending::<()>().await;
                    });
                    Ok(())
                }
                .await;
                r
            })
            .await;
            assert!(r.is_err());
            dropped.send("ctxmgr, bare connection").unwrap();
            std::thread::sleep(Duration::from_millis(500)); // the thread blocks
            sqlx::query("SELECT 1").execute(&mut conn).await.unwrap();
            {
                let mut tx = conn.begin().await.unwrap();
                sqlx::query("INSERT INTO t VALUES (2)")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
            }
            dropped.send("sqlx alone, bare connection").unwrap();
            std::thread::sleep(Duration::from_millis(500));
            sqlx::query("SELECT 1").execute(&mut conn).await.unwrap();
            let r = tokio::time::timeout(Duration::from_millis(50), async {
                let r: Result<(), ctxmgr::sqlx::Error> = async {
                    with!(async { transaction(&pool) } as tx, {
                        sqlx::query("INSERT INTO t VALUES (3)")
                            .execute(&mut **tx)
                            .await?;
                        std::future::pending::<()>().await;
                    });
                    Ok(())
                }
                .await;
                r
            })
            .await;
            assert!(r.is_err());
            dropped.send("ctxmgr, pool").unwrap();
            std::thread::sleep(Duration::from_millis(500));
            tokio::time::sleep(Duration::from_millis(50)).await; // the task runs
        });
    });
    let mut seen = Vec::new();
    for _ in 0..3 {
        let what = wait_dropped.recv().await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let v = view(&mut observer).await;
        println!("current_thread runtime blocked 500 ms after the drop, {what}: {} backend(s) in a transaction 200 ms after the drop", v.in_transaction);
        seen.push(v.in_transaction);
    }
    worker.join().unwrap();
    assert_eq!(seen, [0, 1, 1]);
    settle(&mut observer, Duration::from_millis(300)).await;
    assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());
}

/// The state of one backend, seen from another connection: whether it is
/// in a transaction (`idle in transaction`, an xid) or running a statement,
/// and what it runs.
async fn backend(observer: &mut PgConnection, pid: i32) -> (bool, bool, String) {
    let (in_tx, active, query): (bool, bool, String) = sqlx::query_as(
        "SELECT state LIKE 'idle in transaction%' OR backend_xid IS NOT NULL, state = 'active', query
         FROM pg_stat_activity WHERE pid = $1",
    )
    .bind(pid)
    .fetch_one(&mut *observer)
    .await
    .unwrap();
    (in_tx, active, query)
}

/// Polls until backend `pid` is neither in a transaction nor running a
/// statement; returns how long that took.
async fn settle_backend(observer: &mut PgConnection, pid: i32, limit: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let (in_tx, active, query) = backend(observer, pid).await;
        if !in_tx && !active {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < limit,
            "backend {pid} still busy after {limit:?}: in transaction {in_tx}, active {active}: {query}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

async fn pid_of(conn: &mut PgConnection) -> i32 {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(conn)
        .await
        .unwrap()
}

/// A bare connection with `cancel_with`, its `with!` future dropped after
/// each of its polls, k = 1, 2, … until it completes, over a body whose
/// statement sleeps 1 s: after each drop, from a second connection, the
/// backend is idle outside any transaction within 300 ms (the statement was
/// cancelled, not left to run), no row of the body is visible; the
/// connection's next statement runs, outside any transaction, and is not
/// hit by the cancel. At least one drop must land while a statement runs:
/// when none did (a loaded machine ran the whole body between two polls),
/// the sequence starts over, up to five times.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_connection_cancel_with_after_every_poll() {
    let Some((url, pool)) = setup("cancel_with_bare").await else {
        return;
    };
    let options = pool.connect_options();
    pool.close().await;
    let mut observer = PgConnection::connect(&url).await.unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let pid = pid_of(&mut conn).await;
    let reports = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut cancels = Vec::new();
    let mut worst = Duration::ZERO;
    let mut k = 1;
    let mut restarts = 0;
    loop {
        let log = reports.clone();
        let options = options.clone();
        let run = async {
            let r: Result<(), ctxmgr::sqlx::Error> = async {
                with!(
                    async {
                        transaction(&mut conn)
                            .cancel_with(options)
                            .on_cancel(move |c| log.lock().unwrap().push(c))
                    } as tx,
                    {
                        sqlx::query("INSERT INTO t VALUES (1)")
                            .execute(&mut **tx)
                            .await?;
                        sqlx::query("SELECT pg_sleep(1)").execute(&mut **tx).await?;
                        sqlx::query("INSERT INTO t VALUES (2)")
                            .execute(&mut **tx)
                            .await?;
                    }
                );
                Ok(())
            }
            .await;
            r
        };
        let started = Instant::now();
        if let Some(r) = DropAfter::new(run, k).await {
            r.unwrap();
            println!("k = {k}: completed in {:?}", started.elapsed());
            if cancels.is_empty() && restarts < 5 {
                // No drop landed while a statement ran: on a loaded machine
                // the body's statements can all complete between two polls.
                // Start over, so that the cancel is still seen.
                restarts += 1;
                sqlx::query("DELETE FROM t")
                    .execute(&mut conn)
                    .await
                    .unwrap();
                k = 1;
                continue;
            }
            break;
        }
        let report = *reports.lock().unwrap().last().unwrap();
        let mut took = settle_backend(&mut observer, pid, Duration::from_millis(300)).await;
        if let Some(ctxmgr::sqlx::StatementCancel::Confirmed { took: blocked, .. }) =
            report.statement()
        {
            // The drop itself blocked that long before the check began.
            took += blocked;
        }
        worst = worst.max(took);
        let rows = view(&mut observer).await.rows;
        if report.commit_outcome_unknown() && rows == [1, 2] {
            // Dropped while COMMIT was in flight, and it committed.
            sqlx::query("DELETE FROM t")
                .execute(&mut conn)
                .await
                .unwrap();
        } else {
            assert_eq!(rows, Vec::<i32>::new(), "k = {k}: {report:?}");
        }
        if let Some(statement) = report.statement() {
            match statement {
                ctxmgr::sqlx::StatementCancel::Confirmed { took, settled } => {
                    assert!(settled, "k = {k}: {report:?}");
                    cancels.push(took);
                }
                other => panic!("k = {k}: the cancel was not confirmed: {other:?}"),
            }
        }
        // The next statement: runs (no stray cancel, no stale error),
        // outside any transaction.
        let xid: Option<i64> = sqlx::query_scalar("SELECT txid_current_if_assigned()")
            .fetch_one(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("k = {k}: {report:?}: the next statement failed: {e}"));
        assert_eq!(xid, None, "k = {k}: {report:?}");
        k += 1;
        assert!(k < 100);
    }
    sqlx::query("DELETE FROM t")
        .execute(&mut conn)
        .await
        .unwrap();
    assert!(
        !cancels.is_empty(),
        "no drop while the statement ran, in {} runs: {:?}",
        restarts + 1,
        reports.lock().unwrap()
    );
    println!(
        "bare connection + cancel_with: {} drops, {} while pg_sleep(1) ran; drop_exit blocked (cancel + settle) {:?}; worst time to the backend idle outside a transaction after the drop: {worst:?}",
        k - 1,
        cancels.len(),
        cancels
    );
}

/// A statement waiting for a lock (that another session holds and keeps)
/// when the future is dropped: with `cancel_with` it is cancelled and the
/// transaction ends within the bounds, though the lock is never released;
/// without it, it would wait for as long as the lock is held. Timed from
/// the drop (the deadline), the blocking `drop_exit` included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_connection_cancel_with_stops_a_statement_waiting_for_a_lock() {
    let Some((url, pool)) = setup("cancel_with_lock").await else {
        return;
    };
    let options = pool.connect_options();
    let mut observer = PgConnection::connect(&url).await.unwrap();
    let mut locker = PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE a IN ACCESS EXCLUSIVE MODE")
        .execute(&mut locker)
        .await
        .unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let pid = pid_of(&mut conn).await;
    let mut worst = Duration::ZERO;
    for round in 0..5 {
        let deadline = Instant::now() + Duration::from_millis(100);
        let r = tokio::time::timeout_at(deadline.into(), async {
            let r: Result<(), ctxmgr::sqlx::Error> = async {
                with!(
                    async { transaction(&mut conn).cancel_with(options.clone()) } as tx,
                    {
                        sqlx::query("INSERT INTO t VALUES (1)")
                            .execute(&mut **tx)
                            .await?;
                        sqlx::query("INSERT INTO a VALUES (1)")
                            .execute(&mut **tx)
                            .await?;
                    }
                );
                Ok(())
            }
            .await;
            r
        })
        .await;
        assert!(r.is_err(), "round {round}: the INSERT waits for the lock");
        settle_backend(&mut observer, pid, Duration::from_millis(300)).await;
        // From the drop (the deadline), drop_exit's blocking included.
        worst = worst.max(deadline.elapsed());
        assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());
        let xid: Option<i64> = sqlx::query_scalar("SELECT txid_current_if_assigned()")
            .fetch_one(&mut conn)
            .await
            .expect("the next statement runs");
        assert_eq!(xid, None);
    }
    println!("lock wait cancelled: backend idle, outside a transaction, within {worst:?} of the drop (worst of 5)");
    sqlx::query("ROLLBACK").execute(&mut locker).await.unwrap();
}

/// The cancel never reaches the connection's next statement: 50 drops at
/// times spread over a 20 ms statement's run (before, while and just after
/// it ends), each followed at once by the next statement on the same
/// connection, which must run to its end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_connection_cancel_never_reaches_the_next_statement() {
    let Some((url, pool)) = setup("cancel_with_next").await else {
        return;
    };
    let options = pool.connect_options();
    let mut observer = PgConnection::connect(&url).await.unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let mut confirmed = 0;
    let mut not_needed = 0;
    for i in 0..50u64 {
        let (report, reports) = std::sync::mpsc::channel();
        let r = tokio::time::timeout(Duration::from_millis(i % 25 + 1), async {
            let r: Result<(), ctxmgr::sqlx::Error> = async {
                with!(
                    async {
                        transaction(&mut conn)
                            .cancel_with(options.clone())
                            .on_cancel(move |c| report.send(c).unwrap())
                    } as tx,
                    {
                        sqlx::query("SELECT pg_sleep(0.02)")
                            .execute(&mut **tx)
                            .await?;
                        std::future::pending::<()>().await;
                    }
                );
                Ok(())
            }
            .await;
            r
        })
        .await;
        assert!(r.is_err());
        // At once: the next statement on the same connection.
        let xid: Option<i64> =
            sqlx::query_scalar("SELECT txid_current_if_assigned() FROM pg_sleep(0.03)")
                .fetch_one(&mut conn)
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "drop {i}: {:?}: the next statement failed: {e}",
                        reports.try_recv()
                    )
                });
        assert_eq!(xid, None, "drop {i}");
        match reports.try_recv().ok().and_then(|c| c.statement()) {
            Some(ctxmgr::sqlx::StatementCancel::Confirmed { settled, .. }) => {
                assert!(settled, "drop {i}");
                confirmed += 1;
            }
            Some(other) => panic!("drop {i}: {other:?}"),
            None => not_needed += 1,
        }
    }
    settle(&mut observer, Duration::from_millis(300)).await;
    println!("next statement never cancelled: 50 drops, {confirmed} with a cancel sent, {not_needed} with nothing running");
    assert!(confirmed > 0);
}

/// Dropped while `BEGIN` is in flight on a bare connection, with no further
/// use of the connection: the `ROLLBACK` sqlx queued is on the wire at
/// once, so no backend stays `idle in transaction` (within 300 ms).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bare_connection_dropped_in_begin_leaves_no_open_transaction() {
    let Some((url, pool)) = setup("begin_in_flight").await else {
        return;
    };
    pool.close().await;
    let mut observer = PgConnection::connect(&url).await.unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let pid = pid_of(&mut conn).await;
    let mut times = Vec::new();
    // A drop lands in BEGIN only when its answer is not there yet at the
    // first poll; on a loaded machine that is rarer, so attempts go on
    // (up to 100) until 5 such drops were seen.
    for _ in 0..100 {
        if times.len() == 5 {
            break;
        }
        let (report, reports) = std::sync::mpsc::channel();
        let run = async {
            let r: Result<(), ctxmgr::sqlx::Error> = async {
                with!(
                    async { transaction(&mut conn).on_cancel(move |c| report.send(c).unwrap()) }
                        as tx,
                    {
                        sqlx::query("INSERT INTO t VALUES (1)")
                            .execute(&mut **tx)
                            .await?;
                    }
                );
                Ok(())
            }
            .await;
            r
        };
        if let Some(r) = DropAfter::new(run, 1).await {
            // Every answer was there at once: not a drop (rare).
            r.unwrap();
            sqlx::query("DELETE FROM t")
                .execute(&mut conn)
                .await
                .unwrap();
            continue;
        }
        let cancelled = reports.try_recv().unwrap();
        if !cancelled.during_begin() {
            // Further in one poll (the answers were there at once; once
            // seen, in COMMIT, committed): not counted, cleaned up.
            sqlx::query("DELETE FROM t")
                .execute(&mut conn)
                .await
                .unwrap();
            continue;
        }
        // No further use of `conn` until the server shows it idle.
        times.push(settle_backend(&mut observer, pid, Duration::from_millis(300)).await);
    }
    assert!(times.len() >= 5, "only {} drops in BEGIN", times.len());
    let xid: Option<i64> = sqlx::query_scalar("SELECT txid_current_if_assigned()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(xid, None);
    assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());
    times.sort();
    println!(
        "dropped in BEGIN, bare connection, no further use: no transaction open after {:?} (median) / {:?} (worst) of {} drops",
        times[times.len() / 2],
        times[times.len() - 1],
        times.len()
    );
    // sqlx alone, for the docs' table: its `begin` dropped in flight leaves
    // the ROLLBACK in the buffer, and the server in the transaction.
    // (Again if the answer was there at the first poll: a begin that
    // succeeded and was dropped, the ROLLBACK it queued sent by the next.)
    // Up to 100 attempts, as above: on a loaded machine the answer is more
    // often there at the first poll.
    let mut dropped_in_flight = false;
    for _ in 0..100 {
        if DropAfter::new(conn.begin(), 1).await.is_none() {
            dropped_in_flight = true;
            break;
        }
    }
    assert!(dropped_in_flight);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (in_tx, _, query) = backend(&mut observer, pid).await;
    println!(
        "sqlx alone, begin dropped in flight: in a transaction 300 ms later: {in_tx} ({query})"
    );
    assert!(in_tx);
    sqlx::query("SELECT 1").execute(&mut conn).await.unwrap(); // sends it
    settle_backend(&mut observer, pid, Duration::from_millis(300)).await;
}

/// `cancel_with` on a current_thread runtime: nobody would drive the
/// connection's socket while `drop_exit` blocks, so no cancel is sent
/// (said by the report); the statement runs to its end, then the ROLLBACK
/// already on the wire; the next statement runs clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_with_on_a_current_thread_runtime_sends_nothing() {
    let Some((url, pool)) = setup("cancel_with_current").await else {
        return;
    };
    let options = pool.connect_options();
    let mut observer = PgConnection::connect(&url).await.unwrap();
    let url2 = url.clone();
    let worker = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut conn = PgConnection::connect(&url2).await.unwrap();
            let (report, reports) = std::sync::mpsc::channel();
            let started = Instant::now();
            let r = tokio::time::timeout(Duration::from_millis(50), async {
                let r: Result<(), ctxmgr::sqlx::Error> = async {
                    with!(
                        async {
                            transaction(&mut conn)
                                .cancel_with(options)
                                .on_cancel(move |c| report.send(c).unwrap())
                        } as tx,
                        {
                            sqlx::query("INSERT INTO t VALUES (1)")
                                .execute(&mut **tx)
                                .await?;
                            sqlx::query("SELECT pg_sleep(0.3)")
                                .execute(&mut **tx)
                                .await?;
                        }
                    );
                    Ok(())
                }
                .await;
                r
            })
            .await;
            assert!(r.is_err());
            let cancelled = reports.try_recv().unwrap();
            assert_eq!(
                cancelled.statement(),
                Some(ctxmgr::sqlx::StatementCancel::NotSent)
            );
            let xid: Option<i64> = sqlx::query_scalar("SELECT txid_current_if_assigned()")
                .fetch_one(&mut conn)
                .await
                .unwrap();
            assert_eq!(xid, None);
            // The statement was not cancelled: it ran its 0.3 s.
            assert!(started.elapsed() >= Duration::from_millis(300));
        });
    });
    tokio::task::spawn_blocking(move || worker.join().unwrap())
        .await
        .unwrap();
    settle(&mut observer, Duration::from_millis(300)).await;
    assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());
}

/// `cancel_with` whose side connection cannot be made (nobody listens on
/// its port): nothing is sent (reported), the statement runs to its end,
/// then the ROLLBACK already on the wire; the next statement runs clean.
/// On a savepoint of an outer transaction: the same, and the outer's own
/// drop rolls back the rest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_with_a_side_connection_that_fails_sends_nothing() {
    let Some((url, pool)) = setup("cancel_with_fails").await else {
        return;
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port(); // closed again at once: connecting is refused
    let nowhere = std::sync::Arc::new(
        (*pool.connect_options())
            .clone()
            .host("127.0.0.1")
            .port(port),
    );
    let mut observer = PgConnection::connect(&url).await.unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let pid = pid_of(&mut conn).await;
    let (report, reports) = std::sync::mpsc::channel();
    let started = Instant::now();
    let r = tokio::time::timeout(Duration::from_millis(50), async {
        let r: Result<(), ctxmgr::sqlx::Error> = async {
            with!(async { transaction(&mut conn) } as tx, {
                sqlx::query("INSERT INTO t VALUES (1)")
                    .execute(&mut **tx)
                    .await?;
                with!(
                    async {
                        transaction(&mut *tx)
                            .cancel_with(nowhere)
                            .on_cancel(move |c| report.send(c).unwrap())
                    } as sp,
                    {
                        sqlx::query("SELECT pg_sleep(0.3)")
                            .execute(&mut **sp)
                            .await?;
                    }
                );
            });
            Ok(())
        }
        .await;
        r
    })
    .await;
    assert!(r.is_err());
    let cancelled = reports.try_recv().unwrap();
    assert!(cancelled.during_body());
    assert_eq!(
        cancelled.statement(),
        Some(ctxmgr::sqlx::StatementCancel::NotSent)
    );
    // Not cancelled: the statement runs on, then both ROLLBACKs.
    let (_, active, query) = backend(&mut observer, pid).await;
    assert!(active, "{query}");
    settle_backend(&mut observer, pid, Duration::from_secs(1)).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());
    let xid: Option<i64> = sqlx::query_scalar("SELECT txid_current_if_assigned()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(xid, None);
}

/// `cancel_with` on a savepoint (`transaction(&mut *tx)`) dropped while its
/// statement runs: cancelled, `ROLLBACK TO SAVEPOINT`, then the outer
/// transaction's drop rolls back the rest; within 300 ms, nothing open,
/// nothing visible, the next statement clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_with_on_a_savepoint() {
    let Some((url, pool)) = setup("cancel_with_savepoint").await else {
        return;
    };
    let options = pool.connect_options();
    let mut observer = PgConnection::connect(&url).await.unwrap();
    let mut conn = PgConnection::connect(&url).await.unwrap();
    let pid = pid_of(&mut conn).await;
    let (report, reports) = std::sync::mpsc::channel();
    let deadline = Instant::now() + Duration::from_millis(100);
    let r = tokio::time::timeout_at(deadline.into(), async {
        let r: Result<(), ctxmgr::sqlx::Error> = async {
            with!(async { transaction(&mut conn) } as tx, {
                sqlx::query("INSERT INTO t VALUES (1)")
                    .execute(&mut **tx)
                    .await?;
                with!(
                    async {
                        transaction(&mut *tx)
                            .cancel_with(options)
                            .on_cancel(move |c| report.send(c).unwrap())
                    } as sp,
                    {
                        sqlx::query("INSERT INTO t VALUES (2)")
                            .execute(&mut **sp)
                            .await?;
                        sqlx::query("SELECT pg_sleep(5)").execute(&mut **sp).await?;
                    }
                );
            });
            Ok(())
        }
        .await;
        r
    })
    .await;
    assert!(r.is_err());
    settle_backend(&mut observer, pid, Duration::from_millis(300)).await;
    let took = deadline.elapsed();
    match reports.try_recv().unwrap().statement() {
        Some(ctxmgr::sqlx::StatementCancel::Confirmed { settled: true, .. }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(view(&mut observer).await.rows, Vec::<i32>::new());
    let xid: Option<i64> = sqlx::query_scalar("SELECT txid_current_if_assigned()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(xid, None);
    println!("savepoint with cancel_with: pg_sleep(5) cancelled, everything rolled back, {took:?} after the drop");
}
