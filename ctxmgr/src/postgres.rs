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

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::boxed::Box;
use std::io::{self, Read as _, Write as _};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::string::{String, ToString};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use std::vec::Vec;

pub use tokio_postgres;
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::{ChannelBinding, TlsConnect, TlsStream};
use tokio_postgres::{CancelToken, Client, IsolationLevel};

use crate::{AsyncContextManager, Outcome};

/// A transaction (on a `&mut Client`) or a savepoint (on a
/// `&mut tokio_postgres::Transaction`) as an async context manager.
///
/// * Enter runs `BEGIN` (`START TRANSACTION` with the options of the
///   builder methods; without them, the session's defaults apply), or
///   `SAVEPOINT`, and binds `&mut tokio_postgres::Transaction<'_>`.
/// * Exit on [`Outcome::Ok`] awaits `COMMIT` (`RELEASE`); on any other
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
        Transaction {
            client: Some(self),
            tx: None,
            isolation_level: None,
            read_only: None,
            deferrable: None,
            core: Core::default(),
        }
    }
}

impl<'t, 'c> Begin for &'t mut tokio_postgres::Transaction<'c> {
    type Manager = Savepoint<'t, 'c>;
    fn manager(self) -> Savepoint<'t, 'c> {
        Savepoint {
            outer: Some(self),
            sp: None,
            core: Core::default(),
        }
    }
}

/// What happened when the `with!` future was dropped before exit ended,
/// passed to the [`on_drop`](Transaction::on_drop) callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dropped {
    /// Dropped mid-body: the cancel request went as `cancel` says, then
    /// `ROLLBACK` (`ROLLBACK TO`) was queued. Nothing of the body commits.
    RolledBack {
        /// What became of the cancel request.
        cancel: CancelRequest,
    },
    /// Dropped while `COMMIT` (`RELEASE`) was in flight: the server may or
    /// may not have committed. The connection is left outside the
    /// transaction either way.
    CommitUnknown,
    /// Dropped while exit's `ROLLBACK` (`ROLLBACK TO`) was in flight: it runs
    /// to its end on its own; nothing commits.
    RollbackInFlight,
}

/// What became of the cancel request sent when the future was dropped
/// mid-body (see [`Dropped::RolledBack`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelRequest {
    /// The server received it and signalled the backend before the
    /// `ROLLBACK` was queued: it could only hit a statement of the dropped
    /// body (or nothing, if the backend was idle).
    Confirmed {
        /// How long the exchange blocked `drop_exit`.
        took: Duration,
    },
    /// Not sent: the server named no address to send it to. A statement in
    /// flight runs to its end; the `ROLLBACK` follows it.
    NoAddress,
    /// Not sent: connecting to `address` failed (the message says why). A
    /// statement in flight runs to its end; the `ROLLBACK` follows it.
    Failed {
        /// Where it was sent.
        address: CancelTarget,
        /// The I/O error.
        error: String,
    },
    /// Sent, but the server did not confirm it in time, so it could still
    /// land later: the session was ended with
    /// `pg_terminate_backend(pg_backend_pid())` queued before the `ROLLBACK`,
    /// so that it cannot hit a later statement. The connection is closed.
    Unconfirmed {
        /// Where it was sent.
        address: CancelTarget,
    },
}

/// Where a cancel request goes: the server's TCP address, or its Unix
/// socket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelTarget {
    /// A TCP address.
    Tcp(SocketAddr),
    /// The path of a Unix socket (`<dir>/.s.PGSQL.<port>`).
    Unix(PathBuf),
}

impl fmt::Display for CancelTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelTarget::Tcp(a) => a.fmt(f),
            CancelTarget::Unix(p) => p.display().fmt(f),
        }
    }
}

impl From<SocketAddr> for CancelTarget {
    fn from(address: SocketAddr) -> Self {
        CancelTarget::Tcp(address)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Stage {
    #[default]
    Idle,
    Body,
    Committing,
    RollingBack,
    Done,
}

/// What both managers share: the stage, the cancel target, the callback.
#[derive(Default)]
struct Core<'c> {
    stage: Stage,
    /// The backend's cancel key and where to send it; `None` address when
    /// there is none.
    cancel: Option<(Key, Option<CancelTarget>)>,
    cancel_address: Option<CancelTarget>,
    on_drop: Option<Box<dyn FnOnce(Dropped) + Send + 'c>>,
}

impl fmt::Debug for Core<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("stage", &self.stage)
            .field("cancel_to", &self.cancel.as_ref().map(|(_, a)| a))
            .field("on_drop", &self.on_drop.is_some())
            .finish()
    }
}

impl Core<'_> {
    /// Finds the backend's cancel key and the address to send it to
    /// (asking the server once per connection).
    async fn locate(
        &mut self,
        token: &CancelToken,
        ask: impl AsyncAsk,
        op: Op,
    ) -> Result<(), Error> {
        let Some(key) = Key::of(token) else {
            return Ok(());
        };
        let address = match &self.cancel_address {
            Some(a) => Some(a.clone()),
            None => match cached_address(key) {
                Some(a) => a,
                None => {
                    let a = ask.ask().await.map_err(|e| Error::new(op, e, None))?;
                    remember_address(key, a.clone());
                    a
                }
            },
        };
        self.cancel = Some((key, address));
        Ok(())
    }

    /// The synchronous half of cancellation: sends the cancel request and
    /// waits for the server to confirm it (see [`Key::cancel`]).
    fn cancel_running(&self) -> CancelRequest {
        match &self.cancel {
            Some((key, Some(address))) => key.cancel(address),
            _ => CancelRequest::NoAddress,
        }
    }

    fn report(&mut self, dropped: Dropped) {
        self.stage = Stage::Done;
        if let Some(f) = self.on_drop.take() {
            f(dropped);
        }
    }
}

/// The one query [`Core::locate`] needs, from a client or a transaction.
trait AsyncAsk {
    fn ask(self) -> impl Future<Output = Result<Option<CancelTarget>, tokio_postgres::Error>>;
}

/// The connection's server address; over a Unix socket (no address), the
/// server's first socket folder and port.
const ASK_ADDRESS: &str = "SELECT host(inet_server_addr()), inet_server_port(), \
     current_setting('unix_socket_directories'), current_setting('port')";

fn parse_address(row: &tokio_postgres::Row) -> Option<CancelTarget> {
    let host: Option<String> = row.get(0);
    let port: Option<i32> = row.get(1);
    if let (Some(host), Some(port)) = (host, port) {
        let ip: IpAddr = host.parse().ok()?;
        return Some(CancelTarget::Tcp(SocketAddr::new(
            ip,
            u16::try_from(port).ok()?,
        )));
    }
    // A Unix socket: the first folder that is a path (not `@abstract`).
    let dirs: String = row.get(2);
    let port: String = row.get(3);
    let dir = dirs
        .split(',')
        .map(str::trim)
        .find(|d| d.starts_with('/'))?;
    Some(CancelTarget::Unix(
        PathBuf::from(dir).join(std::format!(".s.PGSQL.{}", port.trim())),
    ))
}

impl AsyncAsk for &Client {
    async fn ask(self) -> Result<Option<CancelTarget>, tokio_postgres::Error> {
        Ok(parse_address(&self.query_one(ASK_ADDRESS, &[]).await?))
    }
}

impl AsyncAsk for &tokio_postgres::Transaction<'_> {
    async fn ask(self) -> Result<Option<CancelTarget>, tokio_postgres::Error> {
        Ok(parse_address(&self.query_one(ASK_ADDRESS, &[]).await?))
    }
}

/// The manager [`transaction`] returns for a `&mut Client`.
pub struct Transaction<'c> {
    client: Option<&'c mut Client>,
    tx: Option<tokio_postgres::Transaction<'c>>,
    isolation_level: Option<IsolationLevel>,
    read_only: Option<bool>,
    deferrable: Option<bool>,
    core: Core<'c>,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("open", &self.tx.is_some())
            .field("isolation_level", &self.isolation_level)
            .field("read_only", &self.read_only)
            .field("deferrable", &self.deferrable)
            .field("core", &self.core)
            .finish()
    }
}

impl<'c> Transaction<'c> {
    /// `ISOLATION LEVEL ..` for the transaction.
    #[must_use]
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation_level = Some(level);
        self
    }

    /// `READ ONLY` (`true`) or `READ WRITE` (`false`).
    #[must_use]
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = Some(read_only);
        self
    }

    /// `DEFERRABLE` (`true`) or `NOT DEFERRABLE` (`false`); PostgreSQL honours
    /// it for `SERIALIZABLE READ ONLY` transactions.
    #[must_use]
    pub fn deferrable(mut self, deferrable: bool) -> Self {
        self.deferrable = Some(deferrable);
        self
    }

    /// Where to send the cancel request if the future is dropped mid-body,
    /// instead of the address the server reports (behind a proxy or a port
    /// mapping): a `SocketAddr`, or a [`CancelTarget`] (a Unix socket's
    /// path). See [Cancellation](self#cancellation).
    #[must_use]
    pub fn cancel_address(mut self, address: impl Into<CancelTarget>) -> Self {
        self.core.cancel_address = Some(address.into());
        self
    }

    /// Called by `drop_exit` when the `with!` future is dropped before exit
    /// ended, with what was done: above all, [`Dropped::CommitUnknown`] when
    /// a `COMMIT` was in flight. Runs synchronously inside a `Drop`: keep it
    /// short (record, log, send on a channel).
    ///
    /// ```no_run
    /// # use ctxmgr::postgres::{self, Dropped, tokio_postgres::Client};
    /// # use ctxmgr::with;
    /// # async fn demo(client: &mut Client) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// let (report, reports) = std::sync::mpsc::channel();
    /// let work = async {
    ///     with!(
    ///         async {
    ///             postgres::transaction(&mut *client).on_drop(move |d| {
    ///                 let _ = report.send(d);
    ///             })
    ///         } as tx,
    ///         {
    ///             tx.execute("UPDATE account SET balance = 0", &[]).await?;
    ///         }
    ///     );
    ///     Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    /// };
    /// if tokio::time::timeout(std::time::Duration::from_millis(50), work)
    ///     .await
    ///     .is_err()
    /// {
    ///     if let Ok(Dropped::CommitUnknown) = reports.try_recv() {
    ///         // look the data up: did the COMMIT happen?
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn on_drop(mut self, report: impl FnOnce(Dropped) + Send + 'c) -> Self {
        self.core.on_drop = Some(Box::new(report));
        self
    }
}

impl<'c> AsyncContextManager for Transaction<'c> {
    type Value<'a>
        = &'a mut tokio_postgres::Transaction<'c>
    where
        Self: 'a;
    type Error = Error;

    async fn enter(&mut self) -> Result<&mut tokio_postgres::Transaction<'c>, Error> {
        let client = self
            .client
            .take()
            .expect("a ctxmgr::postgres::Transaction is entered once; call `transaction` again");
        self.core
            .locate(&client.cancel_token(), &*client, Op::Begin)
            .await?;
        let mut builder = client.build_transaction();
        if let Some(level) = self.isolation_level {
            builder = builder.isolation_level(level);
        }
        if let Some(read_only) = self.read_only {
            builder = builder.read_only(read_only);
        }
        if let Some(deferrable) = self.deferrable {
            builder = builder.deferrable(deferrable);
        }
        // Dropped while `BEGIN` is in flight, the driver's builder queues a
        // `ROLLBACK` itself.
        let tx = builder
            .start()
            .await
            .map_err(|e| Error::new(Op::Begin, e, None))?;
        self.core.stage = Stage::Body;
        Ok(self.tx.insert(tx))
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {
        let Some(tx) = self.tx.as_mut() else {
            return Ok(());
        };
        if outcome.is_ok() {
            self.core.stage = Stage::Committing;
            // `SELECT 1` first: in a transaction an ignored error aborted,
            // it fails and the COMMIT is not run (a COMMIT there would roll
            // back and report success). The transaction stays in place, so a
            // drop mid-COMMIT still queues a ROLLBACK after it.
            match tx.batch_execute("SELECT 1; COMMIT").await {
                Ok(()) => {
                    // Committed: its `Drop` must not queue a ROLLBACK. A
                    // top-level driver transaction owns no heap memory, so
                    // forgetting it leaks nothing.
                    if let Some(tx) = self.tx.take() {
                        core::mem::forget(tx);
                    }
                    self.core.stage = Stage::Done;
                    Ok(())
                }
                Err(e) => {
                    // Refused: a failed COMMIT ended the transaction (then
                    // this ROLLBACK is a no-op warning); a failed `SELECT 1`
                    // left it aborted (then this ends it).
                    self.core.stage = Stage::RollingBack;
                    if let Some(tx) = self.tx.take() {
                        let _ = tx.rollback().await;
                    }
                    self.core.stage = Stage::Done;
                    Err(Error::new(Op::Commit, e, None))
                }
            }
        } else {
            self.core.stage = Stage::RollingBack;
            let tx = self.tx.take().expect("checked above");
            let rolled_back = tx.rollback().await;
            self.core.stage = Stage::Done;
            rolled_back.map_err(|e| Error::new(Op::Rollback, e, Some(describe(&outcome))))
        }
    }

    fn drop_exit(&mut self, _outcome: Outcome<'_>) {
        let dropped = match self.core.stage {
            Stage::Body => {
                let cancel = self.core.cancel_running();
                if matches!(cancel, CancelRequest::Unconfirmed { .. }) {
                    if let Some(tx) = self.tx.as_ref() {
                        queue(tx.batch_execute(TERMINATE));
                    }
                }
                // The driver's `Drop` queues the ROLLBACK.
                self.tx = None;
                Dropped::RolledBack { cancel }
            }
            Stage::Committing => {
                self.tx = None;
                Dropped::CommitUnknown
            }
            Stage::RollingBack => Dropped::RollbackInFlight,
            Stage::Idle | Stage::Done => return,
        };
        self.core.report(dropped);
    }
}

/// The manager [`transaction`] returns for a `&mut tokio_postgres::Transaction`:
/// a `SAVEPOINT`, released on `Ok` and rolled back to otherwise.
pub struct Savepoint<'t, 'c> {
    outer: Option<&'t mut tokio_postgres::Transaction<'c>>,
    sp: Option<tokio_postgres::Transaction<'t>>,
    core: Core<'t>,
}

impl fmt::Debug for Savepoint<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Savepoint")
            .field("open", &self.sp.is_some())
            .field("core", &self.core)
            .finish()
    }
}

impl<'t> Savepoint<'t, '_> {
    /// As [`Transaction::cancel_address`].
    #[must_use]
    pub fn cancel_address(mut self, address: impl Into<CancelTarget>) -> Self {
        self.core.cancel_address = Some(address.into());
        self
    }

    /// As [`Transaction::on_drop`]; [`Dropped::CommitUnknown`] means a
    /// `RELEASE` was in flight.
    #[must_use]
    pub fn on_drop(mut self, report: impl FnOnce(Dropped) + Send + 't) -> Self {
        self.core.on_drop = Some(Box::new(report));
        self
    }
}

impl<'t> AsyncContextManager for Savepoint<'t, '_> {
    type Value<'a>
        = &'a mut tokio_postgres::Transaction<'t>
    where
        Self: 'a;
    type Error = Error;

    async fn enter(&mut self) -> Result<&mut tokio_postgres::Transaction<'t>, Error> {
        let outer = self
            .outer
            .take()
            .expect("a ctxmgr::postgres::Savepoint is entered once; call `transaction` again");
        self.core
            .locate(&outer.cancel_token(), &*outer, Op::Savepoint)
            .await?;
        let sp = outer
            .transaction()
            .await
            .map_err(|e| Error::new(Op::Savepoint, e, None))?;
        self.core.stage = Stage::Body;
        Ok(self.sp.insert(sp))
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {
        let Some(sp) = self.sp.take() else {
            return Ok(());
        };
        if outcome.is_ok() {
            // RELEASE fails in a subtransaction an ignored error aborted: the
            // error says so, and the outer transaction stays aborted (its
            // COMMIT is then refused too).
            self.core.stage = Stage::Committing;
            let released = sp.commit().await;
            self.core.stage = Stage::Done;
            released.map_err(|e| Error::new(Op::Release, e, None))
        } else {
            self.core.stage = Stage::RollingBack;
            let rolled_back = sp.rollback().await;
            self.core.stage = Stage::Done;
            rolled_back.map_err(|e| Error::new(Op::RollbackTo, e, Some(describe(&outcome))))
        }
    }

    fn drop_exit(&mut self, _outcome: Outcome<'_>) {
        let dropped = match self.core.stage {
            Stage::Body => {
                let cancel = self.core.cancel_running();
                if matches!(cancel, CancelRequest::Unconfirmed { .. }) {
                    if let Some(sp) = self.sp.as_ref() {
                        queue(sp.batch_execute(TERMINATE));
                    }
                }
                self.sp = None; // queues ROLLBACK TO
                Dropped::RolledBack { cancel }
            }
            Stage::Committing => Dropped::CommitUnknown,
            Stage::RollingBack => Dropped::RollbackInFlight,
            Stage::Idle | Stage::Done => return,
        };
        self.core.report(dropped);
    }
}

const TERMINATE: &str = "SELECT pg_terminate_backend(pg_backend_pid())";

fn describe(outcome: &Outcome<'_>) -> String {
    match outcome.error() {
        Some(e) => e.to_string(),
        None if outcome.is_panic() => "the body panicked".into(),
        None => "the body did not finish".into(),
    }
}

/// Polls a driver request future once, which sends its request to the
/// connection task, and drops it: the statement is queued, its answer
/// ignored.
fn queue<F: Future>(request: F) {
    let mut request = core::pin::pin!(request);
    let _ = request
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
}

// ---------------------------------------------------------------------------
// The cancel request, sent and confirmed synchronously.

/// A backend's cancel key: its process id and secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Key {
    packet: [u8; 16],
}

impl Key {
    /// The key inside `token`: the driver writes its cancel request into a
    /// stream held in memory (no I/O; the future is ready at its first
    /// poll), whose last 16 bytes are the request.
    fn of(token: &CancelToken) -> Option<Key> {
        let capture = Capture::default();
        let request = token.cancel_query_raw(capture.clone(), Capture::default());
        let mut request = core::pin::pin!(request);
        match request
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(Ok(())) => {}
            _ => return None,
        }
        let written = capture.0.lock().ok()?;
        let tail = written.get(written.len().checked_sub(16)?..)?;
        // Int32 16, Int32 80877102, Int32 pid, Int32 secret.
        if tail[..8] != [0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e] {
            return None;
        }
        let mut packet = [0; 16];
        packet.copy_from_slice(tail);
        Some(Key { packet })
    }

    /// Sends the cancel request to `address` and waits until the server
    /// closes the connection, which it does after signalling the backend.
    fn cancel(&self, address: &CancelTarget) -> CancelRequest {
        const CONNECT: Duration = Duration::from_millis(500);
        const CONFIRM: Duration = Duration::from_millis(500);
        let began = Instant::now();
        let failed = |e: io::Error| CancelRequest::Failed {
            address: address.clone(),
            error: e.to_string(),
        };
        let unconfirmed = || CancelRequest::Unconfirmed {
            address: address.clone(),
        };
        let mut stream = match address {
            CancelTarget::Tcp(a) => match TcpStream::connect_timeout(a, CONNECT) {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    Stream::Tcp(s)
                }
                Err(e) => return failed(e),
            },
            #[cfg(unix)]
            CancelTarget::Unix(path) => match std::os::unix::net::UnixStream::connect(path) {
                Ok(s) => Stream::Unix(s),
                Err(e) => return failed(e),
            },
            #[cfg(not(unix))]
            CancelTarget::Unix(_) => {
                return failed(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "no Unix sockets on this platform",
                ))
            }
        };
        if stream.write_all(&self.packet).is_err() {
            // Perhaps partly written: treat as sent.
            return unconfirmed();
        }
        stream.shutdown_write();
        let deadline = Instant::now() + CONFIRM;
        let mut buf = [0u8; 64];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || stream.set_read_timeout(left).is_err() {
                return unconfirmed();
            }
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Reset by the server: closed, as well.
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break,
                Err(_) => return unconfirmed(),
            }
        }
        CancelRequest::Confirmed {
            took: began.elapsed(),
        }
    }
}

/// The cancel request's connection.
enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

impl Stream {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.write_all(data),
            #[cfg(unix)]
            Stream::Unix(s) => s.write_all(data),
        }
    }
    fn shutdown_write(&self) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            #[cfg(unix)]
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        };
    }
    fn set_read_timeout(&self, timeout: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(Some(timeout)),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_read_timeout(Some(timeout)),
        }
    }
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
        }
    }
}

/// Where the cancel request of a backend goes, by key: asked once per
/// connection. A few dozen entries; the oldest go first.
static ADDRESSES: Mutex<Vec<(Key, Option<CancelTarget>)>> = Mutex::new(Vec::new());

fn cached_address(key: Key) -> Option<Option<CancelTarget>> {
    let cache = ADDRESSES.lock().ok()?;
    cache
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, a)| a.clone())
}

fn remember_address(key: Key, address: Option<CancelTarget>) {
    if let Ok(mut cache) = ADDRESSES.lock() {
        if cache.len() >= 64 {
            cache.remove(0);
        }
        cache.push((key, address.clone()));
    }
}

/// An in-memory stream that keeps what is written and answers `S` to the
/// TLS request, and a "TLS" connector that returns it unchanged: the driver
/// then writes its cancel request in the clear into it, whatever the
/// connection's `sslmode`.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl ::tokio::io::AsyncRead for Capture {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ::tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() > 0 {
            buf.put_slice(b"S");
        }
        Poll::Ready(Ok(()))
    }
}

impl ::tokio::io::AsyncWrite for Capture {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Ok(mut written) = self.0.lock() {
            written.extend_from_slice(data);
        }
        Poll::Ready(Ok(data.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl TlsStream for Capture {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl TlsConnect<Capture> for Capture {
    type Stream = Capture;
    type Error = io::Error;
    type Future = core::future::Ready<io::Result<Capture>>;
    fn connect(self, stream: Capture) -> Self::Future {
        core::future::ready(Ok(stream))
    }
}

// ---------------------------------------------------------------------------
// Errors

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackTo,
    Statement,
}

/// The error of [`Transaction`] and [`Savepoint`]: which step failed, and
/// the [`tokio_postgres::Error`] as its [`source`](std::error::Error::source).
///
/// ```
/// fn assert_boxable<E: std::error::Error + Send + Sync + 'static>() {}
/// assert_boxable::<ctxmgr::postgres::Error>();
/// ```
#[derive(Debug)]
pub struct Error {
    op: Op,
    source: tokio_postgres::Error,
    /// The body's error, when a rollback after it failed.
    body: Option<String>,
}

impl Error {
    fn new(op: Op, source: tokio_postgres::Error, body: Option<String>) -> Self {
        Error { op, source, body }
    }

    /// The SQLSTATE of the server's error, if the server sent one
    /// (`SqlState::T_R_SERIALIZATION_FAILURE` for a refused `SERIALIZABLE`
    /// COMMIT, for example).
    #[must_use]
    pub fn code(&self) -> Option<&SqlState> {
        self.source.code()
    }

    /// The driver's error.
    #[must_use]
    pub fn driver(&self) -> &tokio_postgres::Error {
        &self.source
    }

    /// The driver's error, by value.
    #[must_use]
    pub fn into_driver(self) -> tokio_postgres::Error {
        self.source
    }

    /// `true` when `COMMIT` (or a savepoint's `RELEASE`) failed: nothing of
    /// the body was committed.
    #[must_use]
    pub fn is_commit(&self) -> bool {
        matches!(self.op, Op::Commit | Op::Release)
    }

    /// `true` when `ROLLBACK` (or `ROLLBACK TO`) failed after the body failed;
    /// the body's error is then in the message ([`body_error`](Self::body_error)).
    #[must_use]
    pub fn is_rollback(&self) -> bool {
        matches!(self.op, Op::Rollback | Op::RollbackTo)
    }

    /// The body's error, as text, when the rollback after it failed.
    #[must_use]
    pub fn body_error(&self) -> Option<&str> {
        self.body.as_deref()
    }
}

impl From<tokio_postgres::Error> for Error {
    /// A statement's error, so that a function returning
    /// `Result<_, ctxmgr::postgres::Error>` can use `?` on the driver's.
    fn from(source: tokio_postgres::Error) -> Self {
        Error::new(Op::Statement, source, None)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = match self.op {
            Op::Begin => "BEGIN failed",
            Op::Commit => "COMMIT failed (nothing was committed)",
            Op::Rollback => "ROLLBACK failed",
            Op::Savepoint => "SAVEPOINT failed",
            Op::Release => "RELEASE SAVEPOINT failed",
            Op::RollbackTo => "ROLLBACK TO SAVEPOINT failed",
            Op::Statement => "statement failed",
        };
        f.write_str(step)?;
        if let Some(body) = &self.body {
            write!(f, " after the body failed with: {body}")?;
        }
        write!(f, ": {}", self.source)?;
        // The driver's Display says only "db error": add what the server said.
        if let Some(db) = self.source.as_db_error() {
            write!(f, ": {} (SQLSTATE {})", db.message(), db.code().code())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
