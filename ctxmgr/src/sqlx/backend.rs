//! What [`transaction`](super::transaction) accepts, and the databases it
//! knows how to clean up after.

use std::string::String;

use sqlx::{Database, Pool};

use super::error::{Error, ErrorKind};
use super::options::{exit_with, report, OnCancel, Options, Phase};
use super::StatementCancel;
use crate::Outcome;

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

/// What both managers keep of their transaction: the step it is at (for
/// `drop_exit`'s report), the transaction once `BEGIN` answered, and the
/// backend's session (on PostgreSQL its pid, to cancel its statement from
/// elsewhere). The managers differ in how they send `BEGIN` and how they end
/// an abandoned transaction; the rest of enter, exit and the drop path is
/// here.
pub(super) struct Transacting<'c, DB: Backend> {
    pub(super) phase: Phase,
    tx: Option<sqlx::Transaction<'c, DB>>,
    session: Option<DB::Session>,
}

impl<'c, DB: Backend> Transacting<'c, DB> {
    pub(super) fn new() -> Self {
        Transacting {
            phase: Phase::Idle,
            tx: None,
            session: None,
        }
    }

    /// Enter, once `BEGIN` answered: keeps the transaction `begun` gave (or
    /// fails with [`ErrorKind::Begin`]), asks the session inside it when
    /// `abandon` is given, and lends the transaction to the body. When the
    /// session cannot be asked, the transaction is handed to `abandon` and
    /// enter fails with [`ErrorKind::Begin`].
    pub(super) async fn began(
        &mut self,
        begun: Result<sqlx::Transaction<'c, DB>, sqlx::Error>,
        abandon: Option<impl FnOnce(sqlx::Transaction<'c, DB>)>,
    ) -> Result<&mut sqlx::Transaction<'c, DB>, Error> {
        let failed = |phase: &mut Phase, e| {
            *phase = Phase::Done;
            Error::new(ErrorKind::Begin, e)
        };
        let open = self
            .tx
            .insert(begun.map_err(|e| failed(&mut self.phase, e))?);
        if let Some(abandon) = abandon {
            match DB::session(open).await {
                Ok(asked) => self.session = Some(asked),
                Err(e) => {
                    if let Some(tx) = self.tx.take() {
                        abandon(tx);
                    }
                    return Err(failed(&mut self.phase, e));
                }
            }
        }
        self.phase = Phase::Body;
        Ok(self.tx.as_mut().expect("just inserted"))
    }

    /// Exit: `COMMIT` on `Ok`, `ROLLBACK` otherwise.
    pub(super) async fn exit(&mut self, outcome: &Outcome<'_>) -> Result<(), Error> {
        exit_with(&mut self.tx, &mut self.phase, outcome).await
    }

    /// The drop path (`drop_exit`, or the manager dropped in `BEGIN`): a
    /// transaction still open is handed to `end` with the session, and
    /// `on_cancel` hears at which step the future was dropped and what `end`
    /// did about a running statement.
    pub(super) fn abandon(
        &mut self,
        on_cancel: &mut Option<OnCancel>,
        end: impl FnOnce(sqlx::Transaction<'c, DB>, Option<DB::Session>) -> Option<StatementCancel>,
    ) {
        let phase = core::mem::replace(&mut self.phase, Phase::Done);
        let statement = self.tx.take().and_then(|tx| end(tx, self.session.take()));
        report(on_cancel, phase, statement);
    }
}

/// The [`AsyncContextManager`](crate::AsyncContextManager) and `Drop` impls
/// of both managers, written once. Each manager brings what differs: its
/// `begin`, which sends `BEGIN` (enter awaits it), and its `abandon`, which
/// ends an abandoned transaction (`drop_exit` and `Drop` call it). Exit is
/// [`Transacting::exit`].
macro_rules! transaction_manager {
    ($Manager:ident<$m:lifetime> binds sqlx::Transaction<$tx:lifetime>) => {
        impl<$m, DB: $crate::sqlx::Backend> $crate::AsyncContextManager for $Manager<$m, DB> {
            type Value<'a>
                = &'a mut ::sqlx::Transaction<$tx, DB>
            where
                Self: 'a;
            type Error = $crate::sqlx::Error;

            async fn enter(
                &mut self,
            ) -> Result<&mut ::sqlx::Transaction<$tx, DB>, $crate::sqlx::Error> {
                self.begin().await
            }

            async fn exit(
                &mut self,
                outcome: $crate::Outcome<'_>,
            ) -> Result<(), $crate::sqlx::Error> {
                self.state.exit(&outcome).await
            }

            fn drop_exit(&mut self, _outcome: $crate::Outcome<'_>) {
                self.abandon();
            }
        }

        /// Dropped in `BEGIN` (before `with!` saw enter end): `drop_exit`
        /// does not run, so the manager cleans up here.
        impl<DB: $crate::sqlx::Backend> Drop for $Manager<'_, DB> {
            fn drop(&mut self) {
                self.abandon();
            }
        }
    };
}
pub(super) use transaction_manager;
