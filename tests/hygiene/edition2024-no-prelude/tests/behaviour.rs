use ctxmgr_hygiene_2024::{Counter, by_guard, run};

#[test]
fn with_and_guard_behave_without_a_prelude() {
    let mut c = Counter {
        entered: 0,
        exits: Vec::new(),
    };
    assert_eq!(run(&mut c, Some(10)), Some(11));
    assert_eq!(run(&mut c, None), None);
    assert_eq!(by_guard(&mut c), 3);
    // The guard was dropped unfinished: exit saw `Unseen`, not `Ok`.
    assert_eq!(c.exits, [true, false, false]);
}

#[test]
fn generator_and_decorator_behave_without_a_prelude() {
    let mut c = Counter {
        entered: 0,
        exits: Vec::new(),
    };
    assert_eq!(ctxmgr_hygiene_2024::add_one(&mut c, Some(10)), Some(11));
    assert_eq!(ctxmgr_hygiene_2024::add_one(&mut c, None), None);
    assert_eq!(c.entered, 2);
    assert_eq!(c.exits, [true, false]);
}

#[test]
fn defer_runs_without_a_prelude() {
    let mut c = Counter {
        entered: 0,
        exits: Vec::new(),
    };
    ctxmgr_hygiene_2024::deferred(&mut c);
    assert_eq!(c.exits, [true]);
}

#[test]
fn a_derived_async_suppress_swallows_without_a_prelude() {
    let rt = ::std::pin::pin!(ctxmgr_hygiene_2024::swallowed(true));
    assert_eq!(block_on(rt), Some(0));
    let rt = ::std::pin::pin!(ctxmgr_hygiene_2024::swallowed(false));
    assert_eq!(block_on(rt), None);
}

/// Polls a future that never waits to completion.
fn block_on<F: std::future::Future>(mut f: std::pin::Pin<&mut F>) -> F::Output {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}
