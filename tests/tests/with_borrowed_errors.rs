//! A body's error that borrows (`Result<_, &str>`, `&T`) works with `?`:
//! exit sees it by its `Display`, without downcasting (which needs
//! `'static`). Issue 9, item 3: this was E0521, "borrowed data escapes
//! outside of function", over the whole `with!`. `return Err(s)` of a `&str`
//! works too; a returned reference to an `Error` type is still E0521 (write
//! `Err(e)?`).

use std::cell::RefCell;

use ctxmgr::{with, ContextManager, Outcome};
use ctxmgr_tests::{Log, Quiet};

fn check(s: &str) -> Result<(), &str> {
    if s.is_empty() {
        Err("empty input")
    } else if s.starts_with('!') {
        Err(s)
    } else {
        Ok(())
    }
}

#[test]
fn question_mark_on_a_borrowed_str_error_is_seen() {
    let log = Log::new();
    let run = |s: &str| -> Result<usize, String> {
        let owned = s.to_string();
        // The error borrows `owned`, a local of this function: not `'static`.
        let n = with!(Quiet::new("a", &log), {
            check(&owned).map_err(str::to_uppercase)?;
            fn inner(s: &str) -> Result<usize, &str> {
                with!(Quiet::new("b", &Log::new()), {
                    check(s)?;
                });
                Ok(s.len())
            }
            inner(&owned).map_err(|e| e.to_string())?
        });
        Ok(n)
    };
    assert_eq!(run("abc"), Ok(3));
    assert_eq!(run("!no"), Err("!NO".to_string()));
    assert_eq!(
        log.take(),
        ["enter a", "exit a ok", "enter a", "exit a err(!NO)"]
    );
}

/// Records what exit saw: the error's text and whether it downcasts.
struct Seen<'l>(&'l RefCell<Vec<String>>);
impl ContextManager for Seen<'_> {
    type Value<'a>
        = ()
    where
        Self: 'a;
    type Error = std::convert::Infallible;
    fn enter(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
        let seen = match outcome.error() {
            Some(e) => format!(
                "err {e} / {e:?} / downcast {}",
                e.downcast_ref::<&str>().is_some() || e.as_error().is_some()
            ),
            None => format!("{outcome:?}"),
        };
        self.0.borrow_mut().push(seen);
        Ok(())
    }
}

#[test]
fn exit_sees_a_borrowed_error_by_display_without_downcast() {
    let seen = RefCell::new(Vec::new());
    fn by_question_mark<'s>(seen: &RefCell<Vec<String>>, s: &'s str) -> Result<(), &'s str> {
        with!(Seen(seen), {
            check(s)?;
        });
        Ok(())
    }
    let text = String::from("!x");
    assert_eq!(by_question_mark(&seen, &text), Err("!x"));
    assert_eq!(by_question_mark(&seen, "fine"), Ok(()));
    assert_eq!(seen.take(), [r#"err !x / "!x" / downcast false"#, "Ok",]);
}

#[derive(Debug)]
struct ParseError<'i> {
    at: &'i str,
}
impl std::fmt::Display for ParseError<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bad input at {:?}", self.at)
    }
}
impl std::error::Error for ParseError<'_> {}

#[test]
fn a_reference_to_a_non_static_error_type_is_viewed_by_display() {
    let seen = RefCell::new(Vec::new());
    fn run<'e>(
        seen: &RefCell<Vec<String>>,
        e: &'e ParseError<'e>,
    ) -> Result<(), &'e ParseError<'e>> {
        with!(Seen(seen), {
            Err(e)?;
        });
        Ok(())
    }
    let input = String::from("x=?");
    let error = ParseError { at: &input[2..] };
    assert!(run(&seen, &error).is_err());
    assert_eq!(
        seen.take(),
        [r#"err bad input at "?" / ParseError { at: "?" } / downcast false"#]
    );
}

#[test]
fn return_err_of_a_borrowed_str_is_seen_by_display() {
    let seen = RefCell::new(Vec::new());
    fn by_return<'s>(seen: &RefCell<Vec<String>>, s: &'s str) -> Result<usize, &'s str> {
        let n = with!(Seen(seen), {
            if s.starts_with('!') {
                return Err(s);
            }
            s.len()
        });
        Ok(n)
    }
    let text = String::from("!x");
    assert_eq!(by_return(&seen, &text), Err("!x"));
    assert_eq!(by_return(&seen, "fine"), Ok(4));
    assert_eq!(seen.take(), [r#"err !x / "!x" / downcast false"#, "Ok"]);
}

#[test]
fn return_err_in_a_closure_whose_type_is_inferred_later_still_downcasts() {
    // The closure's error type is unknown where exit's view is chosen (it
    // comes from the annotation after the call): the `'static` view is
    // kept open until it is known, and still downcasts.
    let seen = RefCell::new(Vec::new());
    let out = (|| {
        with!(Seen(&seen), {
            return Err(std::fmt::Error);
        });
        #[allow(unreachable_code)]
        Ok(())
    })();
    let out: Result<(), std::fmt::Error> = out;
    assert!(out.is_err());
    assert_eq!(
        seen.take(),
        ["err an error occurred when formatting an argument / Error / downcast true"]
    );
}

#[test]
fn return_err_of_a_borrowed_str_in_an_async_with_is_seen_by_display() {
    struct AsyncSeen<'l>(&'l RefCell<Vec<String>>);
    impl ctxmgr::AsyncContextManager for AsyncSeen<'_> {
        type Value<'a>
            = ()
        where
            Self: 'a;
        type Error = std::convert::Infallible;
        async fn enter(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
        async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
            Seen(self.0).exit(outcome)
        }
    }
    async fn by_return<'s>(seen: &RefCell<Vec<String>>, s: &'s str) -> Result<(), &'s str> {
        with!(async { AsyncSeen(seen) }, {
            if s.is_empty() {
                return Err(s);
            }
        });
        Ok(())
    }
    let text = String::new();
    let seen = RefCell::new(Vec::new());
    let out = ctxmgr_tests::async_probe::block_on_noop(by_return(&seen, &text));
    assert_eq!(out, Err(""));
    assert_eq!(seen.take(), [r#"err  / "" / downcast false"#]);
}
