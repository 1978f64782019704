//! A borrowed PostgreSQL connection's transaction, dropped while a statement
//! of its body may still run: cancel that statement from a side connection,
//! synchronously and bounded, and only then queue the `ROLLBACK`.
//!
//! sqlx 0.9 does not expose a connection's cancel key, so the protocol's
//! cancel request cannot be built; `pg_cancel_backend(pid)` from another
//! connection is the means left, and that connection needs the options that
//! [`cancel_with`](super::ConnectionTransaction::cancel_with) gives.
//!
//! Order is what makes it safe: the cancel has been *run by the server*
//! (the signal sent to the backend) before anything else is queued on the
//! connection, so it can only reach the abandoned statement (or find the
//! backend idle, where PostgreSQL ignores it). Then the `ROLLBACK`, then
//! every pending answer read, so the connection's next statement neither
//! meets the cancel nor reports the abandoned statement's error.

use core::future::Future as _;
use core::pin::pin;
use core::task::{Context, Poll, Waker};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgConnection, PgTransactionManager, Postgres};
use sqlx::Connection as _;
use sqlx_core::transaction::TransactionManager as _;

use super::options::StatementCancel;

/// The side connection's cancel must be answered within this (connecting
/// included)...
const CANCEL: Duration = Duration::from_millis(1000);
/// ... or, once sent, within this much more: until then nothing else is
/// queued on the connection.
const GRACE: Duration = Duration::from_millis(1000);
/// A cancel the statement did not answer within this is sent again (it may
/// have come before the backend began the statement), for up to
/// [`CANCEL`] in all.
const RECANCEL: Duration = Duration::from_millis(50);
/// After the cancel, the `ROLLBACK`'s answer is read within this.
const SETTLE: Duration = Duration::from_millis(1000);

/// Queues `ROLLBACK` (`ROLLBACK TO SAVEPOINT`) as sqlx's own `Drop` does,
/// then pushes it onto the wire now (see [`flush_once`]).
pub(super) fn roll_back_now(tx: &mut sqlx::Transaction<'_, Postgres>) {
    PgTransactionManager::start_rollback(tx);
    flush_once(tx);
}

/// sqlx's `flush` polled once: writes the connection's buffer to the socket
/// without blocking (and consumes what it wrote, so the next use goes on
/// from there; it reads the pending answers first).
pub(super) fn flush_once(conn: &mut PgConnection) {
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut cx = Context::from_waker(Waker::noop());
        let _ = poll_idle(conn, &mut cx);
    }));
}

/// Polls the connection once towards idle: sends what is buffered, reads
/// the answers that have arrived. A database error among them (the answer
/// of an abandoned statement) is consumed and reading goes on.
/// `Ready(true)`: every answer is in, nothing of ours runs on the server;
/// `Ready(false)`: the connection failed.
fn poll_idle(conn: &mut PgConnection, cx: &mut Context<'_>) -> Poll<bool> {
    loop {
        let mut flush = pin!(conn.flush());
        match flush.as_mut().poll(cx) {
            Poll::Ready(Ok(())) => return Poll::Ready(true),
            Poll::Ready(Err(sqlx::Error::Database(_))) => {}
            Poll::Ready(Err(_)) => return Poll::Ready(false),
            Poll::Pending => return Poll::Pending,
        }
    }
}

/// Whether a statement may still run: some answer has not arrived yet.
/// Cheap: one read attempt that does not block.
pub(super) fn may_be_running(conn: &mut PgConnection) -> bool {
    let mut cx = Context::from_waker(Waker::noop());
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        poll_idle(conn, &mut cx).is_pending()
    }))
    .unwrap_or(false)
}

/// Cancels the backend `pid`'s statement from a side connection, then
/// rolls back and settles the connection. On a tokio runtime that is not
/// multi-thread the connection's socket cannot make progress while this
/// thread blocks (nobody drives its reactor), so nothing is sent there: the
/// `ROLLBACK` is queued as without `cancel_with`.
pub(super) fn cancel_then_roll_back(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    options: &Arc<PgConnectOptions>,
    pid: i32,
) -> StatementCancel {
    let multi_thread = ::tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == ::tokio::runtime::RuntimeFlavor::MultiThread);
    if !multi_thread {
        roll_back_now(tx);
        return StatementCancel::NotSent;
    }
    let mut started = false;
    let depth = PgTransactionManager::get_transaction_depth(tx);
    // The worker's other tasks (and the reactor that the settling below
    // needs) move to another thread while this one blocks. It panics in a
    // `LocalSet`, before running the closure: then as without the runtime.
    let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ::tokio::task::block_in_place(|| {
            started = true;
            cancel_blocking(tx, options, pid)
        })
    }));
    match done {
        Ok(done) => done,
        Err(_) => {
            // Whatever panicked, the ROLLBACK is queued exactly once.
            if PgTransactionManager::get_transaction_depth(tx) == depth {
                roll_back_now(tx);
            }
            if started {
                StatementCancel::Unconfirmed
            } else {
                StatementCancel::NotSent
            }
        }
    }
}

fn cancel_blocking(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    options: &Arc<PgConnectOptions>,
    pid: i32,
) -> StatementCancel {
    let began = Instant::now();
    // Cancel until the connection has read every answer: a cancel that
    // arrives while the backend still reads the statement's messages (or
    // between them: `Parse`, `Bind`, `Execute`) is ignored by PostgreSQL,
    // and the statement then runs. Nothing else is queued meanwhile, so
    // each cancel can only reach the abandoned statement.
    let mut first = true;
    loop {
        // The first cancel may take all of `CANCEL`; a later one what is
        // left of it.
        let budget = CANCEL.saturating_sub(began.elapsed());
        match side_cancel(options, pid, budget) {
            Side::Confirmed => {}
            Side::NotSent if first => {
                roll_back_now(tx);
                return StatementCancel::NotSent;
            }
            // A cancel did go through before: the statement may have
            // ignored it; it runs to its end, the ROLLBACK follows it.
            Side::NotSent => {
                roll_back_now(tx);
                return StatementCancel::Confirmed {
                    took: began.elapsed(),
                    settled: false,
                };
            }
            Side::Unconfirmed => {
                roll_back_now(tx);
                return StatementCancel::Unconfirmed;
            }
        }
        first = false;
        match settle(tx, Instant::now() + RECANCEL) {
            Settled::Idle => break,
            Settled::Broken => {
                // Queued all the same: the transaction is never left open
                // in sqlx's count.
                roll_back_now(tx);
                return StatementCancel::Confirmed {
                    took: began.elapsed(),
                    settled: false,
                };
            }
            Settled::Waiting if began.elapsed() >= CANCEL => {
                roll_back_now(tx);
                return StatementCancel::Confirmed {
                    took: began.elapsed(),
                    settled: false,
                };
            }
            Settled::Waiting => {}
        }
    }
    // Idle: the abandoned statement is over, no cancel is in flight.
    PgTransactionManager::start_rollback(tx);
    let settled = settle(tx, Instant::now() + SETTLE) == Settled::Idle;
    StatementCancel::Confirmed {
        took: began.elapsed(),
        settled,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Settled {
    /// Every answer read.
    Idle,
    /// The connection failed.
    Broken,
    /// Still waiting for an answer at the deadline.
    Waiting,
}

/// Drives the connection until every pending answer is read, this thread
/// parked in between (the reactor runs on another worker).
fn settle(conn: &mut PgConnection, deadline: Instant) -> Settled {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match poll_idle(conn, &mut cx) {
            Poll::Ready(true) => return Settled::Idle,
            Poll::Ready(false) => return Settled::Broken,
            Poll::Pending => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Settled::Waiting;
                }
                thread::park_timeout(left);
            }
        }
    }
}

struct Unpark(thread::Thread);

impl std::task::Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// The server ran `pg_cancel_backend`: the signal is sent.
    Confirmed,
    /// Never sent (or refused by the server): no signal will come.
    NotSent,
    /// Sent, unanswered: a signal may still come.
    Unconfirmed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Connecting,
    Sent,
    Done(Side),
    /// The caller stopped waiting before the query was sent: do not send it.
    GaveUp,
}

type Shared = Arc<(Mutex<State>, Condvar)>;

fn set(shared: &Shared, state: State) {
    let (lock, changed) = &**shared;
    if let Ok(mut s) = lock.lock() {
        *s = state;
        changed.notify_all();
    }
}

/// `SELECT pg_cancel_backend(pid)` on a new connection, on a thread of its
/// own with its own current-thread runtime (the caller may be a tokio
/// worker, which must not `block_on`), waited for with a bound: `budget`
/// until it is sent (then it never will be), and [`GRACE`] more for its
/// answer.
fn side_cancel(options: &Arc<PgConnectOptions>, pid: i32, budget: Duration) -> Side {
    let shared: Shared = Arc::new((Mutex::new(State::Connecting), Condvar::new()));
    let theirs = shared.clone();
    let options = options.clone();
    let spawned = thread::Builder::new()
        .name("ctxmgr-sqlx-cancel".into())
        .spawn(move || side_thread(&theirs, &options, pid));
    if spawned.is_err() {
        return Side::NotSent;
    }
    let (lock, changed) = &*shared;
    let Ok(mut state) = lock.lock() else {
        return Side::Unconfirmed;
    };
    let began = Instant::now();
    loop {
        let waited = began.elapsed();
        match *state {
            State::Done(side) => return side,
            State::Connecting if waited >= budget => {
                *state = State::GaveUp;
                return Side::NotSent;
            }
            State::Sent if waited >= budget + GRACE => return Side::Unconfirmed,
            State::GaveUp => return Side::NotSent,
            State::Connecting | State::Sent => {}
        }
        let until = if *state == State::Connecting {
            budget
        } else {
            budget + GRACE
        };
        state = match changed.wait_timeout(state, until.saturating_sub(waited)) {
            Ok((s, _)) => s,
            Err(_) => return Side::Unconfirmed,
        };
    }
}

fn side_thread(shared: &Shared, options: &PgConnectOptions, pid: i32) {
    let Ok(runtime) = ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        set(shared, State::Done(Side::NotSent));
        return;
    };
    runtime.block_on(async {
        let connected = ::tokio::time::timeout(CANCEL, PgConnection::connect_with(options)).await;
        let Ok(Ok(mut side)) = connected else {
            set(shared, State::Done(Side::NotSent));
            return;
        };
        let gave_up = {
            let (lock, _) = &**shared;
            let Ok(mut state) = lock.lock() else { return };
            let gave_up = *state == State::GaveUp;
            if !gave_up {
                *state = State::Sent;
            }
            gave_up
        };
        if gave_up {
            let _ = side.close().await;
            return;
        }
        let ran = sqlx::query("SELECT pg_cancel_backend($1)")
            .bind(pid)
            .execute(&mut side)
            .await;
        set(
            shared,
            State::Done(match ran {
                Ok(_) => Side::Confirmed,
                // The server answered with an error: it did not signal.
                Err(sqlx::Error::Database(_)) => Side::NotSent,
                Err(_) => Side::Unconfirmed,
            }),
        );
        let _ = side.close().await;
    });
}
