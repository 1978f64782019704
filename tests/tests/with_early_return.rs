//! `bail!(..)` and `ensure!(..)` in a `with!` body are the `return Err(..)`
//! they expand to: exit sees `Outcome::Err`, and an exit error is returned,
//! not panicked from the guard's `Drop`. Also `?` inside `matches!`.

use std::io::Write;

use ctxmgr::with;
use ctxmgr_tests::{Log, Probe, Quiet, TestError};

#[test]
fn anyhow_bail_is_seen_as_err_and_returns_it() {
    let log = Log::new();
    let run = |fail: bool| -> anyhow::Result<u32> {
        let v = with!(Quiet::new("a", &log), {
            if fail {
                anyhow::bail!("oops {}", 7);
            }
            1
        });
        Ok(v)
    };
    assert_eq!(run(false).unwrap(), 1);
    assert_eq!(run(true).unwrap_err().to_string(), "oops 7");
    assert_eq!(
        log.take(),
        ["enter a", "exit a ok", "enter a", "exit a err(oops 7)"]
    );
}

#[test]
fn anyhow_ensure_is_seen_as_err_only_when_it_fails() {
    let log = Log::new();
    let run = |n: u32| -> anyhow::Result<u32> {
        let v = with!(Quiet::new("a", &log), {
            anyhow::ensure!(n < 10, "{n} is too big");
            n * 2
        });
        Ok(v)
    };
    assert_eq!(run(3).unwrap(), 6);
    assert_eq!(run(12).unwrap_err().to_string(), "12 is too big");
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a err(12 is too big)"
        ]
    );
}

/// The program: a failing flush after `bail!` on `/dev/full` is the
/// error `save` returns. Before, the path was unseen and the guard's `Drop`
/// panicked the process.
#[test]
fn bail_on_a_full_disk_returns_the_flush_error_instead_of_panicking() {
    fn save() -> anyhow::Result<()> {
        with!(ctxmgr::open("/dev/full").mode("w") as f, {
            f.write_all(b"hello")?;
            anyhow::bail!("oops");
        });
        #[allow(unreachable_code)]
        Ok(())
    }
    let err = save().unwrap_err();
    let io = err
        .downcast_ref::<std::io::Error>()
        .expect("the flush error from exit");
    assert_eq!(io.kind(), std::io::ErrorKind::StorageFull, "{io}"); // ENOSPC
    assert!(
        err.to_string().contains("oops"),
        "exit carried the body's error: {err}"
    );
}

/// Any macro named `bail`/`ensure` that expands to `return Err(..)` counts.
macro_rules! bail {
    ($e:expr) => {
        return Err($e)
    };
}

#[test]
fn a_users_own_bail_macro_is_seen_too() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(Probe::new("a", &log), {
            bail!(TestError::Body("mine"));
        });
    };
    assert_eq!(run(), Err(TestError::Body("mine")));
    assert_eq!(log.take(), ["enter a", "exit a err(body mine failed)"]);
}

#[test]
fn bail_keeps_its_type_never_in_expression_position() {
    let run = |n: u32| -> anyhow::Result<u32> {
        let v = with!(Quiet::new("a", &Log::new()), {
            let half: u32 = if n < 10 {
                n / 2
            } else {
                anyhow::bail!("too big")
            };
            half
        });
        Ok(v)
    };
    assert_eq!(run(4).unwrap(), 2);
    assert!(run(30).is_err());
}

#[test]
fn question_mark_inside_matches_is_seen() {
    let log = Log::new();
    let run = |v: Result<Option<u8>, TestError>| -> Result<bool, TestError> {
        let b = with!(Probe::new("a", &log), { matches!(v?, Some(1..=9)) });
        Ok(b)
    };
    assert_eq!(run(Ok(Some(3))), Ok(true));
    assert_eq!(run(Err(TestError::Body("m"))), Err(TestError::Body("m")));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "exit a ok",
            "enter a",
            "exit a err(body m failed)"
        ]
    );
}

/// A user's macro named neither `bail!` nor `ensure!` that returns from the
/// body is a path `with!` cannot see (issue 9, item 1c). Exit runs from the
/// guard's `Drop` with `Outcome::Unseen`; when exit then fails, the panic says
/// why the path was unseen and what to write instead.
#[test]
fn an_opaque_macro_returning_from_the_body_panics_with_an_explanation() {
    macro_rules! give_up {
        ($e:expr) => {
            return Err($e)
        };
    }
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(Probe::new("a", &log).exit_fails(), {
            give_up!(TestError::Body("a"));
        });
        #[allow(unreachable_code)]
        Ok(())
    };
    let message = ctxmgr_tests::panic_message(std::panic::AssertUnwindSafe(|| {
        let _ = run();
    }));
    assert_eq!(log.take(), ["enter a", "exit a unseen"]);
    assert!(message.contains("`ctxmgr_tests::Probe`"), "{message}");
    // It names the body's opaque macro calls (and only those: `format!` is
    // seen, `with!` is its own).
    assert!(
        message.contains(
            "The body calls macros whose expansion `with!` cannot look into: `give_up!`."
        ),
        "{message}"
    );
    assert!(!message.contains("`format!`"), "{message}");
    assert!(
        message.contains("Write the `return`/`?` directly in the `with!` body"),
        "{message}"
    );
    assert!(message.contains("`ctxmgr::Guard`"), "{message}");
}

#[test]
fn the_panic_names_every_opaque_macro_of_a_nested_body_once() {
    macro_rules! give_up {
        ($e:expr) => {
            return Err($e)
        };
    }
    macro_rules! noop {
        () => {};
    }
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(Probe::new("a", &log).exit_fails(), Probe::new("b", &log), {
            noop!();
            let _ = format!("{}", 1);
            with!(Probe::new("c", &log), {
                noop!();
                give_up!(TestError::Body("c"));
            });
        });
        #[allow(unreachable_code)]
        Ok(())
    };
    let message = ctxmgr_tests::panic_message(std::panic::AssertUnwindSafe(|| {
        let _ = run();
    }));
    // Every level saw the unseen path; only the outermost exit failed.
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "enter c",
            "exit c unseen",
            "exit b unseen",
            "exit a unseen"
        ]
    );
    assert!(
        message.contains("cannot look into: `noop!`, `give_up!`."),
        "{message}"
    );
}

#[test]
fn a_guard_dropped_by_hand_keeps_the_general_explanation() {
    let log = Log::new();
    let message = ctxmgr_tests::panic_message(std::panic::AssertUnwindSafe(|| {
        let mut guard = ctxmgr::Guard::new(Probe::new("a", &log).exit_fails());
        let _ = guard.enter();
        drop(guard);
    }));
    assert_eq!(log.take(), ["enter a", "exit a unseen"]);
    assert!(
        message.contains("failed after its guard was dropped without being finished"),
        "{message}"
    );
}
