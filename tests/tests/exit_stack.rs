//! `ExitStack`: the order of exits, the `Outcome` each entry sees, which
//! error propagates, panics, `pop_all`, `close`, a stack dropped unclosed,
//! suppression, 10,000 entries, and several `open` files held at once.
//!
//! Also run under Miri by `.ci/run` (tests touching files or needing a big
//! loop are skipped there).

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::panic::{self, AssertUnwindSafe};

use ctxmgr::{with, BoxError, ContextManager, ErrorRef, ExitStack, Outcome, Suppress};
use ctxmgr_tests::{describe, panic_message, Log, Probe, TestError};

/// A callback entry that logs `cb NAME`.
fn cb<'l>(stack: &ExitStack<'l, impl Sized>, name: &'static str, log: &'l Log) {
    stack.callback(move || log.push(format!("cb {name}")));
}

/// A push entry that logs `push NAME OUTCOME` and returns `result`.
fn push<'l>(
    stack: &ExitStack<'l, TestError>,
    name: &'static str,
    log: &'l Log,
    result: Result<(), TestError>,
) {
    stack.push(move |outcome| {
        log.push(format!("push {name} {}", describe(&outcome)));
        result
    });
}

/// A suppressing manager: swallows an error whose text is `swallows`.
struct Swallow {
    name: &'static str,
    log: Log,
    swallows: &'static str,
}

impl ContextManager for Swallow {
    type Value<'a> = ();
    type Error = TestError;
    fn enter(&mut self) -> Result<(), TestError> {
        self.log.push(format!("enter {}", self.name));
        Ok(())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        self.log
            .push(format!("exit {} {}", self.name, describe(&outcome)));
        Ok(())
    }
    fn suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        let yes = error.to_string() == self.swallows;
        self.log.push(format!("asked {} -> {yes}", self.name));
        yes
    }
}

impl Suppress for Swallow {}

fn swallow(name: &'static str, log: &Log, swallows: &'static str) -> Swallow {
    Swallow {
        name,
        log: log.clone(),
        swallows,
    }
}

#[test]
fn close_exits_last_in_first_out_with_ok() {
    let log = Log::new();
    let mut stack = ExitStack::<TestError>::default();
    assert_eq!(stack.enter_context(Probe::new("a", &log)), Ok("a"));
    cb(&stack, "b", &log);
    push(&stack, "c", &log, Ok(()));
    assert_eq!(stack.enter_context(Probe::new("d", &log)), Ok("d"));
    assert_eq!(stack.len(), 4);
    assert_eq!(stack.close(), Ok(()));
    assert!(stack.is_empty());
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter d",
            "exit d ok",
            "push c ok",
            "cb b",
            "exit a ok"
        ]
    );
    // Empty and reusable.
    assert_eq!(stack.close(), Ok(()));
    stack.callback(|| log.push("again"));
    assert_eq!(stack.close(), Ok(()));
    assert_eq!(log.take(), ["again"]);
}

#[test]
fn a_with_over_a_stack_shows_every_entry_the_body_error() {
    fn run(log: &Log) -> Result<(), TestError> {
        with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_context(Probe::new("a", log))?;
            push(stack, "b", log, Ok(()));
            stack.enter_context(Probe::new("c", log))?;
            Err(TestError::Body("q"))?;
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log), Err(TestError::Body("q")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter c",
            "exit c err(body q failed)",
            "push b err(body q failed)",
            "exit a err(body q failed)",
        ]
    );
}

#[test]
fn a_with_over_a_stack_evaluates_to_the_body_and_shows_ok() {
    let log = Log::new();
    let run = || -> Result<usize, TestError> {
        let n = with!(ExitStack::<TestError>::default() as stack, {
            let a = stack.enter_context(Probe::new("a", &log))?;
            let b = stack.enter_context(Probe::new("b", &log))?;
            a.len() + b.len()
        });
        Ok(n)
    };
    assert_eq!(run(), Ok(2));
    assert_eq!(log.take(), ["enter a", "enter b", "exit b ok", "exit a ok"]);
}

#[test]
fn a_failing_exit_is_seen_below_and_the_outermost_error_propagates() {
    let log = Log::new();
    let mut stack = ExitStack::<TestError>::default();
    stack
        .enter_context(Probe::new("a", &log).exit_fails())
        .unwrap();
    stack.enter_context(Probe::new("b", &log)).unwrap();
    stack
        .enter_context(Probe::new("c", &log).exit_fails())
        .unwrap();
    cb(&stack, "d", &log);
    // a's error is raised last: it propagates; b saw c's.
    assert_eq!(stack.close(), Err(TestError::Exit("a")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "enter c",
            "cb d",
            "exit c ok",
            "exit b err(exit c failed)",
            "exit a err(exit c failed)",
        ]
    );
}

#[test]
fn an_exit_error_replaces_the_body_error_for_the_entries_below() {
    fn run(log: &Log) -> Result<(), TestError> {
        with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_context(Probe::new("a", log))?;
            stack.enter_context(Probe::new("b", log).exit_fails())?;
            Err(TestError::Body("q"))?;
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log), Err(TestError::Exit("b")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b err(body q failed)",
            "exit a err(exit b failed)",
        ]
    );
}

#[test]
fn a_failed_enter_registers_nothing_and_the_entries_below_see_its_error() {
    fn run(log: &Log) -> Result<(), TestError> {
        with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_context(Probe::new("a", log))?;
            stack.enter_context(Probe::new("b", log).enter_fails())?;
            log.push("not reached");
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log), Err(TestError::Enter("b")));
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "exit a err(enter b failed)"]
    );
}

#[test]
fn a_panicking_enter_frees_the_manager_and_registers_nothing() {
    struct DropFlag<'f>(&'f Cell<bool>, Probe);
    impl Drop for DropFlag<'_> {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    impl ContextManager for DropFlag<'_> {
        type Value<'a>
            = &'static str
        where
            Self: 'a;
        type Error = TestError;
        fn enter(&mut self) -> Result<&'static str, TestError> {
            self.1.enter()
        }
        fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
            self.1.exit(outcome)
        }
    }
    let log = Log::new();
    let dropped = Cell::new(false);
    let mut stack = ExitStack::<TestError>::default();
    let msg = panic_message(AssertUnwindSafe(|| {
        let _ = stack.enter_context(DropFlag(&dropped, Probe::new("a", &log).enter_panics()));
    }));
    assert_eq!(msg, "enter a panicked");
    assert!(dropped.get());
    assert!(stack.is_empty());
    // A failed enter drops the manager too.
    dropped.set(false);
    assert!(stack
        .enter_context(DropFlag(&dropped, Probe::new("b", &log).enter_fails()))
        .is_err());
    assert!(dropped.get());
    assert!(stack.is_empty());
    assert_eq!(stack.close(), Ok(()));
    assert_eq!(log.take(), ["enter a", "enter b"]);
}

#[test]
fn a_panicking_exit_does_not_skip_the_others_then_the_panic_resumes() {
    let log = Log::new();
    let mut stack = ExitStack::<TestError>::default();
    stack
        .enter_context(Probe::new("a", &log).exit_fails())
        .unwrap();
    stack
        .enter_context(Probe::new("b", &log).exit_panics())
        .unwrap();
    cb(&stack, "c", &log);
    stack
        .enter_context(Probe::new("d", &log).exit_panics())
        .unwrap();
    stack
        .enter_context(Probe::new("e", &log).exit_fails())
        .unwrap();
    let msg = panic_message(AssertUnwindSafe(|| {
        let _ = stack.close();
    }));
    // The first panic resumes; b's panic and a's error are dropped.
    assert_eq!(msg, "exit d panicked");
    assert!(stack.is_empty());
    assert_eq!(
        log.take()[4..],
        [
            "exit e ok",
            "exit d err(exit e failed)",
            "cb c",
            "exit b panic",
            "exit a panic",
        ]
    );
}

#[test]
fn a_panicking_body_exits_every_entry_with_panic_and_continues() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_context(Probe::new("a", &log).exit_fails())?;
            stack.enter_context(Probe::new("b", &log).exit_panics())?;
            push(stack, "c", &log, Err(TestError::Exit("c")));
            if stack.len() == 3 {
                panic!("body panicked");
            }
        });
        Ok(())
    };
    let msg = panic_message(AssertUnwindSafe(|| {
        let _ = run();
    }));
    assert_eq!(msg, "body panicked");
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "push c panic",
            "exit b panic",
            "exit a panic",
        ]
    );
}

#[test]
fn pop_all_moves_the_entries_out_of_the_with() {
    let log = Log::new();
    let run = |fail: bool| -> Result<ExitStack<'_, TestError>, TestError> {
        let kept = with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_context(Probe::new("a", &log))?;
            cb(stack, "b", &log);
            if fail {
                Err(TestError::Body("q"))?;
            }
            stack.pop_all()
        });
        Ok(kept)
    };
    let mut kept = run(false).unwrap();
    assert_eq!(log.take(), ["enter a"]);
    assert_eq!(kept.len(), 2);
    assert_eq!(kept.close(), Ok(()));
    assert_eq!(log.take(), ["cb b", "exit a ok"]);

    assert!(run(true).is_err());
    assert_eq!(log.take(), ["enter a", "cb b", "exit a err(body q failed)"]);
}

#[test]
fn dropped_unclosed_exits_with_unseen() {
    let log = Log::new();
    {
        let stack = ExitStack::<TestError>::default();
        stack.enter_context(Probe::new("a", &log)).unwrap();
        push(&stack, "b", &log, Ok(()));
    }
    assert_eq!(log.take(), ["enter a", "push b unseen", "exit a unseen"]);
}

#[test]
fn dropped_unclosed_with_a_failing_exit_panics_after_every_entry_ran() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let stack = ExitStack::<TestError>::default();
        stack.enter_context(Probe::new("a", &log)).unwrap();
        push(&stack, "b", &log, Err(TestError::Exit("b")));
    }));
    assert!(msg.contains("dropped without being closed"), "{msg}");
    assert_eq!(
        log.take(),
        ["enter a", "push b unseen", "exit a err(exit b failed)"]
    );
}

#[test]
fn dropped_unclosed_while_panicking_exits_with_panic() {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let stack = ExitStack::<TestError>::default();
        stack
            .enter_context(Probe::new("a", &log).exit_panics())
            .unwrap();
        push(&stack, "b", &log, Err(TestError::Exit("b")));
        panic!("outer");
    }));
    assert_eq!(msg, "outer");
    assert_eq!(log.take(), ["enter a", "push b panic", "exit a panic"]);
}

#[test]
fn a_suppressing_entry_swallows_the_body_error_and_the_entries_below_see_ok() {
    fn run(log: &Log, fail: bool) -> Result<u32, TestError> {
        let n = with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_context(Probe::new("a", log))?;
            stack.enter_context(swallow("s", log, "body q failed"))?;
            stack.enter_context(Probe::new("b", log))?;
            if fail {
                Err(TestError::Body("q"))?;
            }
            7
        });
        Ok(n)
    }
    let log = Log::new();
    assert_eq!(run(&log, true), Ok(0)); // u32::default()
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter s",
            "enter b",
            "exit b err(body q failed)",
            "exit s err(body q failed)",
            "asked s -> true",
            "exit a ok",
        ]
    );
    // Nothing to swallow: not asked.
    assert_eq!(run(&log, false), Ok(7));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter s",
            "enter b",
            "exit b ok",
            "exit s ok",
            "exit a ok"
        ]
    );
}

#[test]
fn a_suppressing_entry_that_declines_leaves_the_error_in_flight() {
    fn run(log: &Log) -> Result<(), TestError> {
        with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_context(Probe::new("a", log))?;
            stack.enter_context(swallow("s", log, "something else"))?;
            Err(TestError::Body("q"))?;
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log), Err(TestError::Body("q")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter s",
            "exit s err(body q failed)",
            "asked s -> false",
            "exit a err(body q failed)",
        ]
    );
}

#[test]
fn a_suppressing_entry_is_not_asked_about_another_entrys_exit_error() {
    // As in `with!(S, { with!(B, ..) })`: B's exit error leaves B's
    // `with!` like `return`, which S does not suppress.
    fn run(log: &Log) -> Result<(), TestError> {
        with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_context(swallow("s", log, "exit b failed"))?;
            stack.enter_context(Probe::new("b", log).exit_fails())?;
            Err(TestError::Body("q"))?;
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log), Err(TestError::Exit("b")));
    assert_eq!(
        log.take(),
        [
            "enter s",
            "enter b",
            "exit b err(body q failed)",
            "exit s err(exit b failed)",
        ]
    );
}

#[test]
fn suppress_entered_with_plain_enter_context_swallows_the_body_error() {
    // Python's idiom: `stack.enter_context(suppress(ValueError))`.
    fn run(log: &Log, text: &str) -> Result<u32, BoxError> {
        let n = with!(ExitStack::new() as stack, {
            stack.enter_context(Probe::new("a", log))?;
            stack.enter_context(ctxmgr::suppress(|e| e.is::<std::num::ParseIntError>()))?;
            stack.enter_context(Probe::new("b", log))?;
            text.parse::<u32>()?
        });
        Ok(n)
    }
    let log = Log::new();
    assert_eq!(run(&log, "seven").unwrap(), 0); // u32::default()
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b err(invalid digit found in string)",
            "exit a ok", // below the suppressor: `Ok`
        ]
    );
    assert_eq!(run(&log, "7").unwrap(), 7);
    assert_eq!(log.take(), ["enter a", "enter b", "exit b ok", "exit a ok"]);
}

#[test]
fn a_suppress_that_declines_in_a_stack_lets_the_error_through() {
    fn run(log: &Log) -> Result<u32, BoxError> {
        let n = with!(ExitStack::new() as stack, {
            stack.enter_context(Probe::new("a", log))?;
            stack.enter_context(ctxmgr::suppress(|e| e.is::<std::num::ParseIntError>()))?;
            Err(std::io::Error::other("not a parse error"))?;
            1
        });
        Ok(n)
    }
    let log = Log::new();
    assert_eq!(run(&log).unwrap_err().to_string(), "not a parse error");
    assert_eq!(log.take(), ["enter a", "exit a err(not a parse error)"]);
}

#[test]
fn close_with_a_suppressing_entry_is_ok_and_the_stack_says_so_only_after_an_error() {
    let mut stack = ExitStack::new();
    stack.enter_context(ctxmgr::suppress(|_| true)).unwrap();
    let error = TestError::Body("q");
    assert!(!stack.suppresses(ErrorRef::new(&error)));
    stack.enter().unwrap();
    stack.exit(Outcome::Err(ErrorRef::new(&error))).unwrap();
    assert!(stack.suppresses(ErrorRef::new(&error)));
}

#[test]
#[allow(deprecated)]
fn the_deprecated_enter_suppressing_context_still_suppresses() {
    fn run(log: &Log) -> Result<u32, TestError> {
        let n = with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_suppressing_context(swallow("s", log, "body q failed"))?;
            Err(TestError::Body("q"))?;
            3
        });
        Ok(n)
    }
    let log = Log::new();
    assert_eq!(run(&log), Ok(0));
    assert_eq!(
        log.take(),
        ["enter s", "exit s err(body q failed)", "asked s -> true"]
    );
}

#[test]
fn return_err_reaches_a_suppressing_entry_but_still_returns() {
    // The documented difference from nested `with!`s: the stack sees only an
    // `Outcome`, in which `?` and `return Err` look the same.
    fn run(log: &Log) -> Result<(), TestError> {
        with!(ExitStack::<TestError>::default() as stack, {
            stack.enter_context(Probe::new("a", log))?;
            stack.enter_context(swallow("s", log, "body r failed"))?;
            if !log.events().is_empty() {
                return Err(TestError::Body("r"));
            }
        });
        Ok(())
    }
    let log = Log::new();
    assert_eq!(run(&log), Err(TestError::Body("r")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter s",
            "exit s err(body r failed)",
            "asked s -> true",
            "exit a ok",
        ]
    );
}

#[test]
fn values_that_borrow_their_managers_are_held_at_once() {
    /// Hands out `&mut` to its own buffer; exit logs what was written.
    struct Buffer<'l>(String, &'l RefCell<Vec<String>>);
    impl ContextManager for Buffer<'_> {
        type Value<'a>
            = &'a mut String
        where
            Self: 'a;
        type Error = Infallible;
        fn enter(&mut self) -> Result<&mut String, Infallible> {
            Ok(&mut self.0)
        }
        fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Infallible> {
            self.1
                .borrow_mut()
                .push(format!("{} {}", self.0, describe(&outcome)));
            Ok(())
        }
    }
    let written = RefCell::new(Vec::new());
    let result: Result<(), BoxError> = (|| {
        with!(ExitStack::new() as stack, {
            let mut buffers = Vec::new();
            for name in ["x", "y", "z"] {
                buffers.push(stack.enter_context(Buffer(name.to_string(), &written))?);
            }
            for (i, b) in buffers.iter_mut().enumerate() {
                b.push_str(&"!".repeat(i + 1));
            }
        });
        Ok(())
    })();
    result.unwrap();
    assert_eq!(*written.borrow(), ["z!!! ok", "y!! ok", "x! ok"]);
}

#[test]
fn a_box_error_is_seen_through_by_the_entries_below() {
    let seen = RefCell::new(None);
    let mut stack = ExitStack::new();
    stack.push(|outcome| {
        let io = outcome
            .error()
            .and_then(|e| e.as_error())
            .and_then(|e| e.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind);
        *seen.borrow_mut() = io;
        Ok(())
    });
    stack
        .enter_context(Probe::new("a", &Log::new()).exit_fails())
        .unwrap();
    stack.push(|_| Err(std::io::Error::from(std::io::ErrorKind::WriteZero).into()));
    let err = stack.close().unwrap_err();
    assert_eq!(err.downcast_ref::<TestError>(), Some(&TestError::Exit("a")));
    drop(stack);
    // The first-registered push saw a's error (the latest), not the io one.
    assert_eq!(*seen.borrow(), None);

    let mut stack = ExitStack::new();
    stack.push(|outcome| {
        *seen.borrow_mut() = outcome
            .error()
            .and_then(|e| e.as_error())
            .and_then(|e| e.downcast_ref::<std::io::Error>())
            .map(std::io::Error::kind);
        Ok(())
    });
    stack.push(|_| Err(std::io::Error::from(std::io::ErrorKind::WriteZero).into()));
    assert!(stack.close().is_err());
    drop(stack);
    assert_eq!(*seen.borrow(), Some(std::io::ErrorKind::WriteZero));
}

#[test]
#[cfg_attr(miri, ignore = "10,000 entries are slow under Miri")]
fn ten_thousand_entries_close_on_a_256_kib_thread() {
    const N: usize = 10_000;
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let count = Cell::new(0usize);
            let order = Cell::new(true);
            let log = Log::new();
            // Through `with!`, with a body error, and through `close`.
            let run = || -> Result<(), TestError> {
                with!(ExitStack::<TestError>::default() as stack, {
                    for i in 0..N {
                        match i % 3 {
                            0 => {
                                stack.enter_context(Probe::new("q", &log))?;
                            }
                            1 => stack.callback(|| count.set(count.get() + 1)),
                            _ => {
                                let order = &order;
                                let count = &count;
                                stack.push(move |outcome| {
                                    order.set(order.get() && outcome.is_err());
                                    count.set(count.get() + 1);
                                    Ok(())
                                });
                            }
                        }
                    }
                    Err(TestError::Body("q"))?;
                });
                Ok(())
            };
            assert_eq!(run(), Err(TestError::Body("q")));
            let quiet = log.take();
            assert_eq!(quiet.len(), 2 * N.div_ceil(3));
            assert!(order.get());
            let mut stack = ExitStack::new();
            for _ in 0..N {
                stack.callback(|| count.set(count.get() + 1));
            }
            stack.close().unwrap();
            count.get()
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), N - N.div_ceil(3) + N);
}

#[test]
#[cfg_attr(miri, ignore = "file I/O")]
fn a_loop_enters_n_open_files_and_writes_to_all_of_them() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("ctxmgr-exit-stack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let paths: Vec<_> = (0..5).map(|i| dir.join(format!("{i}.txt"))).collect();
    let closed = Cell::new(false);
    let run = || -> Result<(), BoxError> {
        with!(ExitStack::new() as stack, {
            let mut files = Vec::new();
            for p in &paths {
                files.push(stack.enter_context(ctxmgr::open(p).mode("w"))?);
            }
            stack.callback(|| closed.set(true));
            for (i, f) in files.iter_mut().enumerate() {
                write!(f, "file {i}")?;
            }
            for f in &mut files {
                writeln!(f, " of {}", paths.len())?;
            }
        });
        Ok(())
    };
    run().unwrap();
    assert!(closed.get());
    for (i, p) in paths.iter().enumerate() {
        assert_eq!(
            std::fs::read_to_string(p).unwrap(),
            format!("file {i} of 5\n")
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
#[cfg_attr(miri, ignore = "file I/O")]
#[cfg(target_os = "linux")]
fn a_full_disk_among_the_files_is_the_error_and_every_file_still_closes() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("ctxmgr-exit-stack-full-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b) = (dir.join("a.txt"), dir.join("b.txt"));
    let seen = RefCell::new(Vec::new());
    let run = || -> Result<(), BoxError> {
        with!(ExitStack::new() as stack, {
            stack.push(|o| {
                seen.borrow_mut().push(describe(&o));
                Ok(())
            });
            let fa = stack.enter_context(ctxmgr::open(&a).mode("w"))?;
            let full = stack.enter_context(ctxmgr::open("/dev/full").mode("w"))?;
            let fb = stack.enter_context(ctxmgr::open(&b).mode("w"))?;
            for f in [fa, full, fb] {
                f.write_all(b"data")?; // buffered: /dev/full fails at flush
            }
        });
        Ok(())
    };
    let err = run().unwrap_err();
    let io = err.downcast_ref::<std::io::Error>().expect("an io::Error");
    assert_eq!(io.to_string(), "could not flush '/dev/full'");
    let os = std::error::Error::source(io)
        .and_then(|e| e.downcast_ref::<std::io::Error>())
        .expect("the OS error as the source");
    assert_eq!(os.raw_os_error(), Some(28), "{os}"); // ENOSPC
    assert_eq!(std::fs::read(&a).unwrap(), b"data");
    assert_eq!(std::fs::read(&b).unwrap(), b"data");
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].starts_with("err("), "{seen:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_stack_works_through_a_guard_too() {
    let log = Log::new();
    let mut guard = ctxmgr::Guard::new(ExitStack::<TestError>::default());
    let stack = guard.enter().unwrap();
    stack.enter_context(Probe::new("a", &log)).unwrap();
    let e = TestError::Body("x");
    assert_eq!(guard.finish(Outcome::Err(ErrorRef::new(&e))), Ok(()));
    assert_eq!(log.take(), ["enter a", "exit a err(body x failed)"]);
}

#[test]
fn an_unclosed_stack_inside_a_panicking_thread_does_not_abort() {
    let log = Log::new();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let stack = ExitStack::<TestError>::default();
        stack
            .enter_context(Probe::new("a", &log).exit_panics())
            .unwrap();
        stack
            .enter_context(Probe::new("b", &log).exit_panics())
            .unwrap();
        panic!("first");
    }));
    assert!(result.is_err());
    assert_eq!(
        log.take(),
        ["enter a", "enter b", "exit b panic", "exit a panic"]
    );
}
