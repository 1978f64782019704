//! PostgreSQL: how `BEGIN` is spelled, and the cleanup after a drop.

use std::string::String;

use sqlx::postgres::{PgConnection, Postgres};
use sqlx::{Connection, Pool};

use super::backend::{sealed, Backend};
use super::error::Error;
use super::options::Options;

impl sealed::Sealed for Postgres {}

impl Backend for Postgres {
    fn begin_sql(options: &Options) -> Result<Option<String>, Error> {
        if let Some(statement) = &options.statement {
            return Ok(Some(statement.clone()));
        }
        if options.is_default() {
            return Ok(None);
        }
        let mut sql = String::from("BEGIN");
        if let Some(level) = options.isolation {
            sql.push_str(" ISOLATION LEVEL ");
            sql.push_str(level.sql());
        }
        if options.read_only {
            sql.push_str(" READ ONLY");
        }
        if options.deferrable {
            sql.push_str(" DEFERRABLE");
        }
        Ok(Some(sql))
    }

    /// The backend's pid, to cancel its statement after a drop.
    type Session = i32;

    async fn session(tx: &mut sqlx::Transaction<'_, Self>) -> Result<i32, sqlx::Error> {
        sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut **tx)
            .await
    }

    /// sqlx's own `Drop` only writes `ROLLBACK` into the connection's buffer,
    /// so the server would stay `idle in transaction` until the connection's
    /// next use. Queue it the same way, then push it out now: sqlx's `flush`
    /// polled once writes the buffer to the socket without blocking (and
    /// consumes what it wrote, so the next use goes on from there; it reads
    /// the `ROLLBACK`'s answer first). Then forget the transaction: its
    /// `Drop` would queue a second rollback, a whole-transaction one for a
    /// savepoint. It owns nothing but the `&mut` borrow.
    fn abandon_borrowed(mut tx: sqlx::Transaction<'_, Self>) {
        use core::future::Future as _;
        use sqlx_core::transaction::TransactionManager as _;
        sqlx::postgres::PgTransactionManager::start_rollback(&mut tx);
        let conn: &mut PgConnection = &mut tx;
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let flush = core::pin::pin!(conn.flush());
            let _ = flush.poll(&mut core::task::Context::from_waker(
                core::task::Waker::noop(),
            ));
        }));
        core::mem::forget(tx);
    }

    async fn abandon(pool: Pool<Self>, tx: sqlx::Transaction<'static, Self>, pid: Option<i32>) {
        if let Some(pid) = pid {
            // Cancel first, and only then use the connection again: the
            // cancel can reach the abandoned statement or our ROLLBACK, never
            // someone else's statement (nobody else has the connection).
            let cancel = sqlx::query("SELECT pg_cancel_backend($1)").bind(pid);
            if let Some(mut side) = pool.try_acquire() {
                let _ = cancel.execute(&mut *side).await;
            } else if let Ok(mut side) = PgConnection::connect_with(&pool.connect_options()).await {
                let _ = cancel.execute(&mut side).await;
                let _ = side.close().await;
            }
        }
        // A failed ROLLBACK (cancelled by the signal above) drops `tx`: sqlx
        // queues another, and the pool's return check sends it or closes
        // the connection.
        let _ = tx.rollback().await;
    }
}
