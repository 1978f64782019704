//! SQLite transfers with `ctxmgr::sqlite::transaction`:
//! `cargo run --example bank --features rusqlite`.
//!
//! Three transfers on a real database file: one commits, one rolls back
//! because the body fails, and one whose every statement succeeds but whose
//! COMMIT is refused (a deferred foreign key) — an error a plain
//! `rusqlite::Transaction` dropped at the end of a block would swallow.

use std::path::{Path, PathBuf};

use ctxmgr::sqlite::{self, rusqlite};
use ctxmgr::with;
use rusqlite::{params, Connection};

/// Moves `amount` from account `from` to account `to`, writing a ledger
/// line that names `ledger` as the account. All or nothing.
fn transfer(
    conn: &mut Connection,
    from: i64,
    to: i64,
    amount: i64,
    ledger: i64,
) -> rusqlite::Result<()> {
    with!(sqlite::transaction(conn) as tx, {
        tx.execute(
            "UPDATE account SET balance = balance - ?1 WHERE id = ?2",
            params![amount, from],
        )?;
        println!("    debited {amount} from account {from}");
        tx.execute(
            "UPDATE account SET balance = balance + ?1 WHERE id = ?2",
            params![amount, to],
        )?;
        println!("    credited {amount} to account {to}");
        tx.execute(
            "INSERT INTO ledger (account, amount) VALUES (?1, ?2)",
            params![ledger, amount],
        )?;
        println!("    wrote a ledger line for account {ledger}");
    }); // exit: COMMIT if the body ended Ok, ROLLBACK otherwise
    Ok(())
}

fn balances(conn: &Connection) -> rusqlite::Result<String> {
    let mut stmt = conn.prepare("SELECT id, balance FROM account ORDER BY id")?;
    let rows = stmt.query_map([], |row| {
        Ok(format!(
            "#{}: {}",
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?.join(", "))
}

fn step(
    conn: &mut Connection,
    title: &str,
    from: i64,
    to: i64,
    amount: i64,
    ledger: i64,
) -> rusqlite::Result<()> {
    println!("\n{title}");
    match transfer(conn, from, to, amount, ledger) {
        Ok(()) => println!("  => committed"),
        Err(e) => println!("  => rolled back: {e}"),
    }
    println!(
        "  balances now {}; a transaction left open: {}",
        balances(conn)?,
        !conn.is_autocommit()
    );
    Ok(())
}

fn run(path: &Path) -> rusqlite::Result<()> {
    let mut conn = Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         CREATE TABLE account (
             id INTEGER PRIMARY KEY,
             balance INTEGER NOT NULL CHECK (balance >= 0)
         );
         CREATE TABLE ledger (
             id INTEGER PRIMARY KEY,
             account INTEGER NOT NULL REFERENCES account (id) DEFERRABLE INITIALLY DEFERRED,
             amount INTEGER NOT NULL
         );
         INSERT INTO account VALUES (1, 100), (2, 0);",
    )?;
    println!("database {}: balances {}", path.display(), balances(&conn)?);

    step(&mut conn, "1. transfer 30 from #1 to #2", 1, 2, 30, 1)?;
    step(
        &mut conn,
        "2. transfer 500 from #1 to #2 (more than #1 has: the CHECK fails, `?` leaves the body)",
        1,
        2,
        500,
        1,
    )?;
    step(
        &mut conn,
        "3. transfer 10, with a ledger line for account #99, which does not exist\n   \
         (the foreign key is deferred: every statement succeeds, COMMIT refuses)",
        1,
        2,
        10,
        99,
    )?;
    Ok(())
}

fn main() -> rusqlite::Result<()> {
    let dir: PathBuf = std::env::temp_dir().join(format!("ctxmgr-bank-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let result = run(&dir.join("bank.sqlite"));
    let _ = std::fs::remove_dir_all(&dir);
    result
}
