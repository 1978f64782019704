//! The error of the managers: the step that failed and the driver's error.

use core::fmt;
use std::string::String;

use tokio_postgres::error::SqlState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    Begin,
    Commit,
    Rollback,
    Savepoint,
    Release,
    RollbackTo,
    Statement,
}

/// The error of [`Transaction`](super::Transaction) and [`Savepoint`](super::Savepoint): which step failed, and
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
    pub(super) fn new(op: Op, source: tokio_postgres::Error, body: Option<String>) -> Self {
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
