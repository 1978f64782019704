// Bodies deliberately use every control-flow form, redundant ones included.
#![allow(
    clippy::never_loop,
    clippy::needless_return,
    clippy::needless_question_mark,
    clippy::diverging_sub_expression,
    clippy::unused_unit
)]

//! `ctxmgr::open`: Python's mode strings, flush + close on every path, and
//! flush errors that reach the caller instead of vanishing.

use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use ctxmgr::with;

struct TempDir(PathBuf);
impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("ctxmgr-open-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read(path: &std::path::Path) -> io::Result<String> {
    Ok(with!(ctxmgr::open(path) as f, {
        let mut s = String::new();
        f.read_to_string(&mut s)?;
        s
    }))
}

#[test]
fn seed_example_writes_the_file() -> io::Result<()> {
    let dir = TempDir::new("seed");
    let path = dir.file("file.txt");
    with!(ctxmgr::open(&path).mode("w") as f, {
        f.write_all(b"some info")?;
    });
    assert_eq!(read(&path)?, "some info");
    Ok(())
}

#[test]
fn default_mode_is_read_and_refuses_writes() -> io::Result<()> {
    let dir = TempDir::new("readonly");
    let path = dir.file("f");
    std::fs::write(&path, "x")?;
    let err = (|| -> io::Result<()> {
        with!(ctxmgr::open(&path) as f, {
            f.write_all(b"nope")?;
        });
        Ok(())
    })()
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
    assert_eq!(read(&path)?, "x");
    Ok(())
}

#[test]
fn missing_file_in_read_mode_fails_in_enter() {
    let dir = TempDir::new("missing");
    let path = dir.file("nope");
    let err = read(&path).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    // The path named, the OS error the source: each fact once down the chain.
    assert_eq!(
        err.to_string(),
        format!("could not open '{}'", path.display())
    );
    assert_eq!(os_error(&err).raw_os_error(), Some(2)); // ENOENT
    assert_eq!(
        format!("{:#}", anyhow::Error::from(err)),
        format!(
            "could not open '{}': No such file or directory (os error 2)",
            path.display()
        )
    );
}

/// The `io::Error` with an OS code in `error`'s source chain.
fn os_error(error: &io::Error) -> &io::Error {
    let mut next: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(error);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if io.raw_os_error().is_some() {
                return io;
            }
        }
        next = e.source();
    }
    panic!("no OS error in the chain of {error:?}")
}

#[test]
fn bad_mode_is_invalid_input_naming_the_mode() {
    let dir = TempDir::new("badmode");
    let path = dir.file("f");
    for mode in ["rw", "q", "", "w++"] {
        let err = (|| -> io::Result<()> {
            with!(ctxmgr::open(&path).mode(mode), {});
            Ok(())
        })()
        .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains(&format!("{mode:?}")), "{err}");
    }
    assert!(!path.exists(), "a bad mode must not create the file");
}

#[test]
fn append_exclusive_and_plus_modes() -> io::Result<()> {
    let dir = TempDir::new("modes");
    let path = dir.file("f");
    with!(ctxmgr::open(&path).mode("x") as f, {
        f.write_all(b"one")?;
    });
    let again = (|| -> io::Result<()> {
        with!(ctxmgr::open(&path).mode("x"), {});
        Ok(())
    })();
    assert_eq!(again.unwrap_err().kind(), io::ErrorKind::AlreadyExists);
    with!(ctxmgr::open(&path).mode("ab") as f, {
        f.write_all(b" two")?;
    });
    assert_eq!(read(&path)?, "one two");
    // r+: read, then overwrite in place, then read back.
    let seen = with!(ctxmgr::open(&path).mode("r+") as f, {
        let mut head = [0u8; 3];
        f.read_exact(&mut head)?;
        f.write_all(b"!")?;
        f.seek(SeekFrom::Start(0))?;
        let mut all = String::new();
        f.read_to_string(&mut all)?;
        (head, all)
    });
    assert_eq!(&seen.0, b"one");
    assert_eq!(seen.1, "one!two");
    // w+ truncates.
    let after = with!(ctxmgr::open(&path).mode("w+") as f, {
        f.write_all(b"new")?;
        f.seek(SeekFrom::Start(0))?;
        let mut s = String::new();
        f.read_to_string(&mut s)?;
        s
    });
    assert_eq!(after, "new");
    assert_eq!(read(&path)?, "new");
    Ok(())
}

#[test]
fn error_mid_write_still_saves_what_was_written() {
    let dir = TempDir::new("midwrite");
    let path = dir.file("f");
    let r = (|| -> io::Result<()> {
        with!(ctxmgr::open(&path).mode("w") as f, {
            f.write_all(b"first part")?;
            Err(io::Error::other("stop"))?;
            f.write_all(b" never")?;
        });
        Ok(())
    })();
    assert_eq!(r.unwrap_err().to_string(), "stop");
    assert_eq!(read(&path).unwrap(), "first part");
}

#[cfg(target_os = "linux")]
#[test]
fn full_disk_is_an_error_where_bufwriter_drop_is_silent() {
    // Plain BufWriter: the buffered bytes are lost and nobody is told.
    {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut w = BufWriter::new(file);
        assert!(w.write_all(b"lost").is_ok());
        drop(w); // error swallowed
    }
    let r = (|| -> io::Result<()> {
        with!(ctxmgr::open("/dev/full").mode("w") as f, {
            f.write_all(b"lost?")?;
        });
        Ok(())
    })();
    let err = r.unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    assert_eq!(err.to_string(), "could not flush '/dev/full'");
    assert_eq!(os_error(&err).raw_os_error(), Some(28), "ENOSPC expected");
    assert_eq!(
        format!("{:#}", anyhow::Error::from(err)),
        "could not flush '/dev/full': No space left on device (os error 28)"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn full_disk_after_a_body_error_reports_both() {
    let r = (|| -> io::Result<()> {
        with!(ctxmgr::open("/dev/full").mode("w") as f, {
            f.write_all(b"data")?;
            Err(io::Error::other("body broke"))?;
        });
        Ok(())
    })();
    let err = r.unwrap_err();
    // Exit's error wins (Python's rule) and carries the body's error along.
    assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    assert_eq!(
        err.to_string(),
        "could not flush '/dev/full' (while closing after the body failed: body broke)"
    );
    assert_eq!(os_error(&err).raw_os_error(), Some(28));
    assert_eq!(
        format!("{:#}", anyhow::Error::from(err)),
        "could not flush '/dev/full' (while closing after the body failed: body broke): \
         No space left on device (os error 28)"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn full_disk_with_sync_on_exit_names_the_path() {
    let err = (|| -> io::Result<()> {
        with!(
            ctxmgr::open("/dev/full").mode("w").sync_on_exit(true) as f,
            {
                f.write_all(b"data")?;
            }
        );
        Ok(())
    })()
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::StorageFull);
    assert_eq!(err.to_string(), "could not flush '/dev/full'");
}

#[test]
fn lines_iterate_the_file_as_python_for_line_in_f() -> io::Result<()> {
    use std::io::BufRead;
    let dir = TempDir::new("lines");
    let path = dir.file("lines.txt");
    let text: String = (0..2000).map(|i| format!("line {i}\n")).collect(); // > one 8 KiB buffer
    std::fs::write(&path, &text)?;
    let mut seen = Vec::new();
    with!(ctxmgr::open(&path) as f, {
        for line in f.lines() {
            seen.push(line?);
        }
    });
    assert_eq!(seen.len(), 2000);
    assert_eq!(seen[0], "line 0");
    assert_eq!(seen[1999], "line 1999");

    // One buffer under `read_line`, `fill_buf` and `Seek`: the reads see
    // the bytes in order, and the position is where the caller is.
    with!(ctxmgr::open(&path) as f, {
        let mut first = String::new();
        f.read_line(&mut first)?;
        assert_eq!(first, "line 0\n");
        let buffered = f.fill_buf()?.len();
        assert!(
            buffered > 7,
            "the rest of a buffer is there, not one byte: {buffered}"
        );
        assert!(f.fill_buf()?.starts_with(b"line 1\n"));
        assert_eq!(f.stream_position()?, 7);
        f.consume(7);
        let mut third = String::new();
        f.read_line(&mut third)?;
        assert_eq!(third, "line 2\n");
        f.seek(SeekFrom::Start(0))?;
        assert_eq!(f.lines().next().transpose()?.as_deref(), Some("line 0"));
    });
    Ok(())
}

#[test]
fn lines_after_a_write_in_plus_mode_see_it() -> io::Result<()> {
    use std::io::BufRead;
    let dir = TempDir::new("lines-plus");
    let path = dir.file("plus.txt");
    let lines = with!(ctxmgr::open(&path).mode("w+") as f, {
        writeln!(f, "alpha")?;
        writeln!(f, "beta")?;
        f.rewind()?;
        let lines = f.lines().collect::<io::Result<Vec<_>>>()?;
        writeln!(f, "gamma")?; // a write after reading appends where reading ended
        lines
    });
    assert_eq!(lines, ["alpha", "beta"]);
    assert_eq!(read(&path)?, "alpha\nbeta\ngamma\n");
    Ok(())
}
