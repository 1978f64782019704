//! What [`transaction`](super::transaction) accepts, and the databases it
//! knows how to clean up after.

use std::string::String;

use sqlx::{Database, Pool};

use super::error::{unsupported, Error, ErrorKind};
use super::options::{Options, Phase};

/// What [`transaction`](super::transaction) accepts: `&Pool<DB>`, `&mut PgConnection`,
/// `&mut SqliteConnection`, `&mut sqlx::Transaction<'_, DB>`.
pub trait Input: sealed::Sealed {
    /// The manager [`transaction`](super::transaction) returns for this input.
    type Manager;
    #[doc(hidden)]
    fn manager(self) -> Self::Manager;
}

pub(super) mod sealed {
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
    /// What `cancel_with` keeps: where to open a side connection from.
    #[doc(hidden)]
    type CancelWith: Send + Sync + 'static;
    /// A borrowed connection's transaction abandoned by a drop: end it
    /// without awaiting; with `cancel`, first cancel a statement still
    /// running (and say what became of it).
    #[doc(hidden)]
    fn abandon_borrowed(
        tx: sqlx::Transaction<'_, Self>,
        cancel: Option<(&Self::CancelWith, &Self::Session)>,
    ) -> Option<super::StatementCancel>;
    /// A `begin` dropped in flight on a borrowed connection queued its
    /// `ROLLBACK` there: send it now, without awaiting.
    #[doc(hidden)]
    fn push_queued(conn: &mut Self::Connection);
    #[doc(hidden)]
    fn abandon(
        pool: Pool<Self>,
        tx: sqlx::Transaction<'static, Self>,
        session: Option<Self::Session>,
    ) -> impl core::future::Future<Output = ()> + Send + 'static;
}

/// Both managers' enter, after `BEGIN`: the backend's session (on
/// PostgreSQL its pid, to cancel its statement from elsewhere), asked inside
/// the new transaction. On an error the transaction is handed to `abandon`
/// and enter fails with [`ErrorKind::Begin`].
pub(super) async fn ask_session<'c, DB: Backend>(
    tx: &mut Option<sqlx::Transaction<'c, DB>>,
    phase: &mut Phase,
    abandon: impl FnOnce(sqlx::Transaction<'c, DB>),
) -> Result<DB::Session, Error> {
    let asked = match tx.as_mut() {
        Some(open) => DB::session(open).await,
        None => return Err(unsupported("no transaction to ask the session of")),
    };
    asked.map_err(|e| {
        *phase = Phase::Done;
        if let Some(tx) = tx.take() {
            abandon(tx);
        }
        Error::new(ErrorKind::Begin, e)
    })
}
