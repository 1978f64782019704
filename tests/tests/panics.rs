//! Panics at every point of a nest, beyond the single-level cases of
//! `with_panics.rs`: no abort (an abort would kill this test process), the
//! right panic continues, and every manager that was entered still exits,
//! innermost first, seeing `Outcome::Panic`.
//!
//! Property tests (`prop.rs`) cover random mixes of these; here each one is
//! spelled out with its exact log.

use std::panic::AssertUnwindSafe;

use ctxmgr::with;
use ctxmgr_tests::{panic_message, Log, Probe, TestError};

/// Runs `f` expecting a panic; returns its message and the log.
fn panicking(f: impl FnOnce(&Log) -> Result<(), TestError>) -> (String, Vec<String>) {
    let log = Log::new();
    let msg = panic_message(AssertUnwindSafe(|| {
        let _ = f(&log);
    }));
    (msg, log.take())
}

fn make_panics(name: &str) -> Probe {
    panic!("making {name} panicked")
}

#[test]
fn every_exit_panicking_while_unwinding_still_runs_and_the_original_continues() {
    let (msg, events) = panicking(|log| {
        with!(
            Probe::new("a", log).exit_panics(),
            Probe::new("b", log).exit_panics(),
            Probe::new("c", log).exit_panics(),
            {
                panic!("original");
            }
        );
        Ok(())
    });
    assert_eq!(msg, "original");
    assert_eq!(
        events,
        [
            "enter a",
            "enter b",
            "enter c",
            "exit c panic",
            "exit b panic",
            "exit a panic"
        ]
    );
}

#[test]
fn exit_panicking_while_unwinding_through_function_frames() {
    fn inner(log: &Log) -> Result<(), TestError> {
        with!(Probe::new("inner", log).exit_panics(), {
            panic!("deep");
        });
        Ok(())
    }
    let (msg, events) = panicking(|log| {
        with!(Probe::new("outer", log).exit_panics(), {
            inner(log)?;
        });
        Ok(())
    });
    assert_eq!(msg, "deep");
    assert_eq!(
        events,
        [
            "enter outer",
            "enter inner",
            "exit inner panic",
            "exit outer panic"
        ]
    );
}

#[test]
fn exit_panic_on_normal_path_propagates_and_outer_panicking_exits_are_caught() {
    // b's exit panics on the ok path: that panic propagates; a and outer see
    // it as Panic, and their own panics while unwinding are caught.
    let (msg, events) = panicking(|log| {
        with!(Probe::new("outer", log).exit_panics(), {
            with!(
                Probe::new("a", log).exit_panics(),
                Probe::new("b", log).exit_panics(),
                {
                    log.push("body");
                }
            );
        });
        Ok(())
    });
    assert_eq!(msg, "exit b panicked");
    assert_eq!(
        events,
        [
            "enter outer",
            "enter a",
            "enter b",
            "body",
            "exit b ok",
            "exit a panic",
            "exit outer panic"
        ]
    );
}

#[test]
fn exit_panic_on_an_error_path_replaces_the_error() {
    let (msg, events) = panicking(|log| {
        with!(Probe::new("a", log), Probe::new("b", log).exit_panics(), {
            Err(TestError::Body("x"))?;
        });
        Ok(())
    });
    assert_eq!(msg, "exit b panicked");
    assert_eq!(
        events,
        [
            "enter a",
            "enter b",
            "exit b err(body x failed)",
            "exit a panic"
        ]
    );
}

#[test]
fn enter_panicking_deep_in_a_nest_exits_every_outer_manager() {
    let (msg, events) = panicking(|log| {
        with!(Probe::new("a", log).exit_fails(), Probe::new("b", log), {
            with!(
                Probe::new("c", log).exit_panics(),
                Probe::new("d", log).enter_panics(),
                {
                    log.push("body");
                }
            );
        });
        Ok(())
    });
    assert_eq!(msg, "enter d panicked");
    assert_eq!(
        events,
        [
            "enter a",
            "enter b",
            "enter c",
            "enter d",
            "exit c panic",
            "exit b panic",
            "exit a panic"
        ]
    );
}

#[test]
fn panic_in_a_later_manager_expression_exits_the_earlier_ones() {
    let (msg, events) = panicking(|log| {
        with!(
            Probe::new("a", log),
            Probe::new("b", log),
            make_panics("c"),
            {
                log.push("body");
            }
        );
        Ok(())
    });
    assert_eq!(msg, "making c panicked");
    assert_eq!(
        events,
        ["enter a", "enter b", "exit b panic", "exit a panic"]
    );
}

#[test]
fn panic_in_a_nested_with_manager_expression_exits_the_outer_ones() {
    let (msg, events) = panicking(|log| {
        with!(Probe::new("a", log) as a, {
            log.push(format!("body {a}"));
            with!(make_panics("b") as b, {
                log.push(format!("body {b}"));
            });
        });
        Ok(())
    });
    assert_eq!(msg, "making b panicked");
    assert_eq!(events, ["enter a", "body a", "exit a panic"]);
}

#[test]
fn non_string_panic_payloads_from_exit_are_caught_while_unwinding() {
    struct Payload;
    struct Odd<'l>(&'l Log);
    impl ctxmgr::ContextManager for Odd<'_> {
        type Value<'a>
            = ()
        where
            Self: 'a;
        type Error = TestError;
        fn enter(&mut self) -> Result<(), TestError> {
            self.0.push("enter odd");
            Ok(())
        }
        fn exit(&mut self, outcome: ctxmgr::Outcome<'_>) -> Result<(), TestError> {
            self.0
                .push(format!("exit odd panic={}", outcome.is_panic()));
            std::panic::panic_any(Payload)
        }
    }
    let (msg, events) = panicking(|log| {
        with!(Probe::new("a", log), Odd(log), {
            panic!("first");
        });
        Ok(())
    });
    assert_eq!(msg, "first");
    assert_eq!(
        events,
        [
            "enter a",
            "enter odd",
            "exit odd panic=true",
            "exit a panic"
        ]
    );
}

#[test]
fn a_panic_leaves_the_process_usable_for_the_next_with() {
    let log = Log::new();
    for round in 0..3 {
        let msg = panic_message(AssertUnwindSafe(|| {
            let _: Result<(), TestError> = (|| {
                with!(Probe::new("a", &log).exit_panics(), {
                    panic!("round {round}");
                });
                Ok(())
            })();
        }));
        assert_eq!(msg, format!("round {round}"));
    }
    let ok: Result<u8, TestError> = (|| {
        let v = with!(Probe::new("b", &log), { 7 });
        Ok(v)
    })();
    assert_eq!(ok, Ok(7));
    assert_eq!(log.take().len(), 3 * 2 + 2);
}
