//! The workload of ctxmgr's runtime benchmarks, written the ways
//! that are compared side by side:
//!
//! * `*_with`: [`with!`] over a manager made with `#[derive(ContextManager)]`
//!   from its `#[enter]`/`#[exit]` methods;
//! * `*_hand`: what a careful engineer writes without ctxmgr — call enter,
//!   arm a Drop guard that exits on a panic, exit explicitly on each path
//!   and propagate exit's error (the `scopeguard` variants live in
//!   `benches/common`, scopeguard being a dev-dependency).
//!
//! Every variant calls the very same `begin`/`end` methods and delivers the
//! same [`Outcome`] to them, so the only difference is the control code
//! around the body. The case functions are `#[inline(never)]` so callgrind
//! can count each one (`--toggle-collect`) and `bench/run` can compare their
//! machine code; their inputs and results go through `black_box` in the
//! drivers, so the optimizer cannot fold the workload away.
//!
//! | case | body | what it exercises |
//! | --- | --- | --- |
//! | `ok` | a value, no `?` | the short expansion; enter + exit `Ok` |
//! | `err` | `?` on an `Err` | a `?` site taken: exit sees the error before `From`, which then converts it |
//! | `nested` | two managers | inner exit's error is what outer exit would see |
//! | `borrow` | value borrows the manager, `?` not taken | the labelled-block form with a live borrow |
//! | `exitstack` | 100 managers and 100 callbacks in an `ExitStack` (`stack`) vs a `Vec<Box<dyn FnOnce>>` (`vec`) | the arena, the exit loop |
//!
//! The async cases (`async_ok`, `async_err`, `async_pending`: `with!(async ..)`
//! against its hand-written equivalent, polled on a no-op waker) are in
//! `asynchronous.rs`.

use core::cell::Cell;
use core::fmt;
use std::hint::black_box;

use ctxmgr::{with, ContextManager, ErrorRef, ExitStack, Outcome};

mod asynchronous;
pub use asynchronous::*;

/// Counters the managers write to, so their work is observable.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    pub entered: u64,
    pub committed: u64,
    pub rolled_back: u64,
    pub total: u64,
    /// Makes enter fail (never set by the benchmarks, unknown to the optimizer).
    pub fail_enter: bool,
    /// Makes exit fail (idem).
    pub fail_exit: bool,
}

/// Error of the managers' enter and exit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BenchError {
    Enter,
    Exit,
    Body(ParseError),
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchError::Enter => f.write_str("enter failed"),
            BenchError::Exit => f.write_str("exit failed"),
            BenchError::Body(e) => write!(f, "body failed: {e}"),
        }
    }
}
impl std::error::Error for BenchError {}

/// Error of the body's `?`, converted into [`BenchError`] by `From`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub u64);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "odd input {}", self.0)
    }
}
impl std::error::Error for ParseError {}

impl From<ParseError> for BenchError {
    fn from(e: ParseError) -> Self {
        BenchError::Body(e)
    }
}

/// What the bodies call with `?`: `Err` on odd input.
#[inline]
pub fn parse(x: u64) -> Result<u64, ParseError> {
    if x % 2 == 1 {
        Err(ParseError(x))
    } else {
        Ok(x / 2)
    }
}

// ---------------------------------------------------------------------------
// The managers.

/// A span: enter hands out a ticket (a plain value), exit commits or rolls
/// back depending on the outcome.
#[derive(ContextManager)]
pub struct Span<'s> {
    stats: &'s mut Stats,
}

impl<'s> Span<'s> {
    #[inline]
    pub fn new(stats: &'s mut Stats) -> Self {
        Span { stats }
    }
}

#[ctxmgr::context_manager]
impl Span<'_> {
    #[enter]
    #[inline]
    pub fn begin(&mut self) -> Result<u64, BenchError> {
        if self.stats.fail_enter {
            return Err(BenchError::Enter);
        }
        self.stats.entered += 1;
        Ok(self.stats.entered)
    }

    #[exit]
    #[inline]
    pub fn end(&mut self, outcome: Outcome<'_>) -> Result<(), BenchError> {
        if outcome.is_ok() {
            self.stats.committed += 1;
        } else {
            self.stats.rolled_back += 1;
        }
        if self.stats.fail_exit {
            Err(BenchError::Exit)
        } else {
            Ok(())
        }
    }
}

/// A buffer: enter lends out its accumulator (the value borrows the
/// manager), exit flushes it into the stats on success.
#[derive(ContextManager)]
pub struct Buffer<'s> {
    stats: &'s mut Stats,
    acc: u64,
}

impl<'s> Buffer<'s> {
    #[inline]
    pub fn new(stats: &'s mut Stats) -> Self {
        Buffer { stats, acc: 0 }
    }
}

#[ctxmgr::context_manager]
impl Buffer<'_> {
    #[enter]
    #[inline]
    pub fn begin(&mut self) -> Result<&mut u64, BenchError> {
        if self.stats.fail_enter {
            return Err(BenchError::Enter);
        }
        self.stats.entered += 1;
        Ok(&mut self.acc)
    }

    #[exit]
    #[inline]
    pub fn end(&mut self, outcome: Outcome<'_>) -> Result<(), BenchError> {
        if outcome.is_ok() {
            self.stats.total += self.acc;
            self.stats.committed += 1;
        } else {
            self.stats.rolled_back += 1;
        }
        if self.stats.fail_exit {
            Err(BenchError::Exit)
        } else {
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------
// Hand-written: the Drop guards a careful engineer writes for each manager.
// Armed after a successful enter, disarmed before each explicit exit, so
// Drop only acts when the body unwinds.

/// Exits a [`Span`] with [`Outcome::Panic`] if dropped while armed.
pub struct SpanDropGuard<'s> {
    pub span: Span<'s>,
    pub armed: bool,
}

impl Drop for SpanDropGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.span.end(Outcome::Panic);
        }
    }
}

/// Exits a [`Buffer`] with [`Outcome::Panic`] if dropped while armed.
pub struct BufferDropGuard<'s> {
    pub buffer: Buffer<'s>,
    pub armed: bool,
}

impl Drop for BufferDropGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.buffer.end(Outcome::Panic);
        }
    }
}

// ---------------------------------------------------------------------------
// Case `ok`: enter, a body that yields a value, exit `Ok`.

#[inline(never)]
pub fn ok_with(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let y = with!(Span::new(stats) as ticket => {
        black_box(x) + ticket
    });
    Ok(y)
}

#[inline(never)]
pub fn ok_hand(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut guard = SpanDropGuard {
        span: Span::new(stats),
        armed: false,
    };
    let ticket = guard.span.begin()?;
    guard.armed = true;
    let y = black_box(x) + ticket;
    guard.armed = false;
    guard.span.end(Outcome::Ok)?;
    Ok(y)
}

// ---------------------------------------------------------------------------
// Case `err`: the body's `?` fails (odd input); exit sees the `ParseError`,
// then it propagates converted into `BenchError`.

#[inline(never)]
pub fn err_with(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let y = with!(Span::new(stats) as ticket => {
        parse(black_box(x))? + ticket
    });
    Ok(y)
}

#[inline(never)]
pub fn err_hand(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut guard = SpanDropGuard {
        span: Span::new(stats),
        armed: false,
    };
    let ticket = guard.span.begin()?;
    guard.armed = true;
    let half = match parse(black_box(x)) {
        Ok(half) => half,
        Err(e) => {
            guard.armed = false;
            guard.span.end(Outcome::Err(ErrorRef::new(&e)))?;
            return Err(e.into());
        }
    };
    let y = half + ticket;
    guard.armed = false;
    guard.span.end(Outcome::Ok)?;
    Ok(y)
}

// ---------------------------------------------------------------------------
// Case `nested`: two managers, entered in order, exited in reverse; an
// error of the inner enter or exit is what the outer exit sees.

#[inline(never)]
pub fn nested_with(outer: &mut Stats, inner: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let y = with!(Span::new(outer) as a, Span::new(inner) as b => {
        black_box(x) + a + b
    });
    Ok(y)
}

#[inline(never)]
pub fn nested_hand(outer: &mut Stats, inner: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut first = SpanDropGuard {
        span: Span::new(outer),
        armed: false,
    };
    let a = first.span.begin()?;
    first.armed = true;
    let mut second = SpanDropGuard {
        span: Span::new(inner),
        armed: false,
    };
    let b = match second.span.begin() {
        Ok(b) => b,
        Err(e) => {
            first.armed = false;
            first.span.end(Outcome::Err(ErrorRef::new(&e)))?;
            return Err(e);
        }
    };
    second.armed = true;
    let y = black_box(x) + a + b;
    second.armed = false;
    if let Err(e) = second.span.end(Outcome::Ok) {
        first.armed = false;
        first.span.end(Outcome::Err(ErrorRef::new(&e)))?;
        return Err(e);
    }
    first.armed = false;
    first.span.end(Outcome::Ok)?;
    Ok(y)
}

// ---------------------------------------------------------------------------
// Case `borrow`: the value borrows the manager; the body has a `?` that is
// not taken (even input), so `with!` uses its labelled-block form.

#[inline(never)]
pub fn borrow_with(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    with!(Buffer::new(stats) as acc => {
        *acc += parse(black_box(x))?;
        *acc += black_box(x);
    });
    Ok(x)
}

#[inline(never)]
pub fn borrow_hand(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut guard = BufferDropGuard {
        buffer: Buffer::new(stats),
        armed: false,
    };
    let acc = guard.buffer.begin()?;
    guard.armed = true;
    match parse(black_box(x)) {
        Ok(half) => *acc += half,
        Err(e) => {
            guard.armed = false;
            guard.buffer.end(Outcome::Err(ErrorRef::new(&e)))?;
            return Err(e.into());
        }
    }
    *acc += black_box(x);
    guard.armed = false;
    guard.buffer.end(Outcome::Ok)?;
    Ok(x)
}

// ---------------------------------------------------------------------------
// Case `exitstack`: 100 managers, each followed by a callback, entered into
// an `ExitStack` inside `with!` and exited at its end; against the same work
// with a hand-written `Vec<Box<dyn FnOnce>>` unwound in reverse (no
// outcome passed on, no panic handling: the cheapest thing that works).

/// Managers and callbacks of one `exitstack` call.
pub const EXITSTACK_ENTRIES: u64 = 100;

/// A manager many of which are held at once: counts through a `Cell`.
pub struct Tick<'c> {
    count: &'c Cell<u64>,
}

impl ContextManager for Tick<'_> {
    type Value<'a>
        = u64
    where
        Self: 'a;
    type Error = BenchError;

    #[inline]
    fn enter(&mut self) -> Result<u64, BenchError> {
        if self.count.get() == u64::MAX {
            return Err(BenchError::Enter);
        }
        self.count.set(self.count.get() + 1);
        Ok(self.count.get())
    }

    #[inline]
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), BenchError> {
        if outcome.is_ok() {
            self.count.set(self.count.get() + 1);
        }
        Ok(())
    }
}

#[inline(never)]
pub fn exitstack_stack(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let count = Cell::new(0);
    let callbacks = Cell::new(0);
    let sum = with!(ExitStack::<BenchError>::default() as stack => {
        let mut sum = black_box(x);
        for _ in 0..black_box(EXITSTACK_ENTRIES) {
            sum += stack.enter_context(Tick { count: &count })?;
            stack.callback(|| callbacks.set(callbacks.get() + 1));
        }
        sum
    });
    stats.entered += 1;
    stats.total += count.get() + callbacks.get();
    Ok(sum)
}

#[inline(never)]
pub fn exitstack_vec(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    type Exit<'a> = Box<dyn FnOnce() -> Result<(), BenchError> + 'a>;
    let count = Cell::new(0);
    let callbacks = Cell::new(0);
    let mut exits: Vec<Exit<'_>> = Vec::new();
    let mut result = Ok(());
    let mut sum = black_box(x);
    for _ in 0..black_box(EXITSTACK_ENTRIES) {
        let mut tick = Tick { count: &count };
        match tick.enter() {
            Ok(v) => sum += v,
            Err(e) => {
                result = Err(e);
                break;
            }
        }
        exits.push(Box::new(move || tick.exit(Outcome::Ok)));
        let callbacks = &callbacks;
        exits.push(Box::new(move || {
            callbacks.set(callbacks.get() + 1);
            Ok(())
        }));
    }
    while let Some(exit) = exits.pop() {
        if let Err(e) = exit() {
            result = Err(e);
        }
    }
    result?;
    stats.entered += 1;
    stats.total += count.get() + callbacks.get();
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant of a case must do the same observable work.
    #[test]
    fn variants_agree() {
        type Single = fn(&mut Stats, u64) -> Result<u64, BenchError>;
        let pairs: [(Single, Single, u64); 3] = [
            (ok_with, ok_hand, 4),
            (err_with, err_hand, 3),
            (borrow_with, borrow_hand, 6),
        ];
        for (with, hand, x) in pairs {
            for fail_exit in [false, true] {
                let mut a = Stats {
                    fail_exit,
                    ..Stats::default()
                };
                let mut b = a.clone();
                assert_eq!(with(&mut a, x), hand(&mut b, x));
                assert_eq!(a, b);
                assert_eq!(a.entered, 1);
            }
        }
        let (mut a, mut b) = (Stats::default(), Stats::default());
        assert_eq!(exitstack_stack(&mut a, 4), exitstack_vec(&mut b, 4));
        assert_eq!(a, b);
        assert_eq!(a.total, 3 * EXITSTACK_ENTRIES);
        for inner_fails in [false, true] {
            let inner = Stats {
                fail_exit: inner_fails,
                ..Stats::default()
            };
            let (mut o1, mut i1) = (Stats::default(), inner.clone());
            let (mut o2, mut i2) = (Stats::default(), inner);
            let got = nested_with(&mut o1, &mut i1, 1);
            assert_eq!(got, nested_hand(&mut o2, &mut i2, 1));
            assert_eq!((o1.clone(), i1), (o2, i2));
            if inner_fails {
                assert_eq!(got, Err(BenchError::Exit));
                assert_eq!(o1.rolled_back, 1, "outer exit saw the inner exit's error");
            } else {
                assert_eq!(got, Ok(3));
            }
        }
    }
}
