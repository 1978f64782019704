//! What a user writes, compiled with ctxmgr's declared `rust-version`:
//! `with!`, `#[derive(ContextManager)]` with `#[ctxmgr::context_manager]`,
//! a hand-written manager and `Guard`, in a `no_std` library; `src/main.rs`
//! adds `open` (with `std`). Run: `cargo +1.81 run` and
//! `cargo +1.81 build --no-default-features` (the `no_std` core).
#![no_std]

use core::fmt;

use ctxmgr::{with, ContextManager, Guard, Outcome};

#[derive(Debug)]
pub struct Failed;

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed")
    }
}

/// Counts entries and exits; records whether the last exit saw success.
#[derive(ContextManager)]
pub struct Counter {
    entered: u32,
    exited: u32,
    last_ok: bool,
}

#[ctxmgr::context_manager]
impl Counter {
    #[enter]
    fn enter(&mut self) -> Result<&mut u32, Failed> {
        self.entered += 1;
        Ok(&mut self.entered)
    }

    #[exit]
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Failed> {
        self.exited += 1;
        self.last_ok = outcome.is_ok();
        Ok(())
    }
}

/// A hand-written manager.
pub struct Flag<'f>(&'f mut bool);

impl ContextManager for Flag<'_> {
    type Value<'a>
        = ()
    where
        Self: 'a;
    type Error = core::convert::Infallible;

    fn enter(&mut self) -> Result<(), Self::Error> {
        *self.0 = true;
        Ok(())
    }

    fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Self::Error> {
        *self.0 = false;
        Ok(())
    }
}

pub fn run(counter: &mut Counter, fail: bool) -> Result<u32, Failed> {
    let n = with!(&mut *counter as n => {
        if fail {
            Err(Failed)?;
        }
        *n
    });
    Ok(n)
}

pub fn check() -> bool {
    let mut counter = Counter {
        entered: 0,
        exited: 0,
        last_ok: false,
    };
    let ok = run(&mut counter, false).ok() == Some(1) && counter.last_ok;
    let err = run(&mut counter, true).is_err() && !counter.last_ok;

    let mut flag = false;
    let inside = with!(Flag(&mut flag) => { 1 });

    let mut guard = Guard::new(&mut counter);
    let entered = guard.enter().map(|n| *n).ok();
    let finished = guard.finish(Outcome::Ok).is_ok();
    drop(guard);

    ok && err && inside == 1 && !flag && entered == Some(3) && finished && counter.exited == 3
}
