//! `ctxmgr::tokio::open` (feature `tokio`) against real files under a real
//! tokio runtime: Python's mode strings, exit awaiting flush and sync on
//! every path, and flush errors that reach the caller.

use std::io;
use std::path::Path;
use std::time::Duration;

use ctxmgr::tokio::{Open, OpenFile};
use ctxmgr::{AsyncGuard, ErrorRef, Outcome};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// `with!(async manager as f => body)` by hand: exit awaited with the
/// outcome the body's `?` left with.
async fn with_open<T>(
    manager: Open,
    body: impl AsyncFnOnce(&mut OpenFile) -> io::Result<T>,
) -> io::Result<T> {
    let mut guard = AsyncGuard::new(manager);
    let f = guard.enter().await?;
    let result = body(f).await;
    let outcome = match &result {
        Ok(_) => Outcome::Ok,
        Err(e) => Outcome::Err(ErrorRef::new(e)),
    };
    guard.finish(outcome).await?;
    result
}

async fn read(path: &Path) -> io::Result<String> {
    with_open(ctxmgr::tokio::open(path), async |f| {
        let mut s = String::new();
        f.read_to_string(&mut s).await?;
        Ok(s)
    })
    .await
}

#[tokio::test]
async fn write_then_read_round_trip() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("file.txt");
    with_open(ctxmgr::tokio::open(&path).mode("w"), async |f| {
        f.write_all(b"some info").await
    })
    .await?;
    // Written through the async file, read back both ways.
    assert_eq!(std::fs::read_to_string(&path)?, "some info");
    assert_eq!(read(&path).await?, "some info");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn more_than_the_buffer_is_all_on_disk_after_exit() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("big.bin");
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    with_open(ctxmgr::tokio::open(&path).mode("wb"), async |f| {
        for chunk in data.chunks(777) {
            f.write_all(chunk).await?;
        }
        Ok(())
    })
    .await?;
    assert_eq!(std::fs::read(&path)?, data);
    Ok(())
}

#[tokio::test]
async fn append_keeps_what_was_there() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("log.txt");
    std::fs::write(&path, "first\n")?;
    let mut log = ctxmgr::tokio::open(&path).mode("a");
    for line in ["second\n", "third\n"] {
        // `&mut Open` is a manager too: entered once per line.
        let mut guard = AsyncGuard::new(&mut log);
        guard.enter().await?.write_all(line.as_bytes()).await?;
        guard.finish(Outcome::Ok).await?;
    }
    assert_eq!(std::fs::read_to_string(&path)?, "first\nsecond\nthird\n");
    Ok(())
}

#[tokio::test]
async fn x_on_an_existing_file_is_already_exists_naming_the_path() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("taken");
    std::fs::write(&path, "keep me")?;
    let e = with_open(ctxmgr::tokio::open(&path).mode("x"), async |_| Ok(()))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
    assert!(
        e.to_string().contains(&format!("'{}'", path.display())),
        "{e}"
    );
    assert_eq!(std::fs::read_to_string(&path)?, "keep me");
    // A fresh name is created.
    let fresh = dir.path().join("fresh");
    with_open(ctxmgr::tokio::open(&fresh).mode("x"), async |f| {
        f.write_all(b"new").await
    })
    .await?;
    assert_eq!(std::fs::read_to_string(&fresh)?, "new");
    Ok(())
}

#[tokio::test]
async fn a_missing_file_names_the_path() {
    let e = read(Path::new("/surely/not/here.txt")).await.unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
    assert!(e.to_string().ends_with(": '/surely/not/here.txt'"), "{e}");
}

#[tokio::test]
async fn a_bad_mode_is_invalid_input_naming_the_mode() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("never");
    for bad in ["rw", "", "q", "r++", "wx"] {
        let mut entered = false;
        let e = with_open(ctxmgr::tokio::open(&path).mode(bad), async |_| {
            entered = true;
            Ok(())
        })
        .await
        .unwrap_err();
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
    let e = with_open(ctxmgr::tokio::open(&path), async |f| {
        f.write_all(b"no").await
    })
    .await
    .unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied);
    assert_eq!(std::fs::read_to_string(&path)?, "x");
    Ok(())
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn dev_full_is_an_error_returned_by_exit() {
    let mut body_ended = false;
    let e = with_open(ctxmgr::tokio::open("/dev/full").mode("w"), async |f| {
        f.write_all(b"lost?").await?; // buffered: succeeds
        body_ended = true;
        Ok(())
    })
    .await
    .unwrap_err();
    assert!(
        body_ended,
        "the write itself failed: the buffer was skipped"
    );
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    assert!(e.to_string().contains("'/dev/full'"), "{e}");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn dev_full_while_the_body_failed_names_both() {
    let e = with_open(ctxmgr::tokio::open("/dev/full").mode("w"), async |f| {
        f.write_all(b"lost?").await?;
        Err::<(), _>(io::Error::other("the body failed"))
    })
    .await
    .unwrap_err();
    // Exit's error replaces the body's, and carries it along.
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
    let message = e.to_string();
    assert!(message.contains("'/dev/full'"), "{message}");
    assert!(
        message.contains("while closing after the body failed: the body failed"),
        "{message}"
    );
}

#[tokio::test]
async fn the_body_error_propagates_and_exit_still_flushes() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("partial.txt");
    let e = with_open(ctxmgr::tokio::open(&path).mode("w"), async |f| {
        f.write_all(b"written before the failure").await?;
        "not a number".parse::<u32>().map_err(io::Error::other)?;
        f.write_all(b" and never this").await
    })
    .await
    .unwrap_err();
    assert!(e.to_string().contains("invalid digit"), "{e}");
    // Python's `with` closes the file on the error too: nothing written is lost.
    assert_eq!(
        std::fs::read_to_string(&path)?,
        "written before the failure"
    );
    Ok(())
}

#[tokio::test]
async fn exit_sees_the_outcome_and_flushes_on_each() -> io::Result<()> {
    // Exit awaits the same flush whatever the outcome: a panic's, too.
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
async fn plus_modes_switch_between_reading_and_writing() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("rw.txt");
    std::fs::write(&path, "line one\nline two\n")?;
    let first = with_open(ctxmgr::tokio::open(&path).mode("r+"), async |f| {
        let mut first = String::new();
        f.read_line(&mut first).await?; // the reader buffered the whole file
        f.write_all(b"LINE TWO").await?; // ... yet this lands after line one
        f.rewind().await?;
        let mut all = String::new();
        f.read_to_string(&mut all).await?; // and a read sees the write
        assert_eq!(all, "line one\nLINE TWO\n");
        Ok(first)
    })
    .await?;
    assert_eq!(first, "line one\n");
    assert_eq!(std::fs::read_to_string(&path)?, "line one\nLINE TWO\n");

    // `w+`: written, read back with no seek in between hits the end.
    let tail = with_open(ctxmgr::tokio::open(&path).mode("w+"), async |f| {
        f.write_all(b"abc").await?;
        let mut rest = Vec::new();
        f.read_to_end(&mut rest).await?;
        f.seek(io::SeekFrom::Start(1)).await?;
        let mut bc = String::new();
        f.read_to_string(&mut bc).await?;
        Ok((rest, bc))
    })
    .await?;
    assert_eq!(tail, (Vec::new(), "bc".to_string()));
    Ok(())
}

#[tokio::test]
async fn a_cancelled_body_leaves_its_buffer_to_drop_exit() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("cancelled.txt");
    let body = async {
        let mut guard = AsyncGuard::new(ctxmgr::tokio::open(&path).mode("w"));
        guard.enter().await?.write_all(b"buffered").await?;
        tokio::time::sleep(Duration::from_secs(60)).await; // cancelled here
        guard.finish(Outcome::Ok).await
    };
    let cancelled = tokio::time::timeout(Duration::from_millis(50), body).await;
    assert!(cancelled.is_err(), "the body was meant to time out");
    // drop_exit's best effort: no write was in flight, so the buffered bytes
    // were written (without a sync) as the future was dropped.
    assert_eq!(std::fs::read_to_string(&path)?, "buffered");
    Ok(())
}

#[tokio::test]
async fn the_futures_are_send_for_tokio_spawn() -> io::Result<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("spawned.txt");
    let task_path = path.clone();
    tokio::spawn(async move {
        let mut guard = AsyncGuard::new(ctxmgr::tokio::open(&task_path).mode("w"));
        guard.enter().await?.write_all(b"from a task").await?;
        guard.finish(Outcome::Ok).await
    })
    .await
    .expect("the task panicked")?;
    assert_eq!(std::fs::read_to_string(&path)?, "from a task");
    Ok(())
}
