//! What [`transaction`](super::transaction) accepts, and the databases it
//! knows how to clean up after.

use std::string::String;

use sqlx::{Database, Pool};

use super::error::{Error, ErrorKind};
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

/// Both managers' enter, once `BEGIN` answered: keeps the transaction
/// `begun` gave (or fails with [`ErrorKind::Begin`]), asks the backend's
/// session inside it when `abandon` is given (on PostgreSQL its pid, to cancel
/// its statement from elsewhere), and lends the transaction to the body. When
/// the session cannot be asked, the transaction is handed to `abandon` and
/// enter fails with [`ErrorKind::Begin`]. `phase` records each step for
/// `drop_exit`'s report.
pub(super) async fn began<'t, 'c, DB: Backend>(
    tx: &'t mut Option<sqlx::Transaction<'c, DB>>,
    phase: &mut Phase,
    session: &mut Option<DB::Session>,
    begun: Result<sqlx::Transaction<'c, DB>, sqlx::Error>,
    abandon: Option<impl FnOnce(sqlx::Transaction<'c, DB>)>,
) -> Result<&'t mut sqlx::Transaction<'c, DB>, Error> {
    let failed = |phase: &mut Phase, e| {
        *phase = Phase::Done;
        Error::new(ErrorKind::Begin, e)
    };
    let open = tx.insert(begun.map_err(|e| failed(phase, e))?);
    if let Some(abandon) = abandon {
        match DB::session(open).await {
            Ok(asked) => *session = Some(asked),
            Err(e) => {
                if let Some(tx) = tx.take() {
                    abandon(tx);
                }
                return Err(failed(phase, e));
            }
        }
    }
    *phase = Phase::Body;
    Ok(tx.as_mut().expect("just inserted"))
}
