//! `ctxmgr::sqlx` on a real SQLite file (sqlx 0.9): COMMIT and ROLLBACK
//! awaited on every path, a failing COMMIT is the error, savepoints,
//! suppression, `Send` futures, and cancellation after each poll.

use std::error::Error as StdError;
use std::path::Path;
use std::str::FromStr;

use ctxmgr::sqlx::{transaction, ErrorKind, IsolationLevel};
use ctxmgr::with;
use ctxmgr_tests::drop_after::DropAfter;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqlitePool, SqlitePoolOptions};
use sqlx::{ConnectOptions, Connection};

type BoxError = Box<dyn StdError + Send + Sync>;

fn options(path: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .unwrap()
        .create_if_missing(true)
        .foreign_keys(true)
        .busy_timeout(std::time::Duration::from_millis(0))
}

async fn setup(path: &Path) -> SqlitePool {
    let pool = SqlitePoolOptions::new()
        .max_connections(2)
        .connect_with(options(path))
        .await
        .unwrap();
    sqlx::raw_sql(
        "CREATE TABLE t (x INTEGER PRIMARY KEY);
         CREATE TABLE parent (id INTEGER PRIMARY KEY);
         CREATE TABLE child (p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool
}

/// The rows of `t`, read from a new connection (not the pool's).
async fn rows(path: &Path) -> Vec<i64> {
    let mut c = options(path).connect().await.unwrap();
    let rows = sqlx::query_scalar("SELECT x FROM t ORDER BY x")
        .fetch_all(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    rows
}

/// Nobody holds a write transaction: another connection can take the write
/// lock at once (busy timeout 0).
async fn unlocked(path: &Path) -> bool {
    let mut c = options(path).connect().await.unwrap();
    let ok = sqlx::raw_sql("BEGIN IMMEDIATE; ROLLBACK")
        .execute(&mut c)
        .await
        .is_ok();
    c.close().await.unwrap();
    ok
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

async fn insert_then(pool: &SqlitePool, x: i64, fail: bool) -> Result<i64, BoxError> {
    let v = with!(async { transaction(pool) } as tx, {
        sqlx::query("INSERT INTO t VALUES (?)")
            .bind(x)
            .execute(&mut **tx)
            .await?;
        if fail {
            sqlx::query("INSERT INTO t VALUES (?)")
                .bind(x)
                .execute(&mut **tx)
                .await?; // duplicate
        }
        x
    });
    Ok(v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ok_commits_and_question_mark_rolls_back_with_the_body_error_unchanged() {
    let d = dir();
    let db = d.path().join("a.db");
    let pool = setup(&db).await;
    assert_eq!(insert_then(&pool, 1, false).await.unwrap(), 1);
    let err = insert_then(&pool, 2, true).await.unwrap_err();
    // The body's own error, not wrapped: ROLLBACK succeeded.
    let sqlx_err = err
        .downcast_ref::<sqlx::Error>()
        .expect("the body's sqlx::Error");
    assert!(sqlx_err.as_database_error().unwrap().is_unique_violation());
    assert_eq!(rows(&db).await, [1]);
    assert!(unlocked(&db).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn return_err_rolls_back() {
    let d = dir();
    let db = d.path().join("a.db");
    let pool = setup(&db).await;
    async fn f(pool: &SqlitePool) -> Result<(), BoxError> {
        with!(async { transaction(pool) } as tx, {
            sqlx::query("INSERT INTO t VALUES (7)")
                .execute(&mut **tx)
                .await?;
            return Err("nope".into());
        })
    }
    assert_eq!(f(&pool).await.unwrap_err().to_string(), "nope");
    assert_eq!(rows(&db).await, Vec::<i64>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panic_rolls_back_and_resumes_with_its_payload() {
    let d = dir();
    let db = d.path().join("a.db");
    let pool = setup(&db).await;
    let p = pool.clone();
    let joined = tokio::spawn(async move {
        let _: Result<(), BoxError> = async {
            with!(async { transaction(&p) } as tx, {
                sqlx::query("INSERT INTO t VALUES (9)")
                    .execute(&mut **tx)
                    .await?;
                std::panic::panic_any(42_u32);
            });
            #[allow(unreachable_code)]
            Ok(())
        }
        .await;
    })
    .await;
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<u32>(), Some(&42));
    assert_eq!(rows(&db).await, Vec::<i64>::new());
    assert!(unlocked(&db).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_commit_is_the_error_of_with() {
    let d = dir();
    let db = d.path().join("a.db");
    let pool = setup(&db).await;
    async fn f(pool: &SqlitePool) -> Result<(), BoxError> {
        with!(async { transaction(pool) } as tx, {
            sqlx::query("INSERT INTO t VALUES (1)")
                .execute(&mut **tx)
                .await?;
            // Deferred: checked at COMMIT.
            sqlx::query("INSERT INTO child VALUES (99)")
                .execute(&mut **tx)
                .await?;
        });
        Ok(())
    }
    let err = f(&pool).await.unwrap_err();
    let err = err
        .downcast_ref::<ctxmgr::sqlx::Error>()
        .expect("the manager's error");
    assert_eq!(err.kind(), ErrorKind::Commit);
    assert_eq!(err.code().as_deref(), Some("787")); // SQLITE_CONSTRAINT_FOREIGNKEY
    let source = err.source().unwrap().downcast_ref::<sqlx::Error>().unwrap();
    assert!(source.as_database_error().is_some());
    assert_eq!(rows(&db).await, Vec::<i64>::new());
    // The connection is out of the transaction (sqlx rolled it back).
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(unlocked(&db).await);
    insert_then(&pool, 3, false).await.unwrap();
    assert_eq!(rows(&db).await, [3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn savepoints_nest_on_a_bare_connection() {
    let d = dir();
    let db = d.path().join("a.db");
    setup(&db).await.close().await;
    let mut conn: SqliteConnection = options(&db).connect().await.unwrap();
    async fn f(conn: &mut SqliteConnection) -> Result<Vec<String>, ctxmgr::sqlx::Error> {
        let mut seen = Vec::new();
        with!(async { transaction(&mut *conn) } as tx, {
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
                        .await?; // fails
                });
                Ok(())
            }
            .await;
            seen.push(format!("inner {:?}", inner.map_err(|e| e.kind())));
            with!(async { transaction(&mut *tx) } as sp, {
                sqlx::query("INSERT INTO t VALUES (3)")
                    .execute(&mut **sp)
                    .await?;
            });
            seen.push("released".into());
        });
        Ok(seen)
    }
    let seen = f(&mut conn).await.unwrap();
    assert_eq!(seen, ["inner Err(Query)", "released"]);
    assert_eq!(rows(&db).await, [1, 3]);
    // The isolation builder: SERIALIZABLE is SQLite's; READ ONLY is not.
    let r: Result<(), ctxmgr::sqlx::Error> = async {
        with!(
            async { transaction(&mut conn).isolation(IsolationLevel::Serializable) } as tx,
            {
                sqlx::query("INSERT INTO t VALUES (4)")
                    .execute(&mut **tx)
                    .await?;
            }
        );
        Ok(())
    }
    .await;
    r.unwrap();
    let r: Result<(), ctxmgr::sqlx::Error> = async {
        with!(async { transaction(&mut conn).read_only() } as _tx, {});
        Ok(())
    }
    .await;
    assert_eq!(r.unwrap_err().kind(), ErrorKind::Unsupported);
    let r: Result<(), ctxmgr::sqlx::Error> = async {
        with!(
            async { transaction(&mut conn).begin_statement("BEGIN IMMEDIATE") } as tx,
            {
                sqlx::query("INSERT INTO t VALUES (5)")
                    .execute(&mut **tx)
                    .await?;
            }
        );
        Ok(())
    }
    .await;
    r.unwrap();
    assert_eq!(rows(&db).await, [1, 3, 4, 5]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suppress_outside_rolls_back_and_swallows() {
    let d = dir();
    let db = d.path().join("a.db");
    let pool = setup(&db).await;
    async fn f(pool: &SqlitePool, x: i64) -> Result<Option<i64>, BoxError> {
        let v = with!(
            ctxmgr::suppress(|e| e
                .downcast_ref::<sqlx::Error>()
                .and_then(|e| e.as_database_error())
                .is_some_and(|d| d.is_unique_violation())),
            async { transaction(pool) } as tx,
            {
                sqlx::query("INSERT INTO t VALUES (100)")
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("INSERT INTO t VALUES (?)")
                    .bind(x)
                    .execute(&mut **tx)
                    .await?;
                Some(x)
            }
        );
        Ok(v)
    }
    assert_eq!(f(&pool, 1).await.unwrap(), Some(1));
    // 100 again: the unique violation is swallowed, the whole body rolled back.
    assert_eq!(f(&pool, 2).await.unwrap(), None);
    assert_eq!(rows(&db).await, [1, 100]);
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn futures_are_send_under_tokio_spawn() {
    let d = dir();
    let db = d.path().join("a.db");
    let pool = setup(&db).await;
    let p = pool.clone();
    tokio::spawn(async move { insert_then(&p, 1, false).await.unwrap() })
        .await
        .unwrap();
    let mut conn: SqliteConnection = options(&db).connect().await.unwrap();
    async fn nested(conn: &mut SqliteConnection) -> Result<i64, BoxError> {
        Ok(with!(async { transaction(&mut *conn) } as tx, {
            with!(async { transaction(&mut *tx) } as sp, {
                sqlx::query("INSERT INTO t VALUES (2)")
                    .execute(&mut **sp)
                    .await?;
            });
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM t")
                .fetch_one(&mut **tx)
                .await?
        }))
    }
    let n = tokio::spawn(assert_send(async move { nested(&mut conn).await.unwrap() }))
        .await
        .unwrap();
    assert_eq!(n, 2);
}

/// Drops the `with!` future after each of its first k polls, k = 1, 2, …
/// until it completes; after each drop, nothing of the body is visible and
/// no write lock is held; the same pool / connection works next.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_after_every_poll_leaks_nothing() {
    let d = dir();
    let db = d.path().join("a.db");
    let pool = setup(&db).await;
    let cancels = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    type Log = std::sync::Arc<std::sync::Mutex<Vec<ctxmgr::sqlx::Cancelled>>>;
    async fn body(pool: &SqlitePool, log: Log) -> Result<(), BoxError> {
        with!(
            async { transaction(pool).on_cancel(move |c| log.lock().unwrap().push(c)) } as tx,
            {
                sqlx::query("INSERT INTO t VALUES (1)")
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("INSERT INTO t VALUES (2)")
                    .execute(&mut **tx)
                    .await?;
            }
        );
        Ok(())
    }
    // How many polls a run takes varies with timing (SQLite's worker thread
    // may answer BEGIN before the first poll ends, so there is no suspension
    // there to drop at), so the k-loop runs again, up to 10 times, until
    // drops in BEGIN, the body and COMMIT were all seen.
    let mut drops = 0;
    for round in 0.. {
        assert!(
            round < 10,
            "{:?}: not every phase was hit",
            cancels.lock().unwrap()
        );
        let mut k = 1;
        loop {
            if let Some(r) = DropAfter::new(body(&pool, cancels.clone()), k).await {
                r.unwrap();
                assert_eq!(rows(&db).await, [1, 2]);
                sqlx::query("DELETE FROM t").execute(&pool).await.unwrap();
                break;
            }
            drops += 1;
            // The pool's task runs the ROLLBACK: give it its bound.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let report = *cancels.lock().unwrap().last().expect("on_cancel ran");
            let seen = rows(&db).await;
            if report.commit_outcome_unknown() {
                // COMMIT was in flight: either outcome, all or nothing.
                assert!(seen.is_empty() || seen == [1, 2], "k = {k}: {seen:?}");
                sqlx::query("DELETE FROM t").execute(&pool).await.unwrap();
            } else {
                assert_eq!(seen, Vec::<i64>::new(), "k = {k}: {report:?}");
            }
            assert!(unlocked(&db).await, "k = {k}: a write transaction is open");
            k += 1;
            assert!(k < 1000, "never completes");
        }
        let reports = cancels.lock().unwrap().clone();
        assert_eq!(reports.len(), drops);
        if reports.iter().any(|c| c.during_begin())
            && reports.iter().any(|c| c.during_body())
            && reports.iter().any(|c| c.commit_outcome_unknown())
        {
            break;
        }
    }

    // The same on a bare connection, which is then used again: never inside
    // the forgotten transaction.
    sqlx::query("DELETE FROM t").execute(&pool).await.unwrap();
    let mut conn: SqliteConnection = options(&db).connect().await.unwrap();
    let mut k = 1;
    loop {
        let log = cancels.clone();
        let f = async {
            let r: Result<(), BoxError> = async {
                with!(
                    async { transaction(&mut conn).on_cancel(move |c| log.lock().unwrap().push(c)) }
                        as tx,
                    {
                        sqlx::query("INSERT INTO t VALUES (1)")
                            .execute(&mut **tx)
                            .await?;
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
        if let Some(r) = DropAfter::new(f, k).await {
            r.unwrap();
            break;
        }
        // Used again at once, autocommit: visible to others, so not inside
        // the forgotten transaction.
        sqlx::query("INSERT INTO t VALUES (?)")
            .bind(1000 + k as i64)
            .execute(&mut conn)
            .await
            .unwrap();
        let report = *cancels.lock().unwrap().last().unwrap();
        let seen = rows(&db).await;
        if report.commit_outcome_unknown() && seen.len() == 3 {
            assert_eq!(seen, [1, 2, 1000 + k as i64], "k = {k}");
        } else {
            assert_eq!(seen, [1000 + k as i64], "k = {k}: {report:?}");
        }
        assert!(unlocked(&db).await, "k = {k}");
        sqlx::query("DELETE FROM t")
            .execute(&mut conn)
            .await
            .unwrap();
        k += 1;
        assert!(k < 1000);
    }
    assert_eq!(rows(&db).await, [1, 2]);
}
