//! Edition 2024 inside `#![no_implicit_prelude]`: the expansions name
//! nothing from the prelude.
#![no_implicit_prelude]
#![deny(warnings)]

/// Counts enters and records the outcomes exit saw.
#[derive(::ctxmgr::ContextManager)]
pub struct Counter {
    /// How many times it was entered.
    pub entered: u32,
    /// `true` per exit that saw `Ok`.
    pub exits: ::std::vec::Vec<bool>,
}

#[::ctxmgr::context_manager]
impl Counter {
    #[enter]
    fn enter(&mut self) -> u32 {
        self.entered += 1;
        self.entered
    }

    #[exit]
    fn exit(&mut self, outcome: ::ctxmgr::Outcome<'_>) {
        self.exits.push(outcome.is_ok());
    }
}

/// Enters twice, once failing by `?` on `None`.
pub fn run(counter: &mut Counter, value: ::std::option::Option<u32>) -> ::std::option::Option<u32> {
    macro_rules! plus {
        ($a:expr, $b:expr) => {
            $a + $b
        };
    }
    let n = ::ctxmgr::with!(&mut *counter as n => {
        let value = value?;
        plus!(n, value)
    });
    ::std::option::Option::Some(n)
}

/// Uses the named guard, which keeps enter's value.
pub fn by_guard(counter: &mut Counter) -> u32 {
    let guard = match CounterGuard::enter(counter) {
        ::std::result::Result::Ok(guard) => guard,
        ::std::result::Result::Err(never) => match never {},
    };
    let n = *guard;
    ::std::mem::drop(guard);
    n
}

/// Counts enters through a manager made of one function.
#[::ctxmgr::contextmanager]
pub fn counted(counter: &mut Counter) -> u32 {
    counter.entered += 1;
    let outcome = ::ctxmgr::yield_!(counter.entered);
    counter.exits.push(outcome.is_ok());
}

/// Adds one inside `counted`, as a decorated function.
#[::ctxmgr::wrap(counted(counter) as n)]
pub fn add_one(
    counter: &mut Counter,
    value: ::std::option::Option<u32>,
) -> ::std::option::Option<u32> {
    ::std::option::Option::Some(n + value?)
}

/// Records `true` in `exits` when the scope ends, by `defer!` (whose closure
/// an edition-2015 crate writes) and by the two strategies' macros.
pub fn deferred(counter: &mut Counter) {
    ::ctxmgr::defer! { counter.exits.push(true); }
    ::ctxmgr::defer_on_success! { let _ = 1; }
    ::ctxmgr::defer_on_unwind! { let _ = 2; }
}

/// Swallows every error when `swallow`: a derived async manager whose
/// `#[suppress]` takes `&self` (a plain `fn`).
#[derive(::ctxmgr::ContextManager)]
pub struct Swallow {
    /// Whether to swallow.
    pub swallow: bool,
}

#[::ctxmgr::context_manager]
impl Swallow {
    #[enter]
    async fn enter(&mut self) {}

    #[exit]
    fn exit() {}

    #[suppress]
    fn suppresses(&self, _error: ::ctxmgr::ErrorRef<'_>) -> bool {
        self.swallow
    }
}

/// `?` on `None` inside `with!(async ..)`; `Some(0)` when it was swallowed.
pub async fn swallowed(swallow: bool) -> ::std::option::Option<u32> {
    let n = ::ctxmgr::with!(async Swallow { swallow } => {
        let none: ::std::option::Option<u32> = ::std::option::Option::None;
        none?
    });
    ::std::option::Option::Some(n)
}
