// Bodies deliberately use every control-flow form, redundant ones included.
#![allow(clippy::needless_return, clippy::diverging_sub_expression)]

//! The small managers: `closing` and `Close`, `aclosing` and `AsyncClose`
//! (on a real tokio runtime), `nullcontext`, `Option<M>`,
//! `suppress`. (`chdir` is process-wide: its test has a binary of its own,
//! `chdir.rs`.)

use std::cell::RefCell;
use std::io::{self, BufWriter, Read, Write};
use std::panic::AssertUnwindSafe;
use std::rc::Rc;

use ctxmgr::{with, Close, ErrorRef};
use ctxmgr_tests::async_probe::SyncLog;
use ctxmgr_tests::{panic_message, Log, Probe, Quiet, TestError};

// ---------------------------------------------------------------------------
// closing

/// A resource whose close logs and can be told to fail.
struct Resource {
    log: Log,
    fail: bool,
}

impl Close for Resource {
    type Error = TestError;
    fn close(&mut self) -> Result<(), TestError> {
        self.log.push("close");
        if self.fail {
            Err(TestError::Exit("close"))
        } else {
            Ok(())
        }
    }
}

fn resource(log: &Log, fail: bool) -> Resource {
    Resource {
        log: log.clone(),
        fail,
    }
}

#[test]
fn closing_lends_the_value_and_closes_it_once_after_the_body() {
    let log = Log::new();
    let run = || -> Result<&'static str, TestError> {
        with!(ctxmgr::closing(resource(&log, false)) as r, {
            r.log.push("body");
        });
        Ok("done")
    };
    assert_eq!(run(), Ok("done"));
    assert_eq!(log.take(), ["body", "close"]);
}

#[test]
fn closing_closes_on_error_and_the_body_error_propagates() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(ctxmgr::closing(resource(&log, false)) as r, {
            r.log.push("body");
            Err(TestError::Body("b"))?;
            r.log.push("unreached");
        });
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Body("b")));
    assert_eq!(log.take(), ["body", "close"]);
}

#[test]
fn a_failed_close_is_the_error_with_returns_and_replaces_the_body_error() {
    let log = Log::new();
    let ok_body = || -> Result<(), TestError> {
        with!(ctxmgr::closing(resource(&log, true)), {});
        Ok(())
    };
    assert_eq!(ok_body(), Err(TestError::Exit("close")));
    let failing_body = || -> Result<(), TestError> {
        with!(ctxmgr::closing(resource(&log, true)), {
            Err(TestError::Body("b"))?;
        });
        Ok(())
    };
    assert_eq!(failing_body(), Err(TestError::Exit("close")));
    assert_eq!(log.take(), ["close", "close"]);
}

#[test]
fn closing_closes_while_a_panic_unwinds() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let _ = (|| -> Result<(), TestError> {
            with!(ctxmgr::closing(resource(&log, true)), {
                panic!("body panicked");
            });
        })();
    }));
    assert_eq!(msg, "body panicked");
    assert_eq!(log.take(), ["close"]);
}

#[test]
fn closing_a_mut_reference_keeps_the_value() {
    let log = Log::new();
    let mut r = resource(&log, false);
    let run = |r: &mut Resource| -> Result<(), TestError> {
        with!(ctxmgr::closing(r) as r, {
            r.log.push("body");
        });
        Ok(())
    };
    run(&mut r).unwrap();
    r.fail = true;
    assert_eq!(run(&mut r), Err(TestError::Exit("close")));
    assert_eq!(log.take(), ["body", "close", "body", "close"]);
    assert!(ctxmgr::closing(Box::new(r)).into_inner().fail);
}

#[test]
fn closing_a_bufwriter_flushes_it() -> io::Result<()> {
    let mut out = Vec::new();
    with!(
        ctxmgr::closing(BufWriter::with_capacity(64, &mut out)) as w,
        {
            w.write_all(b"buffered")?;
            assert!(
                w.get_ref().is_empty(),
                "still in the buffer during the body"
            );
        }
    );
    assert_eq!(out, b"buffered");
    let mut lines = Vec::new();
    with!(ctxmgr::closing(io::LineWriter::new(&mut lines)) as w, {
        w.write_all(b"no newline yet")?;
    });
    assert_eq!(lines, b"no newline yet");
    Ok(())
}

#[cfg(target_os = "linux")]
#[test]
fn closing_a_bufwriter_on_a_full_disk_is_an_error() {
    let save = || -> io::Result<()> {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full")?;
        with!(ctxmgr::closing(BufWriter::new(full)) as w, {
            w.write_all(b"lost?")?;
        });
        Ok(())
    };
    let err = save().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(28), "{err}"); // ENOSPC
}

#[test]
fn closing_stdout_and_stderr_flushes() -> io::Result<()> {
    with!(ctxmgr::closing(io::stdout().lock()) as out, {
        write!(out, "")?;
    });
    with!(ctxmgr::closing(io::stderr()), {});
    Ok(())
}

#[cfg(unix)]
#[test]
fn closing_a_child_closes_its_stdin_and_waits_for_it() -> io::Result<()> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("cat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    with!(ctxmgr::closing(&mut child) as c, {
        c.stdin.as_mut().unwrap().write_all(b"echo")?;
        // `cat` runs until its stdin closes: close must close it, not hang.
    });
    assert!(
        child.try_wait()?.unwrap().success(),
        "exited before close returned"
    );
    let mut echoed = String::new();
    child.stdout.take().unwrap().read_to_string(&mut echoed)?;
    assert_eq!(echoed, "echo");
    Ok(())
}

#[test]
fn closing_a_tcp_stream_shuts_it_down_so_the_peer_sees_the_end() -> io::Result<()> {
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (mut server, _) = listener.accept()?;
    with!(ctxmgr::closing(&mut client) as c, {
        c.write_all(b"bye")?;
    });
    // `client` is still alive: the EOF comes from the shutdown, not a drop.
    let mut got = Vec::new();
    server.read_to_end(&mut got)?;
    assert_eq!(got, b"bye");
    // Closing it again is fine; so is closing it once both ends are closed,
    // where a raw `shutdown` says `NotConnected`: it is closed, as asked.
    assert!(client.close().is_ok());
    drop(server);
    let mut raw = Ok(());
    for _ in 0..200 {
        raw = client.shutdown(std::net::Shutdown::Both);
        if raw.is_err() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(raw.unwrap_err().kind(), io::ErrorKind::NotConnected);
    assert!(client.close().is_ok());
    Ok(())
}

// ---------------------------------------------------------------------------
// nullcontext

#[test]
fn nullcontext_lends_its_value_and_works_in_a_unit_function() {
    fn unit(out: &mut Vec<i32>) {
        let n = with!(ctxmgr::nullcontext(vec![1]) as v, {
            v.push(2);
            v.clone()
        });
        out.extend(n);
    }
    let mut out = Vec::new();
    unit(&mut out);
    assert_eq!(out, [1, 2]);
    let mut kept = ctxmgr::nullcontext(1);
    with!(&mut kept as n, {
        *n += 1;
    });
    assert_eq!(kept.into_inner(), 2);
}

#[test]
fn nullcontext_lets_the_body_error_through() {
    let run = || -> Result<(), TestError> {
        with!(ctxmgr::nullcontext(()), {
            Err(TestError::Body("b"))?;
        });
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Body("b")));
}

// ---------------------------------------------------------------------------
// Option<M>

#[test]
fn some_manager_is_the_manager_and_none_does_nothing() {
    let log = Log::new();
    let run = |m: Option<Probe>, fail: bool| -> Result<Option<&'static str>, TestError> {
        Ok(with!(m as v, {
            log.push(format!("body {v:?}"));
            if fail {
                Err(TestError::Body("b"))?;
            }
            v
        }))
    };
    assert_eq!(run(Some(Probe::new("a", &log)), false), Ok(Some("a")));
    assert_eq!(run(None, false), Ok(None));
    assert_eq!(
        run(Some(Probe::new("a", &log)), true),
        Err(TestError::Body("b"))
    );
    assert_eq!(run(None, true), Err(TestError::Body("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "body Some(\"a\")",
            "exit a ok",
            "body None",
            "enter a",
            "body Some(\"a\")",
            "exit a err(body b failed)",
            "body None",
        ]
    );
}

#[test]
fn some_manager_whose_enter_fails_skips_the_body() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(Some(Probe::new("a", &log).enter_fails()), {
            log.push("body");
        });
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Enter("a")));
    assert_eq!(log.take(), ["enter a"]);
}

#[test]
fn option_of_an_infallible_manager_works_in_a_unit_function() {
    fn unit(log: &Log, on: bool) {
        let m = if on { Some(Quiet::new("q", log)) } else { None };
        with!(m, {
            log.push("body");
        });
    }
    let log = Log::new();
    unit(&log, true);
    unit(&log, false);
    assert_eq!(log.take(), ["enter q", "body", "exit q ok", "body"]);
}

#[test]
fn some_suppressing_manager_suppresses_and_none_does_not() {
    let run = |on: bool| -> Result<u32, TestError> {
        let m = if on {
            Some(ctxmgr::suppress(|_| true))
        } else {
            None
        };
        Ok(with!(m, {
            Err(TestError::Body("b"))?;
            7
        }))
    };
    assert_eq!(run(true), Ok(0));
    assert_eq!(run(false), Err(TestError::Body("b")));
}

// ---------------------------------------------------------------------------
// suppress

fn ignorable(e: ErrorRef<'_>) -> bool {
    e.downcast_ref::<TestError>() == Some(&TestError::Body("ignorable"))
}

#[test]
fn suppress_swallows_the_chosen_question_mark_errors_and_evaluates_to_default() {
    let asked = Log::new();
    let run = |e: TestError| -> Result<(u32, &'static str), TestError> {
        let n: u32 = with!(
            ctxmgr::suppress(|err| {
                asked.push(format!("asked {err}"));
                ignorable(err)
            }),
            {
                Err(e)?;
                7
            }
        );
        Ok((n, "after"))
    };
    assert_eq!(run(TestError::Body("ignorable")), Ok((0, "after")));
    assert_eq!(run(TestError::Body("other")), Err(TestError::Body("other")));
    assert_eq!(
        asked.take(),
        ["asked body ignorable failed", "asked body other failed"]
    );
}

#[test]
fn suppress_is_not_asked_on_success_return_or_panic() {
    let asked = Rc::new(RefCell::new(0));
    let pred = |_: ErrorRef<'_>| {
        *asked.borrow_mut() += 1;
        true
    };
    let ok = || -> Result<u32, TestError> { Ok(with!(ctxmgr::suppress(pred), { 5 })) };
    assert_eq!(ok(), Ok(5));
    let returned = || -> Result<u32, TestError> {
        with!(ctxmgr::suppress(pred), {
            return Err(TestError::Body("ignorable"));
        });
    };
    assert_eq!(returned(), Err(TestError::Body("ignorable")));
    let msg = panic_message(AssertUnwindSafe(|| {
        with!(ctxmgr::suppress(pred), {
            panic!("not swallowed");
        });
    }));
    assert_eq!(msg, "not swallowed");
    assert_eq!(*asked.borrow(), 0);
}

/// `pred` sees the error the body made, before `?` converts it.
#[test]
fn suppress_sees_the_error_before_its_from_conversion() {
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        with!(ctxmgr::suppress(ignorable), {
            Err(TestError::Body("ignorable"))?;
        });
        Ok(())
    };
    assert!(run().is_ok());
}

/// Python: `with suppress(E), cm:` — cm's exit sees the error first, then
/// `suppress` swallows it.
#[test]
fn an_inner_manager_sees_the_error_that_suppress_then_swallows() {
    let log = Log::new();
    let run = || -> Result<&'static str, TestError> {
        with!(ctxmgr::suppress(ignorable), Probe::new("inner", &log), {
            Err(TestError::Body("ignorable"))?;
        });
        Ok("went on")
    };
    assert_eq!(run(), Ok("went on"));
    assert_eq!(
        log.take(),
        ["enter inner", "exit inner err(body ignorable failed)"]
    );
}

#[test]
fn suppress_can_match_io_error_kinds_like_python_exception_classes() {
    let remove = |path: &str| -> io::Result<&'static str> {
        with!(
            ctxmgr::suppress(|e| e
                .downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::NotFound)),
            {
                std::fs::remove_file(path)?;
            }
        );
        Ok("done")
    };
    assert_eq!(remove("/surely/not/here/ctxmgr").unwrap(), "done");
    assert!(remove("/").is_err());
}

// ---------------------------------------------------------------------------
// aclosing (on a real tokio runtime)

/// A resource whose awaited close logs and can be told to fail.
struct AsyncResource {
    log: SyncLog,
    fail: bool,
}

impl ctxmgr::AsyncClose for AsyncResource {
    type Error = TestError;
    async fn close(&mut self) -> Result<(), TestError> {
        tokio::task::yield_now().await; // really awaited
        self.log.push("aclose");
        if self.fail {
            Err(TestError::Exit("aclose"))
        } else {
            Ok(())
        }
    }
}

#[tokio::test]
async fn aclosing_awaits_close_on_every_path_and_propagates_its_error() {
    let log = SyncLog::new();
    // Normal end: closed, the body's value out.
    let n = async {
        Ok::<_, TestError>(with!(
            async {
                ctxmgr::aclosing(AsyncResource {
                    log: log.clone(),
                    fail: false,
                })
            } as r,
            {
                r.log.push("body");
                7
            }
        ))
    }
    .await;
    assert_eq!(n, Ok(7));
    assert_eq!(log.take(), ["body", "aclose"]);

    // `?` in the body: closed, the body's error out.
    let body_failed = async {
        with!(
            async {
                ctxmgr::aclosing(AsyncResource {
                    log: log.clone(),
                    fail: false,
                })
            },
            {
                Err(TestError::Body("b"))?;
            }
        );
        Ok::<(), TestError>(())
    }
    .await;
    assert_eq!(body_failed, Err(TestError::Body("b")));
    assert_eq!(log.take(), ["aclose"]);

    // A failing close is the error `with!` returns, also over a body error.
    let close_failed = async {
        with!(
            async {
                ctxmgr::aclosing(AsyncResource {
                    log: log.clone(),
                    fail: true,
                })
            },
            {}
        );
        Ok::<(), TestError>(())
    }
    .await;
    assert_eq!(close_failed, Err(TestError::Exit("aclose")));
    let both = async {
        with!(
            async {
                ctxmgr::aclosing(AsyncResource {
                    log: log.clone(),
                    fail: true,
                })
            },
            {
                Err(TestError::Body("b"))?;
            }
        );
        Ok::<(), TestError>(())
    }
    .await;
    assert_eq!(both, Err(TestError::Exit("aclose")));
    assert_eq!(log.take(), ["aclose", "aclose"]);

    // A panic: closed, then the panic resumes.
    let panicked = tokio::spawn({
        let log = log.clone();
        async move {
            let mut r = AsyncResource { log, fail: false };
            with!(async { ctxmgr::aclosing(&mut r) }, {
                panic!("in the body");
            });
            #[allow(unreachable_code)]
            Ok::<(), TestError>(())
        }
    })
    .await;
    assert!(panicked.unwrap_err().is_panic());
    assert_eq!(log.take(), ["aclose"]);

    // `&mut x` keeps `x`.
    let mut kept = AsyncResource {
        log: log.clone(),
        fail: false,
    };
    let again = async {
        for _ in 0..2 {
            with!(async { ctxmgr::aclosing(&mut kept) } as k, {
                k.log.push("kept")
            });
        }
        Ok::<(), TestError>(())
    }
    .await;
    assert_eq!(again, Ok(()));
    assert_eq!(log.take(), ["kept", "aclose", "kept", "aclose"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aclosing_a_tcp_stream_shuts_it_down_at_exit() -> io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let mut client = tokio::net::TcpStream::connect(listener.local_addr()?).await?;
    let (mut server, _) = listener.accept().await?;
    let reader = tokio::spawn(async move {
        let mut got = Vec::new();
        server.read_to_end(&mut got).await.map(|_| got)
    });
    with!(async { ctxmgr::aclosing(&mut client) } as c, {
        c.write_all(b"goodbye").await?;
    });
    // The client is still alive: only the shutdown in exit ended the stream.
    let got = tokio::time::timeout(std::time::Duration::from_secs(5), reader)
        .await
        .expect("the server saw the end of the stream")
        .unwrap()?;
    assert_eq!(got, b"goodbye");
    // Closed twice (the peer may be gone): still `Ok`.
    ctxmgr::AsyncClose::close(&mut client).await?;
    Ok(())
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn aclosing_a_tokio_file_on_a_full_disk_is_an_error() {
    use tokio::io::AsyncWriteExt;
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .await
        .unwrap();
    let mut wrote = false;
    let run = async {
        with!(async { ctxmgr::aclosing(file) } as f, {
            f.write_all(b"lost?").await?; // tokio writes in the background
            wrote = true;
        });
        Ok::<(), io::Error>(())
    };
    let e = run.await.unwrap_err();
    assert!(wrote, "the write itself reported the error, not the close");
    assert_eq!(e.kind(), io::ErrorKind::StorageFull);
}

#[tokio::test]
async fn aclosing_a_buf_writer_flushes_it() -> io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut out = Vec::new();
    with!(
        async { ctxmgr::aclosing(tokio::io::BufWriter::new(&mut out)) } as w,
        {
            w.write_all(b"flushed at exit").await?;
        }
    );
    assert_eq!(out, b"flushed at exit");
    Ok(())
}
