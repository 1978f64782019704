//! The managers: [`Transaction`] on a `&mut Client`, [`Savepoint`] on a
//! `&mut tokio_postgres::Transaction`.

use core::fmt;
use core::future::Future;
use core::task::{Context, Waker};
use std::boxed::Box;
use std::string::{String, ToString};

use tokio_postgres::{CancelToken, Client, IsolationLevel};

use super::cancel::{cached_address, remember_address, AsyncAsk, Key};
use super::error::{Error, Op};
use super::report::{CancelRequest, CancelTarget, Dropped};
use crate::{AsyncContextManager, Outcome};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Stage {
    #[default]
    Idle,
    Body,
    Committing,
    RollingBack,
    Done,
}

/// What both managers share: the stage, the cancel target, the callback.
#[derive(Default)]
struct Core<'c> {
    stage: Stage,
    /// The backend's cancel key and where to send it; `None` address when
    /// there is none.
    cancel: Option<(Key, Option<CancelTarget>)>,
    cancel_address: Option<CancelTarget>,
    on_drop: Option<Box<dyn FnOnce(Dropped) + Send + 'c>>,
}

impl fmt::Debug for Core<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Core")
            .field("stage", &self.stage)
            .field("cancel_to", &self.cancel.as_ref().map(|(_, a)| a))
            .field("on_drop", &self.on_drop.is_some())
            .finish()
    }
}

impl Core<'_> {
    /// Finds the backend's cancel key and the address to send it to
    /// (asking the server once per connection).
    async fn locate(
        &mut self,
        token: &CancelToken,
        ask: impl AsyncAsk,
        op: Op,
    ) -> Result<(), Error> {
        let Some(key) = Key::of(token) else {
            return Ok(());
        };
        let address = match &self.cancel_address {
            Some(a) => Some(a.clone()),
            None => match cached_address(key) {
                Some(a) => a,
                None => {
                    let a = ask.ask().await.map_err(|e| Error::new(op, e, None))?;
                    remember_address(key, a.clone());
                    a
                }
            },
        };
        self.cancel = Some((key, address));
        Ok(())
    }

    /// The synchronous half of cancellation: sends the cancel request and
    /// waits for the server to confirm it (see [`Key::cancel`]).
    fn cancel_running(&self) -> CancelRequest {
        match &self.cancel {
            Some((key, Some(address))) => key.cancel(address),
            _ => CancelRequest::NoAddress,
        }
    }

    /// Both managers' `drop_exit`: mid-body, the cancel request (see
    /// [`Self::cancel_running`]), then the ROLLBACK (ROLLBACK TO) the
    /// driver's `Drop` of `tx` queues; `COMMIT` (`RELEASE`) in flight, a
    /// `ROLLBACK` queued after it (for a savepoint, exit already took it).
    fn abandon(&mut self, tx: &mut Option<tokio_postgres::Transaction<'_>>) {
        let dropped = match self.stage {
            Stage::Body => {
                let cancel = self.cancel_running();
                if matches!(cancel, CancelRequest::Unconfirmed { .. }) {
                    if let Some(tx) = tx.as_ref() {
                        queue(tx.batch_execute(TERMINATE));
                    }
                }
                *tx = None;
                Dropped::RolledBack { cancel }
            }
            Stage::Committing => {
                *tx = None;
                Dropped::CommitUnknown
            }
            Stage::RollingBack => Dropped::RollbackInFlight,
            Stage::Idle | Stage::Done => return,
        };
        self.report(dropped);
    }

    fn report(&mut self, dropped: Dropped) {
        self.stage = Stage::Done;
        if let Some(f) = self.on_drop.take() {
            f(dropped);
        }
    }
}

/// The manager [`transaction`](super::transaction) returns for a `&mut Client`.
pub struct Transaction<'c> {
    client: Option<&'c mut Client>,
    tx: Option<tokio_postgres::Transaction<'c>>,
    isolation_level: Option<IsolationLevel>,
    read_only: Option<bool>,
    deferrable: Option<bool>,
    core: Core<'c>,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("open", &self.tx.is_some())
            .field("isolation_level", &self.isolation_level)
            .field("read_only", &self.read_only)
            .field("deferrable", &self.deferrable)
            .field("core", &self.core)
            .finish()
    }
}

impl<'c> Transaction<'c> {
    pub(super) fn new(client: &'c mut Client) -> Self {
        Transaction {
            client: Some(client),
            tx: None,
            isolation_level: None,
            read_only: None,
            deferrable: None,
            core: Core::default(),
        }
    }

    /// `ISOLATION LEVEL ..` for the transaction.
    #[must_use]
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation_level = Some(level);
        self
    }

    /// `READ ONLY` (`true`) or `READ WRITE` (`false`).
    #[must_use]
    pub fn read_only(mut self, read_only: bool) -> Self {
        self.read_only = Some(read_only);
        self
    }

    /// `DEFERRABLE` (`true`) or `NOT DEFERRABLE` (`false`); PostgreSQL honours
    /// it for `SERIALIZABLE READ ONLY` transactions.
    #[must_use]
    pub fn deferrable(mut self, deferrable: bool) -> Self {
        self.deferrable = Some(deferrable);
        self
    }

    /// Where to send the cancel request if the future is dropped mid-body,
    /// instead of the address the server reports (behind a proxy or a port
    /// mapping): a `SocketAddr`, or a [`CancelTarget`] (a Unix socket's
    /// path). See [Cancellation](super#cancellation).
    #[must_use]
    pub fn cancel_address(mut self, address: impl Into<CancelTarget>) -> Self {
        self.core.cancel_address = Some(address.into());
        self
    }

    /// Called by `drop_exit` when the `with!` future is dropped before exit
    /// ended, with what was done: above all, [`Dropped::CommitUnknown`] when
    /// a `COMMIT` was in flight. Runs synchronously inside a `Drop`: keep it
    /// short (record, log, send on a channel).
    ///
    /// ```no_run
    /// # use ctxmgr::postgres::{self, Dropped, tokio_postgres::Client};
    /// # use ctxmgr::with;
    /// # async fn demo(client: &mut Client) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    /// let (report, reports) = std::sync::mpsc::channel();
    /// let work = async {
    ///     with!(
    ///         async {
    ///             postgres::transaction(&mut *client).on_drop(move |d| {
    ///                 let _ = report.send(d);
    ///             })
    ///         } as tx,
    ///         {
    ///             tx.execute("UPDATE account SET balance = 0", &[]).await?;
    ///         }
    ///     );
    ///     Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    /// };
    /// if tokio::time::timeout(std::time::Duration::from_millis(50), work)
    ///     .await
    ///     .is_err()
    /// {
    ///     if let Ok(Dropped::CommitUnknown) = reports.try_recv() {
    ///         // look the data up: did the COMMIT happen?
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn on_drop(mut self, report: impl FnOnce(Dropped) + Send + 'c) -> Self {
        self.core.on_drop = Some(Box::new(report));
        self
    }
}

impl<'c> AsyncContextManager for Transaction<'c> {
    type Value<'a>
        = &'a mut tokio_postgres::Transaction<'c>
    where
        Self: 'a;
    type Error = Error;

    async fn enter(&mut self) -> Result<&mut tokio_postgres::Transaction<'c>, Error> {
        let client = self
            .client
            .take()
            .expect("a ctxmgr::postgres::Transaction is entered once; call `transaction` again");
        self.core
            .locate(&client.cancel_token(), &*client, Op::Begin)
            .await?;
        let mut builder = client.build_transaction();
        if let Some(level) = self.isolation_level {
            builder = builder.isolation_level(level);
        }
        if let Some(read_only) = self.read_only {
            builder = builder.read_only(read_only);
        }
        if let Some(deferrable) = self.deferrable {
            builder = builder.deferrable(deferrable);
        }
        // Dropped while `BEGIN` is in flight, the driver's builder queues a
        // `ROLLBACK` itself.
        let tx = builder
            .start()
            .await
            .map_err(|e| Error::new(Op::Begin, e, None))?;
        self.core.stage = Stage::Body;
        Ok(self.tx.insert(tx))
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {
        let Some(tx) = self.tx.as_mut() else {
            return Ok(());
        };
        if outcome.is_ok() {
            self.core.stage = Stage::Committing;
            // `SELECT 1` first: in a transaction an ignored error aborted,
            // it fails and the COMMIT is not run (a COMMIT there would roll
            // back and report success). The transaction stays in place, so a
            // drop mid-COMMIT still queues a ROLLBACK after it.
            match tx.batch_execute("SELECT 1; COMMIT").await {
                Ok(()) => {
                    // Committed: its `Drop` must not queue a ROLLBACK. A
                    // top-level driver transaction owns no heap memory, so
                    // forgetting it leaks nothing.
                    if let Some(tx) = self.tx.take() {
                        core::mem::forget(tx);
                    }
                    self.core.stage = Stage::Done;
                    Ok(())
                }
                Err(e) => {
                    // Refused: a failed COMMIT ended the transaction (then
                    // this ROLLBACK is a no-op warning); a failed `SELECT 1`
                    // left it aborted (then this ends it).
                    self.core.stage = Stage::RollingBack;
                    if let Some(tx) = self.tx.take() {
                        let _ = tx.rollback().await;
                    }
                    self.core.stage = Stage::Done;
                    Err(Error::new(Op::Commit, e, None))
                }
            }
        } else {
            self.core.stage = Stage::RollingBack;
            let tx = self.tx.take().expect("checked above");
            let rolled_back = tx.rollback().await;
            self.core.stage = Stage::Done;
            rolled_back.map_err(|e| Error::new(Op::Rollback, e, Some(describe(&outcome))))
        }
    }

    fn drop_exit(&mut self, _outcome: Outcome<'_>) {
        self.core.abandon(&mut self.tx);
    }
}

/// The manager [`transaction`](super::transaction) returns for a `&mut tokio_postgres::Transaction`:
/// a `SAVEPOINT`, released on `Ok` and rolled back to otherwise.
pub struct Savepoint<'t, 'c> {
    outer: Option<&'t mut tokio_postgres::Transaction<'c>>,
    sp: Option<tokio_postgres::Transaction<'t>>,
    core: Core<'t>,
}

impl fmt::Debug for Savepoint<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Savepoint")
            .field("open", &self.sp.is_some())
            .field("core", &self.core)
            .finish()
    }
}

impl<'t, 'c> Savepoint<'t, 'c> {
    pub(super) fn new(outer: &'t mut tokio_postgres::Transaction<'c>) -> Self {
        Savepoint {
            outer: Some(outer),
            sp: None,
            core: Core::default(),
        }
    }

    /// As [`Transaction::cancel_address`].
    #[must_use]
    pub fn cancel_address(mut self, address: impl Into<CancelTarget>) -> Self {
        self.core.cancel_address = Some(address.into());
        self
    }

    /// As [`Transaction::on_drop`]; [`Dropped::CommitUnknown`] means a
    /// `RELEASE` was in flight.
    #[must_use]
    pub fn on_drop(mut self, report: impl FnOnce(Dropped) + Send + 't) -> Self {
        self.core.on_drop = Some(Box::new(report));
        self
    }
}

impl<'t> AsyncContextManager for Savepoint<'t, '_> {
    type Value<'a>
        = &'a mut tokio_postgres::Transaction<'t>
    where
        Self: 'a;
    type Error = Error;

    async fn enter(&mut self) -> Result<&mut tokio_postgres::Transaction<'t>, Error> {
        let outer = self
            .outer
            .take()
            .expect("a ctxmgr::postgres::Savepoint is entered once; call `transaction` again");
        self.core
            .locate(&outer.cancel_token(), &*outer, Op::Savepoint)
            .await?;
        let sp = outer
            .transaction()
            .await
            .map_err(|e| Error::new(Op::Savepoint, e, None))?;
        self.core.stage = Stage::Body;
        Ok(self.sp.insert(sp))
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {
        let Some(sp) = self.sp.take() else {
            return Ok(());
        };
        if outcome.is_ok() {
            // RELEASE fails in a subtransaction an ignored error aborted: the
            // error says so, and the outer transaction stays aborted (its
            // COMMIT is then refused too).
            self.core.stage = Stage::Committing;
            let released = sp.commit().await;
            self.core.stage = Stage::Done;
            released.map_err(|e| Error::new(Op::Release, e, None))
        } else {
            self.core.stage = Stage::RollingBack;
            let rolled_back = sp.rollback().await;
            self.core.stage = Stage::Done;
            rolled_back.map_err(|e| Error::new(Op::RollbackTo, e, Some(describe(&outcome))))
        }
    }

    fn drop_exit(&mut self, _outcome: Outcome<'_>) {
        self.core.abandon(&mut self.sp);
    }
}

const TERMINATE: &str = "SELECT pg_terminate_backend(pg_backend_pid())";

fn describe(outcome: &Outcome<'_>) -> String {
    match outcome.error() {
        Some(e) => e.to_string(),
        None if outcome.is_panic() => "the body panicked".into(),
        None => "the body did not finish".into(),
    }
}

/// Polls a driver request future once, which sends its request to the
/// connection task, and drops it: the statement is queued, its answer
/// ignored.
fn queue<F: Future>(request: F) {
    let mut request = core::pin::pin!(request);
    let _ = request
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
}
