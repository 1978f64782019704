//! Small behaviours of the runtime crate that the path-by-path tests do not
//! pin down: what `Debug` shows, suppression through `&mut M`, `OpenFile`'s
//! less common I/O methods and `sync_on_exit`. Written to kill the mutants
//! `tests/mutants` found alive (see RELIABILITY.md).

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::path::PathBuf;

use ctxmgr::{with, ContextManager, ErrorRef, Guard, Outcome, Suppress};
use ctxmgr_tests::{Log, TestError};

/// Swallows `TestError::Body("swallow")` and nothing else.
struct Swallow(Log);

impl ContextManager for Swallow {
    type Value<'a> = ();
    type Error = TestError;
    fn enter(&mut self) -> Result<(), TestError> {
        Ok(())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        self.0.push(format!("exit err={}", outcome.is_err()));
        Ok(())
    }
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        error.downcast_ref::<TestError>() == Some(&TestError::Body("swallow"))
    }
}

impl Suppress for Swallow {}

fn through_mut_ref(manager: &mut Swallow, error: TestError) -> Result<&'static str, TestError> {
    with!(&mut *manager, {
        Err(error)?;
    });
    Ok("went on")
}

#[test]
fn suppression_is_asked_through_a_mut_reference() {
    let log = Log::new();
    let mut manager = Swallow(log.clone());
    assert_eq!(
        through_mut_ref(&mut manager, TestError::Body("swallow")),
        Ok("went on")
    );
    assert_eq!(
        through_mut_ref(&mut manager, TestError::Body("keep")),
        Err(TestError::Body("keep"))
    );
    assert_eq!(log.take(), ["exit err=true", "exit err=true"]);

    let mut by_ref = &mut manager;
    let e = TestError::Body("swallow");
    assert!(ContextManager::suppresses(&mut by_ref, ErrorRef::new(&e)));
    let e = TestError::Body("keep");
    assert!(!ContextManager::suppresses(&mut by_ref, ErrorRef::new(&e)));
}

#[test]
fn guard_debug_shows_the_manager_and_its_state() {
    #[derive(Debug)]
    #[allow(dead_code)] // read by Debug only
    struct Named(&'static str);
    impl ContextManager for Named {
        type Value<'a> = ();
        type Error = std::convert::Infallible;
        fn enter(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
        fn exit(&mut self, _: Outcome<'_>) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    let mut guard = Guard::new(Named("db"));
    assert_eq!(
        format!("{guard:?}"),
        r#"Guard { manager: Named("db"), state: Idle }"#
    );
    guard.enter().unwrap();
    assert_eq!(
        format!("{guard:?}"),
        r#"Guard { manager: Named("db"), state: Entered }"#
    );
    guard.finish(Outcome::Ok).unwrap();
    assert_eq!(
        format!("{guard:?}"),
        r#"Guard { manager: Named("db"), state: Finished }"#
    );
}

#[derive(ctxmgr::ContextManager)]
struct Counter {
    entries: u32,
}

#[ctxmgr::context_manager]
impl Counter {
    #[enter]
    fn enter(&mut self) -> u32 {
        self.entries += 1;
        self.entries
    }

    #[exit]
    fn exit(&mut self) {}
}

#[test]
fn derived_guard_debug_names_the_manager_type() {
    let mut counter = Counter { entries: 0 };
    let guard = CounterGuard::enter(&mut counter).unwrap();
    assert_eq!(*guard, 1);
    let shown = format!("{guard:?}");
    assert!(shown.starts_with("DerivedGuard { manager: \""), "{shown}");
    assert!(shown.contains("runtime_units::Counter"), "{shown}");
    assert!(shown.ends_with(", .. }"), "{shown}");
    CounterGuard::finish(guard, Outcome::Ok).unwrap();
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "ctxmgr-runtime-units-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn open_debug_shows_path_mode_and_whether_open() -> io::Result<()> {
    let dir = TempDir::new("debug");
    let path = dir.0.join("notes.txt");
    let mut manager = ctxmgr::open(&path).mode("w");
    assert_eq!(manager.path(), path);
    let closed = format!("{manager:?}");
    assert_eq!(
        closed,
        format!("Open {{ path: {path:?}, mode: \"w\", open: false }}")
    );
    with!(&mut manager as f, {
        let shown = format!("{f:?}");
        assert!(shown.starts_with("OpenFile { file: Some(File {"), "{shown}");
        f.write_all(b"x")?;
    });
    assert_eq!(format!("{manager:?}"), closed);
    Ok(())
}

#[test]
fn open_file_exposes_the_file_and_does_vectored_io() -> io::Result<()> {
    let dir = TempDir::new("vectored");
    let path = dir.0.join("data.txt");
    std::fs::write(&path, b"hello world")?;
    let (len, first, second) = with!(ctxmgr::open(&path) as f, {
        let len = f.get_ref().expect("an open file").metadata()?.len();
        let (mut a, mut b) = ([0u8; 5], [0u8; 6]);
        let n = f.read_vectored(&mut [IoSliceMut::new(&mut a), IoSliceMut::new(&mut b)])?;
        assert_eq!(n, 11);
        (len, a, b)
    });
    assert_eq!(len, 11);
    assert_eq!(&first, b"hello");
    assert_eq!(&second, b" world");

    with!(ctxmgr::open(&path).mode("w") as f, {
        let n = f.write_vectored(&[IoSlice::new(b"good"), IoSlice::new(b"bye")])?;
        assert_eq!(n, 7);
    });
    assert_eq!(std::fs::read(&path)?, b"goodbye");
    Ok(())
}

/// `/dev/null` cannot be fsynced (`EINVAL`): a sync shows as an error.
#[cfg(target_os = "linux")]
#[test]
fn sync_on_exit_syncs_writable_files_only_when_asked() {
    fn exit_of(mode: &str, sync: bool) -> io::Result<()> {
        with!(ctxmgr::open("/dev/null").mode(mode).sync_on_exit(sync), {});
        Ok(())
    }
    // Not asked, or a read-only file: no sync.
    for (mode, sync) in [("r", false), ("r", true), ("r+", false), ("w", false)] {
        exit_of(mode, sync).unwrap_or_else(|e| panic!("{mode} {sync}: {e}"));
    }
    // Asked, on a writable file: the sync runs and its error is reported.
    for mode in ["r+", "w", "a"] {
        let e = exit_of(mode, true).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{mode}: {e}");
    }
}

#[test]
fn each_outcome_answers_exactly_one_question() {
    let e = TestError::Body("b");
    let outcomes = [
        Outcome::Ok,
        Outcome::Err(ErrorRef::new(&e)),
        Outcome::Panic,
        Outcome::Unseen,
    ];
    let answers: Vec<[bool; 4]> = outcomes
        .iter()
        .map(|o| [o.is_ok(), o.is_err(), o.is_panic(), o.is_unseen()])
        .collect();
    assert_eq!(
        answers,
        [
            [true, false, false, false],
            [false, true, false, false],
            [false, false, true, false],
            [false, false, false, true],
        ]
    );
}

#[test]
fn error_views_know_what_they_hold() {
    let e = TestError::Body("b");
    let error = ErrorRef::new(&e);
    let none = ErrorRef::none_value();
    assert!(none.is_none_value());
    assert!(!error.is_none_value());
    assert!(!ErrorRef::from_display(&"text").is_none_value());

    assert!(error.is::<TestError>());
    assert!(!error.is::<io::Error>());
    assert!(!none.is::<TestError>());

    // An `Error` is viewed as one, with its own Display and type.
    let as_error = error.as_error().expect("an Error is viewed as one");
    assert_eq!(as_error.to_string(), "body b failed");
    assert_eq!(
        as_error.downcast_ref::<TestError>(),
        Some(&TestError::Body("b"))
    );
    assert!(none.as_error().is_none());
    assert!(ErrorRef::from_debug(&e).as_error().is_none());
}

// ---------------------------------------------------------------------------
// The small managers and the generator (mutants found alive after main's
// ExitStack, managers and #[contextmanager] landed).

/// A sink whose every write fails, so that only a flush reveals it.
struct Full;

impl Write for Full {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("sink full"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn close_after_writing<T: ctxmgr::Close<Error = io::Error> + Write>(x: T) -> io::Result<()> {
    with!(ctxmgr::closing(x) as w, {
        w.write_all(b"buffered")?; // held in the buffer: succeeds
    });
    Ok(())
}

#[test]
fn closing_flushes_line_writers_and_boxed_writers() {
    let e = close_after_writing(io::LineWriter::new(Full)).unwrap_err();
    assert_eq!(e.to_string(), "sink full");
    let e = close_after_writing(Box::new(io::BufWriter::new(Full))).unwrap_err();
    assert_eq!(e.to_string(), "sink full");
    // Nothing buffered, nothing to fail.
    fn close_untouched() -> io::Result<()> {
        with!(ctxmgr::closing(Box::new(io::BufWriter::new(Full))), {});
        Ok(())
    }
    close_untouched().unwrap();
}

/// Closing a socket shuts it down and reports a failure other than "not
/// connected": a stream made from a file descriptor that is not a socket
/// fails with ENOTSOCK.
#[cfg(unix)]
#[test]
fn closing_a_stream_reports_a_failed_shutdown() {
    use std::os::fd::OwnedFd;

    fn not_a_socket() -> OwnedFd {
        OwnedFd::from(std::fs::File::open("/dev/null").unwrap())
    }
    fn close<S: ctxmgr::Close<Error = io::Error>>(s: S) -> io::Result<()> {
        with!(ctxmgr::closing(s), {});
        Ok(())
    }
    let unix = std::os::unix::net::UnixStream::from(not_a_socket());
    assert_eq!(close(unix).unwrap_err().raw_os_error(), Some(88)); // ENOTSOCK
    let tcp = std::net::TcpStream::from(not_a_socket());
    assert_eq!(close(tcp).unwrap_err().raw_os_error(), Some(88));

    // A connected pair closes fine, even after the peer went away.
    let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
    drop(b);
    close(a).unwrap();
}

#[test]
fn suppressor_debug_names_it_without_the_closure() {
    let manager = ctxmgr::suppress(|_| true);
    assert_eq!(format!("{manager:?}"), "Suppressor");
}

#[test]
fn generator_debug_shows_its_state() {
    use ctxmgr::{Generator, Outcome};

    let mut generator =
        Generator::new(|| Ok::<_, TestError>((1, |_: Outcome<'_>| Ok::<(), TestError>(()))));
    assert_eq!(format!("{generator:?}"), r#"Generator { state: "ready" }"#);
    assert_eq!(generator.enter(), Ok(1));
    assert_eq!(
        format!("{generator:?}"),
        r#"Generator { state: "entered" }"#
    );
    generator.exit(Outcome::Ok).unwrap();
    assert_eq!(format!("{generator:?}"), r#"Generator { state: "done" }"#);
}

#[test]
fn exit_stack_debug_counts_its_entries() {
    let stack: ctxmgr::ExitStack<'_> = ctxmgr::ExitStack::new();
    assert_eq!(format!("{stack:?}"), "ExitStack { entries: 0, .. }");
    stack.callback(|| {});
    stack.callback(|| {});
    assert_eq!(format!("{stack:?}"), "ExitStack { entries: 2, .. }");
}

/// Entries exit last-in first-out; when several panic, the first panic
/// (the last entry's) is the one that continues, as with nested `with!`s.
#[test]
fn exit_stack_resumes_the_first_panic_of_several() {
    let log = Log::new();
    let mut stack: ctxmgr::ExitStack<'_> = ctxmgr::ExitStack::new();
    let (first, second) = (log.clone(), log.clone());
    stack.callback(move || {
        first.push("first registered");
        panic!("first registered panicked");
    });
    stack.callback(move || {
        second.push("last registered");
        panic!("last registered panicked");
    });
    let message =
        ctxmgr_tests::panic_message(std::panic::AssertUnwindSafe(move || drop(stack.close())));
    assert_eq!(message, "last registered panicked");
    assert_eq!(log.take(), ["last registered", "first registered"]);
}

#[test]
fn sqlite_transaction_debug_shows_whether_open() {
    use ctxmgr::sqlite::rusqlite::Connection;

    let mut conn = Connection::open_in_memory().unwrap();
    let mut guard = Guard::new(ctxmgr::sqlite::transaction(&mut conn));
    assert_eq!(
        format!("{:?}", guard.manager()),
        "Transaction { open: false, .. }"
    );
    guard.enter().unwrap();
    assert_eq!(
        format!("{:?}", guard.manager()),
        "Transaction { open: true, .. }"
    );
    guard.finish(Outcome::Ok).unwrap();
    assert_eq!(
        format!("{:?}", guard.manager()),
        "Transaction { open: false, .. }"
    );
}

#[test]
fn tempdir_path_is_the_entered_directory() {
    let mut guard = Guard::new(ctxmgr::tempdir());
    assert_eq!(guard.manager().path(), None);
    let dir = guard.enter().unwrap().to_path_buf();
    assert_eq!(guard.manager().path(), Some(dir.as_path()));
    assert!(dir.is_dir());
    guard.finish(Outcome::Ok).unwrap();
    assert_eq!(guard.manager().path(), None);
    assert!(!dir.exists());
}
