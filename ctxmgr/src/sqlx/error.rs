//! The error of a transaction: the step that failed and sqlx's error.

use core::fmt;
use std::string::{String, ToString};

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

/// The error of a [`transaction`](super::transaction): the step that failed, and the driver's
/// error as its [`source`](std::error::Error::source).
pub struct Error {
    pub(super) kind: ErrorKind,
    pub(super) source: sqlx::Error,
    pub(super) body: Option<String>,
}

impl Error {
    pub(super) fn new(kind: ErrorKind, source: sqlx::Error) -> Self {
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

pub(super) fn unsupported(message: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        sqlx::Error::Configuration(message.to_string().into()),
    )
}
