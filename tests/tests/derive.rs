//! `#[derive(ContextManager)]` + `#[ctxmgr::context_manager]`: every
//! accepted method shape, driven through `with!` and the named guard.

use ctxmgr::{with, ContextManager, Outcome};
use ctxmgr_tests::{describe, Log, TestError};

#[derive(ContextManager)]
struct Plain {
    log: Log,
    entered: u32,
}

#[ctxmgr::context_manager]
impl Plain {
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
fn plain_value_and_unit_exit() {
    let log = Log::new();
    let n = with!(Plain { log: log.clone(), entered: 0 } as n => { n + 10 });
    assert_eq!(n, 11);
    assert_eq!(log.take(), ["enter", "exit ok"]);
}

#[test]
fn plain_guard_keeps_value() {
    let log = Log::new();
    let mut m = Plain { log: log.clone(), entered: 4 };
    let g = PlainGuard::enter(&mut m).unwrap();
    assert_eq!(*g, 5);
    PlainGuard::finish(g, Outcome::Ok).unwrap();
    assert_eq!(log.take(), ["enter", "exit ok"]);
    let _ = TestError::Body("x");
}
