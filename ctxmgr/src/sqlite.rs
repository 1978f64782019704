//! SQLite transactions as context managers: Python's `with conn:` for
//! [`rusqlite`] (feature `rusqlite`).
//!
//! [`transaction`] begins a transaction on enter, and on exit commits it if
//! the body ended [`Ok`](crate::Outcome::Ok) or rolls it back on any other
//! outcome (`?`, `return Err(..)`, a panic, an unseen path). Unlike
//! `rusqlite::Transaction`'s `Drop`, which rolls back silently, a `COMMIT`
//! that fails (a deferred foreign key, a busy database, a full disk) is the
//! error `with!` returns — and the transaction is rolled back, so the
//! connection is never left inside it.
//!
//! The crate is re-exported as [`ctxmgr::sqlite::rusqlite`](rusqlite), so
//! your code names the same version ctxmgr uses. ctxmgr does not choose how
//! SQLite is linked: for a bundled SQLite (no system library), also depend
//! on `rusqlite` with its `bundled` feature (Cargo unifies the two).
//!
//! ```
//! use ctxmgr::sqlite::{
//!     self,
//!     rusqlite::{params, Connection},
//! };
//! use ctxmgr::with;
//!
//! fn transfer(conn: &mut Connection, from: i64, to: i64, amount: i64) -> rusqlite::Result<()> {
//!     with!(sqlite::transaction(conn) as tx, {
//!         tx.execute(
//!             "UPDATE account SET balance = balance - ?1 WHERE id = ?2",
//!             params![amount, from],
//!         )?;
//!         tx.execute(
//!             "UPDATE account SET balance = balance + ?1 WHERE id = ?2",
//!             params![amount, to],
//!         )?;
//!     });
//!     Ok(())
//! }
//! # use ctxmgr::sqlite::rusqlite;
//!
//! let mut conn = Connection::open_in_memory()?;
//! conn.execute_batch(
//!     "CREATE TABLE account (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL CHECK (balance >= 0));
//!      INSERT INTO account VALUES (1, 100), (2, 0);",
//! )?;
//! transfer(&mut conn, 1, 2, 30)?; // commits
//! assert!(transfer(&mut conn, 1, 2, 500).is_err()); // CHECK fails: `?` rolls back
//! let balances: Vec<i64> = conn
//!     .prepare("SELECT balance FROM account ORDER BY id")?
//!     .query_map([], |row| row.get(0))?
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(balances, [70, 30]);
//! assert!(conn.is_autocommit()); // no transaction left open
//! # Ok::<(), rusqlite::Error>(())
//! ```

pub use rusqlite;

use rusqlite::{Connection, TransactionBehavior};

use crate::{ContextManager, Outcome};

/// A transaction on `conn` as a context manager — Python's `with conn:`.
///
/// * Enter runs `BEGIN DEFERRED` (choose another with
///   [`behavior`](Transaction::behavior)) and binds
///   `&rusqlite::Transaction`, which derefs to the [`Connection`] (`execute`,
///   `prepare`, `query_row`, …). If `BEGIN` fails, the body does not run.
/// * Exit, on [`Outcome::Ok`], runs `COMMIT`. If that fails, exit rolls
///   back and returns the `COMMIT` error: it is what `with!` returns, and the
///   connection is out of the transaction ([`Connection::is_autocommit`]).
/// * Exit, on every other outcome (`?`, `return Err(..)`, a panic, an
///   unseen path), runs `ROLLBACK`. A failing `ROLLBACK` is the error
///   `with!` returns (replacing the body's, as every exit error does); while
///   a panic unwinds it is dropped. If the body's own SQL already ended the
///   transaction, there is nothing to roll back.
///
/// The `&mut` borrow keeps the rest of your code off the connection while the
/// manager lives. Reusable: enter it again (`with!(&mut t ..)`) for another
/// transaction.
///
/// See the [module docs](self) for an example.
///
/// ```
/// use ctxmgr::sqlite::{self, rusqlite::Connection};
/// use ctxmgr::with;
///
/// fn setup(conn: &mut Connection, fail: bool) -> ctxmgr::sqlite::rusqlite::Result<()> {
///     with!(sqlite::transaction(conn) as tx, {
///         tx.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")?;
///         if fail {
///             tx.execute("INSERT INTO nowhere VALUES (1)", [])?; // fails: rolls back
///         }
///     });
///     Ok(())
/// }
/// let mut conn = Connection::open_in_memory().unwrap();
/// assert!(setup(&mut conn, true).is_err());
/// assert!(conn.prepare("SELECT x FROM t").is_err()); // no table: rolled back
/// setup(&mut conn, false).unwrap();
/// let x: i64 = conn.query_row("SELECT x FROM t", [], |r| r.get(0)).unwrap();
/// assert_eq!(x, 1);
/// ```
#[must_use = "`transaction` does nothing until entered, e.g. with `with!`"]
pub fn transaction(conn: &mut Connection) -> Transaction<'_> {
    Transaction {
        conn,
        behavior: TransactionBehavior::Deferred,
        tx: None,
    }
}

/// The manager returned by [`transaction`].
///
/// Reused for several transactions in a row:
///
/// ```
/// use ctxmgr::sqlite::{self, rusqlite::Connection};
/// use ctxmgr::with;
///
/// let mut conn = Connection::open_in_memory()?;
/// conn.execute_batch("CREATE TABLE log (line TEXT)")?;
/// let mut tx = sqlite::transaction(&mut conn);
/// for line in ["one", "two"] {
///     with!(&mut tx as t, {
///         t.execute("INSERT INTO log VALUES (?1)", [line])?;
///     });
/// }
/// drop(tx);
/// let n: i64 = conn.query_row("SELECT count(*) FROM log", [], |r| r.get(0))?;
/// assert_eq!(n, 2);
/// # Ok::<(), ctxmgr::sqlite::rusqlite::Error>(())
/// ```
pub struct Transaction<'c> {
    /// Exclusive for `'c`: [`transaction`] took `&'c mut`.
    conn: &'c Connection,
    behavior: TransactionBehavior,
    tx: Option<rusqlite::Transaction<'c>>,
}

impl core::fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Transaction")
            .field("open", &self.tx.is_some())
            .finish_non_exhaustive()
    }
}

impl Transaction<'_> {
    /// How `BEGIN` locks the database: `Deferred` (the default),
    /// `Immediate` or `Exclusive`.
    ///
    /// ```
    /// use ctxmgr::sqlite::{
    ///     self,
    ///     rusqlite::{Connection, TransactionBehavior},
    /// };
    /// use ctxmgr::with;
    ///
    /// let mut conn = Connection::open_in_memory()?;
    /// with!(
    ///     sqlite::transaction(&mut conn).behavior(TransactionBehavior::Immediate) as tx,
    ///     {
    ///         tx.execute_batch("CREATE TABLE t (x)")?;
    ///     }
    /// );
    /// # Ok::<(), ctxmgr::sqlite::rusqlite::Error>(())
    /// ```
    #[must_use]
    pub fn behavior(mut self, behavior: TransactionBehavior) -> Self {
        self.behavior = behavior;
        self
    }
}

impl<'c> ContextManager for Transaction<'c> {
    type Value<'a>
        = &'a rusqlite::Transaction<'c>
    where
        Self: 'a;
    type Error = rusqlite::Error;

    fn enter(&mut self) -> rusqlite::Result<&rusqlite::Transaction<'c>> {
        // "Unchecked" only because rusqlite cannot see that `conn` came from
        // a `&mut` that this manager holds for `'c`.
        // The transaction keeps rusqlite's drop behaviour (roll back) for a
        // manager entered by hand and dropped without exit.
        let tx = rusqlite::Transaction::new_unchecked(self.conn, self.behavior)?;
        Ok(self.tx.insert(tx))
    }

    fn exit(&mut self, outcome: Outcome<'_>) -> rusqlite::Result<()> {
        let Some(tx) = self.tx.take() else {
            return Ok(());
        };
        if outcome.is_ok() {
            // A COMMIT that fails can leave the transaction open (a deferred
            // constraint, SQLITE_BUSY); rusqlite's drop of `tx` then rolls
            // it back. Make sure, and keep the COMMIT error: a ROLLBACK error
            // would hide the one that matters.
            let committed = tx.commit();
            if committed.is_err() && !self.conn.is_autocommit() {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
            committed
        } else if self.conn.is_autocommit() {
            // The body's SQL already ended the transaction.
            Ok(())
        } else {
            tx.rollback()
        }
    }
}
