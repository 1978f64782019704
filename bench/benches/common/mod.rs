//! Shared by both benchmark drivers: the `scopeguard` variants of each case
//! (scopeguard being a dev-dependency) and the table of every case.
//!
//! The scopeguard variants use `guard_on_unwind`: its closure exits with
//! `Outcome::Panic` only while unwinding (so a failed enter never reaches
//! exit), and each explicit exit first defuses it with `into_inner`.

use std::hint::black_box;

use ctxmgr::{ErrorRef, Outcome};
use ctxmgr_bench::{parse, BenchError, Buffer, Span, Stats};
use scopeguard::{guard_on_unwind, ScopeGuard};

#[inline(never)]
pub fn ok_scopeguard(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut span = guard_on_unwind(Span::new(stats), |mut span| {
        let _ = span.end(Outcome::Panic);
    });
    let ticket = span.begin()?;
    let y = black_box(x) + ticket;
    ScopeGuard::into_inner(span).end(Outcome::Ok)?;
    Ok(y)
}

#[inline(never)]
pub fn err_scopeguard(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut span = guard_on_unwind(Span::new(stats), |mut span| {
        let _ = span.end(Outcome::Panic);
    });
    let ticket = span.begin()?;
    let half = match parse(black_box(x)) {
        Ok(half) => half,
        Err(e) => {
            ScopeGuard::into_inner(span).end(Outcome::Err(ErrorRef::new(&e)))?;
            return Err(e.into());
        }
    };
    let y = half + ticket;
    ScopeGuard::into_inner(span).end(Outcome::Ok)?;
    Ok(y)
}

#[inline(never)]
pub fn nested_scopeguard(outer: &mut Stats, inner: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut first = guard_on_unwind(Span::new(outer), |mut span| {
        let _ = span.end(Outcome::Panic);
    });
    let a = first.begin()?;
    let mut second = guard_on_unwind(Span::new(inner), |mut span| {
        let _ = span.end(Outcome::Panic);
    });
    let b = match second.begin() {
        Ok(b) => b,
        Err(e) => {
            ScopeGuard::into_inner(first).end(Outcome::Err(ErrorRef::new(&e)))?;
            return Err(e);
        }
    };
    let y = black_box(x) + a + b;
    if let Err(e) = ScopeGuard::into_inner(second).end(Outcome::Ok) {
        ScopeGuard::into_inner(first).end(Outcome::Err(ErrorRef::new(&e)))?;
        return Err(e);
    }
    ScopeGuard::into_inner(first).end(Outcome::Ok)?;
    Ok(y)
}

#[inline(never)]
pub fn borrow_scopeguard(stats: &mut Stats, x: u64) -> Result<u64, BenchError> {
    let mut buffer = guard_on_unwind(Buffer::new(stats), |mut buffer| {
        let _ = buffer.end(Outcome::Panic);
    });
    let acc = buffer.begin()?;
    match parse(black_box(x)) {
        Ok(half) => *acc += half,
        Err(e) => {
            ScopeGuard::into_inner(buffer).end(Outcome::Err(ErrorRef::new(&e)))?;
            return Err(e.into());
        }
    }
    *acc += black_box(x);
    ScopeGuard::into_inner(buffer).end(Outcome::Ok)?;
    Ok(x)
}

/// One way of writing one case.
#[derive(Clone, Copy)]
pub enum Run {
    Single(fn(&mut Stats, u64) -> Result<u64, BenchError>),
    Pair(fn(&mut Stats, &mut Stats, u64) -> Result<u64, BenchError>),
}

/// A case written one way: `name` is `<case>_<variant>`, also the function's
/// name (callgrind counts it with `--toggle-collect=*::<name>`).
pub struct Entry {
    pub case: &'static str,
    pub variant: &'static str,
    pub run: Run,
    /// The input: odd makes the body's `?` fail.
    pub x: u64,
}

impl Entry {
    pub fn name(&self) -> String {
        format!("{}_{}", self.case, self.variant)
    }

    /// Calls the case function once, through `black_box` so that nothing
    /// is known about its inputs or its function.
    #[inline(always)]
    pub fn call(&self, a: &mut Stats, b: &mut Stats) -> Result<u64, BenchError> {
        match black_box(self.run) {
            Run::Single(f) => f(black_box(a), black_box(self.x)),
            Run::Pair(f) => f(black_box(a), black_box(b), black_box(self.x)),
        }
    }
}

pub fn entries() -> Vec<Entry> {
    use ctxmgr_bench as b;
    let single = |case, variant, f, x| Entry {
        case,
        variant,
        run: Run::Single(f),
        x,
    };
    let pair = |case, variant, f, x| Entry {
        case,
        variant,
        run: Run::Pair(f),
        x,
    };
    vec![
        single("ok", "with", b::ok_with, 4),
        single("ok", "hand", b::ok_hand, 4),
        single("ok", "scopeguard", ok_scopeguard, 4),
        single("err", "with", b::err_with, 3),
        single("err", "hand", b::err_hand, 3),
        single("err", "scopeguard", err_scopeguard, 3),
        pair("nested", "with", b::nested_with, 4),
        pair("nested", "hand", b::nested_hand, 4),
        pair("nested", "scopeguard", nested_scopeguard, 4),
        single("borrow", "with", b::borrow_with, 6),
        single("borrow", "hand", b::borrow_hand, 6),
        single("borrow", "scopeguard", borrow_scopeguard, 6),
        single("async_ok", "with", b::async_ok_with, 4),
        single("async_ok", "hand", b::async_ok_hand, 4),
        single("async_err", "with", b::async_err_with, 3),
        single("async_err", "hand", b::async_err_hand, 3),
        single("async_pending", "with", b::async_pending_with, 4),
        single("async_pending", "hand", b::async_pending_hand, 4),
        single("exitstack", "stack", b::exitstack_stack, 4),
        single("exitstack", "vec", b::exitstack_vec, 4),
    ]
}
