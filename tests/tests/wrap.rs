//! `#[ctxmgr::wrap(EXPR as PAT)]`: a function's body run inside managers.
//! Each test asserts the order of enters and exits and the outcome exit saw.

use ctxmgr_tests::{Log, Probe, Quiet, TestError};

#[ctxmgr::wrap(Probe::new("free", log) as name)]
fn free(log: &Log, fail: bool) -> Result<&'static str, TestError> {
    log.push(format!("body {name}"));
    if fail {
        Err(TestError::Body("free"))?;
    }
    Ok(name)
}

#[test]
fn free_fn_tail_value_is_the_return_value_and_ok() {
    let log = Log::new();
    assert_eq!(free(&log, false), Ok("free"));
    assert_eq!(log.take(), ["enter free", "body free", "exit free ok"]);
}

#[test]
fn question_mark_in_the_body_is_seen_as_err() {
    let log = Log::new();
    assert_eq!(free(&log, true), Err(TestError::Body("free")));
    assert_eq!(
        log.take(),
        ["enter free", "body free", "exit free err(body free failed)"]
    );
}

#[ctxmgr::wrap(Probe::new("tail", log))]
fn err_tail(log: &Log) -> Result<(), TestError> {
    log.push("body");
    Err(TestError::Body("tail"))
}

#[test]
fn an_err_tail_is_outcome_err_like_return_err() {
    let log = Log::new();
    assert_eq!(err_tail(&log), Err(TestError::Body("tail")));
    assert_eq!(
        log.take(),
        ["enter tail", "body", "exit tail err(body tail failed)"]
    );
}

#[ctxmgr::wrap(Probe::new("enter", log).enter_fails())]
fn enter_fails(log: &Log) -> Result<(), TestError> {
    log.push("body");
    Ok(())
}

#[ctxmgr::wrap(Probe::new("exit", log).exit_fails())]
fn exit_fails(log: &Log) -> Result<u8, TestError> {
    log.push("body");
    Ok(1)
}

#[test]
fn enter_and_exit_errors_propagate_from_the_function() {
    let log = Log::new();
    assert_eq!(enter_fails(&log), Err(TestError::Enter("enter")));
    assert_eq!(log.take(), ["enter enter"]);
    assert_eq!(exit_fails(&log), Err(TestError::Exit("exit")));
    assert_eq!(log.take(), ["enter exit", "body", "exit exit ok"]);
}

struct Account {
    log: Log,
    balance: i64,
}

impl Account {
    /// A method: `self` is in scope in the manager expression and the body.
    #[ctxmgr::wrap(Probe::new("tx", &self.log))]
    fn withdraw(&mut self, amount: i64) -> Result<i64, TestError> {
        if amount > self.balance {
            return Err(TestError::Body("overdrawn"));
        }
        self.balance -= amount;
        Ok(self.balance)
    }
}

#[test]
fn methods_see_self_and_early_returns_report_their_outcome() {
    let mut account = Account {
        log: Log::new(),
        balance: 10,
    };
    assert_eq!(account.withdraw(4), Ok(6));
    assert_eq!(account.withdraw(40), Err(TestError::Body("overdrawn")));
    assert_eq!(
        account.log.take(),
        [
            "enter tx",
            "exit tx ok",
            "enter tx",
            "exit tx err(body overdrawn failed)"
        ]
    );
}

#[ctxmgr::wrap(Quiet::new("generic", log))]
fn largest<T: PartialOrd + Copy>(log: &Log, items: &[T]) -> Option<T> {
    let mut best = *items.first()?;
    for &item in items {
        if item > best {
            best = item;
        }
    }
    Some(best)
}

#[test]
fn generic_fns_and_question_mark_on_none() {
    let log = Log::new();
    assert_eq!(largest(&log, &[3, 9, 2]), Some(9));
    assert_eq!(largest::<u8>(&log, &[]), None);
    assert_eq!(
        log.take(),
        [
            "enter generic",
            "exit generic ok",
            "enter generic",
            "exit generic err(`?` found a `None`)"
        ]
    );
}

#[ctxmgr::wrap(Probe::new("a", log) as a, Probe::new(name, log) as b)]
fn two(log: &Log, name: &'static str) -> Result<String, TestError> {
    Ok(format!("{a}+{b}"))
}

#[test]
fn several_managers_nest_and_are_evaluated_afresh_on_each_call() {
    let log = Log::new();
    assert_eq!(two(&log, "b"), Ok("a+b".to_string()));
    assert_eq!(two(&log, "c"), Ok("a+c".to_string()));
    assert_eq!(
        log.take(),
        [
            "enter a",
            "enter b",
            "exit b ok",
            "exit a ok",
            "enter a",
            "enter c",
            "exit c ok",
            "exit a ok"
        ]
    );
}

#[ctxmgr::wrap(Quiet::new("unit", log))]
fn unit(log: &Log) {
    log.push("body");
}

#[test]
fn infallible_manager_on_a_unit_fn() {
    let log = Log::new();
    unit(&log);
    assert_eq!(log.take(), ["enter unit", "body", "exit unit ok"]);
}
