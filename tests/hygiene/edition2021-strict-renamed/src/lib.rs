//! Edition 2021, the dependency renamed to `cm`, and strict lints: the
//! expansions find the runtime crate with no annotation and add no warning.
#![deny(
    warnings,
    unused_qualifications,
    clippy::pedantic,
    missing_docs,
    missing_debug_implementations,
    rust_2018_idioms,
    unused_lifetimes,
    unreachable_pub
)]

use std::fmt::Display;

use cm::{with, ContextManager, Outcome};

/// A transaction over a log: commits on `Ok`, rolls back otherwise.
#[derive(ContextManager, Debug)]
pub struct Transaction<'l, T>
where
    T: Display,
{
    log: &'l mut Vec<String>,
    pending: Vec<T>,
}

impl<'l, T: Display> Transaction<'l, T> {
    /// A transaction writing to `log`.
    pub fn new(log: &'l mut Vec<String>) -> Self {
        Transaction {
            log,
            pending: Vec::new(),
        }
    }

    /// Stages a row.
    pub fn insert(&mut self, row: T) {
        self.pending.push(row);
    }
}

#[cm::context_manager]
impl<T> Transaction<'_, T>
where
    T: Display,
{
    #[enter]
    fn begin(&mut self) -> Result<&mut Self, String> {
        if self.log.last().is_some_and(|l| l == "closed") {
            return Err("closed".into());
        }
        self.log.push("begin".into());
        Ok(self)
    }

    #[exit]
    fn end(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
        let pending = std::mem::take(&mut self.pending);
        if outcome.is_panic() {
            return Err("panicked".into());
        }
        if outcome.is_ok() {
            self.log.extend(pending.iter().map(ToString::to_string));
            self.log.push("commit".into());
        } else {
            self.log.push("rollback".into());
        }
        Ok(())
    }
}

/// Inserts `rows`, failing on a negative one.
///
/// # Errors
///
/// A negative row.
pub fn insert_all(log: &mut Vec<String>, rows: &[i32]) -> Result<(), String> {
    with!(Transaction::new(log) as tx => {
        for &row in rows {
            if row < 0 {
                Err(format!("negative {row}"))?;
            }
            tx.insert(row);
        }
    });
    Ok(())
}

/// The same through the named guard.
///
/// # Errors
///
/// When the log is closed.
pub fn insert_by_guard(log: &mut Vec<String>, row: i32) -> Result<(), String> {
    let mut tx = Transaction::new(log);
    let mut guard = TransactionGuard::enter(&mut tx)?;
    guard.insert(row);
    TransactionGuard::finish(guard, Outcome::Ok)
}

/// Brackets a section of `log`: a manager from one function.
///
/// # Errors
///
/// When the log is closed (enter), or the section is empty (exit).
#[cm::contextmanager]
pub fn section(log: &mut Vec<String>, name: &str) -> Result<usize, String> {
    if log.last().is_some_and(|l| l == "closed") {
        return Err("closed".into());
    }
    log.push(format!("<{name}>"));
    let start = log.len();
    let outcome = yield_!(start);
    if name.is_empty() {
        Err("unnamed section".to_string())?;
    }
    log.push(format!("</{name}> ok={}", outcome.is_ok()));
}

/// Doubles `n` inside a section: a function decorated with a manager.
///
/// # Errors
///
/// When the log is closed, or `n` is negative.
#[cm::wrap(section(log, "double") as start)]
pub fn double(log: &mut Vec<String>, n: i32) -> Result<(usize, i32), String> {
    if n < 0 {
        return Err(format!("negative {n}"));
    }
    Ok((start, n * 2))
}

macro_rules! ensure {
    ($cond:expr, $err:expr) => {
        if !$cond {
            return Err($err);
        }
    };
}

/// Inserts `row` unless it is zero: an early-return macro in the body.
///
/// # Errors
///
/// When the log is closed, or `row` is zero.
pub fn insert_nonzero(log: &mut Vec<String>, row: i32) -> Result<(), String> {
    with!(Transaction::new(log) as tx => {
        ensure!(row != 0, "zero".to_string());
        tx.insert(row);
    });
    Ok(())
}

macro_rules! give_up {
    ($err:expr) => {
        return Err($err)
    };
}

/// Inserts `row` unless it is negative, leaving through a macro `with!`
/// cannot look into: the guard that names it adds no lint either.
///
/// # Errors
///
/// When the log is closed, or `row` is negative.
pub fn insert_nonnegative(log: &mut Vec<String>, row: i32) -> Result<(), String> {
    with!(Transaction::new(log) as tx => {
        if row < 0 {
            give_up!("negative".to_string());
        }
        tx.insert(row);
    });
    Ok(())
}

/// A body that always panics, and a binding that is not used: the expansion
/// adds no lint of its own (`diverging_sub_expression`,
/// `no_effect_underscore_binding`).
///
/// # Errors
///
/// When the log is closed.
///
/// # Panics
///
/// Always, inside the body.
pub fn always_panics(log: &mut Vec<String>) -> Result<(), String> {
    with!(Transaction::<i32>::new(log) as _tx => {
        panic!("the body panics");
    });
}

/// A body that is one `return`: the site's `break` is then all the body
/// the expansion hands on, and adds no lint (`diverging_sub_expression`).
///
/// # Errors
///
/// When the log is closed.
pub fn returns_at_once(log: &mut Vec<String>) -> Result<usize, String> {
    with!(Transaction::<i32>::new(log) as _tx => {
        return Ok(1);
    })
}

/// A body that is one `continue 'l` to the loop around the `with!`, and
/// one that is one `break 'l` out of the block around it: no lint either.
///
/// # Errors
///
/// When the log is closed.
pub fn skips_every_row(log: &mut Vec<String>, rows: &[i32]) -> Result<usize, String> {
    let mut seen = 0;
    'rows: for _ in rows {
        seen += 1;
        with!(Transaction::<i32>::new(&mut *log) as _tx => {
            continue 'rows;
        });
    }
    'once: {
        with!(Transaction::<i32>::new(&mut *log) as _tx => {
            break 'once;
        });
    }
    Ok(seen)
}

/// Binds the value to an underscore name and does not use it.
///
/// # Errors
///
/// When the log is closed.
pub fn unused_binding(log: &mut Vec<String>) -> Result<(), String> {
    with!(Transaction::<i32>::new(log) as _tx => {});
    Ok(())
}

/// A body with a `?` that then always panics (the long form of the
/// expansion).
///
/// # Errors
///
/// When the log is closed, or `row` is negative.
///
/// # Panics
///
/// When `row` is not negative.
pub fn checks_then_panics(log: &mut Vec<String>, row: i32) -> Result<(), String> {
    with!(Transaction::<i32>::new(log) as tx => {
        if row < 0 {
            Err(format!("negative {row}"))?;
        }
        tx.insert(row);
        panic!("the body panics after a `?`");
    });
}

/// An async connection that says goodbye on every path.
#[derive(Debug, Default)]
pub struct Connection {
    /// What was said.
    pub said: Vec<String>,
}

impl cm::AsyncContextManager for Connection {
    type Value<'a> = &'a mut Vec<String>;
    type Error = String;

    async fn enter(&mut self) -> Result<&mut Vec<String>, String> {
        self.said.push("hello".into());
        Ok(&mut self.said)
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
        self.said.push(format!("goodbye ok={}", outcome.is_ok()));
        Ok(())
    }
}

/// `with!(async ..)` with every site, mixed with a sync manager.
///
/// # Errors
///
/// A negative row, or the log closed.
pub async fn converse(
    conn: &mut Connection,
    log: &mut Vec<String>,
    rows: &[i32],
) -> Result<usize, String> {
    let mut count = 0;
    for &row in rows {
        with!(async &mut *conn as said, Transaction::<i32>::new(log) as tx => {
            if row == 0 {
                continue;
            }
            if row > 100 {
                break;
            }
            if row < 0 {
                Err(format!("negative {row}"))?;
            }
            if row == 42 {
                return Ok(count);
            }
            said.push(format!("row {row}"));
            tx.insert(row);
            count += 1;
        });
    }
    Ok(count)
}

/// `with!(async ..)` whose body always panics. (Unlike the sync `with!`,
/// the async one does not diverge with its body: the `Ok(())` is needed.)
///
/// # Errors
///
/// Never returns normally.
///
/// # Panics
///
/// Always, inside the body.
pub async fn converse_and_panic(conn: &mut Connection) -> Result<(), String> {
    with!(async &mut *conn as _said => {
        panic!("the body panics");
    });
    Ok(())
}

/// A manager whose exit needs no state: an associated fn, so pedantic
/// clippy's `unused_self` has nothing to flag (issue 21).
#[derive(ContextManager, Debug)]
pub struct Timer {
    label: &'static str,
}

#[cm::context_manager]
impl Timer {
    #[enter]
    fn start(&mut self) -> &'static str {
        self.label
    }

    #[exit]
    fn stop(outcome: Outcome<'_>) -> Result<(), String> {
        if outcome.is_err() {
            return Err("timed a failure".into());
        }
        Ok(())
    }
}

/// The label's length, timed.
///
/// # Errors
///
/// None: the body cannot fail.
pub fn timed(label: &'static str) -> Result<usize, String> {
    Ok(with!(Timer { label } as l => { l.len() }))
}

/// An async manager whose enter has nothing to await: a plain `fn`, so
/// pedantic clippy's `unused_async` has nothing to flag (issue 21).
#[derive(ContextManager, Debug)]
pub struct Session<'l> {
    log: &'l mut Vec<String>,
}

#[cm::context_manager]
impl Session<'_> {
    #[enter]
    fn open(&mut self) -> &mut Vec<String> {
        self.log.push("open".into());
        self.log
    }

    #[exit]
    async fn close(&mut self) {
        std::future::ready(()).await;
        self.log.push("closed".into());
    }
}

/// A session that writes one line.
pub async fn one_line(log: &mut Vec<String>) {
    with!(async Session { log } as l => { l.push("line".into()) });
}

/// Counts the errors it swallows: a derived manager with lifetimes, a
/// where-clause and a `#[suppress]` method.
#[derive(ContextManager, Debug)]
pub struct Tolerant<'l, T>
where
    T: Display,
{
    log: &'l mut Vec<String>,
    tolerated: T,
}

#[cm::context_manager]
impl<T> Tolerant<'_, T>
where
    T: Display,
{
    #[enter]
    fn begin(&mut self) -> &mut Vec<String> {
        self.log
    }

    #[exit]
    fn end(&mut self, outcome: Outcome<'_>) {
        self.log.push(format!("exit ok={}", outcome.is_ok()));
    }

    #[suppress]
    fn tolerates(&mut self, error: cm::ErrorRef<'_>) -> bool {
        let yes = error.to_string() == self.tolerated.to_string();
        self.log.push(format!("tolerated={yes}"));
        yes
    }
}

/// Pushes `row`, failing with `fail` when given; `tolerated` is swallowed.
///
/// # Errors
///
/// `fail`, unless it is `tolerated`.
pub fn tolerant(
    log: &mut Vec<String>,
    tolerated: &str,
    fail: Option<&str>,
) -> Result<usize, String> {
    let n = with!(Tolerant { log, tolerated } as log => {
        if let Some(fail) = fail {
            Err(fail.to_string())?;
        }
        log.push("body".into());
        log.len()
    });
    Ok(n)
}
