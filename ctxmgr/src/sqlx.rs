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
//! * **`&mut` connection input.** The connection is borrowed, so no task can
//!   take it. sqlx's own drop only writes `ROLLBACK` into the connection's
//!   buffer (the server then stays `idle in transaction` until the next
//!   use); the manager's `drop_exit` writes it the same way and then pushes
//!   it onto the wire at once (sqlx's `flush`, polled once: it does not
//!   block). A statement still running is not cancelled (there is no second
//!   connection to ask from): it runs to its end, then the `ROLLBACK`. Prefer
//!   the pool where long statements may be cancelled. A drop while `BEGIN` is
//!   in flight leaves sqlx's queued `ROLLBACK` for the next use: that use is
//!   never inside the forgotten transaction, but the server holds the empty
//!   transaction until then. SQLite's connection runs on its own worker
//!   thread, which executes the `ROLLBACK` at once.
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

use core::fmt;
use std::boxed::Box;
use std::string::{String, ToString};

use sqlx::{Connection, Database, Pool};

use crate::{AsyncContextManager, Outcome};

#[cfg(feature = "sqlx-postgres")]
use sqlx::postgres::{PgConnection, Postgres};
#[cfg(feature = "sqlx-sqlite")]
use sqlx::sqlite::{Sqlite, SqliteConnection};

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

/// What [`transaction`] accepts: `&Pool<DB>`, `&mut PgConnection`,
/// `&mut SqliteConnection`, `&mut sqlx::Transaction<'_, DB>`.
pub trait Input: sealed::Sealed {
    /// The manager [`transaction`] returns for this input.
    type Manager;
    #[doc(hidden)]
    fn manager(self) -> Self::Manager;
}

mod sealed {
    pub trait Sealed {}
}

/// A database ctxmgr knows how to clean up after: `Postgres`, `Sqlite`.
pub trait Backend: Database + sealed::Sealed {
    #[doc(hidden)]
    fn begin_sql(options: &Options) -> Result<Option<String>, Error>;
    #[doc(hidden)]
    type Session: Send + Sync + 'static;
    #[doc(hidden)]
    fn session(
        tx: &mut sqlx::Transaction<'_, Self>,
    ) -> impl core::future::Future<Output = Result<Self::Session, sqlx::Error>> + Send;
    /// A borrowed connection's transaction abandoned by a drop: end it
    /// without awaiting.
    #[doc(hidden)]
    fn abandon_borrowed(tx: sqlx::Transaction<'_, Self>);
    #[doc(hidden)]
    fn abandon(
        pool: Pool<Self>,
        tx: sqlx::Transaction<'static, Self>,
        session: Option<Self::Session>,
    ) -> impl core::future::Future<Output = ()> + Send + 'static;
}

/// An SQL isolation level for [`PoolTransaction::isolation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// `READ UNCOMMITTED` (PostgreSQL runs it as `READ COMMITTED`).
    ReadUncommitted,
    /// `READ COMMITTED`, PostgreSQL's default.
    ReadCommitted,
    /// `REPEATABLE READ`.
    RepeatableRead,
    /// `SERIALIZABLE`. SQLite's transactions always are.
    Serializable,
}

impl IsolationLevel {
    #[cfg_attr(not(feature = "sqlx-postgres"), allow(dead_code))]
    fn sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

/// The builder's choices: how `BEGIN` is spelled. Set through the managers'
/// builder methods ([`PoolTransaction::isolation`], …).
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct Options {
    isolation: Option<IsolationLevel>,
    read_only: bool,
    deferrable: bool,
    statement: Option<String>,
}

impl Options {
    #[cfg_attr(not(feature = "sqlx-postgres"), allow(dead_code))]
    fn is_default(&self) -> bool {
        self.isolation.is_none() && !self.read_only && !self.deferrable && self.statement.is_none()
    }
}

/// What a cancelled transaction's [`on_cancel`](PoolTransaction::on_cancel)
/// callback is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancelled {
    phase: Phase,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Begin,
    Body,
    Commit,
    Rollback,
    Done,
}

impl Cancelled {
    /// The future was dropped while `BEGIN` was in flight: nothing of the
    /// body ran; the `ROLLBACK` sqlx queues ends the transaction.
    #[must_use]
    pub fn during_begin(&self) -> bool {
        self.phase == Phase::Begin
    }
    /// The future was dropped in the body: the transaction is rolled back.
    #[must_use]
    pub fn during_body(&self) -> bool {
        self.phase == Phase::Body
    }
    /// The future was dropped while `ROLLBACK` was in flight.
    #[must_use]
    pub fn during_rollback(&self) -> bool {
        self.phase == Phase::Rollback
    }
    /// The future was dropped while `COMMIT` was in flight: the server may or
    /// may not have committed. Nothing can tell you from here; check the data.
    #[must_use]
    pub fn commit_outcome_unknown(&self) -> bool {
        self.phase == Phase::Commit
    }
}

type OnCancel = Box<dyn FnOnce(Cancelled) + Send + Sync>;

/// Which step of the transaction failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Acquiring a connection from the pool, or `BEGIN`/`SAVEPOINT`: the body
    /// did not run.
    Begin,
    /// `COMMIT`/`RELEASE SAVEPOINT`: nothing was committed.
    Commit,
    /// `ROLLBACK`/`ROLLBACK TO SAVEPOINT` (after the body failed or panicked).
    Rollback,
    /// A statement of the body (an [`Error`] made from a [`sqlx::Error`] by
    /// `?`).
    Query,
    /// The builder asked for what this database cannot do.
    Unsupported,
}

/// The error of a [`transaction`]: the step that failed, and the driver's
/// error as its [`source`](std::error::Error::source).
pub struct Error {
    kind: ErrorKind,
    source: sqlx::Error,
    body: Option<String>,
}

impl Error {
    fn new(kind: ErrorKind, source: sqlx::Error) -> Self {
        Error {
            kind,
            source,
            body: None,
        }
    }

    /// Which step failed.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The driver's error.
    #[must_use]
    pub fn sqlx_error(&self) -> &sqlx::Error {
        &self.source
    }

    /// The driver's error, by value.
    #[must_use]
    pub fn into_sqlx_error(self) -> sqlx::Error {
        self.source
    }

    /// The SQLSTATE of a database error (`"23505"`, `"40001"`, …).
    #[must_use]
    pub fn code(&self) -> Option<String> {
        code_of(&self.source)
    }

    /// When `ROLLBACK` failed after the body left with an error: that error,
    /// as its `Display` (the rollback's error replaced it, the crate's
    /// exit-error rule; it is kept here so it is not lost).
    #[must_use]
    pub fn body_error(&self) -> Option<&str> {
        self.body.as_deref()
    }

    /// A serialization failure (`40001`) or a deadlock (`40P01`): running the
    /// whole transaction again may succeed. SQLite's "database is locked"
    /// (`5`, `SQLITE_BUSY`) counts too.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        is_retryable(&self.source)
    }
}

/// A serialization failure (`40001`), a deadlock (`40P01`), or SQLite's
/// `SQLITE_BUSY` (`5`, `517`): running the whole transaction again may
/// succeed. For errors of the body, which are [`sqlx::Error`]s.
#[must_use]
pub fn is_retryable(error: &sqlx::Error) -> bool {
    matches!(
        code_of(error).as_deref(),
        Some("40001" | "40P01" | "5" | "517")
    )
}

fn code_of(error: &sqlx::Error) -> Option<String> {
    error
        .as_database_error()
        .and_then(|d| d.code())
        .map(|c| c.into_owned())
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.kind)
            .field("source", &self.source)
            .field("body", &self.body)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let step = match self.kind {
            ErrorKind::Begin => "BEGIN failed",
            ErrorKind::Commit => "COMMIT failed, nothing was committed",
            ErrorKind::Rollback => "ROLLBACK failed",
            ErrorKind::Query => "statement failed",
            ErrorKind::Unsupported => "transaction option not supported",
        };
        write!(f, "{step}: {}", self.source)?;
        if let Some(body) = &self.body {
            write!(f, " (while the body was leaving with: {body})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A statement of the body failed: `?` on a [`sqlx::Error`] in a function
/// returning [`Error`].
impl From<sqlx::Error> for Error {
    fn from(source: sqlx::Error) -> Self {
        Error::new(ErrorKind::Query, source)
    }
}

/// For functions returning `sqlx::Result`: the driver's error, without the
/// step (and without [`Error::body_error`]).
impl From<Error> for sqlx::Error {
    fn from(error: Error) -> Self {
        error.source
    }
}

fn unsupported(message: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        sqlx::Error::Configuration(message.to_string().into()),
    )
}

macro_rules! builder_methods {
    () => {
        /// `BEGIN ISOLATION LEVEL ..` (PostgreSQL). On SQLite only
        /// [`IsolationLevel::Serializable`] is accepted (it is what SQLite
        /// does); others fail enter with [`ErrorKind::Unsupported`].
        pub fn isolation(mut self, level: IsolationLevel) -> Self {
            self.options.isolation = Some(level);
            self
        }

        /// `BEGIN READ ONLY` (PostgreSQL; SQLite: [`ErrorKind::Unsupported`]).
        pub fn read_only(mut self) -> Self {
            self.options.read_only = true;
            self
        }

        /// `BEGIN .. DEFERRABLE` (PostgreSQL, meaningful with `SERIALIZABLE`
        /// and `READ ONLY`; SQLite: [`ErrorKind::Unsupported`]).
        pub fn deferrable(mut self) -> Self {
            self.options.deferrable = true;
            self
        }

        /// Your own `BEGIN` statement, e.g. `"BEGIN IMMEDIATE"` on SQLite.
        /// Replaces the other options. Not for savepoints.
        pub fn begin_statement(mut self, statement: impl Into<String>) -> Self {
            self.options.statement = Some(statement.into());
            self
        }

        /// Called once if the `with!` future is dropped after enter started
        /// and before exit ended (cancellation): says at which step, and
        /// whether a `COMMIT` was in flight
        /// ([`Cancelled::commit_outcome_unknown`]). Runs inside `Drop`: keep
        /// it short (log, count, set a flag).
        pub fn on_cancel(
            mut self,
            callback: impl FnOnce(Cancelled) + Send + Sync + 'static,
        ) -> Self {
            self.on_cancel = Some(Box::new(callback));
            self
        }
    };
}

fn report(on_cancel: &mut Option<OnCancel>, phase: Phase) {
    if matches!(phase, Phase::Idle | Phase::Done) {
        return;
    }
    if let Some(callback) = on_cancel.take() {
        callback(Cancelled { phase });
    }
}

/// Both managers' exit: `COMMIT` on `Ok`, `ROLLBACK` otherwise (nothing
/// when enter did not begin), the phase recorded for `drop_exit`'s report.
async fn exit_with<DB: Database>(
    tx: &mut Option<sqlx::Transaction<'_, DB>>,
    phase: &mut Phase,
    outcome: &Outcome<'_>,
) -> Result<(), Error> {
    let Some(tx) = tx.take() else {
        return Ok(());
    };
    *phase = if outcome.is_ok() {
        Phase::Commit
    } else {
        Phase::Rollback
    };
    let result = finish(tx, outcome).await;
    *phase = Phase::Done;
    result
}

async fn finish<DB: Database>(
    tx: sqlx::Transaction<'_, DB>,
    outcome: &Outcome<'_>,
) -> Result<(), Error> {
    if outcome.is_ok() {
        tx.commit()
            .await
            .map_err(|e| Error::new(ErrorKind::Commit, e))
    } else {
        tx.rollback().await.map_err(|e| Error {
            kind: ErrorKind::Rollback,
            source: e,
            body: outcome.error().map(|b| b.to_string()),
        })
    }
}

// ---------------------------------------------------------------------------
// &Pool<DB>

/// The manager of [`transaction`]`(&pool)`: acquires a connection, begins,
/// binds `&mut sqlx::Transaction<'static, DB>`, and commits or rolls back.
/// On cancellation its `drop_exit` finishes the transaction in a task (see
/// the [module docs](self#cancellation)).
#[must_use = "a transaction does nothing until entered with `with!(async ..)`"]
pub struct PoolTransaction<'p, DB: Backend> {
    pool: &'p Pool<DB>,
    options: Options,
    on_cancel: Option<OnCancel>,
    phase: Phase,
    tx: Option<sqlx::Transaction<'static, DB>>,
    session: Option<DB::Session>,
}

impl<DB: Backend> fmt::Debug for PoolTransaction<'_, DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolTransaction")
            .field("options", &self.options)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

impl<DB: Backend> sealed::Sealed for &Pool<DB> {}
impl<'p, DB: Backend> Input for &'p Pool<DB> {
    type Manager = PoolTransaction<'p, DB>;
    fn manager(self) -> PoolTransaction<'p, DB> {
        PoolTransaction {
            pool: self,
            options: Options::default(),
            on_cancel: None,
            phase: Phase::Idle,
            tx: None,
            session: None,
        }
    }
}

impl<DB: Backend> PoolTransaction<'_, DB> {
    builder_methods!();
}

impl<DB: Backend> AsyncContextManager for PoolTransaction<'_, DB> {
    type Value<'a>
        = &'a mut sqlx::Transaction<'static, DB>
    where
        Self: 'a;
    type Error = Error;

    async fn enter(&mut self) -> Result<&mut sqlx::Transaction<'static, DB>, Error> {
        let begin = DB::begin_sql(&self.options)?;
        self.phase = Phase::Begin;
        let tx = match begin {
            None => self.pool.begin().await,
            Some(sql) => self.pool.begin_with(sqlx::AssertSqlSafe(sql)).await,
        };
        let tx = match tx {
            Ok(tx) => self.tx.insert(tx),
            Err(e) => {
                self.phase = Phase::Done;
                return Err(Error::new(ErrorKind::Begin, e));
            }
        };
        match DB::session(tx).await {
            Ok(session) => self.session = Some(session),
            Err(e) => {
                self.phase = Phase::Done;
                // Dropped: sqlx queues the ROLLBACK, the pool sends it.
                self.tx = None;
                return Err(Error::new(ErrorKind::Begin, e));
            }
        }
        self.phase = Phase::Body;
        Ok(self.tx.as_mut().expect("just inserted"))
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {
        exit_with(&mut self.tx, &mut self.phase, &outcome).await
    }

    fn drop_exit(&mut self, _outcome: Outcome<'_>) {
        self.abandon();
    }
}

impl<DB: Backend> PoolTransaction<'_, DB> {
    fn abandon(&mut self) {
        let phase = core::mem::replace(&mut self.phase, Phase::Done);
        if let Some(tx) = self.tx.take() {
            let session = self.session.take();
            match ::tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(DB::abandon(self.pool.clone(), tx, session));
                }
                // No runtime to run the cleanup on: sqlx queues the ROLLBACK.
                Err(_) => drop(tx),
            }
        }
        report(&mut self.on_cancel, phase);
    }
}

/// Dropped in `BEGIN` (before `with!` saw enter end): `drop_exit` does not
/// run, so the manager cleans up here.
impl<DB: Backend> Drop for PoolTransaction<'_, DB> {
    fn drop(&mut self) {
        self.abandon();
    }
}

// ---------------------------------------------------------------------------
// &mut Connection, &mut Transaction

/// The manager of [`transaction`]`(&mut conn)` and, for a savepoint,
/// [`transaction`]`(&mut tx)`: begins on the borrowed connection, binds
/// `&mut sqlx::Transaction<'c, DB>`, and commits or rolls back. On
/// cancellation sqlx queues the `ROLLBACK` on the connection (see the
/// [module docs](self#cancellation)).
#[must_use = "a transaction does nothing until entered with `with!(async ..)`"]
pub struct ConnectionTransaction<'c, DB: Backend> {
    conn: Option<&'c mut DB::Connection>,
    options: Options,
    on_cancel: Option<OnCancel>,
    phase: Phase,
    tx: Option<sqlx::Transaction<'c, DB>>,
}

impl<DB: Backend> fmt::Debug for ConnectionTransaction<'_, DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionTransaction")
            .field("options", &self.options)
            .field("phase", &self.phase)
            .finish_non_exhaustive()
    }
}

fn connection_manager<DB: Backend>(conn: &mut DB::Connection) -> ConnectionTransaction<'_, DB> {
    ConnectionTransaction {
        conn: Some(conn),
        options: Options::default(),
        on_cancel: None,
        phase: Phase::Idle,
        tx: None,
    }
}

#[cfg(feature = "sqlx-postgres")]
impl sealed::Sealed for &mut PgConnection {}
#[cfg(feature = "sqlx-postgres")]
impl<'c> Input for &'c mut PgConnection {
    type Manager = ConnectionTransaction<'c, Postgres>;
    fn manager(self) -> Self::Manager {
        connection_manager::<Postgres>(self)
    }
}

#[cfg(feature = "sqlx-sqlite")]
impl sealed::Sealed for &mut SqliteConnection {}
#[cfg(feature = "sqlx-sqlite")]
impl<'c> Input for &'c mut SqliteConnection {
    type Manager = ConnectionTransaction<'c, Sqlite>;
    fn manager(self) -> Self::Manager {
        connection_manager::<Sqlite>(self)
    }
}

impl<DB: Backend> sealed::Sealed for &mut sqlx::Transaction<'_, DB> {}
/// A savepoint in the transaction.
impl<'t, DB: Backend> Input for &'t mut sqlx::Transaction<'_, DB> {
    type Manager = ConnectionTransaction<'t, DB>;
    fn manager(self) -> Self::Manager {
        connection_manager::<DB>(&mut **self)
    }
}

impl<DB: Backend> ConnectionTransaction<'_, DB> {
    builder_methods!();
}

impl<'c, DB: Backend> AsyncContextManager for ConnectionTransaction<'c, DB> {
    type Value<'a>
        = &'a mut sqlx::Transaction<'c, DB>
    where
        Self: 'a;
    type Error = Error;

    async fn enter(&mut self) -> Result<&mut sqlx::Transaction<'c, DB>, Error> {
        let Some(conn) = self.conn.take() else {
            return Err(unsupported(
                "a ctxmgr::sqlx::ConnectionTransaction is entered once",
            ));
        };
        let begin = DB::begin_sql(&self.options)?;
        self.phase = Phase::Begin;
        let tx = match begin {
            None => conn.begin().await,
            Some(sql) => conn.begin_with(sqlx::AssertSqlSafe(sql)).await,
        };
        match tx {
            Ok(tx) => {
                self.phase = Phase::Body;
                Ok(self.tx.insert(tx))
            }
            Err(e) => {
                self.phase = Phase::Done;
                Err(Error::new(ErrorKind::Begin, e))
            }
        }
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {
        exit_with(&mut self.tx, &mut self.phase, &outcome).await
    }

    fn drop_exit(&mut self, _outcome: Outcome<'_>) {
        self.abandon();
    }
}

impl<DB: Backend> ConnectionTransaction<'_, DB> {
    fn abandon(&mut self) {
        let phase = core::mem::replace(&mut self.phase, Phase::Done);
        if let Some(tx) = self.tx.take() {
            DB::abandon_borrowed(tx);
        }
        report(&mut self.on_cancel, phase);
    }
}

impl<DB: Backend> Drop for ConnectionTransaction<'_, DB> {
    fn drop(&mut self) {
        self.abandon();
    }
}

// ---------------------------------------------------------------------------
// The databases

#[cfg(feature = "sqlx-postgres")]
impl sealed::Sealed for Postgres {}

#[cfg(feature = "sqlx-postgres")]
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

#[cfg(feature = "sqlx-sqlite")]
impl sealed::Sealed for Sqlite {}

#[cfg(feature = "sqlx-sqlite")]
impl Backend for Sqlite {
    fn begin_sql(options: &Options) -> Result<Option<String>, Error> {
        if let Some(statement) = &options.statement {
            return Ok(Some(statement.clone()));
        }
        if options.read_only || options.deferrable {
            return Err(unsupported(
                "SQLite has no READ ONLY or DEFERRABLE transactions",
            ));
        }
        match options.isolation {
            None | Some(IsolationLevel::Serializable) => Ok(None),
            Some(_) => Err(unsupported(
                "SQLite transactions are SERIALIZABLE; no other isolation level",
            )),
        }
    }

    type Session = ();

    /// SQLite's connection is a worker thread: sqlx's `Drop` sends it the
    /// `ROLLBACK`, which it runs at once.
    fn abandon_borrowed(tx: sqlx::Transaction<'_, Self>) {
        drop(tx);
    }

    async fn session(_: &mut sqlx::Transaction<'_, Self>) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn abandon(_: Pool<Self>, tx: sqlx::Transaction<'static, Self>, _: Option<()>) {
        let _ = tx.rollback().await;
    }
}
