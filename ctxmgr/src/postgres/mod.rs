//! PostgreSQL transactions whose `COMMIT` and `ROLLBACK` are awaited, for
//! [`tokio_postgres`] (feature `tokio-postgres`).
//!
//! ```no_run
//! use ctxmgr::postgres::{
//!     self,
//!     tokio_postgres::{self, NoTls},
//! };
//! use ctxmgr::with;
//!
//! type BoxError = Box<dyn std::error::Error + Send + Sync>;
//!
//! async fn transfer(
//!     client: &mut tokio_postgres::Client,
//!     from: i32,
//!     to: i32,
//!     amount: i64,
//! ) -> Result<(), BoxError> {
//!     with!(async { postgres::transaction(&mut *client) } as tx, {
//!         // `tx` is a `&mut tokio_postgres::Transaction<'_>`
//!         tx.execute(
//!             "UPDATE account SET balance = balance - $1 WHERE id = $2",
//!             &[&amount, &from],
//!         )
//!         .await?;
//!         tx.execute(
//!             "UPDATE account SET balance = balance + $1 WHERE id = $2",
//!             &[&amount, &to],
//!         )
//!         .await?;
//!         // A savepoint: RELEASE on Ok, ROLLBACK TO on an error, both awaited.
//!         with!(async { postgres::transaction(&mut *tx) } as sp, {
//!             sp.execute("INSERT INTO audit (note) VALUES ('transfer')", &[])
//!                 .await?;
//!         });
//!     });
//!     Ok(())
//! }
//!
//! # async fn demo() -> Result<(), BoxError> {
//! let (mut client, connection) =
//!     tokio_postgres::connect("host=localhost user=postgres", NoTls).await?;
//! tokio::spawn(connection);
//! transfer(&mut client, 1, 2, 30).await?; // COMMIT awaited; a refused COMMIT is the error
//! # Ok(()) }
//! ```
//!
//! # What happens on each path
//!
//! `tokio_postgres::Transaction` alone can only *queue* a `ROLLBACK` when it
//! is dropped: its result is lost, and a statement still running on the
//! server goes on holding its locks. [`transaction`] awaits the end of the
//! transaction on every path `with!` sees, and handles the one it cannot see
//! (the future dropped) as below.
//!
//! | how the body ends | the driver alone (`client.transaction()`, dropped or committed by hand) | `with!(async postgres::transaction(..) ..)` |
//! | --- | --- | --- |
//! | falls off the end | you must call `commit().await` yourself | `COMMIT` awaited; a refused `COMMIT` (a deferred constraint, a serialization failure, a transaction an ignored error had aborted) is `with!`'s error, never `Ok` |
//! | `?`, `return Err(..)` | `ROLLBACK` queued by `Drop`, not awaited; its error is lost | `ROLLBACK` awaited, then the body's error comes out unchanged; a failed `ROLLBACK` is the error, its message carries the body's |
//! | panic | `ROLLBACK` queued while unwinding | `ROLLBACK` awaited, then the panic resumes with its own payload |
//! | the future is dropped while `BEGIN` is in flight | `ROLLBACK` queued | the same (nothing had begun for the body) |
//! | the future is dropped mid-body (a timeout, a lost `select!`) | `ROLLBACK` queued; a statement in flight runs on to its end on the server | a **cancel request** is sent and confirmed, *then* `ROLLBACK` is queued, before `drop_exit` returns (see [Cancellation](#cancellation)) |
//! | the future is dropped while `COMMIT` is in flight | unknown outcome, not reported | unknown outcome, **reported** to [`on_drop`](Transaction::on_drop) as [`Dropped::CommitUnknown`]; the connection is left outside any transaction |
//! | the connection dies mid-body or during `COMMIT` | errors | an error, never `Ok`; the server rolls back what was not committed |
//!
//! Measured with PostgreSQL 15 on a loaded 2-core machine, multi-thread
//! runtime, timed from the drop (the timeout's deadline) until a second
//! connection sees no backend of ours running, `idle in transaction` or
//! holding a transaction id (`tests/tests/postgres.rs`,
//! `baseline_the_driver_alone_vs_ctxmgr` prints it):
//!
//! | dropped while | the driver alone | ctxmgr |
//! | --- | --- | --- |
//! | the body awaits a timer | 5–18 ms | 3–14 ms |
//! | a 2 s statement runs | 1.9 s (the statement runs to its end, holding its locks) | 1–22 ms (cancelled, then rolled back) |
//!
//! On the first row both columns are mostly the polling and the loaded
//! machine's scheduling: the `ROLLBACK` is queued at once in both (the
//! driver alone measured 0.3–0.4 ms on an idle machine). The cancel
//! request's round trip, which blocks `drop_exit`, took 2–17 ms there; dropping the future after each of its polls in turn left nothing
//! open after at most 16 ms (the bound the tests hold it to is 300 ms; 1 s
//! for a running statement to be cancelled).
//!
//! # Cancellation
//!
//! Rust cannot await anything in `Drop`, so when the `with!` future is
//! dropped mid-body the guard calls
//! [`drop_exit`](crate::AsyncContextManager::drop_exit), which does, in order
//! and synchronously:
//!
//! 1. sends PostgreSQL's cancel request for the connection, over a new
//!    connection to the server, TCP or its Unix socket (blocking, bounded:
//!    0.5 s to connect and 0.5 s for the server to close it, a few
//!    milliseconds on a local network; no runtime is needed for it), and
//!    waits until the server closes that connection: the server closes it
//!    only after it has signalled the backend, so the cancel can only hit a
//!    statement that was queued before;
//! 2. queues `ROLLBACK` (`ROLLBACK TO` for a savepoint) on the connection,
//!    as the driver's own `Drop` does. The connection task sends it at once;
//!    the backend runs it as soon as the cancelled statement has stopped.
//!    (On a current-thread runtime the connection task runs when the thread
//!    is free again: if the thread blocks after the drop, the transaction
//!    stays open, its statement already cancelled, until then.)
//!
//! So a cancel request never reaches a later statement of the connection:
//! the next statement you send is queued after the `ROLLBACK`, which is
//! queued after the cancel took effect. If the server accepted the cancel
//! request but did not confirm it in time, nothing can rule out that it
//! lands later: then the manager also queues
//! `SELECT pg_terminate_backend(pg_backend_pid())` *before* the `ROLLBACK`,
//! ending the session (the server rolls back), so that a late cancel finds
//! no statement of yours to hit; the connection then reports closed. (If the
//! cancel never arrives, the running statement ends first, then the session.)
//!
//! The cancel request goes to the address the server reports for the
//! connection (`inet_server_addr()`, `inet_server_port()`; over a Unix
//! socket, its first `unix_socket_directories` and `port`; asked once per
//! connection and cached). Behind a proxy or a port mapping that address may
//! not be the one you connected to: give the right one with
//! [`cancel_address`](Transaction::cancel_address). (Through a pooler such as
//! PgBouncer, the connection that closes is the pooler's, which forwards the
//! request on its own: the confirmation then vouches for the pooler only.)
//! When there is no address, or it cannot be reached, no cancel request is
//! sent: the statement runs to its end, then the `ROLLBACK` runs.
//! [`Dropped::RolledBack`] tells which case happened.
//!
//! A `COMMIT` in flight when the future is dropped has an **unknown
//! outcome**: the server may have committed or not, and nobody is left to
//! read its answer. The manager does not cancel it; it reports
//! [`Dropped::CommitUnknown`] to the [`on_drop`](Transaction::on_drop)
//! callback, and queues a `ROLLBACK` after it (a no-op warning when the
//! `COMMIT` ended the transaction), so the connection is never used again
//! inside it. Check the data (an idempotency key, a row you can look up) to
//! know which happened.
//!
//! # Errors
//!
//! Enter and exit fail with [`Error`], which is `Send + Sync + 'static`, so
//! `?` converts it into `Box<dyn Error + Send + Sync>` (or `anyhow::Error`),
//! and whose [`source`](std::error::Error::source) is the
//! [`tokio_postgres::Error`], SQLSTATE included ([`Error::code`]). When the
//! body fails and `ROLLBACK` succeeds, the body's error comes out unchanged.
//! When `ROLLBACK` fails too, the crate's rule applies: exit's error replaces
//! the body's, and this one's message carries the body's error. A panic
//! resumes with its own payload.
//!
//! # Suppression
//!
//! Python's `with suppress(E): with conn: ...` rolls back and swallows `E`.
//! Put [`ctxmgr::suppress`](crate::suppress) *outside* the transaction: the
//! transaction's exit sees the error and rolls back, then `suppress` swallows
//! it and `with!` evaluates to `Default::default()`:
//!
//! ```no_run
//! # use ctxmgr::postgres::{self, tokio_postgres};
//! # use ctxmgr::with;
//! # async fn demo(client: &mut tokio_postgres::Client) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! use tokio_postgres::error::SqlState;
//! let inserted: u64 = with!(
//!     ctxmgr::suppress(|e| e
//!         .downcast_ref::<tokio_postgres::Error>()
//!         .is_some_and(|e| e.code() == Some(&SqlState::UNIQUE_VIOLATION))),
//!     async { postgres::transaction(&mut *client) } as tx,
//!     {
//!         tx.execute("INSERT INTO account (id, balance) VALUES (1, 0)", &[])
//!             .await?
//!     }
//! ); // 0 when the row was there: rolled back, error swallowed
//! # let _ = inserted; Ok(()) }
//! ```
//!
//! # `Send`
//!
//! One concrete manager type per input ([`Transaction`] for a `&mut Client`,
//! [`Savepoint`] for a `&mut tokio_postgres::Transaction`), so a future using
//! `with!(async postgres::transaction(..) ..)` is `Send` and can be
//! `tokio::spawn`ed.
//!
//! Needs Rust 1.85, tokio-postgres 0.7.18's minimum.

mod cancel;
mod error;
mod report;
mod transaction;

pub use tokio_postgres;
use tokio_postgres::Client;

pub use error::Error;
pub use report::{CancelRequest, CancelTarget, Dropped};
pub use transaction::{Savepoint, Transaction};

/// A transaction (on a `&mut Client`) or a savepoint (on a
/// `&mut tokio_postgres::Transaction`) as an async context manager.
///
/// * Enter runs `BEGIN` (`START TRANSACTION` with the options of the
///   builder methods; without them, the session's defaults apply), or
///   `SAVEPOINT`, and binds `&mut tokio_postgres::Transaction<'_>`.
/// * Exit on [`Outcome::Ok`](crate::Outcome::Ok) awaits `COMMIT` (`RELEASE`); on any other
///   outcome, `ROLLBACK` (`ROLLBACK TO`).
/// * Dropped mid-body, it cancels the running statement and queues the
///   rollback; see the [module docs](self#cancellation).
///
/// A manager is used once: enter it again and it panics.
///
/// ```no_run
/// use ctxmgr::postgres::{
///     self,
///     tokio_postgres::{Client, IsolationLevel},
/// };
/// use ctxmgr::with;
///
/// async fn count(client: &mut Client) -> Result<i64, Box<dyn std::error::Error + Send + Sync>> {
///     let n = with!(
///         async {
///             postgres::transaction(&mut *client)
///                 .isolation_level(IsolationLevel::Serializable)
///                 .read_only(true)
///                 .deferrable(true)
///         } as tx,
///         {
///             tx.query_one("SELECT count(*) FROM account", &[])
///                 .await?
///                 .get::<_, i64>(0)
///         }
///     );
///     Ok(n)
/// }
/// ```
#[must_use = "`transaction` does nothing until entered, e.g. with `with!(async ..)`"]
pub fn transaction<B: Begin>(on: B) -> B::Manager {
    on.manager()
}

/// What [`transaction`] accepts: `&mut Client` (a transaction) and
/// `&mut tokio_postgres::Transaction` (a savepoint). Sealed.
pub trait Begin: sealed::Sealed {
    /// The manager for this input.
    type Manager;
    /// Makes the manager ([`transaction`] calls this).
    fn manager(self) -> Self::Manager;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for &mut super::Client {}
    impl Sealed for &mut super::tokio_postgres::Transaction<'_> {}
}

impl<'c> Begin for &'c mut Client {
    type Manager = Transaction<'c>;
    fn manager(self) -> Transaction<'c> {
        Transaction::new(self)
    }
}

impl<'t, 'c> Begin for &'t mut tokio_postgres::Transaction<'c> {
    type Manager = Savepoint<'t, 'c>;
    fn manager(self) -> Savepoint<'t, 'c> {
        Savepoint::new(self)
    }
}
