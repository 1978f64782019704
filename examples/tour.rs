//! A tour of ctxmgr, step by step: `cargo run --example tour`.
//!
//! The seed's story: Python's `with open("file.txt", "w") as f:` in Rust,
//! and why a context manager beats a plain `Drop`.

use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use ctxmgr::{with, ContextManager, Outcome};

/// A manager that announces its enter and exit, and what exit was told.
struct Announce(&'static str);

impl ContextManager for Announce {
    type Value<'a> = &'static str;
    type Error = io::Error;

    fn enter(&mut self) -> io::Result<&'static str> {
        println!("    enter {}", self.0);
        Ok(self.0)
    }

    fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        let how = match outcome {
            Outcome::Ok => "ok".to_string(),
            Outcome::Err(e) => format!("error: {e}"),
            Outcome::Panic => "panic".to_string(),
            Outcome::Unseen => "unseen path".to_string(),
        };
        println!("    exit  {} (the body ended with {how})", self.0);
        Ok(())
    }
}

fn read(path: &Path) -> io::Result<String> {
    with!(ctxmgr::open(path) as f, {
        let mut text = String::new();
        f.read_to_string(&mut text)?;
        Ok(text)
    })
}

fn step1_write(path: &Path) -> io::Result<()> {
    println!("1. Write a file, as Python's `with open(path, \"w\") as f:`");
    with!(ctxmgr::open(path).mode("w") as f, {
        f.write_all(b"some info")?;
    });
    println!("    the file now holds {:?}", read(path)?);
    Ok(())
}

fn step2_error_mid_write(path: &Path) -> io::Result<()> {
    println!("2. An error in the middle of writing");
    let result = (|| -> io::Result<()> {
        with!(ctxmgr::open(path).mode("w") as f, {
            f.write_all(b"first half")?;
            Err(io::Error::other("the network went away"))?;
            f.write_all(b", second half")?;
        });
        Ok(())
    })();
    println!(
        "    the caller got: {:?}",
        result.map_err(|e| e.to_string())
    );
    println!(
        "    exit still flushed and closed the file; it holds {:?}",
        read(path)?
    );
    Ok(())
}

#[cfg(target_os = "linux")]
fn step3_full_disk() {
    println!("3. A full disk (/dev/full)");
    let plain = (|| -> io::Result<()> {
        let file = std::fs::OpenOptions::new().write(true).open("/dev/full")?;
        let mut w = BufWriter::new(file);
        w.write_all(b"precious data")?; // buffered: succeeds
        Ok(()) // BufWriter's Drop flushes, fails, and says nothing
    })();
    println!("    plain BufWriter dropped at the end of a block: {plain:?}  <- data lost silently");
    let with_ctx = (|| -> io::Result<()> {
        with!(ctxmgr::open("/dev/full").mode("w") as f, {
            f.write_all(b"precious data")?;
        });
        Ok(())
    })();
    println!(
        "    with!(ctxmgr::open(\"/dev/full\").mode(\"w\") ...): {:?}  <- reported",
        with_ctx.map_err(|e| e.to_string())
    );
}

#[cfg(not(target_os = "linux"))]
fn step3_full_disk() {
    println!("3. A full disk: /dev/full exists only on Linux; skipped");
}

fn step4_two_managers() -> io::Result<()> {
    println!("4. Two managers: entered left to right, exited right to left");
    with!(Announce("outer") as a, Announce("inner") as b, {
        println!("    body sees {a} and {b}");
    });
    println!("   ... and both see the error that leaves the body");
    let result = (|| -> io::Result<()> {
        with!(Announce("outer"), Announce("inner"), {
            Err(io::Error::other("out of coffee"))?;
        });
        Ok(())
    })();
    println!(
        "    the caller got: {:?}",
        result.map_err(|e| e.to_string())
    );
    Ok(())
}

fn step5_panic() {
    println!("5. A panic still runs exit, told it was a panic");
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let caught = std::panic::catch_unwind(|| -> io::Result<()> {
        with!(Announce("resource"), {
            panic!("something broke");
        });
    });
    std::panic::set_hook(previous);
    println!("    the panic continued to the caller: {}", caught.is_err());
}

fn main() -> io::Result<()> {
    let dir: PathBuf = std::env::temp_dir().join(format!("ctxmgr-tour-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("file.txt");

    step1_write(&path)?;
    step2_error_mid_write(&path)?;
    step3_full_disk();
    step4_two_managers()?;
    step5_panic();

    std::fs::remove_dir_all(&dir)?;
    println!("Done: every exit ran exactly once and every failure was reported.");
    Ok(())
}
