//! PostgreSQL: how `BEGIN` is spelled, and the cleanup after a drop.

use std::string::String;
use std::sync::Arc;

use sqlx::postgres::{PgConnectOptions, PgConnection, Postgres};
use sqlx::{Connection, Pool};

use super::backend::{sealed, Backend};
use super::cancel;
use super::error::Error;
use super::options::{Options, StatementCancel};

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

    /// `Arc<PgConnectOptions>`: a side connection's, to cancel from.
    type CancelWith = Arc<PgConnectOptions>;

    /// sqlx's own `Drop` only writes `ROLLBACK` into the connection's buffer,
    /// so the server would stay `idle in transaction` until the connection's
    /// next use. Queue it the same way, then push it out now
    /// ([`cancel::roll_back_now`]). With `cancel_with`, and a statement of
    /// the body that may still run, cancel it first
    /// ([`cancel::cancel_then_roll_back`]). Then forget the transaction: its
    /// `Drop` would queue a second rollback, a whole-transaction one for a
    /// savepoint. It owns nothing but the `&mut` borrow.
    fn abandon_borrowed(
        mut tx: sqlx::Transaction<'_, Self>,
        cancel: Option<(&Arc<PgConnectOptions>, &i32)>,
    ) -> Option<StatementCancel> {
        let statement = match cancel {
            Some((options, &pid)) if cancel::may_be_running(&mut tx) => {
                Some(cancel::cancel_then_roll_back(&mut tx, options, pid))
            }
            _ => {
                cancel::roll_back_now(&mut tx);
                None
            }
        };
        core::mem::forget(tx);
        statement
    }

    fn push_queued(conn: &mut PgConnection) {
        cancel::flush_once(conn);
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
