//! `ctxmgr::tokio::open` (feature `tokio`) against real files under a real
//! tokio runtime: Python's mode strings, exit awaiting flush and sync on
//! every path out of `with!(async ..)`, flush errors that reach the caller,
//! and what a cancelled body leaves behind.

use std::io;
use std::path::Path;
use std::time::Duration;

use ctxmgr::{with, AsyncGuard, Outcome};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

async fn read(path: &Path) -> io::Result<String> {
    Ok(with!(async { ctxmgr::tokio::open(path) } as f, {
        let mut s = String::new();
        f.read_to_string(&mut s).await?;
        s
    }))
}

#[tokio::test]
async fn write_then_read_round_trip() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("file.txt");
    with!(async { ctxmgr::tokio::open(&path).mode("w") } as f, {
        f.write_all(b"some info").await?;
    });
    // On disk as soon as the `with!` ends; read back both ways.
    assert_eq!(std::fs::read_to_string(&path)?, "some info");
    assert_eq!(read(&path).await?, "some info");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_the_buffer_is_all_on_disk_after_exit() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("big.bin");
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    with!(async { ctxmgr::tokio::open(&path).mode("wb") } as f, {
        for chunk in data.chunks(777) {
            f.write_all(chunk).await?;
        }
    });
    assert_eq!(std::fs::read(&path)?, data);
    Ok(())
}

#[tokio::test]
async fn append_keeps_what_was_there() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("log.txt");
    std::fs::write(&path, "first\n")?;
    // `&mut Open` is a manager too: entered once per line.
    let mut log = ctxmgr::tokio::open(&path).mode("a");
    for line in ["second\n", "third\n"] {
        with!(async { &mut log } as f, {
            f.write_all(line.as_bytes()).await?;
        });
    }
    assert_eq!(std::fs::read_to_string(&path)?, "first\nsecond\nthird\n");
    Ok(())
}

#[tokio::test]
async fn x_on_an_existing_file_is_already_exists_naming_the_path() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("taken");
    std::fs::write(&path, "keep me")?;
    let mut entered = false;
    let run = async {
        with!(async { ctxmgr::tokio::open(&path).mode("x") }, {
            entered = true;
        });
        Ok::<(), io::Error>(())
    };
    let e = run.await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
    assert!(
        e.to_string().contains(&format!("'{}'", path.display())),
        "{e}"
    );
    assert!(!entered, "the body ran");
    assert_eq!(std::fs::read_to_string(&path)?, "keep me");
    // A fresh name is created.
    let fresh = dir.path().join("fresh");
    with!(async { ctxmgr::tokio::open(&fresh).mode("x") } as f, {
        f.write_all(b"new").await?;
    });
    assert_eq!(std::fs::read_to_string(&fresh)?, "new");
    Ok(())
}

#[tokio::test]
async fn a_missing_file_names_the_path() {
    let e = read(Path::new("/surely/not/here.txt")).await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
    assert_eq!(e.to_string(), "could not open '/surely/not/here.txt'");
    let os = std::error::Error::source(&e)
        .and_then(|e| e.downcast_ref::<io::Error>())
        .expect("the OS error as the source");
    assert_eq!(os.raw_os_error(), Some(2)); // ENOENT
                                            // Each fact once down the chain.
    assert_eq!(
        format!("{:#}", anyhow::Error::from(e)),
        "could not open '/surely/not/here.txt': No such file or directory (os error 2)"
    );
}

#[tokio::test]
async fn a_bad_mode_is_invalid_input_naming_the_mode() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("never");
    for bad in ["rw", "", "q", "r++", "wx"] {
        let mut entered = false;
        let run = async {
            with!(async { ctxmgr::tokio::open(&path).mode(bad) }, {
                entered = true;
            });
            Ok::<(), io::Error>(())
        };
        let e = run.await.unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        assert!(!entered, "the body ran for {bad:?}");
    }
    assert!(!path.exists(), "a bad mode created the file");
    Ok(())
}

#[tokio::test]
async fn read_mode_refuses_writes() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("ro");
    std::fs::write(&path, "x")?;
    let run = async {
        with!(async { ctxmgr::tokio::open(&path) } as f, {
            f.write_all(b"no").await?;
        });
        Ok::<(), io::Error>(())
    };
    assert_eq!(
        run.await.unwrap_err().kind(),
        io::ErrorKind::PermissionDenied
    );
    assert_eq!(std::fs::read_to_string(&path)?, "x");
    Ok(())
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn dev_full_is_an_error_returned_by_exit() {
    let mut body_ended = false;
    let run = async {
        with!(async { ctxmgr::tokio::open("/dev/full").mode("w") } as f, {
            f.write_all(b"lost?").await?; // buffered: succeeds
            body_ended = true;
        }); // the flush in exit fails
        Ok::<(), io::Error>(())
    };
    let e = run.await.unwrap_err();
    assert!(
        body_ended,
        "the write itself failed: the buffer was skipped"
    );
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    assert_eq!(e.to_string(), "could not flush '/dev/full'");
    assert_eq!(
        format!("{:#}", anyhow::Error::from(e)),
        "could not flush '/dev/full': No space left on device (os error 28)"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn dev_full_while_the_body_failed_names_both() {
    let run = async {
        with!(async { ctxmgr::tokio::open("/dev/full").mode("w") } as f, {
            f.write_all(b"lost?").await?;
            Err(io::Error::other("the body failed"))?;
        });
        Ok::<(), io::Error>(())
    };
    let e = run.await.unwrap_err();
    // Exit's error replaces the body's, and carries it along.
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    assert_eq!(
        e.to_string(),
        "could not flush '/dev/full' (while closing after the body failed: the body failed)"
    );
    assert_eq!(
        format!("{:#}", anyhow::Error::from(e)),
        "could not flush '/dev/full' (while closing after the body failed: the body failed): \
         No space left on device (os error 28)"
    );
}

#[tokio::test]
async fn the_body_error_propagates_and_exit_still_flushes() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("partial.txt");
    let run = async {
        with!(async { ctxmgr::tokio::open(&path).mode("w") } as f, {
            f.write_all(b"written before the failure").await?;
            "not a number".parse::<u32>().map_err(io::Error::other)?;
            f.write_all(b" and never this").await?;
        });
        Ok::<(), io::Error>(())
    };
    let e = run.await.unwrap_err();
    assert!(e.to_string().contains("invalid digit"), "{e}");
    // Python's `with` closes the file on the error too: nothing written is lost.
    assert_eq!(
        std::fs::read_to_string(&path)?,
        "written before the failure"
    );
    Ok(())
}

#[tokio::test]
async fn a_panicking_body_is_flushed_before_the_panic_resumes() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("panicked.txt");
    let task_path = path.clone();
    let joined = tokio::spawn(async move {
        with!(async { ctxmgr::tokio::open(&task_path).mode("w") } as f, {
            f.write_all(b"written before the panic").await?;
            panic!("the body panicked");
        });
        #[allow(unreachable_code)]
        Ok::<(), io::Error>(())
    })
    .await;
    assert!(joined.unwrap_err().is_panic());
    assert_eq!(std::fs::read_to_string(&path)?, "written before the panic");
    Ok(())
}

#[tokio::test]
async fn plus_modes_switch_between_reading_and_writing() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rw.txt");
    std::fs::write(&path, "line one\nline two\n")?;
    let first = with!(async { ctxmgr::tokio::open(&path).mode("r+") } as f, {
        let mut first = String::new();
        f.read_line(&mut first).await?; // the reader buffered the whole file
        f.write_all(b"LINE TWO").await?; // ... yet this lands after line one
        f.rewind().await?;
        let mut all = String::new();
        f.read_to_string(&mut all).await?; // and a read sees the write
        assert_eq!(all, "line one\nLINE TWO\n");
        first
    });
    assert_eq!(first, "line one\n");
    assert_eq!(std::fs::read_to_string(&path)?, "line one\nLINE TWO\n");

    // `w+`: a read right after a write starts at the end; a seek goes back.
    let (rest, bc) = with!(async { ctxmgr::tokio::open(&path).mode("w+") } as f, {
        f.write_all(b"abc").await?;
        let mut rest = Vec::new();
        f.read_to_end(&mut rest).await?;
        f.seek(io::SeekFrom::Start(1)).await?;
        let mut bc = String::new();
        f.read_to_string(&mut bc).await?;
        (rest, bc)
    });
    assert_eq!((rest, bc.as_str()), (Vec::new(), "bc"));
    Ok(())
}

#[tokio::test]
async fn a_cancelled_body_leaves_its_buffer_to_drop_exit() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cancelled.txt");
    let body = async {
        with!(async { ctxmgr::tokio::open(&path).mode("w") } as f, {
            f.write_all(b"buffered").await?;
            tokio::time::sleep(Duration::from_secs(60)).await; // cancelled here
        });
        Ok::<(), io::Error>(())
    };
    let cancelled = tokio::time::timeout(Duration::from_millis(50), body).await;
    assert!(cancelled.is_err(), "the body was meant to time out");
    // drop_exit's best effort: no write was in flight, so the buffered bytes
    // were written (without a sync) as the future was dropped.
    assert_eq!(std::fs::read_to_string(&path)?, "buffered");
    Ok(())
}

#[tokio::test]
async fn exit_flushes_whatever_outcome_it_is_told() -> io::Result<()> {
    // By hand, as a wrapper of `AsyncGuard` would: `Unseen` still flushes.
    let dir = tempfile::tempdir()?;
    for (i, outcome) in [Outcome::Ok, Outcome::Panic, Outcome::Unseen]
        .into_iter()
        .enumerate()
    {
        let path = dir.path().join(format!("{i}.txt"));
        let mut guard = AsyncGuard::new(ctxmgr::tokio::open(&path).mode("w"));
        guard.enter().await?.write_all(b"kept").await?;
        guard.finish(outcome).await?;
        assert_eq!(std::fs::read_to_string(&path)?, "kept");
    }
    Ok(())
}

#[tokio::test]
async fn the_futures_are_send_for_tokio_spawn() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("spawned.txt");
    let task_path = path.clone();
    tokio::spawn(async move {
        with!(async { ctxmgr::tokio::open(&task_path).mode("w") } as f, {
            f.write_all(b"from a task").await?;
        });
        Ok::<(), io::Error>(())
    })
    .await
    .expect("the task panicked")?;
    assert_eq!(std::fs::read_to_string(&path)?, "from a task");
    Ok(())
}

#[tokio::test]
async fn lines_iterate_the_file_through_async_buf_read() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("lines.txt");
    let text: String = (0..2000).map(|i| format!("line {i}\n")).collect(); // > one buffer
    std::fs::write(&path, &text)?;
    let seen = with!(async { ctxmgr::tokio::open(&path) } as f, {
        let mut seen = Vec::new();
        let mut lines = f.lines(); // `AsyncBufReadExt::lines`, on `&mut OpenFile`
        while let Some(line) = lines.next_line().await? {
            seen.push(line);
        }
        // One buffer: after the first line, the rest of it is there.
        f.rewind().await?;
        let mut first = String::new();
        f.read_line(&mut first).await?;
        assert_eq!(first, "line 0\n");
        let buffered = f.fill_buf().await?;
        assert!(buffered.len() > 7, "{}", buffered.len());
        assert!(buffered.starts_with(b"line 1\n"));
        seen
    });
    assert_eq!(seen.len(), 2000);
    assert_eq!((&*seen[0], &*seen[1999]), ("line 0", "line 1999"));
    Ok(())
}
