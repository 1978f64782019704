//! `ctxmgr::sqlite::transaction` (feature `rusqlite`) against a real SQLite
//! database file: commit on `Ok`, roll back on `?`, `return Err`, panic,
//! and a failed COMMIT (a deferred foreign key) is the error `with!`
//! returns, with no transaction left open.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ctxmgr::sqlite::{self, rusqlite};
use ctxmgr::{with, ContextManager, Guard, Outcome};
use ctxmgr_tests::panic_message;
use rusqlite::{params, Connection, ErrorCode, TransactionBehavior};

/// A database file in a fresh temporary directory, with COMMIT and ROLLBACK
/// logged by SQLite's own hooks.
struct Bank {
    _dir: tempfile::TempDir,
    path: PathBuf,
    conn: Connection,
    events: Arc<Mutex<Vec<&'static str>>>,
}

impl Bank {
    fn open() -> Bank {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bank.sqlite");
        let mut conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA foreign_keys = ON;
             CREATE TABLE account (
                 id INTEGER PRIMARY KEY,
                 balance INTEGER NOT NULL CHECK (balance >= 0)
             );
             CREATE TABLE ledger (
                 id INTEGER PRIMARY KEY,
                 account INTEGER NOT NULL
                     REFERENCES account (id) DEFERRABLE INITIALLY DEFERRED,
                 amount INTEGER NOT NULL
             );
             INSERT INTO account VALUES (1, 100), (2, 0);",
        )
        .unwrap();
        let events = Arc::new(Mutex::new(Vec::new()));
        let e = events.clone();
        conn.commit_hook(Some(move || {
            e.lock().unwrap().push("COMMIT");
            false
        }))
        .unwrap();
        let e = events.clone();
        conn.rollback_hook(Some(move || e.lock().unwrap().push("ROLLBACK")))
            .unwrap();
        Bank {
            _dir: dir,
            path,
            conn,
            events,
        }
    }

    fn events(&self) -> Vec<&'static str> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }

    /// Balances and ledger rows as another connection to the file sees them.
    fn on_disk(&self) -> (Vec<i64>, usize) {
        let other = Connection::open(&self.path).unwrap();
        let balances = other
            .prepare("SELECT balance FROM account ORDER BY id")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<Vec<i64>, _>>()
            .unwrap();
        let rows: i64 = other
            .query_row("SELECT count(*) FROM ledger", [], |row| row.get(0))
            .unwrap();
        (balances, rows as usize)
    }
}

/// The body of every transfer: debit, credit, and a ledger row for the
/// account `ledger_account` (which may not exist: checked at COMMIT).
fn moves(tx: &rusqlite::Transaction<'_>, amount: i64, ledger_account: i64) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE account SET balance = balance - ?1 WHERE id = 1",
        params![amount],
    )?;
    tx.execute(
        "UPDATE account SET balance = balance + ?1 WHERE id = 2",
        params![amount],
    )?;
    tx.execute(
        "INSERT INTO ledger (account, amount) VALUES (?1, ?2)",
        params![ledger_account, amount],
    )?;
    Ok(())
}

#[test]
fn a_transfer_that_succeeds_commits() {
    let mut bank = Bank::open();
    let run = |conn: &mut Connection| -> rusqlite::Result<&'static str> {
        with!(sqlite::transaction(conn) as tx, {
            assert!(!tx.is_autocommit(), "inside a transaction");
            moves(tx, 30, 1)?;
        });
        Ok("done")
    };
    assert_eq!(run(&mut bank.conn), Ok("done"));
    assert_eq!(bank.events(), ["COMMIT"]);
    assert!(bank.conn.is_autocommit());
    assert_eq!(bank.on_disk(), (vec![70, 30], 1));
}

#[test]
fn a_transfer_that_fails_by_question_mark_rolls_back() {
    let mut bank = Bank::open();
    let run = |conn: &mut Connection| -> rusqlite::Result<()> {
        with!(sqlite::transaction(conn) as tx, {
            moves(tx, 30, 1)?; // applied inside the transaction...
            moves(tx, 500, 1)?; // ...then the CHECK on the balance fails
        });
        Ok(())
    };
    let err = run(&mut bank.conn).unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(ErrorCode::ConstraintViolation)
    );
    assert!(err.to_string().contains("CHECK"), "{err}");
    assert_eq!(bank.events(), ["ROLLBACK"]);
    assert!(bank.conn.is_autocommit());
    assert_eq!(bank.on_disk(), (vec![100, 0], 0));
}

#[test]
fn a_transfer_that_returns_an_error_rolls_back() {
    #[derive(Debug, PartialEq)]
    enum BankError {
        Sql,
        Refused,
    }
    impl From<rusqlite::Error> for BankError {
        fn from(_: rusqlite::Error) -> Self {
            BankError::Sql
        }
    }
    let mut bank = Bank::open();
    let run = |conn: &mut Connection| -> Result<(), BankError> {
        with!(sqlite::transaction(conn) as tx, {
            moves(tx, 30, 1)?;
            return Err(BankError::Refused);
        });
    };
    assert_eq!(run(&mut bank.conn), Err(BankError::Refused));
    assert_eq!(bank.events(), ["ROLLBACK"]);
    assert!(bank.conn.is_autocommit());
    assert_eq!(bank.on_disk(), (vec![100, 0], 0));
}

#[test]
fn a_transfer_that_panics_rolls_back() {
    let mut bank = Bank::open();
    let msg = panic_message(std::panic::AssertUnwindSafe(|| {
        let _ = (|| -> rusqlite::Result<()> {
            with!(sqlite::transaction(&mut bank.conn) as tx, {
                moves(tx, 30, 1)?;
                panic!("teller fainted");
            });
        })();
    }));
    assert_eq!(msg, "teller fainted");
    assert_eq!(bank.events(), ["ROLLBACK"]);
    assert!(bank.conn.is_autocommit());
    assert_eq!(bank.on_disk(), (vec![100, 0], 0));
}

/// Every statement of the body succeeds, but the deferred foreign key is
/// checked at COMMIT, which fails: that error is what `with!` returns, and
/// the transaction is rolled back, not left open.
#[test]
fn a_transfer_whose_commit_fails_on_a_deferred_foreign_key_returns_that_error_and_rolls_back() {
    let mut bank = Bank::open();
    let mut body_finished = false;
    let mut run = |conn: &mut Connection| -> rusqlite::Result<()> {
        with!(sqlite::transaction(conn) as tx, {
            moves(tx, 30, 99)?; // account 99 does not exist: not checked yet
            body_finished = true;
        });
        Ok(())
    };
    let err = run(&mut bank.conn).unwrap_err();
    assert!(body_finished);
    assert_eq!(
        err.sqlite_error_code(),
        Some(ErrorCode::ConstraintViolation)
    );
    assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
    assert!(bank.conn.is_autocommit(), "no transaction left open");
    // SQLite's commit hook fires only for a COMMIT that goes ahead: the
    // foreign key check refused this one first. Then exit rolled back.
    assert_eq!(bank.events(), ["ROLLBACK"]);
    assert_eq!(bank.on_disk(), (vec![100, 0], 0));
    // The connection is usable: the next transfer commits.
    with_ok(&mut bank.conn);
    assert_eq!(bank.on_disk(), (vec![70, 30], 1));
}

fn with_ok(conn: &mut Connection) {
    (|| -> rusqlite::Result<()> {
        with!(sqlite::transaction(conn) as tx, {
            moves(tx, 30, 1)?;
        });
        Ok(())
    })()
    .unwrap();
}

#[test]
fn a_failing_begin_skips_the_body() {
    let mut bank = Bank::open();
    bank.conn.execute_batch("BEGIN").unwrap(); // already inside one
    let mut ran = false;
    let err = (|| -> rusqlite::Result<()> {
        with!(sqlite::transaction(&mut bank.conn), {
            ran = true;
        });
        Ok(())
    })()
    .unwrap_err();
    assert!(!ran);
    assert!(err.to_string().contains("within a transaction"), "{err}");
    bank.conn.execute_batch("ROLLBACK").unwrap();
}

/// The body may end the transaction with its own SQL; on a failure path
/// there is then nothing to roll back and the body's error propagates.
#[test]
fn a_body_that_rolled_back_itself_gets_its_own_error() {
    let mut bank = Bank::open();
    let err = (|| -> Result<(), Box<dyn std::error::Error>> {
        with!(sqlite::transaction(&mut bank.conn) as tx, {
            moves(tx, 30, 1)?;
            tx.execute_batch("ROLLBACK")?;
            Err("gave up")?;
        });
        Ok(())
    })()
    .unwrap_err();
    assert_eq!(err.to_string(), "gave up");
    assert!(bank.conn.is_autocommit());
    assert_eq!(bank.on_disk(), (vec![100, 0], 0));
}

#[test]
fn the_manager_is_reusable_and_takes_a_begin_behavior() {
    let mut bank = Bank::open();
    let mut t = sqlite::transaction(&mut bank.conn).behavior(TransactionBehavior::Immediate);
    for _ in 0..2 {
        (|| -> rusqlite::Result<()> {
            with!(&mut t as tx, {
                moves(tx, 10, 1)?;
            });
            Ok(())
        })()
        .unwrap();
    }
    drop(t);
    assert_eq!(bank.events(), ["COMMIT", "COMMIT"]);
    assert_eq!(bank.on_disk(), (vec![80, 20], 2));
}

/// A guard dropped on a path nobody saw reports `Unseen`: never a commit.
#[test]
fn an_unseen_path_rolls_back() {
    let mut bank = Bank::open();
    {
        let mut guard = Guard::new(sqlite::transaction(&mut bank.conn));
        moves(guard.enter().unwrap(), 30, 1).unwrap();
        // dropped without finish
    }
    assert_eq!(bank.events(), ["ROLLBACK"]);
    assert!(bank.conn.is_autocommit());
    assert_eq!(bank.on_disk(), (vec![100, 0], 0));
    let mut t = sqlite::transaction(&mut bank.conn);
    assert_eq!(
        t.exit(Outcome::Ok),
        Ok(()),
        "exit without enter does nothing"
    );
}
