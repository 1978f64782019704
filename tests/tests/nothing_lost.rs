//! Nothing silently lost: a manager whose exit flushes a writer that fails
//! must get that failure to the caller on every non-panic path out of the
//! body, also when the body was already failing (exit's error wins, and it
//! saw the body's error), and also when the manager would suppress the
//! body's error. `open` on `/dev/full` is the real-world case.

use std::cell::RefCell;
use std::io::{self, BufWriter, Write};
use std::rc::Rc;

use ctxmgr::{with, ContextManager, ErrorRef, Outcome, Suppress};

/// A sink that stores what reaches it, and fails every flush when told to
/// (like a disk that fills up, or a socket that closes, at flush time).
#[derive(Clone, Default)]
struct Sink {
    written: Rc<RefCell<Vec<u8>>>,
    fail_flush: bool,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.fail_flush {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "sink is full"));
        }
        self.written.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.fail_flush {
            Err(io::Error::new(io::ErrorKind::StorageFull, "sink is full"))
        } else {
            Ok(())
        }
    }
}

/// A derived manager around a buffered writer: exit flushes, whatever the
/// outcome, and reports what it saw in `seen`.
#[derive(ContextManager)]
struct Writing {
    writer: BufWriter<Sink>,
    seen: Rc<RefCell<Vec<String>>>,
}

impl Writing {
    fn new(sink: &Sink, seen: &Rc<RefCell<Vec<String>>>) -> Self {
        Writing {
            writer: BufWriter::new(sink.clone()),
            seen: seen.clone(),
        }
    }
}

#[ctxmgr::context_manager]
impl Writing {
    #[enter]
    fn begin(&mut self) -> io::Result<&mut BufWriter<Sink>> {
        Ok(&mut self.writer)
    }

    #[exit]
    fn end(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        self.seen
            .borrow_mut()
            .push(ctxmgr_tests::describe(&outcome));
        self.writer.flush()
    }
}

/// [`Writing`] that swallows every `?` error of its body (after a
/// successful exit only, as documented).
struct Suppressing(Writing);

impl ContextManager for Suppressing {
    type Value<'a> = &'a mut BufWriter<Sink>;
    type Error = io::Error;

    fn enter(&mut self) -> io::Result<&mut BufWriter<Sink>> {
        self.0.enter()
    }

    fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        self.0.exit(outcome)
    }
    fn suppresses(&mut self, _: ErrorRef<'_>) -> bool {
        true
    }
}

impl Suppress for Suppressing {}

fn failing() -> (Sink, Rc<RefCell<Vec<String>>>) {
    let sink = Sink {
        fail_flush: true,
        ..Sink::default()
    };
    (sink, Rc::default())
}

fn is_full(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::StorageFull
}

#[test]
fn ok_path_flush_failure_reaches_the_caller() {
    let (sink, seen) = failing();
    let r = (|| -> io::Result<u8> {
        let v = with!(Writing::new(&sink, &seen) as w, {
            w.write_all(b"buffered")?; // fits the buffer: succeeds
            1
        });
        Ok(v)
    })();
    assert!(is_full(&r.unwrap_err()));
    assert_eq!(*seen.borrow(), ["ok"]);
    assert!(sink.written.borrow().is_empty());
}

#[test]
fn question_mark_path_flush_failure_replaces_the_body_error_which_exit_saw() {
    let (sink, seen) = failing();
    let r = (|| -> io::Result<()> {
        with!(Writing::new(&sink, &seen) as w, {
            w.write_all(b"buffered")?;
            Err(io::Error::other("body broke"))?;
        });
        Ok(())
    })();
    // The documented rule: exit's error wins; exit was shown the body's.
    let e = r.unwrap_err();
    assert!(is_full(&e), "{e}");
    assert_eq!(*seen.borrow(), ["err(body broke)"]);
}

#[test]
fn question_mark_with_from_conversion_still_delivers_the_flush_failure() {
    let (sink, seen) = failing();
    let r = (|| -> Result<(), Box<dyn std::error::Error>> {
        with!(Writing::new(&sink, &seen) as w, {
            w.write_all(b"x")?;
            "12x".parse::<u8>()?;
        });
        Ok(())
    })();
    let e = r.unwrap_err();
    let io = e.downcast_ref::<io::Error>().expect("the flush error");
    assert!(is_full(io));
    assert_eq!(*seen.borrow(), ["err(invalid digit found in string)"]);
}

#[test]
fn return_break_and_continue_paths_deliver_the_flush_failure() {
    let (sink, seen) = failing();
    let returned = (|| -> io::Result<u8> {
        with!(Writing::new(&sink, &seen) as w, {
            w.write_all(b"r")?;
            return Ok(5);
        });
    })();
    assert!(is_full(&returned.unwrap_err()));

    let broke = (|| -> io::Result<u8> {
        loop {
            with!(Writing::new(&sink, &seen) as w, {
                w.write_all(b"b")?;
                break;
            });
        }
        Ok(0)
    })();
    assert!(is_full(&broke.unwrap_err()));

    let continued = (|| -> io::Result<u8> {
        for _ in 0..3 {
            with!(Writing::new(&sink, &seen) as w, {
                w.write_all(b"c")?;
                continue;
            });
        }
        Ok(0)
    })();
    assert!(is_full(&continued.unwrap_err()));
    // Each stopped at its first exit.
    assert_eq!(*seen.borrow(), ["ok", "ok", "ok"]);
}

#[test]
fn a_suppressing_manager_cannot_swallow_its_own_flush_failure() {
    let (sink, seen) = failing();
    let r = (|| -> io::Result<&'static str> {
        with!(Suppressing(Writing::new(&sink, &seen)) as w, {
            w.write_all(b"x")?;
            Err(io::Error::other("suppressible"))?;
        });
        Ok("suppressed")
    })();
    assert!(is_full(&r.unwrap_err()));
    assert_eq!(*seen.borrow(), ["err(suppressible)"]);
}

#[test]
fn a_healthy_sink_gets_everything_and_suppression_works() {
    let sink = Sink::default();
    let seen = Rc::default();
    let r = (|| -> io::Result<&'static str> {
        with!(Suppressing(Writing::new(&sink, &seen)) as w, {
            w.write_all(b"kept")?;
            Err(io::Error::other("suppressed"))?;
        });
        Ok("went on")
    })();
    assert_eq!(r.unwrap(), "went on");
    assert_eq!(*sink.written.borrow(), b"kept");
    assert_eq!(*seen.borrow(), ["err(suppressed)"]);
}

// ---------------------------------------------------------------------------
// `open` on a full disk.

#[cfg(target_os = "linux")]
mod dev_full {
    use super::*;

    /// ENOSPC, as the OS error itself or as the kind of the error `open`'s
    /// exit builds when it also names the body's error.
    fn enospc(e: &io::Error) -> bool {
        e.raw_os_error() == Some(28) || e.kind() == io::ErrorKind::StorageFull
    }

    #[test]
    fn return_and_break_paths_report_the_full_disk() {
        let returned = (|| -> io::Result<u8> {
            with!(ctxmgr::open("/dev/full").mode("w") as f, {
                f.write_all(b"data")?;
                return Ok(1);
            });
        })();
        assert!(enospc(&returned.unwrap_err()));

        let broke = (|| -> io::Result<u8> {
            loop {
                with!(ctxmgr::open("/dev/full").mode("wb") as f, {
                    f.write_all(b"data")?;
                    break;
                });
            }
            Ok(0)
        })();
        assert!(enospc(&broke.unwrap_err()));
    }

    #[test]
    fn a_write_larger_than_the_buffer_fails_in_the_body_and_exit_still_reports() {
        let big = vec![b'x'; 64 * 1024];
        let r = (|| -> io::Result<()> {
            with!(ctxmgr::open("/dev/full").mode("w") as f, {
                f.write_all(&big)?;
            });
            Ok(())
        })();
        let e = r.unwrap_err();
        assert!(enospc(&e), "{e}");
    }

    #[test]
    fn an_explicit_flush_in_the_body_fails_and_so_does_the_close() {
        let r = (|| -> io::Result<()> {
            with!(ctxmgr::open("/dev/full").mode("w") as f, {
                f.write_all(b"data")?;
                f.flush()?;
            });
            Ok(())
        })();
        let e = r.unwrap_err();
        assert!(enospc(&e), "{e}");
        // Exit's close error wins and names the body's error it replaced.
        assert!(
            e.to_string()
                .contains("while closing after the body failed"),
            "{e}"
        );
    }

    #[test]
    fn a_body_error_converted_by_from_and_the_full_disk_together() {
        let r = (|| -> Result<(), Box<dyn std::error::Error>> {
            with!(ctxmgr::open("/dev/full").mode("w") as f, {
                f.write_all(b"data")?;
                "nope".parse::<i32>()?;
            });
            Ok(())
        })();
        let e = r.unwrap_err();
        let io = e.downcast_ref::<io::Error>().expect("exit's error wins");
        assert!(enospc(io));
        assert!(io.to_string().contains("invalid digit"), "{io}");
    }
}

// ---------------------------------------------------------------------------
// The derived named guard, without `with!`.

#[test]
fn the_named_guard_returns_the_flush_failure_from_finish() {
    let (sink, seen) = failing();
    let mut m = Writing::new(&sink, &seen);
    let mut guard = WritingGuard::enter(&mut m).unwrap();
    guard.writer.write_all(b"x").unwrap();
    let e = WritingGuard::finish(guard, Outcome::Ok).unwrap_err();
    assert!(is_full(&e));
    assert_eq!(*seen.borrow(), ["ok"]);
}

#[test]
fn a_named_guard_dropped_unfinished_with_a_failing_flush_panics_rather_than_forget() {
    let (sink, seen) = failing();
    let msg = ctxmgr_tests::panic_message(std::panic::AssertUnwindSafe(|| {
        let mut m = Writing::new(&sink, &seen);
        let mut guard = WritingGuard::enter(&mut m).unwrap();
        guard.writer.write_all(b"x").unwrap();
        drop(guard); // no finish: the error has nowhere to go
    }));
    assert!(msg.contains("Writing"), "{msg}");
    assert_eq!(*seen.borrow(), ["unseen"]);
}
