//! `ExitStack`: several files open at once, one of them `/dev/full`.
//!
//! ```sh
//! cargo run --example exit_stack
//! ```
//!
//! Python's
//!
//! ```python
//! with ExitStack() as stack:
//!     files = [stack.enter_context(open(p, "w")) for p in paths]
//!     for f in files:
//!         f.write("hello\n")
//! ```
//!
//! in Rust, where a full disk at close is an error instead of silence.

use std::io::Write;
use std::path::{Path, PathBuf};

use ctxmgr::{with, BoxError, ExitStack, Outcome};

/// Opens every path for writing through one stack, writes a line to each,
/// and closes them all in reverse order at the end of the `with!`.
fn write_all(paths: &[PathBuf]) -> Result<(), BoxError> {
    with!(ExitStack::new() as stack, {
        // Registered first, so it runs last and sees what the others left.
        stack.push(|outcome: Outcome<'_>| {
            match outcome {
                Outcome::Ok => println!("    last exit: every file closed cleanly"),
                Outcome::Err(e) => println!("    last exit: a file failed to close: {e}"),
                Outcome::Panic | Outcome::Unseen => println!("    last exit: {outcome:?}"),
            }
            Ok(())
        });
        let mut files = Vec::new();
        for p in paths {
            files.push(stack.enter_context(ctxmgr::open(p).mode("w"))?); // all open at once
            println!("    opened {}", p.display());
        }
        for (i, f) in files.iter_mut().enumerate() {
            // Buffered: `/dev/full` accepts this and fails when flushed at exit.
            writeln!(f, "hello from file {i}")?;
        }
        println!(
            "    wrote to all {} files; leaving the with! body",
            files.len()
        );
    });
    Ok(())
}

/// Python's "keep them open only if all of them opened": `pop_all` moves the
/// entries out of the `with!`, which would otherwise close them.
fn open_all(paths: &[PathBuf]) -> Result<ExitStack<'static>, BoxError> {
    let kept = with!(ExitStack::new() as stack, {
        for p in paths {
            stack.enter_context(ctxmgr::open(p))?;
        }
        stack.pop_all()
    });
    Ok(kept)
}

fn show(path: &Path) {
    match std::fs::read_to_string(path) {
        Ok(text) => println!("    {}: {:?}", path.display(), text),
        Err(e) => println!("    {}: {e}", path.display()),
    }
}

fn main() -> Result<(), BoxError> {
    let dir =
        std::env::temp_dir().join(format!("ctxmgr-example-exit-stack-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let a = dir.join("a.txt");
    let b = dir.join("b.txt");
    let c = dir.join("c.txt");

    println!("1. three files at once");
    let result = write_all(&[a.clone(), b.clone(), c.clone()]);
    println!("    write_all returned {result:?}");
    for p in [&a, &b, &c] {
        show(p);
    }

    println!("\n2. the same with /dev/full in the middle");
    let full = PathBuf::from("/dev/full");
    if full.exists() {
        match write_all(&[a.clone(), full, c.clone()]) {
            Ok(()) => println!("    write_all returned Ok (unexpected)"),
            Err(e) => println!("    write_all returned the error: {e}"),
        }
        println!("    the files around it were still flushed and closed:");
        show(&a);
        show(&c);
    } else {
        println!("    (no /dev/full on this system: skipped)");
    }

    println!("\n3. open all or none (pop_all)");
    let mut kept = open_all(&[a.clone(), b.clone()])?;
    println!("    both opened: the stack holds {} entries", kept.len());
    kept.close()?;
    println!("    closed them with close()");
    match open_all(&[a.clone(), dir.join("missing.txt")]) {
        Ok(_) => println!("    opened a missing file (unexpected)"),
        Err(e) => println!("    one missing: {e}; the one already open was closed"),
    }

    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
