//! The manager of `transaction(&mut conn)` and of a savepoint,
//! `transaction(&mut tx)`.

use core::fmt;
use std::boxed::Box;
use std::string::String;

use sqlx::Connection;

use super::backend::{sealed, Backend, Input};
use super::error::{unsupported, Error, ErrorKind};
use super::options::{
    builder_methods, exit_with, report, Cancelled, IsolationLevel, OnCancel, Options, Phase,
};
use crate::{AsyncContextManager, Outcome};

#[cfg(feature = "sqlx-postgres")]
use sqlx::postgres::{PgConnection, Postgres};
#[cfg(feature = "sqlx-sqlite")]
use sqlx::sqlite::{Sqlite, SqliteConnection};

/// The manager of [`transaction`](super::transaction)`(&mut conn)` and, for a savepoint,
/// [`transaction`](super::transaction)`(&mut tx)`: begins on the borrowed connection, binds
/// `&mut sqlx::Transaction<'c, DB>`, and commits or rolls back. On
/// cancellation sqlx queues the `ROLLBACK` on the connection (see the
/// [module docs](super#cancellation)).
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
