//! Threads: guards and managers are `Send`/`Sync` exactly when their parts
//! are, and `with!` in many threads sharing one lock-based manager counts
//! exactly.

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use ctxmgr::{with, ContextManager, Guard, Open, OpenFile, Outcome};

// ---------------------------------------------------------------------------
// Auto traits, both ways. Positive: a generic bound. Negative: the
// ambiguity trick (an impl for every `T` and one for `T: Trait`; naming the
// item is ambiguous, a compile error, exactly when `T: Trait` holds).

fn assert_send<T: Send>() {}
fn assert_sync<T: Sync>() {}

macro_rules! assert_not {
    ($ty:ty: $trait:path) => {
        const _: fn() = || {
            trait Ambiguous<A> {
                fn item() {}
            }
            impl<T: ?Sized> Ambiguous<()> for T {}
            #[allow(dead_code)]
            struct Marker;
            impl<T: ?Sized + $trait> Ambiguous<Marker> for T {}
            <$ty as Ambiguous<_>>::item();
        };
    };
}

/// A manager made of a `P`: it has `P`'s auto traits and nothing else.
struct Part<P>(P);

impl<P> ContextManager for Part<P> {
    type Value<'a>
        = &'a mut P
    where
        Self: 'a;
    type Error = Infallible;
    fn enter(&mut self) -> Result<&mut P, Infallible> {
        Ok(&mut self.0)
    }
    fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

type SendSync = Part<u8>;
type SendOnly = Part<Cell<u8>>;
type SyncOnly = Part<MutexGuard<'static, u8>>;
type Neither = Part<Rc<u8>>;

// Guard<M>: Send iff M: Send, Sync iff M: Sync.
assert_not!(Guard<SendOnly>: Sync);
assert_not!(Guard<SyncOnly>: Send);
assert_not!(Guard<Neither>: Send);
assert_not!(Guard<Neither>: Sync);
// `&mut M` as a manager: Send iff M: Send, Sync iff M: Sync.
assert_not!(Guard<&'static mut SyncOnly>: Send);
assert_not!(Guard<&'static mut SendOnly>: Sync);
// The fixtures' logging manager holds an `Rc`.
assert_not!(Guard<ctxmgr_tests::Probe>: Send);

/// The same through the derive: its named guard borrows the manager.
#[derive(ContextManager)]
struct Derived<P> {
    part: P,
}

#[ctxmgr::context_manager]
impl<P> Derived<P> {
    #[enter]
    fn enter(&mut self) -> &mut P {
        &mut self.part
    }
    #[exit]
    fn exit(&mut self) {}
}

assert_not!(DerivedGuard<'static, Cell<u8>>: Sync);
assert_not!(DerivedGuard<'static, MutexGuard<'static, u8>>: Send);
assert_not!(DerivedGuard<'static, Rc<u8>>: Send);
assert_not!(DerivedGuard<'static, Rc<u8>>: Sync);

#[test]
fn derived_named_guards_are_send_and_sync_exactly_when_their_manager_is() {
    assert_send::<DerivedGuard<'static, u8>>();
    assert_sync::<DerivedGuard<'static, u8>>();
    assert_send::<DerivedGuard<'static, Cell<u8>>>();
    assert_sync::<DerivedGuard<'static, MutexGuard<'static, u8>>>();
    let mut m = Derived { part: 1u8 };
    std::thread::scope(|s| {
        let mut guard = DerivedGuard::enter(&mut m).unwrap();
        s.spawn(move || {
            guard.part += 1;
            DerivedGuard::finish(guard, Outcome::Ok).unwrap();
        });
    });
    assert_eq!(m.part, 2);
}

#[test]
fn guards_are_send_and_sync_exactly_when_their_manager_is() {
    assert_send::<Guard<SendSync>>();
    assert_sync::<Guard<SendSync>>();
    assert_send::<Guard<SendOnly>>();
    assert_sync::<Guard<SyncOnly>>();
    assert_send::<Guard<&'static mut SendSync>>();
    assert_sync::<Guard<&'static mut SendSync>>();
    assert_send::<Guard<&'static mut SendOnly>>();
    assert_sync::<Guard<&'static mut SyncOnly>>();
    // `open`'s manager and file.
    assert_send::<Open>();
    assert_sync::<Open>();
    assert_send::<OpenFile>();
    assert_sync::<OpenFile>();
    assert_send::<Guard<Open>>();
    assert_sync::<Guard<Open>>();
}

/// An entered guard can move to another thread (its value dropped first)
/// and be finished there: exit runs once, on that thread.
#[test]
fn an_entered_guard_can_be_finished_on_another_thread() {
    let exits = AtomicUsize::new(0);
    struct Counted<'c>(&'c AtomicUsize);
    impl ContextManager for Counted<'_> {
        type Value<'a>
            = ()
        where
            Self: 'a;
        type Error = Infallible;
        fn enter(&mut self) -> Result<(), Infallible> {
            Ok(())
        }
        fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Infallible> {
            assert!(outcome.is_ok());
            assert_eq!(std::thread::current().name(), Some("finisher"));
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }
    let mut guard = Guard::new(Counted(&exits));
    guard.enter().unwrap();
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("finisher".into())
            .spawn_scoped(s, move || {
                guard.finish(Outcome::Ok).unwrap();
                // Dropped here: finished, so no second exit.
            })
            .unwrap();
    });
    assert_eq!(exits.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------------------
// Many threads, one lock.

#[derive(Default)]
struct Account {
    balance: u64,
    entries: u64,
    exits_ok: u64,
    exits_err: u64,
}

/// Locks the account on enter, hands out `&mut Account` (borrowing the
/// `MutexGuard` it keeps), records the outcome and unlocks on exit.
struct Locked<'m> {
    mutex: &'m Mutex<Account>,
    held: Option<MutexGuard<'m, Account>>,
}

impl<'m> Locked<'m> {
    fn new(mutex: &'m Mutex<Account>) -> Self {
        Locked { mutex, held: None }
    }
}

#[derive(Debug, PartialEq)]
struct Declined;

impl<'m> ContextManager for Locked<'m> {
    type Value<'a>
        = &'a mut Account
    where
        Self: 'a;
    type Error = Declined;

    fn enter(&mut self) -> Result<&mut Account, Declined> {
        let held = self.held.insert(self.mutex.lock().expect("not poisoned"));
        held.entries += 1;
        Ok(held)
    }

    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Declined> {
        let mut held = self.held.take().expect("exit after enter, once");
        if outcome.is_ok() {
            held.exits_ok += 1;
        } else {
            held.exits_err += 1;
        }
        Ok(())
    }
}

fn deposit(mutex: &Mutex<Account>, i: u64) -> Result<(), Declined> {
    with!(Locked::new(mutex) as account, {
        // A non-atomic read-modify-write: exact only under mutual exclusion.
        let before = account.balance;
        if i.is_multiple_of(7) {
            std::thread::yield_now();
        }
        if i % 10 == 3 {
            Err(Declined)?;
        }
        account.balance = before + 1;
    });
    Ok(())
}

#[test]
fn with_in_scoped_threads_sharing_a_mutex_manager_counts_exactly() {
    const THREADS: u64 = 8;
    const ITERATIONS: u64 = 1_000;
    let mutex = Mutex::new(Account::default());
    let declined = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for i in 0..ITERATIONS {
                    if deposit(&mutex, i) == Err(Declined) {
                        declined.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let account = mutex.into_inner().unwrap();
    let total = THREADS * ITERATIONS;
    let per_thread_declined = (0..ITERATIONS).filter(|i| i % 10 == 3).count() as u64;
    let declined_total = THREADS * per_thread_declined;
    assert_eq!(account.entries, total);
    assert_eq!(account.exits_ok + account.exits_err, total);
    assert_eq!(account.exits_err, declined_total);
    assert_eq!(declined.load(Ordering::Relaxed) as u64, declined_total);
    assert_eq!(account.balance, total - declined_total);
}

/// The other sharing shape: the manager itself lives in a `Mutex`, and each
/// worker enters it through `&mut *lock`.
#[test]
fn a_manager_kept_in_a_mutex_is_entered_by_reference_from_each_thread() {
    const THREADS: usize = 8;
    const ITERATIONS: usize = 1_000;
    let shared = Mutex::new(Part(0u64));
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..ITERATIONS {
                    let mut lock = shared.lock().unwrap();
                    with!(&mut *lock as n, {
                        *n += 1;
                    });
                }
            });
        }
    });
    assert_eq!(
        shared.into_inner().unwrap().0,
        (THREADS * ITERATIONS) as u64
    );
}
