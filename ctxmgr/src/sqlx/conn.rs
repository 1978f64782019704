//! The manager of `transaction(&mut conn)` and of a savepoint,
//! `transaction(&mut tx)`.

use core::fmt;
use std::boxed::Box;
use std::string::String;

use super::backend::{sealed, transaction_manager, Backend, Input, Transacting};
use super::begin::BeginInFlight;
use super::error::{unsupported, Error};
use super::options::{builder_methods, Cancelled, IsolationLevel, OnCancel, Options, Phase};

#[cfg(feature = "sqlx-postgres")]
use sqlx::postgres::{PgConnectOptions, PgConnection, Postgres};
#[cfg(feature = "sqlx-sqlite")]
use sqlx::sqlite::{Sqlite, SqliteConnection};
#[cfg(feature = "sqlx-postgres")]
use std::sync::Arc;

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
    /// The session (the backend's pid) is asked at enter only when
    /// `cancel_with` is set.
    state: Transacting<'c, DB>,
    /// Set by `cancel_with`: where to cancel a running statement from.
    cancel_with: Option<DB::CancelWith>,
}

impl<DB: Backend> fmt::Debug for ConnectionTransaction<'_, DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionTransaction")
            .field("options", &self.options)
            .field("phase", &self.state.phase)
            .field("cancel_with", &self.cancel_with.is_some())
            .finish_non_exhaustive()
    }
}

fn connection_manager<DB: Backend>(conn: &mut DB::Connection) -> ConnectionTransaction<'_, DB> {
    ConnectionTransaction {
        conn: Some(conn),
        options: Options::default(),
        on_cancel: None,
        state: Transacting::new(),
        cancel_with: None,
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

#[cfg(feature = "sqlx-postgres")]
impl ConnectionTransaction<'_, Postgres> {
    /// Lets a drop mid-body cancel the statement still running on this
    /// borrowed connection: `options` say how to open a *side connection*
    /// (e.g. [`pool.connect_options()`](sqlx::Pool::connect_options), or
    /// the URL you connected with, parsed), from which `drop_exit` runs
    /// `pg_cancel_backend(pid)`, synchronously and bounded, *before* it
    /// queues the `ROLLBACK`; then it reads the connection's pending
    /// answers, so its next statement starts clean. See
    /// [Cancellation](super#cancellation).
    ///
    /// Costs one round trip at enter (`SELECT pg_backend_pid()`), and, only
    /// when the future is dropped while a statement may still run, a new
    /// connection to the server, on a thread of its own, with `drop_exit`
    /// blocked meanwhile: 4–25 ms measured on a local server; bounded by
    /// 1 s to cancel, 1 s more if a cancel was sent and not yet answered,
    /// and 1 s for the `ROLLBACK`'s answer. Works on a multi-thread tokio
    /// runtime; on
    /// another runtime no cancel is sent (the statement runs to its end, as
    /// without this). [`Cancelled::statement`] tells what happened.
    ///
    /// ```no_run
    /// use ctxmgr::with;
    /// use sqlx::{PgConnection, PgPool};
    ///
    /// async fn slow(pool: &PgPool, conn: &mut PgConnection) -> Result<(), ctxmgr::sqlx::Error> {
    ///     with!(
    ///         async { ctxmgr::sqlx::transaction(&mut *conn).cancel_with(pool.connect_options()) } as tx,
    ///         {
    ///             // Dropped here (a timeout), the statement is cancelled on
    ///             // the server, not left running with its locks.
    ///             sqlx::query("UPDATE account SET balance = balance * 2")
    ///                 .execute(&mut **tx)
    ///                 .await?;
    ///         }
    ///     );
    ///     Ok(())
    /// }
    /// ```
    pub fn cancel_with(mut self, options: impl Into<Arc<PgConnectOptions>>) -> Self {
        self.cancel_with = Some(options.into());
        self
    }
}

transaction_manager!(ConnectionTransaction<'c> binds sqlx::Transaction<'c>);

impl<'c, DB: Backend> ConnectionTransaction<'c, DB> {
    /// Enter: `BEGIN` on the borrowed connection (or a savepoint in the
    /// borrowed transaction).
    async fn begin(&mut self) -> Result<&mut sqlx::Transaction<'c, DB>, Error> {
        let Some(conn) = self.conn.take() else {
            return Err(unsupported(
                "a ctxmgr::sqlx::ConnectionTransaction is entered once",
            ));
        };
        let begin = DB::begin_sql(&self.options)?;
        self.state.phase = Phase::Begin;
        // Dropped while BEGIN is in flight, sqlx queues a ROLLBACK and this
        // pushes it onto the wire at once (see `begin.rs`).
        let begun = BeginInFlight::<DB>::new(conn, begin).run().await;
        // The session is asked only to cancel a statement from elsewhere.
        let abandon = self.cancel_with.is_some().then_some(|tx| {
            DB::abandon_borrowed(tx, None);
        });
        self.state.began(begun, abandon).await
    }

    fn abandon(&mut self) {
        let cancel_with = self.cancel_with.as_ref();
        self.state.abandon(&mut self.on_cancel, |tx, session| {
            DB::abandon_borrowed(tx, cancel_with.zip(session.as_ref()))
        });
    }
}
