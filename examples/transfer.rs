//! Moves money between two accounts inside `with!(async ctxmgr::sqlx::transaction(..))`,
//! running the whole transaction again when the database reports a
//! serialization failure (or a deadlock, or SQLite's "database is locked").
//!
//! ```text
//! cargo run --example transfer --features sqlx
//! DATABASE_URL=postgres://user@host/db cargo run --example transfer --features sqlx
//! ```
//!
//! SQLite (a file in a temporary folder) by default; PostgreSQL, at
//! `SERIALIZABLE`, when `DATABASE_URL` is set. Eight tasks move money back
//! and forth at the same time; the total never changes, and a transfer that
//! would overdraw an account is rolled back.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use ctxmgr::sqlx::{transaction, IsolationLevel};
use ctxmgr::with;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

static RETRIES: AtomicU32 = AtomicU32::new(0);
static FAILED: AtomicU32 = AtomicU32::new(0);

/// Waits a little longer after each failed attempt, with some jitter, so
/// that the transactions that collided do not collide again.
async fn backoff(attempt: u32) {
    let jitter = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() % 1_000);
    let micros = 500 * u64::from(attempt.min(10)) + u64::from(jitter);
    tokio::time::sleep(std::time::Duration::from_micros(micros)).await;
}

/// Runs `attempt` again while it fails with an error the database says is
/// worth retrying (a serialization failure, a deadlock, SQLite's "database is
/// locked"), waiting a little longer each time.
async fn retry<F, Fut>(mut attempt: F) -> Result<(), ctxmgr::sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ctxmgr::sqlx::Error>>,
{
    let mut n = 1;
    loop {
        match attempt().await {
            Err(e) if e.is_retryable() && n < 20 => {
                RETRIES.fetch_add(1, Ordering::Relaxed);
                backoff(n).await;
                n += 1;
            }
            other => return other,
        }
    }
}

/// SQLite: take the write lock at BEGIN, so two transfers never deadlock
/// upgrading their read locks.
async fn transfer_sqlite(
    pool: &sqlx::SqlitePool,
    from: i64,
    to: i64,
    amount: i64,
) -> Result<(), ctxmgr::sqlx::Error> {
    retry(|| async {
        with!(
            async { transaction(pool).begin_statement("BEGIN IMMEDIATE") } as tx,
            {
                // The CHECK (balance >= 0) fails on an overdraft: `?` rolls back.
                sqlx::query("UPDATE account SET balance = balance - ? WHERE id = ?")
                    .bind(amount)
                    .bind(from)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("UPDATE account SET balance = balance + ? WHERE id = ?")
                    .bind(amount)
                    .bind(to)
                    .execute(&mut **tx)
                    .await?;
            }
        ); // COMMIT awaited: a failure there is an error too
        Ok(())
    })
    .await
}

/// PostgreSQL: SERIALIZABLE, so concurrent transfers may fail with 40001
/// (at a statement or at COMMIT) and are retried.
async fn transfer_postgres(
    pool: &sqlx::PgPool,
    from: i64,
    to: i64,
    amount: i64,
) -> Result<(), ctxmgr::sqlx::Error> {
    retry(|| async {
        with!(
            async { transaction(pool).isolation(IsolationLevel::Serializable) } as tx,
            {
                sqlx::query("UPDATE account SET balance = balance - $1 WHERE id = $2")
                    .bind(amount)
                    .bind(from)
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("UPDATE account SET balance = balance + $1 WHERE id = $2")
                    .bind(amount)
                    .bind(to)
                    .execute(&mut **tx)
                    .await?;
            }
        ); // COMMIT awaited: a serialization failure there is an error too
        Ok(())
    })
    .await
}

const SCHEMA: &str = "DROP TABLE IF EXISTS account;
    CREATE TABLE account (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL CHECK (balance >= 0));
    INSERT INTO account VALUES (1, 100), (2, 100);";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), BoxError> {
    let total: i64;
    let overdraft_rejected: bool;
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(8)
            .connect(&url)
            .await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        let mut tasks = Vec::new();
        for i in 0..8_i64 {
            let pool = pool.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..10 {
                    let (from, to) = if i % 2 == 0 { (1, 2) } else { (2, 1) };
                    if let Err(e) = transfer_postgres(&pool, from, to, 5).await {
                        eprintln!("gave up: {e}");
                        FAILED.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for t in tasks {
            t.await?;
        }
        overdraft_rejected = transfer_postgres(&pool, 1, 2, 1_000).await.is_err();
        total = sqlx::query_scalar("SELECT sum(balance)::BIGINT FROM account")
            .fetch_one(&pool)
            .await?;
        println!("PostgreSQL at {url}");
    } else {
        let dir = std::env::temp_dir().join(format!("ctxmgr-transfer-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let options = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.join("bank.db"))
            .create_if_missing(true)
            .busy_timeout(std::time::Duration::from_millis(20));
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await?;
        let pool = Arc::new(pool);
        let mut tasks = Vec::new();
        for i in 0..8_i64 {
            let pool = Arc::clone(&pool);
            tasks.push(tokio::spawn(async move {
                for _ in 0..10 {
                    let (from, to) = if i % 2 == 0 { (1, 2) } else { (2, 1) };
                    if let Err(e) = transfer_sqlite(&pool, from, to, 5).await {
                        eprintln!("gave up: {e}");
                        FAILED.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for t in tasks {
            t.await?;
        }
        overdraft_rejected = transfer_sqlite(&pool, 1, 2, 1_000).await.is_err();
        total = sqlx::query_scalar("SELECT sum(balance) FROM account")
            .fetch_one(&*pool)
            .await?;
        pool.close().await;
        std::fs::remove_dir_all(&dir)?;
        println!("SQLite (set DATABASE_URL for PostgreSQL)");
    }
    println!(
        "80 concurrent transfers: {} attempts retried, {} gave up; total {total}",
        RETRIES.load(Ordering::Relaxed),
        FAILED.load(Ordering::Relaxed)
    );
    assert_eq!(total, 200, "money was created or lost");
    assert!(overdraft_rejected, "an overdraft must be rolled back");
    println!("an overdraft of 1000 was rolled back");
    Ok(())
}
