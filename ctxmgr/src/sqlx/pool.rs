//! The manager of `transaction(&pool)`.

use core::fmt;
use std::boxed::Box;
use std::string::String;

use sqlx::Pool;

use super::backend::{sealed, transaction_manager, Backend, Input, Transacting};
use super::error::Error;
use super::options::{builder_methods, Cancelled, IsolationLevel, OnCancel, Options, Phase};

/// The manager of [`transaction`](super::transaction)`(&pool)`: acquires a connection, begins,
/// binds `&mut sqlx::Transaction<'static, DB>`, and commits or rolls back.
/// On cancellation its `drop_exit` finishes the transaction in a task (see
/// the [module docs](super#cancellation)).
#[must_use = "a transaction does nothing until entered with `with!(async ..)`"]
pub struct PoolTransaction<'p, DB: Backend> {
    pool: &'p Pool<DB>,
    options: Options,
    on_cancel: Option<OnCancel>,
    state: Transacting<'static, DB>,
}

impl<DB: Backend> fmt::Debug for PoolTransaction<'_, DB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolTransaction")
            .field("options", &self.options)
            .field("phase", &self.state.phase)
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
            state: Transacting::new(),
        }
    }
}

impl<DB: Backend> PoolTransaction<'_, DB> {
    builder_methods!();
}

transaction_manager!(PoolTransaction<'p> binds sqlx::Transaction<'static>);

impl<DB: Backend> PoolTransaction<'_, DB> {
    /// Enter: acquires a connection from the pool and sends `BEGIN` on it.
    async fn begin(&mut self) -> Result<&mut sqlx::Transaction<'static, DB>, Error> {
        let begin = DB::begin_sql(&self.options)?;
        self.state.phase = Phase::Begin;
        let begun = match begin {
            None => self.pool.begin().await,
            Some(sql) => self.pool.begin_with(sqlx::AssertSqlSafe(sql)).await,
        };
        // Dropped on an error: sqlx queues the ROLLBACK, the pool sends it.
        self.state.began(begun, Some(drop)).await
    }

    fn abandon(&mut self) {
        let pool = self.pool;
        self.state.abandon(&mut self.on_cancel, |tx, session| {
            match ::tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    runtime.spawn(DB::abandon(pool.clone(), tx, session));
                }
                // No runtime to run the cleanup on: sqlx queues the ROLLBACK.
                Err(_) => drop(tx),
            }
            None
        });
    }
}
