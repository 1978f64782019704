//! `BEGIN` on a borrowed connection, and what a drop while it is in flight
//! leaves behind.
//!
//! sqlx 0.9's `begin`, dropped before it ends, queues a `ROLLBACK` into the
//! connection's write buffer (its own guard does, once `BEGIN` was queued).
//! On PostgreSQL that buffer is sent only by the connection's next use: the
//! server holds an empty open transaction until then, indefinitely if there
//! is none. The `begin` future owns the `&'c mut` borrow of the connection,
//! so once it is dropped nobody holding only safe references can reach the
//! connection again to send what it queued. [`BeginInFlight`] keeps a
//! pointer to the connection beside the `begin` future and, when dropped
//! before `begin` succeeded, drops the future first and then pushes the
//! queued `ROLLBACK` onto the wire ([`Backend::push_queued`]).

use core::future::{poll_fn, Future};
use core::marker::PhantomData;
use core::pin::Pin;
use core::ptr::NonNull;
use std::boxed::Box;
use std::string::String;

use sqlx::Connection as _;

use super::backend::Backend;

type BeginFuture<'c, DB> =
    Pin<Box<dyn Future<Output = Result<sqlx::Transaction<'c, DB>, sqlx::Error>> + Send + 'c>>;

/// A `begin` in flight on a connection borrowed for `'c`.
pub(super) struct BeginInFlight<'c, DB: Backend> {
    /// `None` once it has succeeded (the transaction now holds the borrow).
    begin: Option<BeginFuture<'c, DB>>,
    conn: Connection<DB::Connection>,
    _borrow: PhantomData<&'c mut DB::Connection>,
}

/// The connection's address, made from its `&'c mut` borrow. It stands for
/// that borrow: see the `SAFETY` notes in [`BeginInFlight`].
struct Connection<C>(NonNull<C>);

// SAFETY: a `Connection<C>` is used exactly as the `&'c mut C` it was made
// from would be (once, and only from the thread that owns it at the time),
// and `&mut C` is `Send` when `C` is.
#[allow(unsafe_code)]
unsafe impl<C: Send> Send for Connection<C> {}

impl<'c, DB: Backend> BeginInFlight<'c, DB> {
    /// Starts `begin` (or `begin_with(statement)`) on `conn`. Nothing is sent
    /// until [`run`](Self::run) is polled.
    pub(super) fn new(conn: &'c mut DB::Connection, statement: Option<String>) -> Self {
        let ptr = NonNull::from(conn);
        // SAFETY: `ptr` comes from a `&'c mut` that this function consumed,
        // so it is valid and unaliased for `'c`. This reborrow is the only
        // reference made from it while `begin` (and, after it succeeds, the
        // transaction it returns) may use it: `Drop` makes the second one
        // only after dropping `begin`, and only if `begin` did not succeed
        // (then no transaction holds the first one either).
        #[allow(unsafe_code)]
        let reborrow: &'c mut DB::Connection = unsafe { &mut *ptr.as_ptr() };
        let begin: BeginFuture<'c, DB> = match statement {
            None => Box::pin(reborrow.begin()),
            Some(sql) => Box::pin(reborrow.begin_with(sqlx::AssertSqlSafe(sql))),
        };
        BeginInFlight {
            begin: Some(begin),
            conn: Connection(ptr),
            _borrow: PhantomData,
        }
    }

    /// Awaits `begin`. Dropped before it ends, or after it failed, the
    /// guard pushes out the `ROLLBACK` that sqlx queued.
    pub(super) async fn run(mut self) -> Result<sqlx::Transaction<'c, DB>, sqlx::Error> {
        let result = poll_fn(|cx| match self.begin.as_mut() {
            Some(begin) => begin.as_mut().poll(cx),
            None => unreachable!("polled after it succeeded"),
        })
        .await;
        if result.is_ok() {
            // Succeeded: the transaction holds the borrow now; the guard
            // must not touch the connection. (A finished `begin` holds
            // nothing: dropping it queues nothing.)
            self.begin = None;
        }
        result
    }
}

impl<DB: Backend> Drop for BeginInFlight<'_, DB> {
    fn drop(&mut self) {
        // `None`: `begin` succeeded, the transaction owns the connection.
        let Some(begin) = self.begin.take() else {
            return;
        };
        // sqlx's guards queue the ROLLBACK here.
        drop(begin);
        // SAFETY: the only other reference made from the pointer was the
        // reborrow `begin` held, and `begin` is gone: it never returned a
        // transaction (it failed, or never ended). So this is the only live
        // reference to the connection, for the length of this call.
        #[allow(unsafe_code)]
        let conn = unsafe { &mut *self.conn.0.as_ptr() };
        DB::push_queued(conn);
    }
}
