//! Database transactions over [sqlx] whose `COMMIT` and `ROLLBACK` are
//! *awaited*: `async with conn:` (features `sqlx-postgres`, `sqlx-sqlite`).
//!
//! ```no_run
//! use ctxmgr::with;
//! use sqlx::PgPool;
//!
//! async fn transfer(
//!     pool: &PgPool,
//!     from: i64,
//!     to: i64,
//!     amount: i64,
//! ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//!     with!(async { ctxmgr::sqlx::transaction(pool) } as tx, {
//!         // tx: &mut sqlx::Transaction<'static, Postgres>, as `pool.begin()` gives
//!         sqlx::query("UPDATE account SET balance = balance - $1 WHERE id = $2")
//!             .bind(amount)
//!             .bind(from)
//!             .execute(&mut **tx)
//!             .await?;
//!         sqlx::query("UPDATE account SET balance = balance + $1 WHERE id = $2")
//!             .bind(amount)
//!             .bind(to)
//!             .execute(&mut **tx)
//!             .await?;
//!     }); // COMMIT awaited here; a failed COMMIT is the error of `with!`
//!     Ok(())
//! }
//! ```
//!
//! # Inputs
//!
//! [`transaction`] takes
//!
//! | input | manager | `tx` in the body |
//! | --- | --- | --- |
//! | `&Pool<DB>` | [`PoolTransaction`]: acquires a connection, `BEGIN` | `&mut sqlx::Transaction<'static, DB>` |
//! | `&mut PgConnection`, `&mut SqliteConnection` | [`ConnectionTransaction`]: `BEGIN` | `&mut sqlx::Transaction<'c, DB>` |
//! | `&mut sqlx::Transaction<'c, DB>` (e.g. the `tx` of an outer `with!`) | [`ConnectionTransaction`]: `SAVEPOINT` | `&mut sqlx::Transaction<'_, DB>` |
//!
//! Each input has one concrete manager type, not one generic over
//! `sqlx::Acquire<'c>`: the futures of your async fns stay `Send`, so they can
//! be `tokio::spawn`ed.
//!
//! # What happens on each path
//!
//! | the body | ctxmgr |
//! | --- | --- |
//! | ends `Ok` (or `return`/`break` without an error) | `COMMIT` (`RELEASE SAVEPOINT`) awaited. A failed `COMMIT` (a deferred constraint, a serialization failure) is `with!`'s error, [`ErrorKind::Commit`]: never `Ok` |
//! | leaves by `?`, `return Err(..)` | `ROLLBACK` (`ROLLBACK TO SAVEPOINT`) awaited, then the body's error propagates unchanged |
//! | panics | `ROLLBACK` awaited, then the panic resumes with its own payload |
//! | `ROLLBACK` fails after `?` | the crate's exit-error rule: exit's error replaces the body's, so `with!` returns an [`ErrorKind::Rollback`] error that *carries* the body's error ([`Error::body_error`], and in its `Display`) |
//! | the future is dropped (a timeout, a lost `select!`) | see [Cancellation](#cancellation) |
//!
//! # Errors
//!
//! The manager's error is [`Error`]: it names the step that failed
//! ([`ErrorKind`]), keeps the driver's [`sqlx::Error`] (and with it the
//! SQLSTATE, [`Error::code`]) as its [`source`](std::error::Error::source),
//! converts into `Box<dyn Error + Send + Sync>` (or `anyhow::Error`) with `?`,
//! and back into [`sqlx::Error`] (without the step) for functions that return
//! `sqlx::Result`. [`Error::is_retryable`] tells a serialization failure or a
//! deadlock, to run the transaction again (the `transfer` example does).
//!
//! # Suppression
//!
//! To roll back and swallow chosen errors (Python's `suppress` inside a
//! `with conn:`), put [`crate::suppress`] *outside* the transaction: the
//! transaction sees the error and rolls back, then `suppress` swallows it.
//!
//! ```no_run
//! # async fn f(pool: &sqlx::PgPool) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use ctxmgr::with;
//! // A duplicate key rolls the insert back and is not an error of this function.
//! with!(
//!     ctxmgr::suppress(|e| e
//!         .downcast_ref::<sqlx::Error>()
//!         .and_then(|e| e.as_database_error())
//!         .is_some_and(|d| d.is_unique_violation())),
//!     async { ctxmgr::sqlx::transaction(pool) } as tx,
//!     {
//!         sqlx::query("INSERT INTO account VALUES (1, 0)")
//!             .execute(&mut **tx)
//!             .await?;
//!     }
//! );
//! # Ok(()) }
//! ```
//!
//! # Cancellation
//!
//! Rust has no async `Drop`, so when the future running `with!` is dropped,
//! nothing can be awaited. What the server sees then:
//!
//! * **`&Pool` input.** The manager's `drop_exit` takes the open
//!   `sqlx::Transaction` (which owns the pooled connection) into a task on the
//!   current tokio runtime. On PostgreSQL the task first asks the server to
//!   cancel whatever statement the connection is still running
//!   (`pg_cancel_backend(pid)`, sent from another connection of the pool, or a
//!   new one when none is idle), *then* awaits `ROLLBACK` on the connection,
//!   and only then lets it go back to the pool. The cancel is sent before the
//!   connection runs anything else, so it can only reach the abandoned
//!   statement or the task's own `ROLLBACK` (a `ROLLBACK` it cancels is
//!   repeated by sqlx's return-to-pool check, which closes the connection if
//!   that fails too). Nobody else gets the connection before it is out of
//!   the transaction. For this, entering a pooled PostgreSQL transaction
//!   costs one round trip more than `pool.begin()`: `SELECT
//!   pg_backend_pid()` after `BEGIN`. Dropped outside a tokio runtime, the
//!   transaction is dropped as sqlx would (its `ROLLBACK` queued for the
//!   pool's return check).
//! * **`BEGIN` in flight** (any input): sqlx 0.9 queues a `ROLLBACK` when
//!   `begin` is dropped; a pooled connection sends it when it is returned.
//!   On a bare connection sqlx would leave it in the connection's buffer
//!   until the next use (the server holding an empty open transaction until
//!   then, indefinitely if there is none): the manager keeps a pointer to
//!   the borrowed connection beside the `begin` future and, once that future
//!   is dropped, pushes the `ROLLBACK` onto the wire at once, as below.
//! * **`&mut` connection input.** The connection is borrowed, so no task can
//!   take it. sqlx's own drop only writes `ROLLBACK` into the connection's
//!   buffer (the server then stays `idle in transaction` until the next
//!   use); the manager's `drop_exit` writes it the same way and then pushes
//!   it onto the wire at once (sqlx's `flush`, polled once: it does not
//!   block). SQLite's connection runs on its own worker thread, which
//!   executes the `ROLLBACK` at once.
//! * **A statement still running on a bare PostgreSQL connection.** sqlx
//!   0.9 does not expose the connection's cancel key, so the protocol's
//!   cancel request cannot be sent, and `pg_cancel_backend(pid)` needs a
//!   second connection, whose credentials a bare connection does not give.
//!   Give them with
//!   [`cancel_with`](ConnectionTransaction::cancel_with)`(options)` (e.g.
//!   `pool.connect_options()`); then `drop_exit`, when the connection still
//!   waits for an answer (one read attempt tells, without blocking):
//!   1. opens a side connection on a thread of its own (with its own
//!      current-thread runtime: `drop_exit` may run on a tokio worker, which
//!      must not `block_on`) and runs `SELECT pg_cancel_backend(pid)`,
//!      waiting for its answer, bounded (1 s). The server has signalled the
//!      backend when it answers, so the cancel can only reach the abandoned
//!      statement, or find the backend idle (PostgreSQL then ignores it);
//!   2. reads the connection's pending answers until the abandoned
//!      statement has answered (its error, `57014`, is consumed there, not
//!      by your next statement). A cancel that reached the backend before it
//!      began the statement (still reading its `Parse`/`Bind`/`Execute`) is
//!      ignored by PostgreSQL: when no answer came within 50 ms, the cancel
//!      is sent again, for up to 1 s in all. Nothing else is queued
//!      meanwhile, so each can only reach the abandoned statement;
//!   3. only then queues the `ROLLBACK`, and reads its answer (bounded,
//!      1 s): when `drop_exit` returns the transaction is over and the
//!      connection idle, so its next statement neither meets a cancel nor
//!      reports anything of the dropped body.
//!
//!   The worker's other tasks (and the reactor that drives the
//!   connection's socket) move to another thread while `drop_exit` blocks
//!   (`tokio::task::block_in_place`).
//!   Measured (PostgreSQL 15, a loaded 2-core machine, debug build, worst
//!   over several runs): `drop_exit` blocks 4–25 ms (side connection,
//!   cancel, `ROLLBACK`); the backend is idle outside any transaction at
//!   most 29 ms after the drop for a `pg_sleep(1)`, 47 ms for an `INSERT`
//!   waiting for a lock held elsewhere; a drop while `BEGIN` is in flight
//!   leaves no transaction open after at most 8.1 ms, with no further use
//!   of the connection. The [Transactions chapter](crate::transactions)
//!   has the table.
//!
//!   [`Cancelled::statement`] tells what happened. If no answer comes at all
//!   within its bound, the `ROLLBACK` is queued anyway (after the statement).
//!   If the side connection fails, or the runtime is not a multi-thread one (on a current-thread
//!   runtime nobody drives the connection's socket while the thread
//!   blocks), nothing is sent: the statement runs to its end, then the
//!   `ROLLBACK` already on the wire. If the cancel was sent and the server
//!   has not answered within 1 s more, the `ROLLBACK` is queued anyway and
//!   the report says [`StatementCancel::Unconfirmed`]: a cancel landing
//!   later could then reach it or a later statement. (tokio-postgres's
//!   answer to that, `pg_terminate_backend` queued before the `ROLLBACK`,
//!   is not open to sqlx's public API, which cannot queue a statement
//!   behind one still running.) Without `cancel_with`, the statement runs
//!   to its end, then the `ROLLBACK`. The pool input needs none of this:
//!   its cleanup task cancels from another pooled connection.
//! * **`COMMIT` in flight**: its outcome is unknown (the server may have
//!   committed). [`on_cancel`](PoolTransaction::on_cancel) is told so with
//!   [`Cancelled::commit_outcome_unknown`]; check the data before retrying.
//!   A savepoint's `RELEASE` in flight, likewise; sqlx's drop of it then
//!   queues `ROLLBACK TO SAVEPOINT`, which fails because the savepoint was
//!   released. The enclosing transaction is rolled back all the same (or,
//!   if it goes on, its next statement fails: it cannot commit), but on a
//!   bare PostgreSQL connection that failure (`3B001`) is reported once by
//!   the connection's next statement after the transaction ended. With the
//!   pool, the cleanup task absorbs that failure and rolls back before the
//!   connection is reused (the pool's later statements are tested clean).
//!
//! The [Transactions chapter](crate::transactions) has the measurements.

// sqlx 0.9 needs Rust 1.94, so this feature does too (the README says so).
#![allow(clippy::incompatible_msrv)]

mod backend;
mod begin;
#[cfg(feature = "sqlx-postgres")]
mod cancel;
mod conn;
mod error;
mod options;
#[cfg(feature = "sqlx-postgres")]
mod pg;
mod pool;
#[cfg(feature = "sqlx-sqlite")]
mod sqlite;

pub use backend::{Backend, Input};
pub use conn::ConnectionTransaction;
pub use error::{is_retryable, Error, ErrorKind};
#[doc(hidden)]
pub use options::Options;
pub use options::{Cancelled, IsolationLevel, StatementCancel};
pub use pool::PoolTransaction;

/// A transaction on `input` as an async context manager: `BEGIN` on enter,
/// `COMMIT` awaited when the body ends `Ok`, `ROLLBACK` awaited otherwise.
///
/// `input` is a `&Pool<DB>`, a `&mut PgConnection` / `&mut SqliteConnection`,
/// or a `&mut sqlx::Transaction` (a savepoint). See the [module docs](self).
///
/// ```
/// use ctxmgr::with;
/// use sqlx::{Connection, SqliteConnection};
///
/// async fn log(conn: &mut SqliteConnection) -> Result<(), ctxmgr::sqlx::Error> {
///     with!(async { ctxmgr::sqlx::transaction(&mut *conn) } as tx, {
///         sqlx::query("INSERT INTO log VALUES ('outer')")
///             .execute(&mut **tx)
///             .await?;
///         // A SAVEPOINT: rolled back alone when its body fails.
///         let inner: Result<(), ctxmgr::sqlx::Error> = async {
///             with!(async { ctxmgr::sqlx::transaction(&mut *tx) } as sp, {
///                 sqlx::query("INSERT INTO log VALUES ('inner')")
///                     .execute(&mut **sp)
///                     .await?;
///                 sqlx::query("INSERT INTO nowhere VALUES (1)")
///                     .execute(&mut **sp)
///                     .await?;
///             });
///             Ok(())
///         }
///         .await;
///         assert!(inner.is_err());
///     }); // COMMIT: 'outer' is kept, 'inner' is not
///     Ok(())
/// }
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let mut conn = SqliteConnection::connect("sqlite::memory:").await?;
/// sqlx::query("CREATE TABLE log (line TEXT)")
///     .execute(&mut conn)
///     .await?;
/// log(&mut conn).await?;
/// let lines: Vec<String> = sqlx::query_scalar("SELECT line FROM log")
///     .fetch_all(&mut conn)
///     .await?;
/// assert_eq!(lines, ["outer"]);
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
/// # }).unwrap();
/// ```
#[must_use = "`transaction` does nothing until entered with `with!(async ..)`"]
pub fn transaction<I: Input>(input: I) -> I::Manager {
    input.manager()
}
