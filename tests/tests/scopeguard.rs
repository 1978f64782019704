//! `ctxmgr::scopeguard` is a drop-in for the scopeguard crate: scopeguard
//! 1.2's own test module, restated against it (first section, names and
//! bodies unchanged but for the `use`), then the API the drop-in promises
//! beyond those tests.

// scopeguard's own tests compare with `assert_eq!(x, false)`; the paths
// test uses every way out, redundant ones included.
#![allow(
    clippy::bool_assert_comparison,
    clippy::needless_return,
    clippy::never_loop
)]

use ctxmgr::scopeguard;

// ---------------------------------------------------------------------------
// scopeguard 1.2.0, src/lib.rs, `mod tests` (with `use_std`), verbatim
// after `use super::*` became the imports of the drop-in.
mod upstream {
    use ctxmgr::scopeguard::{guard, guard_on_unwind, ScopeGuard};
    use ctxmgr::{defer, defer_on_success, defer_on_unwind};
    use std::cell::Cell;
    use std::panic::catch_unwind;
    use std::panic::AssertUnwindSafe;

    #[test]
    fn test_defer() {
        let drops = Cell::new(0);
        defer!(drops.set(1000));
        assert_eq!(drops.get(), 0);
    }

    #[test]
    fn test_defer_success_1() {
        let drops = Cell::new(0);
        {
            defer_on_success!(drops.set(1));
            assert_eq!(drops.get(), 0);
        }
        assert_eq!(drops.get(), 1);
    }

    #[test]
    fn test_defer_success_2() {
        let drops = Cell::new(0);
        let _ = catch_unwind(AssertUnwindSafe(|| {
            defer_on_success!(drops.set(1));
            panic!("failure")
        }));
        assert_eq!(drops.get(), 0);
    }

    #[test]
    fn test_defer_unwind_1() {
        let drops = Cell::new(0);
        let _ = catch_unwind(AssertUnwindSafe(|| {
            defer_on_unwind!(drops.set(1));
            assert_eq!(drops.get(), 0);
            panic!("failure")
        }));
        assert_eq!(drops.get(), 1);
    }

    #[test]
    fn test_defer_unwind_2() {
        let drops = Cell::new(0);
        {
            defer_on_unwind!(drops.set(1));
        }
        assert_eq!(drops.get(), 0);
    }

    #[test]
    fn test_only_dropped_by_closure_when_run() {
        let value_drops = Cell::new(0);
        let value = guard((), |()| value_drops.set(1 + value_drops.get()));
        let closure_drops = Cell::new(0);
        let guard = guard(value, |_| closure_drops.set(1 + closure_drops.get()));
        assert_eq!(value_drops.get(), 0);
        assert_eq!(closure_drops.get(), 0);
        drop(guard);
        assert_eq!(value_drops.get(), 1);
        assert_eq!(closure_drops.get(), 1);
    }

    #[test]
    fn test_dropped_once_when_not_run() {
        let value_drops = Cell::new(0);
        let value = guard((), |()| value_drops.set(1 + value_drops.get()));
        let captured_drops = Cell::new(0);
        let captured = guard((), |()| captured_drops.set(1 + captured_drops.get()));
        let closure_drops = Cell::new(0);
        let guard = guard_on_unwind(value, |value| {
            drop(value);
            drop(captured);
            closure_drops.set(1 + closure_drops.get())
        });
        assert_eq!(value_drops.get(), 0);
        assert_eq!(captured_drops.get(), 0);
        assert_eq!(closure_drops.get(), 0);
        drop(guard);
        assert_eq!(value_drops.get(), 1);
        assert_eq!(captured_drops.get(), 1);
        assert_eq!(closure_drops.get(), 0);
    }

    #[test]
    fn test_into_inner() {
        let dropped = Cell::new(false);
        let value = guard(42, |_| dropped.set(true));
        let guard = guard(value, |_| dropped.set(true));
        let inner = ScopeGuard::into_inner(guard);
        assert_eq!(dropped.get(), false);
        assert_eq!(*inner, 42);
    }
}

// ---------------------------------------------------------------------------
// The rest of the promised API.

use ctxmgr::scopeguard::{Always, OnSuccess, OnUnwind, ScopeGuard, Strategy};
use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A codebase that wrote `scopeguard::defer!` / `scopeguard::guard` keeps
/// compiling after `use ctxmgr::scopeguard;`.
#[test]
fn module_paths_of_the_macros_and_functions_work() {
    let log = RefCell::new(Vec::new());
    {
        scopeguard::defer! { log.borrow_mut().push("defer"); }
        scopeguard::defer_on_success! { log.borrow_mut().push("on success"); }
        scopeguard::defer_on_unwind! { log.borrow_mut().push("on unwind"); }
        let _a = scopeguard::guard("a", |v| log.borrow_mut().push(v));
        let _b = scopeguard::guard_on_success("b", |v| log.borrow_mut().push(v));
        let _c = scopeguard::guard_on_unwind("c", |v| log.borrow_mut().push(v));
        log.borrow_mut().push("body");
    }
    // Reverse order of creation; the unwind-only ones did not run.
    assert_eq!(*log.borrow(), ["body", "b", "a", "on success", "defer"]);
}

#[test]
fn guards_run_in_reverse_order_while_unwinding_and_only_the_right_strategies() {
    let log = RefCell::new(Vec::new());
    let result = catch_unwind(AssertUnwindSafe(|| {
        let _a = scopeguard::guard("always", |v| log.borrow_mut().push(v));
        let _b = scopeguard::guard_on_success("on success", |v| log.borrow_mut().push(v));
        let _c = scopeguard::guard_on_unwind("on unwind", |v| log.borrow_mut().push(v));
        panic!("boom");
    }));
    assert!(result.is_err());
    assert_eq!(*log.borrow(), ["on unwind", "always"]);
}

#[test]
fn defer_runs_on_every_path_out_of_a_function() {
    let log = RefCell::new(Vec::new());
    let f = |how: u8| -> Result<(), &'static str> {
        ctxmgr::defer! { log.borrow_mut().push(format!("cleanup {how}")); }
        match how {
            0 => Ok(()),
            1 => Err("early")?,
            2 => return Err("returned"),
            _ => {
                for _ in 0..3 {
                    ctxmgr::defer! { log.borrow_mut().push("loop".to_string()); }
                    break;
                }
                Ok(())
            }
        }
    };
    assert_eq!(f(0), Ok(()));
    assert_eq!(f(1), Err("early"));
    assert_eq!(f(2), Err("returned"));
    assert_eq!(f(3), Ok(()));
    let _ = catch_unwind(AssertUnwindSafe(|| {
        ctxmgr::defer! { log.borrow_mut().push("cleanup panic".to_string()); }
        panic!("boom");
    }));
    assert_eq!(
        *log.borrow(),
        [
            "cleanup 0",
            "cleanup 1",
            "cleanup 2",
            "loop",
            "cleanup 3",
            "cleanup panic"
        ]
    );
}

#[test]
fn deref_and_deref_mut_reach_the_value_the_closure_gets() {
    let seen = RefCell::new(Vec::new());
    {
        let mut v = scopeguard::guard(vec![1, 2], |v| seen.borrow_mut().extend(v));
        v.push(3);
        assert_eq!(v.len(), 3);
        assert_eq!(*v, [1, 2, 3]);
    }
    assert_eq!(*seen.borrow(), [1, 2, 3]);
}

#[test]
fn into_inner_defuses_and_returns_the_value() {
    let ran = RefCell::new(false);
    let mut g = scopeguard::guard(String::from("kept"), |_| *ran.borrow_mut() = true);
    g.push('!');
    assert_eq!(ScopeGuard::into_inner(g), "kept!");
    assert!(!*ran.borrow());
}

/// A custom strategy plugs in through `with_strategy`, as in scopeguard.
#[test]
fn with_strategy_takes_a_custom_strategy() {
    enum Never {}
    impl Strategy for Never {
        fn should_run() -> bool {
            false
        }
    }
    let log = RefCell::new(Vec::new());
    {
        let _n: ScopeGuard<_, _, Never> =
            ScopeGuard::with_strategy("never", |v| log.borrow_mut().push(v));
        let _a: ScopeGuard<_, _, Always> =
            ScopeGuard::with_strategy("always", |v| log.borrow_mut().push(v));
        let _s: ScopeGuard<_, _, OnSuccess> =
            ScopeGuard::with_strategy("success", |v| log.borrow_mut().push(v));
        let _u: ScopeGuard<_, _, OnUnwind> =
            ScopeGuard::with_strategy("unwind", |v| log.borrow_mut().push(v));
    }
    assert_eq!(*log.borrow(), ["success", "always"]);
}

#[test]
fn debug_shows_the_value_like_scopeguard() {
    let g = scopeguard::guard(7, |_| ());
    assert_eq!(format!("{g:?}"), "ScopeGuard { value: 7 }");
}

/// The guard is `Send` when its parts are, so it can move to a thread.
#[test]
fn a_guard_moves_to_another_thread() {
    let (tx, rx) = std::sync::mpsc::channel();
    let g = scopeguard::guard(5, move |v| tx.send(v).unwrap());
    std::thread::spawn(move || drop(g)).join().unwrap();
    assert_eq!(rx.recv().unwrap(), 5);
}

// ---------------------------------------------------------------------------
// Where ctxmgr's drop-in is checked against scopeguard 1.2's source, beyond
// its tests (issue 21).

/// Logs its name when dropped.
struct Noisy<'l>(&'static str, &'l std::cell::RefCell<Vec<&'static str>>);
impl Drop for Noisy<'_> {
    fn drop(&mut self) {
        self.1.borrow_mut().push(self.0);
    }
}

/// A guard whose strategy says no drops the closure (what it captured)
/// first, then the value: scopeguard's `let (value, dropfn) = ..;` in its
/// `drop`, whose locals drop in reverse order.
#[test]
fn a_guard_that_does_not_run_drops_the_closure_then_the_value() {
    let log = std::cell::RefCell::new(Vec::new());
    {
        let captured = Noisy("closure's capture", &log);
        let _g = scopeguard::guard_on_unwind(Noisy("value", &log), move |_| {
            let _keep = &captured;
            unreachable!("no panic: the closure does not run");
        });
    }
    assert_eq!(*log.borrow(), ["closure's capture", "value"]);

    // A custom strategy that never runs: the same order.
    enum Never {}
    impl scopeguard::Strategy for Never {
        fn should_run() -> bool {
            false
        }
    }
    log.borrow_mut().clear();
    {
        let captured = Noisy("closure's capture", &log);
        let _g =
            scopeguard::ScopeGuard::<_, _, Never>::with_strategy(Noisy("value", &log), move |_| {
                drop(captured)
            });
    }
    assert_eq!(*log.borrow(), ["closure's capture", "value"]);
}

/// When it runs, the closure gets the value: the value drops inside it,
/// before the closure's captures (which go when the closure returns).
#[test]
fn a_guard_that_runs_drops_the_value_in_the_closure() {
    let log = std::cell::RefCell::new(Vec::new());
    {
        let captured = Noisy("closure's capture", &log);
        let log = &log;
        let _g = scopeguard::guard(Noisy("value", log), move |v| {
            let _keep = &captured;
            drop(v);
            log.borrow_mut().push("closure body");
        });
    }
    assert_eq!(
        *log.borrow(),
        ["value", "closure body", "closure's capture"]
    );
}

/// `into_inner` drops the closure, then hands the value back (scopeguard's
/// order, so a panicking closure drop still drops the value).
#[test]
fn into_inner_drops_the_closure_before_returning_the_value() {
    let log = std::cell::RefCell::new(Vec::new());
    let captured = Noisy("closure's capture", &log);
    let g = scopeguard::guard(Noisy("value", &log), move |_| drop(captured));
    let value = scopeguard::ScopeGuard::into_inner(g);
    log.borrow_mut().push("returned");
    drop(value);
    assert_eq!(*log.borrow(), ["closure's capture", "returned", "value"]);
}

/// `#[must_use]` is on the functions that make a guard, as in scopeguard,
/// not on the type: a function of yours returning a guard may be called for
/// its effect under `deny(unused_must_use)` (tests/ui/managers/ pins that
/// `scopeguard::guard(..);` itself is the lint).
#[test]
#[deny(unused_must_use, warnings)]
fn a_returned_guard_is_no_must_use_warning() {
    use std::cell::Cell;
    fn arm(ran: &Cell<bool>) -> scopeguard::ScopeGuard<(), impl FnOnce(()) + '_> {
        scopeguard::guard((), move |()| ran.set(true))
    }
    let ran = Cell::new(false);
    arm(&ran); // dropped at once: runs at once
    assert!(ran.get());
}

/// `defer!`'s closure is written by an edition-2015 crate (ctxmgr-defer),
/// as scopeguard's is written by scopeguard's: it captures whole variables.
/// A block that moves one field out moves the whole local into the closure,
/// so the rest of it drops when the guard runs, before the locals declared
/// between the two (tests/ui/managers/defer-borrows-the-whole-variable.rs
/// pins the borrow side). The same program with scopeguard's own `defer!`
/// gives the same order.
#[test]
fn defer_captures_the_whole_variable_like_scopeguard() {
    struct Pair<'l> {
        moved: Noisy<'l>,
        _kept: Noisy<'l>,
    }
    let ours = std::cell::RefCell::new(Vec::new());
    {
        let pair = Pair {
            moved: Noisy("moved field", &ours),
            _kept: Noisy("kept field", &ours),
        };
        let _between = Noisy("declared between", &ours);
        ctxmgr::defer! { drop(pair.moved); }
    }
    let theirs = std::cell::RefCell::new(Vec::new());
    {
        let pair = Pair {
            moved: Noisy("moved field", &theirs),
            _kept: Noisy("kept field", &theirs),
        };
        let _between = Noisy("declared between", &theirs);
        ::scopeguard::defer! { drop(pair.moved); }
    }
    assert_eq!(
        *ours.borrow(),
        ["moved field", "kept field", "declared between"]
    );
    assert_eq!(*ours.borrow(), *theirs.borrow());
}

/// The drop order of a guard whose strategy does not run, and of
/// `into_inner`, against scopeguard 1.2 itself.
#[test]
fn drop_orders_are_scopeguards() {
    fn not_run_ours(log: &std::cell::RefCell<Vec<&'static str>>) {
        let captured = Noisy("closure's capture", log);
        let _g = scopeguard::guard_on_unwind(Noisy("value", log), move |_| drop(captured));
    }
    fn not_run_theirs(log: &std::cell::RefCell<Vec<&'static str>>) {
        let captured = Noisy("closure's capture", log);
        let _g = ::scopeguard::guard_on_unwind(Noisy("value", log), move |_| drop(captured));
    }
    fn into_inner_ours(log: &std::cell::RefCell<Vec<&'static str>>) {
        let captured = Noisy("closure's capture", log);
        let g = scopeguard::guard(Noisy("value", log), move |_| drop(captured));
        let _v = scopeguard::ScopeGuard::into_inner(g);
        log.borrow_mut().push("returned");
    }
    fn into_inner_theirs(log: &std::cell::RefCell<Vec<&'static str>>) {
        let captured = Noisy("closure's capture", log);
        let g = ::scopeguard::guard(Noisy("value", log), move |_| drop(captured));
        let _v = ::scopeguard::ScopeGuard::into_inner(g);
        log.borrow_mut().push("returned");
    }
    for (ours, theirs) in [
        (not_run_ours as fn(&_), not_run_theirs as fn(&_)),
        (into_inner_ours, into_inner_theirs),
    ] {
        let (a, b) = (
            std::cell::RefCell::new(Vec::new()),
            std::cell::RefCell::new(Vec::new()),
        );
        ours(&a);
        theirs(&b);
        assert_eq!(*a.borrow(), *b.borrow());
    }
}
