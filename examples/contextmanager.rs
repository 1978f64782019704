//! The generator form and the decorator: `cargo run --example contextmanager`.
//!
//! Python's
//!
//! ```python
//! @contextmanager
//! def scratch_dir(root, name):
//!     path = root / name
//!     path.mkdir()
//!     yield path
//!     shutil.rmtree(path)
//! ```
//!
//! in Rust, with `#[ctxmgr::contextmanager]`, and Python's `ContextDecorator`
//! with `#[ctxmgr::wrap]`.

use std::cell::RefCell;
use std::io;
use std::path::{Path, PathBuf};

use ctxmgr::{with, Outcome};

/// A scratch directory, removed at exit: one function, split at its
/// `yield_!`. Both halves may fail with `?`.
#[ctxmgr::contextmanager]
fn scratch_dir(root: &Path, name: &str) -> io::Result<PathBuf> {
    // Enter: runs when the manager is entered, not when `scratch_dir` is called.
    let dir = root.join(name);
    std::fs::create_dir(&dir)?;
    println!("  enter: created {}", dir.display());
    let outcome = yield_!(dir.clone());
    // Exit: `dir`, a local of the enter half, is still here.
    std::fs::remove_dir_all(&dir)?;
    println!(
        "  exit: removed {} (the body ended with {})",
        dir.display(),
        describe(&outcome)
    );
}

fn describe(outcome: &Outcome<'_>) -> String {
    match outcome {
        Outcome::Ok => "ok".into(),
        Outcome::Err(e) => format!("error: {e}"),
        Outcome::Panic => "a panic".into(),
        Outcome::Unseen => "an unseen path".into(),
    }
}

/// Writes `files` into a scratch directory and returns their total size.
fn build(root: &Path, files: &[(&str, &str)], sabotage: bool) -> io::Result<u64> {
    with!(scratch_dir(root, "build") as dir, {
        let mut total = 0;
        for (name, text) in files {
            if name.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a file without a name",
                ));
            }
            std::fs::write(dir.join(name), text)?;
            total += std::fs::metadata(dir.join(name))?.len();
        }
        if sabotage {
            // Exit's `remove_dir_all` will fail: with! returns that error.
            std::fs::remove_dir_all(&dir)?;
        }
        Ok(total)
    })
}

/// Python's `ContextDecorator`: a manager around a whole function. Here a
/// "span" that logs how each call ended.
#[ctxmgr::contextmanager]
fn span<'l>(log: &'l RefCell<Vec<String>>, name: &'static str) {
    log.borrow_mut().push(format!("start {name}"));
    let outcome = yield_!();
    log.borrow_mut()
        .push(format!("end {name}: {}", describe(&outcome)));
}

#[ctxmgr::wrap(span(log, "parse"))]
fn parse(log: &RefCell<Vec<String>>, text: &str) -> Result<i64, std::num::ParseIntError> {
    text.trim().parse()
}

fn main() -> io::Result<()> {
    let root = std::env::temp_dir().join(format!("ctxmgr-contextmanager-{}", std::process::id()));
    std::fs::create_dir_all(&root)?;

    println!("1. #[contextmanager]: enter, the body, exit");
    let size = build(&root, &[("a.txt", "alpha"), ("b.txt", "beta")], false)?;
    println!(
        "  build returned {size} bytes; the directory is gone: {}",
        !root.join("build").exists()
    );

    println!("2. the body fails: exit still runs, and is told why");
    let err = build(&root, &[("a.txt", "alpha"), ("", "?")], false).unwrap_err();
    println!("  build returned the body's error: {err}");

    println!("3. exit fails: its error is what with! returns, not lost");
    let err = build(&root, &[("a.txt", "alpha")], true).unwrap_err();
    println!("  build returned exit's error: {err} ({:?})", err.kind());

    println!("4. #[wrap]: a manager around a whole function (Python's ContextDecorator)");
    let log = RefCell::new(Vec::new());
    println!("  parse(\" 42 \") = {:?}", parse(&log, " 42 "));
    println!(
        "  parse(\"x\")    = {:?}",
        parse(&log, "x").map_err(|e| e.to_string())
    );
    for line in log.borrow().iter() {
        println!("  log: {line}");
    }

    std::fs::remove_dir_all(&root)?;
    Ok(())
}
