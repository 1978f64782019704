//! `#[derive(ContextManager)]` + `#[ctxmgr::context_manager]`: every
//! accepted method shape, driven through `with!` and through the named guard,
//! asserting which exit ran, in which order, with which outcome, and which
//! error propagated.

use std::fmt;
use std::sync::{Mutex, MutexGuard};

use ctxmgr::{with, ContextManager, ErrorRef, ExitStack, Outcome, Suppress};
use ctxmgr_tests::{describe, panic_message, Log, TestError};

// ---------------------------------------------------------------------------
// enter -> V (not borrowing self), exit(&mut self, Outcome) -> ()

#[derive(ContextManager)]
struct Counter {
    log: Log,
    entered: u32,
}

#[ctxmgr::context_manager]
impl Counter {
    #[enter]
    fn start(&mut self) -> u32 {
        self.entered += 1;
        self.log.push("enter");
        self.entered
    }

    #[exit]
    fn stop(&mut self, outcome: Outcome<'_>) {
        self.log.push(format!("exit {}", describe(&outcome)));
    }
}

#[test]
fn value_not_borrowing_self_and_unit_exit_with_outcome() {
    let log = Log::new();
    let n = with!(
        Counter {
            log: log.clone(),
            entered: 0
        } as n,
        { n + 10 }
    );
    assert_eq!(n, 11);
    assert_eq!(log.take(), ["enter", "exit ok"]);
    // Neither method can fail: the error type is `Infallible`, so `with!`
    // works in this `()`-returning function.
    fn infallible<M: ContextManager<Error = std::convert::Infallible>>() {}
    infallible::<Counter>();
}

#[test]
fn question_mark_in_body_is_seen_by_exit() {
    let log = Log::new();
    let run = || -> Result<(), TestError> {
        with!(
            Counter {
                log: log.clone(),
                entered: 0
            } as _n,
            {
                Err(TestError::Body("b"))?;
            }
        );
        Ok(())
    };
    assert_eq!(run(), Err(TestError::Body("b")));
    assert_eq!(log.take(), ["enter", "exit err(body b failed)"]);
}

// ---------------------------------------------------------------------------
// enter -> io::Result<&mut Field> (borrows a field), exit(&mut self) -> io::Result<()>

#[derive(ContextManager)]
struct Buffered {
    log: Log,
    buf: Vec<u8>,
    fail_enter: bool,
    fail_exit: bool,
}

impl Buffered {
    fn new(log: &Log) -> Self {
        Buffered {
            log: log.clone(),
            buf: Vec::new(),
            fail_enter: false,
            fail_exit: false,
        }
    }
}

#[ctxmgr::context_manager]
impl Buffered {
    #[enter]
    fn open(&mut self) -> std::io::Result<&mut Vec<u8>> {
        self.log.push("open");
        if self.fail_enter {
            return Err(std::io::Error::other("cannot open"));
        }
        Ok(&mut self.buf)
    }

    #[exit]
    fn close(&mut self) -> std::io::Result<()> {
        self.log.push(format!("close {} bytes", self.buf.len()));
        if self.fail_exit {
            Err(std::io::Error::other("cannot flush"))
        } else {
            Ok(())
        }
    }
}

#[test]
fn io_result_alias_value_borrowing_a_field_and_exit_without_outcome() {
    let log = Log::new();
    let mut b = Buffered::new(&log);
    let run = |b: &mut Buffered| -> std::io::Result<usize> {
        let n = with!(&mut *b as buf, {
            buf.extend_from_slice(b"hello");
            buf.len()
        });
        Ok(n)
    };
    assert_eq!(run(&mut b).unwrap(), 5);
    assert_eq!(b.buf, b"hello");
    assert_eq!(log.take(), ["open", "close 5 bytes"]);

    b.fail_exit = true;
    assert_eq!(run(&mut b).unwrap_err().to_string(), "cannot flush");
    assert_eq!(log.take(), ["open", "close 10 bytes"]);

    b.fail_enter = true;
    assert_eq!(run(&mut b).unwrap_err().to_string(), "cannot open");
    assert_eq!(log.take(), ["open"], "enter failed: no body, no exit");
}

#[test]
fn guard_of_a_field_borrowing_value_derefs_to_the_manager() {
    let log = Log::new();
    let mut b = Buffered::new(&log);
    let mut guard = BufferedGuard::enter(&mut b).unwrap();
    guard.buf.extend_from_slice(b"abc"); // DerefMut to `Buffered`
    assert_eq!(BufferedGuard::manager(&guard).buf.len(), 3);
    BufferedGuard::finish(guard, Outcome::Ok).unwrap();
    assert_eq!(log.take(), ["open", "close 3 bytes"]);

    b.fail_exit = true;
    let guard = BufferedGuard::enter(&mut b).unwrap();
    let err = BufferedGuard::finish(guard, Outcome::Ok).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot flush",
        "finish returns exit's error"
    );
    b.fail_exit = false;

    b.fail_enter = true;
    assert!(BufferedGuard::enter(&mut b).is_err());
    assert_eq!(log.take(), ["open", "close 3 bytes", "open"]);
}

// ---------------------------------------------------------------------------
// A transaction: struct lifetime + generics + where-clause, enter ->
// Result<&mut Self, E>, exit(Outcome) -> Result<(), E>.

#[derive(Default)]
struct Db {
    rows: Vec<String>,
    log: Vec<String>,
}

#[derive(ContextManager)]
struct Transaction<'c, T>
where
    T: fmt::Display,
{
    db: &'c mut Db,
    pending: Vec<T>,
}

#[ctxmgr::context_manager]
impl<'c, T> Transaction<'c, T>
where
    T: fmt::Display,
{
    #[enter]
    fn begin(&mut self) -> Result<&mut Self, TestError> {
        self.db.log.push("begin".into());
        Ok(self)
    }

    #[exit]
    fn end(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        let pending = std::mem::take(&mut self.pending);
        if outcome.is_ok() {
            self.db.rows.extend(pending.iter().map(ToString::to_string));
            self.db.log.push("commit".into());
        } else {
            self.db.log.push(format!("rollback {}", describe(&outcome)));
        }
        Ok(())
    }
}

impl<T: fmt::Display> Transaction<'_, T> {
    fn insert(&mut self, row: T) {
        self.pending.push(row);
    }
}

fn transfer(db: &mut Db, fail: bool) -> Result<(), TestError> {
    with!(
        Transaction {
            db,
            pending: Vec::new()
        } as tx,
        {
            tx.insert(1);
            if fail {
                Err(TestError::Body("funds"))?;
            }
            tx.insert(2);
        }
    );
    Ok(())
}

#[test]
fn self_returning_enter_with_lifetimes_generics_and_where_clause() {
    let mut db = Db::default();
    assert_eq!(transfer(&mut db, true), Err(TestError::Body("funds")));
    assert!(db.rows.is_empty());
    transfer(&mut db, false).unwrap();
    assert_eq!(db.rows, ["1", "2"]);
    assert_eq!(
        db.log,
        [
            "begin",
            "rollback err(body funds failed)",
            "begin",
            "commit"
        ]
    );
}

#[test]
fn guard_stored_in_a_struct_and_passed_to_a_function() {
    struct Session<'g, 'c> {
        tx: TransactionGuard<'g, 'c, &'static str>,
    }
    fn work(tx: &mut TransactionGuard<'_, '_, &'static str>) {
        tx.insert("a"); // Deref to the manager
    }
    let mut db = Db::default();
    let mut t = Transaction {
        db: &mut db,
        pending: Vec::new(),
    };
    {
        let mut session = Session {
            tx: TransactionGuard::enter(&mut t).unwrap(),
        };
        work(&mut session.tx);
        TransactionGuard::finish(session.tx, Outcome::Ok).unwrap();
    }
    drop(t);
    assert_eq!(db.rows, ["a"]);
    assert_eq!(db.log, ["begin", "commit"]);
}

#[test]
fn guard_dropped_unfinished_exits_unseen_never_ok() {
    let mut db = Db::default();
    let mut t = Transaction {
        db: &mut db,
        pending: Vec::new(),
    };
    {
        let mut guard = TransactionGuard::enter(&mut t).unwrap();
        guard.insert(7);
    }
    drop(t);
    assert!(db.rows.is_empty(), "an unseen path must not commit");
    assert_eq!(db.log, ["begin", "rollback unseen"]);
}

#[test]
fn guard_dropped_while_panicking_exits_with_panic() {
    let mut db = Db::default();
    let msg = panic_message(std::panic::AssertUnwindSafe(|| {
        let mut t = Transaction {
            db: &mut db,
            pending: Vec::new(),
        };
        let mut guard = TransactionGuard::enter(&mut t).unwrap();
        guard.insert(7);
        panic!("boom");
    }));
    assert_eq!(msg, "boom");
    assert_eq!(db.log, ["begin", "rollback panic"]);
}

// ---------------------------------------------------------------------------
// enter -> MutexGuard<'_, T> (borrows self, has a destructor): with! drops it
// before exit runs.

#[derive(ContextManager)]
struct Locked {
    data: Mutex<Vec<u32>>,
    exits: Vec<String>,
}

#[ctxmgr::context_manager]
impl Locked {
    #[enter]
    fn lock(&mut self) -> MutexGuard<'_, Vec<u32>> {
        self.data.lock().unwrap()
    }

    #[exit]
    fn unlock(&mut self, outcome: Outcome<'_>) {
        // The body's lock guard is gone: the mutex is free again.
        let free = self.data.try_lock().is_ok();
        self.exits
            .push(format!("{} free={free}", describe(&outcome)));
    }
}

#[test]
fn lock_guard_value_is_released_before_exit() {
    let mut m = Locked {
        data: Mutex::new(vec![]),
        exits: vec![],
    };
    with!(&mut m as data, mut, {
        data.push(1);
    });
    assert_eq!(*m.data.lock().unwrap(), [1]);
    assert_eq!(m.exits, ["ok free=true"]);
}

// ---------------------------------------------------------------------------
// A `Result` alias of ours for enter, `()` exit; `&self`, `self: &mut Self`
// and a named receiver lifetime.

mod names {
    /// A crate-style alias: its last path segment is `Result`.
    pub type Result<T> = std::result::Result<T, ctxmgr_tests::TestError>;
}

#[derive(ContextManager)]
struct Named {
    name: &'static str,
    log: Log,
}

#[ctxmgr::context_manager]
impl Named {
    #[enter]
    #[allow(clippy::needless_lifetimes)] // the shape under test
    fn enter<'s>(&'s self) -> names::Result<&'s str> {
        self.log.push(format!("enter {}", self.name));
        if self.name.is_empty() {
            Err(TestError::Enter("unnamed"))
        } else {
            Ok(self.name)
        }
    }

    #[exit]
    #[allow(clippy::needless_arbitrary_self_type)] // the shape under test
    fn exit(self: &mut Self) {
        self.log.push(format!("exit {}", self.name));
    }
}

#[test]
fn result_alias_shared_receiver_typed_receiver_and_named_lifetime() {
    let log = Log::new();
    let run = |name: &'static str| -> Result<usize, TestError> {
        Ok(with!(
            Named {
                name,
                log: log.clone()
            } as n,
            { n.len() }
        ))
    };
    assert_eq!(run("abc"), Ok(3));
    assert_eq!(run(""), Err(TestError::Enter("unnamed")));
    assert_eq!(log.take(), ["enter abc", "exit abc", "enter "]);
}

// ---------------------------------------------------------------------------
// A one-parameter `Result` alias that wraps its `T`: enter's value is what
// the alias makes of `T` (`Box<u32>`), read through the alias, not `T`.

mod boxed {
    pub type Result<T> = std::result::Result<Box<T>, ctxmgr_tests::TestError>;
}

#[derive(ContextManager)]
struct Boxing {
    log: Log,
    fail: bool,
}

#[ctxmgr::context_manager]
impl Boxing {
    #[enter]
    fn start(&mut self) -> boxed::Result<u32> {
        self.log.push("enter");
        if self.fail {
            Err(TestError::Enter("boxing"))
        } else {
            Ok(Box::new(7))
        }
    }

    #[exit]
    fn stop(&mut self, outcome: Outcome<'_>) {
        self.log.push(format!("exit {}", describe(&outcome)));
    }
}

#[test]
fn result_alias_wrapping_its_parameter_gives_the_wrapped_value() {
    let log = Log::new();
    let run = |fail| -> Result<u32, TestError> {
        Ok(with!(
            Boxing {
                log: log.clone(),
                fail
            } as v,
            {
                let v: Box<u32> = v;
                *v + 1
            }
        ))
    };
    assert_eq!(run(false), Ok(8));
    assert_eq!(run(true), Err(TestError::Enter("boxing")));
    assert_eq!(log.take(), ["enter", "exit ok", "enter"]);

    // The named guard keeps the box and derefs to it.
    let mut m = Boxing {
        log: log.clone(),
        fail: false,
    };
    let guard = BoxingGuard::enter(&mut m).unwrap();
    let value: Box<u32> = (*guard).clone();
    assert_eq!(*value, 7);
    BoxingGuard::finish(guard, Outcome::Ok).unwrap();
    assert_eq!(log.take(), ["enter", "exit ok"]);
}

// ---------------------------------------------------------------------------
// enter -> V, exit -> Result<(), E>: the error type comes from exit.
// `fmt::Result` (an alias without arguments) for enter.

#[derive(ContextManager)]
struct Checked {
    fail: bool,
    log: Log,
}

#[ctxmgr::context_manager]
impl Checked {
    #[enter]
    fn enter(&mut self) -> &'static str {
        "v"
    }
    #[exit]
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        self.log.push(describe(&outcome));
        if self.fail {
            Err(TestError::Exit("checked"))
        } else {
            Ok(())
        }
    }
}

#[test]
fn plain_enter_fallible_exit_error_propagates_and_wins() {
    let log = Log::new();
    let run = |fail: bool, body_fails: bool| -> Result<&'static str, TestError> {
        Ok(with!(
            Checked {
                fail,
                log: log.clone()
            } as v,
            {
                if body_fails {
                    Err(TestError::Body("b"))?;
                }
                v
            }
        ))
    };
    assert_eq!(run(false, false), Ok("v"));
    assert_eq!(run(true, false), Err(TestError::Exit("checked")));
    assert_eq!(run(true, true), Err(TestError::Exit("checked")));
    assert_eq!(log.take(), ["ok", "ok", "err(body b failed)"]);
}

#[derive(ContextManager)]
struct Formatter;

#[ctxmgr::context_manager]
impl Formatter {
    #[enter]
    fn enter(&mut self) -> fmt::Result {
        Err(fmt::Error)
    }
    #[exit]
    fn exit(&mut self) -> fmt::Result {
        Ok(())
    }
}

#[test]
fn result_alias_without_arguments() {
    let run = || -> Result<(), fmt::Error> {
        with!(Formatter as (), {});
        Ok(())
    };
    assert_eq!(run(), Err(fmt::Error));
}

// ---------------------------------------------------------------------------
// Enums, renamed guards, generic impls with bounds.

#[derive(ContextManager)]
#[ctxmgr(guard = LightSwitch)]
enum Light {
    Off,
    On(u8),
}

#[ctxmgr::context_manager]
impl Light {
    #[enter]
    fn on(&mut self) -> u8 {
        *self = Light::On(100);
        100
    }
    #[exit]
    fn off(&mut self) {
        *self = Light::Off;
    }
}

#[test]
fn enum_manager_with_renamed_guard_keeping_a_value() {
    let mut light = Light::Off;
    let mut guard = LightSwitch::enter(&mut light).unwrap();
    assert_eq!(*guard, 100);
    *guard -= 1; // DerefMut to the kept value
    assert_eq!(*guard, 99);
    assert!(matches!(LightSwitch::manager(&guard), Light::On(100)));
    LightSwitch::finish(guard, Outcome::Ok).unwrap();
    assert!(matches!(light, Light::Off));
}

#[derive(ContextManager)]
struct Stack<T> {
    items: Vec<T>,
    depth: usize,
}

#[ctxmgr::context_manager]
impl<T: Clone> Stack<T> {
    #[enter]
    fn push(&mut self) -> Vec<T> {
        self.depth += 1;
        self.items.clone()
    }
    #[exit]
    fn pop(&mut self) {
        self.depth -= 1;
    }
}

#[test]
fn generic_manager_with_bounds_on_the_impl() {
    let mut s = Stack {
        items: vec![1, 2],
        depth: 0,
    };
    let len = with!(&mut s as items, { items.len() });
    assert_eq!((len, s.depth), (2, 0));
    let guard = StackGuard::enter(&mut s).unwrap();
    assert_eq!(guard.len(), 2, "derefs to the kept Vec");
    assert_eq!(StackGuard::manager(&guard).depth, 1);
    drop(guard);
    assert_eq!(s.depth, 0, "dropping the guard exits");
}

#[test]
fn unseen_exit_error_panics_naming_the_type() {
    let log = Log::new();
    let msg = panic_message(std::panic::AssertUnwindSafe(|| {
        let mut c = Checked {
            fail: true,
            log: log.clone(),
        };
        let _guard = CheckedGuard::enter(&mut c).unwrap();
    }));
    assert!(msg.contains("Checked"), "{msg}");
    assert_eq!(log.take(), ["unseen"]);
}

/// A manager whose impl block a `macro_rules!` writes: the method names come
/// from the macro's body, the type from its caller, and `self` is hygienic
/// in between.
macro_rules! recording_manager {
    ($name:ident) => {
        #[derive(ContextManager)]
        struct $name(Vec<String>);

        #[ctxmgr::context_manager]
        impl $name {
            #[enter]
            fn begin(&mut self) -> &mut Vec<String> {
                self.0.push("enter".into());
                &mut self.0
            }

            #[exit]
            fn end(&mut self, outcome: Outcome<'_>) {
                self.0.push(format!("exit {}", describe(&outcome)));
            }
        }
    };
}
recording_manager!(Recorder);

#[test]
fn a_manager_written_by_a_macro_rules_enters_and_exits() {
    let mut recorder = Recorder(Vec::new());
    let run = |recorder: &mut Recorder, fail: bool| -> Result<(), TestError> {
        with!(&mut *recorder as lines, {
            lines.push("body".into());
            if fail {
                Err(TestError::Body("x"))?;
            }
        });
        Ok(())
    };
    assert_eq!(run(&mut recorder, false), Ok(()));
    assert_eq!(run(&mut recorder, true), Err(TestError::Body("x")));
    assert_eq!(
        recorder.0,
        [
            "enter",
            "body",
            "exit ok",
            "enter",
            "body",
            "exit err(body x failed)"
        ]
    );
}

// ---------------------------------------------------------------------------
// Return types: a `Result` is read by its name (any alias named `Result`);
// a `Result` under another name is a compile error (tests/ui/derive/
// enter-returns-result-alias.rs), never a value bound after a failed enter.

type Res<T> = Result<T, TestError>;

/// `#[enter]` -> `Result<..>` through a `macro_rules!` `$ret:ty` (an
/// invisible group around the type), `#[exit]` -> an alias named otherwise:
/// a failed enter stops the body, and exit's `Res<()>` is its `Result`.
macro_rules! manager_returning {
    ($name:ident, $ret:ty) => {
        #[derive(ContextManager)]
        struct $name {
            fail_enter: bool,
            fail_exit: bool,
            log: Vec<String>,
        }

        #[ctxmgr::context_manager]
        impl $name {
            #[enter]
            fn begin(&mut self) -> $ret {
                self.log.push("enter".into());
                if self.fail_enter {
                    return Err(TestError::Enter("t"));
                }
                Ok(7)
            }

            #[exit]
            fn end(&mut self, outcome: Outcome<'_>) -> Res<()> {
                self.log.push(format!("exit {}", describe(&outcome)));
                if self.fail_exit {
                    return Err(TestError::Exit("t"));
                }
                Ok(())
            }
        }
    };
}
manager_returning!(ViaMacro, Result<u32, TestError>);

#[test]
fn a_result_through_a_macro_type_fragment_is_fallible_and_exit_may_return_an_alias() {
    fn run(m: &mut ViaMacro) -> Result<u32, TestError> {
        let v = with!(&mut *m as v, { m_body(v) });
        Ok(v)
    }
    fn m_body(v: u32) -> u32 {
        v + 1
    }
    let mut m = ViaMacro {
        fail_enter: true,
        fail_exit: false,
        log: Vec::new(),
    };
    // The body would have returned 8 with a plain `u32`; it never runs.
    assert_eq!(run(&mut m), Err(TestError::Enter("t")));
    assert_eq!(m.log, ["enter"]);

    m.fail_enter = false;
    m.log.clear();
    assert_eq!(run(&mut m), Ok(8));
    assert_eq!(m.log, ["enter", "exit ok"]);

    m.fail_exit = true;
    m.log.clear();
    assert_eq!(run(&mut m), Err(TestError::Exit("t")));
    assert_eq!(m.log, ["enter", "exit ok"]);
}

/// Plain values that are paths (a number, a generic parameter, an
/// `Option`) stay plain: the probe for a `Result` under another name does
/// not reject them.
#[derive(ContextManager)]
struct Plain<T: Clone> {
    value: T,
}

#[ctxmgr::context_manager]
impl<T: Clone> Plain<T> {
    #[enter]
    fn begin(&mut self) -> T {
        self.value.clone()
    }

    #[exit]
    fn end(&mut self) {}
}

#[test]
fn a_plain_path_value_is_the_value() {
    let got = with!(Plain { value: 5u8 } as v, { v });
    assert_eq!(got, 5);
    // `T` is a `Result` here, chosen by the caller: still the value.
    let got = with!(
        Plain {
            value: Err::<u8, &str>("kept")
        } as v,
        { v }
    );
    assert_eq!(got, Err("kept"));
}

/// A half that needs no state is an associated fn (no `self`): clippy's
/// pedantic `unused_self` has nothing to flag (tests/hygiene checks the lint);
/// it is called, and sees the outcome, like a method (issue 21).
#[derive(ContextManager)]
struct Stateless;

#[ctxmgr::context_manager]
impl Stateless {
    #[enter]
    fn begin() -> &'static str {
        "entered"
    }

    #[exit]
    fn end(outcome: Outcome<'_>) -> Result<(), TestError> {
        match outcome.error() {
            Some(e) if e.to_string() == "body x failed" => Err(TestError::Exit("saw x")),
            _ => Ok(()),
        }
    }
}

#[test]
fn an_enter_and_exit_without_self_are_called_and_exit_sees_the_outcome() {
    fn run(fail: bool) -> Result<&'static str, TestError> {
        let v = with!(Stateless as v, {
            if fail {
                Err(TestError::Body("x"))?;
            }
            v
        });
        Ok(v)
    }
    assert_eq!(run(false), Ok("entered"));
    assert_eq!(run(true), Err(TestError::Exit("saw x")));
}

// ---------------------------------------------------------------------------
// `#[suppress]`: Python's `__exit__` returning `True`. The method becomes
// `ContextManager::suppresses`, and the type `Suppress`, so `with!` and
// `ExitStack` ask it after exit returned `Ok(())`.

/// Swallows `TestError::Body(ignored)`, like `contextlib.suppress`; exit sees
/// every error, swallowed or not, and may fail itself.
#[derive(ContextManager)]
struct Ignoring {
    log: Log,
    ignored: &'static str,
    fail_exit: bool,
}

impl Ignoring {
    fn new(log: &Log, ignored: &'static str) -> Self {
        Ignoring {
            log: log.clone(),
            ignored,
            fail_exit: false,
        }
    }
}

#[ctxmgr::context_manager]
impl Ignoring {
    #[enter]
    fn begin(&mut self) -> Result<&'static str, TestError> {
        self.log.push("enter");
        Ok(self.ignored)
    }

    #[exit]
    fn end(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> {
        self.log.push(format!("exit {}", describe(&outcome)));
        if self.fail_exit {
            return Err(TestError::Exit("e"));
        }
        Ok(())
    }

    #[suppress]
    fn swallows(&mut self, error: ErrorRef<'_>) -> bool {
        let yes = error.downcast_ref::<TestError>() == Some(&TestError::Body(self.ignored));
        self.log.push(format!("asked {error}: {yes}"));
        yes
    }
}

fn ignoring(log: &Log, fail: Option<&'static str>) -> Result<(u32, &'static str), TestError> {
    let n = with!(Ignoring::new(log, "x") as ignored, {
        if let Some(name) = fail {
            Err(TestError::Body(name))?;
        }
        log.push("body done");
        assert_eq!(ignored, "x");
        7
    });
    log.push("after with");
    Ok((n, "returned"))
}

#[test]
fn a_suppress_method_swallows_its_error_and_with_evaluates_to_default() {
    fn is_suppress<M: Suppress>() {}
    is_suppress::<Ignoring>();

    let log = Log::new();
    assert_eq!(ignoring(&log, Some("x")), Ok((0, "returned")));
    assert_eq!(
        log.take(),
        [
            "enter",
            "exit err(body x failed)",
            "asked body x failed: true",
            "after with"
        ]
    );
}

#[test]
fn a_suppress_method_lets_other_errors_propagate_and_is_not_asked_without_one() {
    let log = Log::new();
    assert_eq!(ignoring(&log, Some("y")), Err(TestError::Body("y")));
    assert_eq!(
        log.take(),
        [
            "enter",
            "exit err(body y failed)",
            "asked body y failed: false"
        ]
    );
    assert_eq!(ignoring(&log, None), Ok((7, "returned")));
    assert_eq!(log.take(), ["enter", "body done", "exit ok", "after with"]);
}

#[test]
fn a_suppress_method_is_not_asked_after_exit_failed_nor_for_a_return() {
    let log = Log::new();
    let exit_fails = || -> Result<u32, TestError> {
        let n = with!(
            Ignoring {
                fail_exit: true,
                ..Ignoring::new(&log, "x")
            } as _i,
            {
                Err(TestError::Body("x"))?;
                1
            }
        );
        Ok(n)
    };
    assert_eq!(exit_fails(), Err(TestError::Exit("e")));
    assert_eq!(log.take(), ["enter", "exit err(body x failed)"]);

    // An explicit `return` always returns, as in Python.
    let returns = || -> Result<u32, TestError> {
        with!(Ignoring::new(&log, "x") as _i, {
            return Err(TestError::Body("x"));
        });
    };
    assert_eq!(returns(), Err(TestError::Body("x")));
    assert_eq!(log.take(), ["enter", "exit err(body x failed)"]);
}

#[test]
fn a_suppress_method_suppresses_inside_an_exit_stack_by_plain_enter_context() {
    let log = Log::new();
    let run = |fail: &'static str| -> Result<u32, TestError> {
        let n = with!(ExitStack::<TestError>::default() as stack, {
            assert_eq!(stack.enter_context(Ignoring::new(&log, "x"))?, "x");
            Err(TestError::Body(fail))?;
            1
        });
        log.push("after with");
        Ok(n)
    };
    assert_eq!(run("x"), Ok(0));
    assert_eq!(
        log.take(),
        [
            "enter",
            "exit err(body x failed)",
            "asked body x failed: true",
            "after with"
        ]
    );
    assert_eq!(run("y"), Err(TestError::Body("y")));
    assert_eq!(
        log.take(),
        [
            "enter",
            "exit err(body y failed)",
            "asked body y failed: false"
        ]
    );

    // Closed by hand: the stack reports the error as swallowed.
    let mut stack = ExitStack::<TestError>::default();
    stack.enter_context(Ignoring::new(&log, "x")).unwrap();
    let error = TestError::Body("x");
    assert_eq!(stack.exit(Outcome::Err(ErrorRef::new(&error))), Ok(()));
    assert!(stack.suppresses(ErrorRef::new(&error)));
    assert_eq!(
        log.take(),
        [
            "enter",
            "exit err(body x failed)",
            "asked body x failed: true"
        ]
    );
}

/// `#[suppress]` on `&self`, named `suppresses` (the inherent method is what
/// the trait's forwards to), in a generic impl with a where-clause.
#[derive(ContextManager)]
struct OnlyType<T> {
    asked: std::cell::Cell<u32>,
    marker: std::marker::PhantomData<T>,
}

#[ctxmgr::context_manager]
impl<T> OnlyType<T>
where
    T: std::error::Error + 'static,
{
    #[enter]
    fn begin(&mut self) {}

    #[exit]
    fn end(&mut self) {}

    #[suppress]
    fn suppresses(&self, error: ErrorRef<'_>) -> bool {
        self.asked.set(self.asked.get() + 1);
        error.downcast_ref::<T>().is_some()
    }
}

/// `#[suppress]` without `self`, beside halves with it, naming the error's
/// lifetime (its own generic parameter, inferred at the call).
#[derive(ContextManager)]
struct SwallowAll;

#[ctxmgr::context_manager]
impl SwallowAll {
    #[enter]
    fn begin(&mut self) {}

    #[exit]
    fn end(&mut self) {}

    #[suppress]
    #[allow(clippy::needless_lifetimes)]
    fn always<'e>(_error: ErrorRef<'e>) -> bool {
        true
    }
}

#[test]
fn a_suppress_method_may_take_shared_self_or_no_self() {
    fn parse(text: &str, asked: &mut u32) -> Result<i64, Box<dyn std::error::Error>> {
        let mut m = OnlyType::<std::num::ParseIntError> {
            asked: std::cell::Cell::new(0),
            marker: std::marker::PhantomData,
        };
        let n = with!(&mut m, {
            if text == "io" {
                Err(std::io::Error::other("io"))?;
            }
            text.parse::<i64>()?
        });
        *asked = m.asked.get();
        Ok(n)
    }
    let mut asked = 0;
    assert_eq!(parse("12", &mut asked).unwrap(), 12);
    assert_eq!(asked, 0);
    assert_eq!(parse("twelve", &mut asked).unwrap(), 0);
    assert_eq!(asked, 1);
    // Asked, says no: the error propagates (and `asked` is not written).
    assert_eq!(parse("io", &mut asked).unwrap_err().to_string(), "io");

    let swallowed = || -> Result<String, TestError> {
        let s = with!(SwallowAll, {
            Err(TestError::Body("any"))?;
            String::from("body")
        });
        Ok(s + "after")
    };
    assert_eq!(swallowed(), Ok(String::from("after")));
}
