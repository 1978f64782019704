// Bodies deliberately leave by `return` before a trailing `Ok(())`, and
// convert an error to its own type (`.into()`), which leaves the type
// unknown until the closure's is.
#![allow(unreachable_code, clippy::needless_return, clippy::useless_conversion)]

//! `with!` in a closure or an async block whose output type is fixed only
//! after the body (by an annotation on the call, or by `block_on`'s caller):
//! a `return Err(x.into())` there has an error type that is still unknown
//! where `with!` chooses exit's view. That was E0277 for every error type
//! but an `Error` (`Box<dyn Error + Send + Sync>` "cannot be known at
//! compilation time", `String`, `anyhow::Error`); each is now viewed as a
//! named function whose return type says the type would view it, which
//! these tests compare with.

use std::error::Error;
use std::fmt;
use std::io;
use std::sync::{Arc, Mutex};

use ctxmgr::{nullcontext, with, AsyncContextManager, BoxError, ContextManager, ErrorRef, Outcome};

#[derive(Debug)]
struct Refused;
impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("refused")
    }
}
impl Error for Refused {}

/// What exit saw: its message, which types it downcasts to, and whether
/// `as_error()` finds a `Refused` (inside a box).
fn seen(e: ErrorRef<'_>) -> String {
    let mut is = Vec::new();
    if e.is::<Refused>() {
        is.push("Refused");
    }
    if e.is::<BoxError>() {
        is.push("BoxError");
    }
    if e.is::<Box<dyn Error + Sync>>() {
        is.push("Box<dyn Error + Sync>");
    }
    if e.is::<Box<dyn Error>>() {
        is.push("Box<dyn Error>");
    }
    if e.is::<anyhow::Error>() {
        is.push("anyhow::Error");
    }
    if e.is::<String>() {
        is.push("String");
    }
    if e.is::<io::Error>() {
        is.push("io::Error");
    }
    let inner = e
        .as_error()
        .is_some_and(|e| e.downcast_ref::<Refused>().is_some());
    format!("{e} / is {} / as_error Refused {inner}", is.join(","))
}

/// Records what exit saw, sync and async.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);
impl Seen {
    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
    fn record(&self, name: &str, outcome: Outcome<'_>) {
        let what = match outcome.error() {
            Some(e) => seen(e),
            None => format!("{outcome:?}"),
        };
        self.0.lock().unwrap().push(format!("{name}: {what}"));
    }
}
struct Exit<'s>(&'static str, &'s Seen);
impl ContextManager for Exit<'_> {
    type Value<'a>
        = ()
    where
        Self: 'a;
    type Error = std::convert::Infallible;
    fn enter(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
        self.1.record(self.0, outcome);
        Ok(())
    }
}
struct AsyncExit<'s>(&'static str, &'s Seen);
impl AsyncContextManager for AsyncExit<'_> {
    type Value<'a>
        = ()
    where
        Self: 'a;
    type Error = std::convert::Infallible;
    async fn enter(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Self::Error> {
        tokio::task::yield_now().await;
        self.1.record(self.0, outcome);
        Ok(())
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The issue's case: `Box<dyn Error + Send + Sync>` from `.into()`.
#[test]
fn return_err_of_a_boxed_error_in_a_closure_is_seen_by_its_message() {
    let s = Seen::default();
    let r: Result<(), BoxError> = (|| {
        with!(Exit("a", &s), {
            return Err(Refused.into());
        });
        Ok(())
    })();
    let e = r.unwrap_err();
    assert_eq!(e.to_string(), "refused");
    assert!(e.downcast_ref::<Refused>().is_some());
    let closure = s.take();
    assert_eq!(
        closure,
        ["a: refused / is BoxError / as_error Refused true"]
    );
    // As a named function, whose return type is known at the view, sees it.
    fn named(s: &Seen) -> Result<(), BoxError> {
        with!(Exit("a", s), {
            return Err(Refused.into());
        });
        Ok(())
    }
    assert!(named(&s).is_err());
    assert_eq!(s.take(), closure);
}

/// The issue's repro as written: a manager that records nothing, so only
/// that it compiles and propagates.
#[test]
fn the_issue_repro_compiles_and_propagates() {
    let r: Result<(), Box<dyn Error + Send + Sync>> = (|| {
        ctxmgr::with!(ctxmgr::nullcontext(()), {
            return Err(Refused.into());
        });
        Ok(())
    })();
    assert_eq!(r.unwrap_err().to_string(), "refused");
}

/// Runs `return Err($err)` in a `with!` in a closure returning
/// `Result<(), $ty>` (the type known after the body) and in a named
/// function (known at the view); checks the closure's exit saw what the
/// function's did, and returns that with the closure's error.
macro_rules! closure_and_named {
    ($s:expr, $name:literal, $ty:ty, $err:expr) => {{
        let s: &Seen = $s;
        let closure: Result<(), $ty> = (|| {
            with!(Exit($name, s), {
                return Err($err);
            });
            Ok(())
        })();
        let by_closure = s.take();
        fn named(s: &Seen) -> Result<(), $ty> {
            with!(Exit($name, s), {
                return Err($err);
            });
            Ok(())
        }
        assert!(named(s).is_err());
        assert_eq!(by_closure, s.take(), "closure and named fn views differ");
        (by_closure, closure.unwrap_err())
    }};
}

#[test]
fn return_err_of_each_error_type_in_a_closure_is_seen_as_in_a_named_fn() {
    let s = &Seen::default();

    let (seen, e) = closure_and_named!(s, "box", BoxError, Refused.into());
    assert_eq!(seen, ["box: refused / is BoxError / as_error Refused true"]);
    assert!(e.is::<Refused>());

    let (seen, e) = closure_and_named!(
        s,
        "box sync",
        Box<dyn Error + Sync>,
        Box::new(Refused) as Box<_>
    );
    assert_eq!(
        seen,
        ["box sync: refused / is Box<dyn Error + Sync> / as_error Refused false"]
    );
    let e: &(dyn Error + 'static) = &*e;
    assert!(e.is::<Refused>());

    // Not `Sync`: viewed on this thread by its message (`from_local`).
    let (seen, e) = closure_and_named!(s, "box local", Box<dyn Error>, Refused.into());
    assert_eq!(
        seen,
        ["box local: refused / is Box<dyn Error> / as_error Refused true"]
    );
    assert!(e.is::<Refused>());

    let (seen, e) = closure_and_named!(
        s,
        "box send",
        Box<dyn Error + Send>,
        Box::new(Refused) as Box<_>
    );
    assert_eq!(seen, ["box send: refused / is  / as_error Refused true"]);
    assert!(e.is::<Refused>());

    let (seen, e) = closure_and_named!(s, "anyhow", anyhow::Error, Refused.into());
    assert_eq!(
        seen,
        ["anyhow: refused / is anyhow::Error / as_error Refused false"]
    );
    assert!(e.is::<Refused>());

    let (seen, e) = closure_and_named!(s, "string", String, "no".into());
    assert_eq!(seen, ["string: no / is String / as_error Refused false"]);
    assert_eq!(e, "no");

    let (seen, e) = closure_and_named!(s, "io", io::Error, io::ErrorKind::NotFound.into());
    assert_eq!(
        seen,
        ["io: entity not found / is io::Error / as_error Refused false"]
    );
    assert_eq!(e.kind(), io::ErrorKind::NotFound);

    // An `Error` type, known only later, still downcasts (as before).
    let (seen, _) = closure_and_named!(s, "concrete", Refused, From::from(Refused));
    assert_eq!(
        seen,
        ["concrete: refused / is Refused / as_error Refused true"]
    );

    // `Arc<dyn Error + Send + Sync>` is an `Error` and derefs to one: taken
    // as an `Error` (the `Arc` itself, which `as_error` gives).
    let (seen, e) = closure_and_named!(
        s,
        "arc",
        Arc<dyn Error + Send + Sync>,
        Arc::new(Refused) as Arc<_>
    );
    assert_eq!(seen, ["arc: refused / is  / as_error Refused false"]);
    assert!(e.is::<Refused>());

    let (seen, e) = closure_and_named!(s, "str", &'static str, "nope");
    assert_eq!(seen, ["str: nope / is  / as_error Refused false"]);
    assert_eq!(e, "nope");

    // A `&str` whose type is not written (known at the view, as before).
    let r = (|| {
        with!(Exit("str", s), {
            return Err("nope");
        });
        Ok(())
    })();
    assert_eq!(r, Err("nope"));
    // `None` from an `Option` closure.
    let r: Option<()> = (|| {
        with!(Exit("none", s), {
            return None;
        });
        Some(())
    })();
    assert_eq!(r, None);
    assert_eq!(
        s.take(),
        [
            "str: nope / is  / as_error Refused false",
            "none: `?` found a `None` / is  / as_error Refused false",
        ]
    );
}

/// `?` in a closure returning a boxed error: the residual's type is the
/// one before conversion, known at the view.
#[test]
fn question_mark_in_a_closure_returning_a_boxed_error_is_seen() {
    let s = Seen::default();
    fn refuse() -> Result<(), Refused> {
        Err(Refused)
    }
    fn refuse_boxed() -> Result<(), BoxError> {
        Err(Refused.into())
    }
    fn refuse_anyhow() -> anyhow::Result<()> {
        Err(Refused.into())
    }
    let r: Result<(), BoxError> = (|| {
        with!(Exit("concrete", &s), {
            refuse()?;
        });
        Ok(())
    })();
    assert!(r.unwrap_err().is::<Refused>());
    let r: Result<(), BoxError> = (|| {
        with!(Exit("boxed", &s), {
            refuse_boxed()?;
        });
        Ok(())
    })();
    assert!(r.unwrap_err().is::<Refused>());
    let r: Result<(), anyhow::Error> = (|| {
        with!(Exit("anyhow", &s), {
            refuse_anyhow()?;
        });
        Ok(())
    })();
    assert!(r.unwrap_err().is::<Refused>());
    assert_eq!(
        s.take(),
        [
            "concrete: refused / is Refused / as_error Refused true",
            "boxed: refused / is BoxError / as_error Refused true",
            "anyhow: refused / is anyhow::Error / as_error Refused false",
        ]
    );
}

/// Nested `with!`s in a closure: the inner level's returned error is the
/// outer level's, both unknown at their views; each exit sees it once.
#[test]
fn nested_withs_in_a_closure_see_a_returned_boxed_error() {
    let s = Seen::default();
    let r: Result<u8, BoxError> = (|| {
        let n = with!(Exit("outer", &s), {
            with!(Exit("inner", &s), nullcontext(3u8) as n, {
                if *n == 3 {
                    return Err(Refused.into());
                }
                *n
            })
        });
        Ok(n)
    })();
    assert!(r.unwrap_err().is::<Refused>());
    assert_eq!(
        s.take(),
        [
            "inner: refused / is BoxError / as_error Refused true",
            "outer: refused / is BoxError / as_error Refused true",
        ]
    );
}

/// The same in async blocks awaited by a tokio runtime: `block_on` fixes
/// the block's output after its body is checked. Sync and async managers,
/// nested, with `return Err(..)` and `?`.
#[test]
fn return_err_and_question_mark_in_an_async_block_are_seen() {
    let rt = runtime();
    let s = Seen::default();

    let r: Result<(), BoxError> = rt.block_on(async {
        with!(async { AsyncExit("async", &s) }, {
            tokio::task::yield_now().await;
            return Err(Refused.into());
        });
        Ok(())
    });
    assert!(r.unwrap_err().is::<Refused>());

    let r: Result<(), BoxError> = rt.block_on(async {
        with!(Exit("sync in async", &s), {
            return Err(Refused.into());
        });
        Ok(())
    });
    assert!(r.unwrap_err().is::<Refused>());

    let r: Result<(), anyhow::Error> = rt.block_on(async {
        with!(async { AsyncExit("outer", &s) }, {
            with!(async { AsyncExit("inner", &s) }, Exit("innermost", &s), {
                tokio::task::yield_now().await;
                return Err(Refused.into());
            });
        });
        Ok(())
    });
    assert!(r.unwrap_err().is::<Refused>());

    let r: Result<(), String> = rt.block_on(async {
        with!(async { AsyncExit("string", &s) }, {
            return Err(format!("{} twice", Refused).into());
        });
        Ok(())
    });
    assert_eq!(r, Err("refused twice".to_string()));

    let r: Result<(), io::Error> = rt.block_on(async {
        with!(async { AsyncExit("io", &s) }, {
            tokio::fs::metadata("/nonexistent/ctxmgr-with-closures").await?;
        });
        Ok(())
    });
    assert_eq!(r.unwrap_err().kind(), io::ErrorKind::NotFound);

    let r: Result<(), BoxError> = rt.block_on(async {
        with!(async { AsyncExit("question mark", &s) }, {
            Err(Refused)?;
        });
        Ok(())
    });
    assert!(r.unwrap_err().is::<Refused>());

    assert_eq!(
        s.take(),
        [
            "async: refused / is BoxError / as_error Refused true",
            "sync in async: refused / is BoxError / as_error Refused true",
            "innermost: refused / is anyhow::Error / as_error Refused false",
            "inner: refused / is anyhow::Error / as_error Refused false",
            "outer: refused / is anyhow::Error / as_error Refused false",
            "string: refused twice / is String / as_error Refused false",
            "io: No such file or directory (os error 2) / is io::Error / as_error Refused false",
            "question mark: refused / is Refused / as_error Refused true",
        ]
    );
}
