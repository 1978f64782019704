//! SQLite: how `BEGIN` is spelled, and the cleanup after a drop.

use std::string::String;

use sqlx::sqlite::{Sqlite, SqliteConnection};
use sqlx::Pool;

use super::backend::{sealed, Backend};
use super::error::{unsupported, Error};
use super::options::{IsolationLevel, Options, StatementCancel};

impl sealed::Sealed for Sqlite {}

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
    fn abandon_borrowed(
        tx: sqlx::Transaction<'_, Self>,
        _: Option<(&(), &())>,
    ) -> Option<StatementCancel> {
        drop(tx);
        None
    }

    /// Nothing waits in a buffer: sqlx's `Drop` sent the `ROLLBACK` to the
    /// worker thread.
    fn push_queued(_: &mut SqliteConnection) {}

    /// No side connection: SQLite runs one statement at a time in-process.
    type CancelWith = ();

    async fn session(_: &mut sqlx::Transaction<'_, Self>) -> Result<(), sqlx::Error> {
        Ok(())
    }

    async fn abandon(_: Pool<Self>, tx: sqlx::Transaction<'static, Self>, _: Option<()>) {
        let _ = tx.rollback().await;
    }
}
