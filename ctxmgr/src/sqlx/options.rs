//! The builder's options, the cancellation report, and the exit both
//! managers share.

use std::boxed::Box;
use std::string::{String, ToString};
use std::time::Duration;

use sqlx::Database;

use super::error::{Error, ErrorKind};
use crate::Outcome;

/// An SQL isolation level for [`PoolTransaction::isolation`](super::PoolTransaction::isolation).
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
    pub(super) fn sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

/// The builder's choices: how `BEGIN` is spelled. Set through the managers'
/// builder methods ([`PoolTransaction::isolation`](super::PoolTransaction::isolation), …).
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub(super) isolation: Option<IsolationLevel>,
    pub(super) read_only: bool,
    pub(super) deferrable: bool,
    pub(super) statement: Option<String>,
}

impl Options {
    #[cfg_attr(not(feature = "sqlx-postgres"), allow(dead_code))]
    pub(super) fn is_default(&self) -> bool {
        self.isolation.is_none() && !self.read_only && !self.deferrable && self.statement.is_none()
    }
}

/// What a cancelled transaction's [`on_cancel`](super::PoolTransaction::on_cancel)
/// callback is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cancelled {
    phase: Phase,
    statement: Option<StatementCancel>,
}

/// What `drop_exit` did about a statement still running on a borrowed
/// PostgreSQL connection when the future was dropped mid-body (with
/// [`cancel_with`](super::ConnectionTransaction::cancel_with); see
/// [Cancellation](super#cancellation)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatementCancel {
    /// `pg_cancel_backend` ran on the server, from a side connection,
    /// before the `ROLLBACK` was queued: it could only reach the abandoned
    /// statement. `settled`: the connection then read every pending answer
    /// (the abandoned statement's, the `ROLLBACK`'s) before `drop_exit`
    /// returned, so the transaction is over and the connection's next
    /// statement starts clean. `took`: how long `drop_exit` blocked.
    Confirmed {
        /// How long the cancel and the settling blocked `drop_exit`.
        took: Duration,
        /// Every answer read: nothing of the dropped body is left for the
        /// connection's next statement to report.
        settled: bool,
    },
    /// No cancel was sent: the side connection failed, the server refused
    /// it, or the runtime is not a multi-thread tokio runtime. The statement
    /// runs to its end; the `ROLLBACK` on the wire follows it.
    NotSent,
    /// Sent, but the server did not answer within the bound (1 s, then 1 s
    /// of grace): it may still land, on the `ROLLBACK` or on a later
    /// statement of the connection. Only on a server too overloaded to run
    /// a one-line query in 2 s.
    Unconfirmed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
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
    /// Dropped mid-body while a statement of the body may still have been
    /// running, on a borrowed PostgreSQL connection with
    /// [`cancel_with`](super::ConnectionTransaction::cancel_with): what
    /// became of it. `None` otherwise (nothing was running, no
    /// `cancel_with`, or the pool, whose cleanup task cancels it).
    #[must_use]
    pub fn statement(&self) -> Option<StatementCancel> {
        self.statement
    }
}

pub(super) type OnCancel = Box<dyn FnOnce(Cancelled) + Send + Sync>;

macro_rules! builder_methods {
    () => {
        /// `BEGIN ISOLATION LEVEL ..` (PostgreSQL). On SQLite only
        /// [`IsolationLevel::Serializable`] is accepted (it is what SQLite
        /// does); others fail enter with
        /// [`ErrorKind::Unsupported`](crate::sqlx::ErrorKind::Unsupported).
        pub fn isolation(mut self, level: IsolationLevel) -> Self {
            self.options.isolation = Some(level);
            self
        }

        /// `BEGIN READ ONLY` (PostgreSQL; SQLite:
        /// [`ErrorKind::Unsupported`](crate::sqlx::ErrorKind::Unsupported)).
        pub fn read_only(mut self) -> Self {
            self.options.read_only = true;
            self
        }

        /// `BEGIN .. DEFERRABLE` (PostgreSQL, meaningful with `SERIALIZABLE`
        /// and `READ ONLY`; SQLite:
        /// [`ErrorKind::Unsupported`](crate::sqlx::ErrorKind::Unsupported)).
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
pub(super) use builder_methods;

pub(super) fn report(
    on_cancel: &mut Option<OnCancel>,
    phase: Phase,
    statement: Option<StatementCancel>,
) {
    if matches!(phase, Phase::Idle | Phase::Done) {
        return;
    }
    if let Some(callback) = on_cancel.take() {
        callback(Cancelled { phase, statement });
    }
}

/// Both managers' exit: `COMMIT` on `Ok`, `ROLLBACK` otherwise (nothing
/// when enter did not begin), the phase recorded for `drop_exit`'s report.
pub(super) async fn exit_with<DB: Database>(
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
