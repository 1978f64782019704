/// Python's `with EXPR as VAR:` — enter a context manager, run an inline
/// body, and exit exactly once on every path, told how the body ended.
///
/// ```text
/// with!(EXPR as PAT, { BODY })               // one manager
/// with!(EXPR, { BODY })                      // no binding
/// with!(A as a, B as (x, y), C, { BODY })    // several: nested, left to right
/// with!(&mut manager as v, { BODY })         // reuse a manager you keep
/// with!(EXPR as v, mut, { BODY })            // a `mut` binding
/// with!(async { EXPR } as PAT, { BODY })     // an async manager, inside an async fn
/// with!(async { A } as a, B as b, { BODY })  // `async` per manager: sync and async mix
/// ```
///
/// This spelling is the one rustfmt formats, header and body (it formats a
/// macro call whose arguments are comma-separated expressions). The original
/// `=>` spelling is accepted too, and left as written by rustfmt:
/// `with!(EXPR as PAT => { BODY })`, `with!(async EXPR as mut v => { BODY })`.
/// The [tooling chapter](crate::tooling) says why `mut` and `async` are
/// spelled so, and what rust-analyzer and rustc make of code in a body.
///
/// `with!` evaluates to the body's value.
///
/// # Semantics
///
/// * **Inline body.** The body is a block of the enclosing function, not a
///   closure: `return`, `?`, `break`/`continue` (unlabelled or labelled) to
///   loops and blocks outside, and `.await` in an async fn mean what they mean
///   anywhere else. `?`, `return`, `break` and `continue` inside closures,
///   async blocks and nested items belong to those and are left alone, as
///   are `break`/`continue` that target loops inside the body.
/// * **Exactly-once exit.** Once enter succeeded, exit runs exactly once:
///   normal end, `?`, `return`, `break`, `continue`, panic.
/// * **Exit sees the error.** The value bound by `as` is dropped *before*
///   exit runs (so a `MutexGuard` borrowed from the manager is released), then
///   exit gets the [`Outcome`](crate::Outcome):
///
/// | the body ends by | exit sees | afterwards |
/// | --- | --- | --- |
/// | reaching its end | `Ok` | `with!` evaluates to the body's value (an `Err(..)` *value* is a value: `Ok`) |
/// | `expr?` on `Err(e)` | `Err(e)`, viewing `e` before its `From` conversion | `e` propagates, converted by `From` as `?` does |
/// | `expr?` on `None` | `Err`, with [`ErrorRef::is_none_value`](crate::ErrorRef::is_none_value) | `None` propagates |
/// | `return v` | `Err(e)` if `v` is `Err(e)`; `Err` with [`ErrorRef::is_none_value`](crate::ErrorRef::is_none_value) if `v` is `None` (as `?` on `None`); else `Ok` | the function returns `v` |
/// | `break`, `continue` (labelled or not, with or without a value) | `Ok` | the loop or block outside continues as written |
/// | panic | `Panic` | the panic continues |
/// | `?` inside the arguments of a macro other than the std ones listed below | `Unseen` (from the guard's `Drop`) | the `?` returns as usual |
///
/// `?` inside the arguments of `print!`, `println!`, `eprint!`,
/// `eprintln!`, `format!`, `format_args!`, `write!`, `writeln!`, `panic!`,
/// `assert!`, `assert_eq!`, `assert_ne!`, `debug_assert*!`, `vec!`, `dbg!`,
/// `todo!`, `unimplemented!`, `unreachable!`, the expression of `matches!`
/// and nested `with!`s is seen like any other. `bail!(..)` and `ensure!(..)`
/// (anyhow's, eyre's, or any macro of those names that expands to
/// `return Err(..)`) are seen as the `return Err(..)` they are: exit gets
/// `Outcome::Err`. Other macros' tokens are opaque to `with!`: a `?` or
/// `return` there leaves through the guard's `Drop`, which reports
/// [`Outcome::Unseen`](crate::Outcome::Unseen) — never `Ok` — and panics if
/// exit then fails, since its error has nowhere else to go. The panic names
/// the macros the body calls that `with!` could not look into
/// ("… cannot look into: `give_up!`"). Move such a `?` out of the macro's
/// arguments (`let v = x?; my_macro!(v)`).
///
/// * **Enter fails:** the body does not run, exit is not called, the error
///   propagates like `?` (with `From`).
/// * **Exit fails** on a non-panic path: its error propagates like `?`. If the
///   body was leaving with an error too, exit's error wins (Python's rule: an
///   exception raised in `__exit__` replaces the one in flight); exit saw the
///   body's error in `Outcome::Err` and can carry it in its own.
/// * **Infallible managers** (`Error = Infallible`) work in functions that
///   return `()`; a fallible one needs a function whose return type its error
///   converts into.
/// * **Several managers** behave as nested `with!`s: entered left to right,
///   exited right to left. If `B`'s expression or enter fails, `A`'s exit runs
///   (seeing that error) before it propagates; an error from `B`'s exit is
///   what `A`'s exit sees.
/// * **Panics.** During a panic, exit runs with `Outcome::Panic`; its error
///   is dropped (the panic is already the louder failure), and a panic inside
///   exit is caught so the process does not abort: the original panic
///   continues.
/// * **Suppression.** A manager that implements [`Suppress`](crate::Suppress)
///   can swallow a `?` error; `with!` then evaluates to `Default::default()`.
///   Managers that do not pay nothing.
///
/// # Async managers: `with!(async ..)`
///
/// `async` before a manager makes its level Python's `async with`: enter and
/// exit of an [`AsyncContextManager`](crate::AsyncContextManager) are
/// *awaited*, inside an async fn or block. Every rule above holds, and:
///
/// * the body runs as an async block polled under `catch_unwind`: on a panic,
///   exit is awaited with `Outcome::Panic`, then the panic resumes;
/// * a future dropped mid-body (cancelled) runs the manager's
///   [`drop_exit`](crate::AsyncContextManager::drop_exit) with
///   `Outcome::Unseen` from the guard's `Drop` (nothing can be awaited any
///   more), never `exit` with `Ok`; a cancelled exit gets `drop_exit` too;
/// * sync managers of the same list keep the inline form (their guards
///   report `Unseen` on cancellation, as always);
/// * unlike the sync form, a body that always leaves does not make the
///   `with!(async ..)` itself diverge.
///
/// ```
/// use ctxmgr::{with, AsyncContextManager, Outcome};
/// use std::convert::Infallible;
///
/// struct Span(Vec<String>);
/// impl AsyncContextManager for Span {
///     type Value<'a> = ();
///     type Error = Infallible;
///     async fn enter(&mut self) -> Result<(), Infallible> {
///         self.0.push("start".into());
///         Ok(())
///     }
///     async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Infallible> {
///         self.0.push(format!("end ok={}", outcome.is_ok()));
///         Ok(())
///     }
/// }
///
/// async fn parse(span: &mut Span, text: &str) -> Result<u8, std::num::ParseIntError> {
///     Ok(with!(async { &mut *span }, { text.parse::<u8>()? }))
/// }
/// # use std::future::Future;
/// # let waker = std::task::Waker::noop();
/// # let mut cx = std::task::Context::from_waker(&waker);
/// let mut span = Span(Vec::new());
/// assert!(std::pin::pin!(parse(&mut span, "x"))
///     .poll(&mut cx)
///     .is_ready());
/// assert_eq!(span.0, ["start", "end ok=false"]);
/// ```
///
/// # Limitations
///
/// * Casts in a manager expression need parentheses (`(x as T)`): a top-level
///   `as` introduces the pattern.
/// * A `?` on a borrowed error, `Result<_, &'a E>` (`&str`, a reference to
///   any `Display` error), works, and so does `return Err(s)` of a `&str` (or
///   of a reference to a `Display` type that is not an `Error`): exit sees it
///   by its `Display` and cannot
///   [`downcast_ref`](crate::ErrorRef::downcast_ref) it. Any other error that
///   leaves the body and implements `Display + Debug` must be `'static`, so
///   that exit can downcast it (Rust cannot choose an impl by lifetime): an
///   owned error type with a lifetime, and a returned reference to an `Error`
///   type, fail to compile with "borrowed data escapes". Write `Err(e)?` for
///   the reference, or make the error owned before it leaves
///   (`.map_err(|e| e.to_string())?`). In generic
///   code, add `'static` to an error parameter bounded by `Display + Debug`,
///   or leave those bounds off (exit then sees the type's name).
/// * The value bound by `as` cannot leave the body when it borrows the
///   manager (`open`'s file, a lock guard): exit needs the manager at the end
///   of the body. Return what you computed from the value. (A manager kept
///   outside, `let mut m = ..; with!(&mut m as f, { .. })`, can be entered
///   again later, but `f` borrows it all the same and stays in the body.)
///   rustc rejects `let f = with!(ctxmgr::open(p) as f => { f });` with
///
///   ```text
///   error[E0499]: cannot borrow value as mutable more than once at a time
///     |
///     |     let f = with!(ctxmgr::open(p) as f => { f });
///     |             ----------------------------------^-
///     |             |     |                           |
///     |             |     |                           second mutable borrow occurs here
///     |             |     first mutable borrow occurs here
///     |             first borrow later used here
///   ```
///
///   The value borrowed twice is the manager: first by enter, for `f` (under
///   the manager), then by exit (at the body's closing brace), while the
///   `with!` carries `f` out (under the whole `with!`).
/// * `?` in the body works on `Result` and `Option`; for other `Try` types
///   (`Poll`, `ControlFlow`) convert first.
/// * A manager is asked whether it [suppresses](crate::Suppress) through its
///   concrete type: in generic code over `M: ContextManager` it never is.
/// * `?` and `return` inside the arguments of non-std macros are not seen
///   (see the table above): exit reports `Unseen`.
///
/// # Examples
///
/// ```
/// use ctxmgr::{with, ContextManager, Outcome};
/// use std::cell::RefCell;
///
/// struct Tag<'l>(&'static str, &'l RefCell<Vec<String>>);
/// impl ContextManager for Tag<'_> {
///     type Value<'a>
///         = &'static str
///     where
///         Self: 'a;
///     type Error = String;
///     fn enter(&mut self) -> Result<&'static str, String> {
///         self.1.borrow_mut().push(format!("enter {}", self.0));
///         Ok(self.0)
///     }
///     fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
///         let how = match outcome {
///             Outcome::Ok => "ok".to_string(),
///             Outcome::Err(e) => format!("err: {e}"),
///             _ => "panic".to_string(),
///         };
///         self.1.borrow_mut().push(format!("exit {} ({how})", self.0));
///         Ok(())
///     }
/// }
///
/// fn run(log: &RefCell<Vec<String>>, fail: bool) -> Result<usize, String> {
///     let n = with!(Tag("a", log) as a, Tag("b", log) as b, {
///         if fail {
///             Err(format!("{a}{b} failed"))?;
///         }
///         a.len() + b.len()
///     });
///     Ok(n)
/// }
///
/// let log = RefCell::new(Vec::new());
/// assert_eq!(run(&log, false), Ok(2));
/// assert_eq!(run(&log, true), Err("ab failed".to_string()));
/// assert_eq!(
///     *log.borrow(),
///     [
///         "enter a",
///         "enter b",
///         "exit b (ok)",
///         "exit a (ok)",
///         "enter a",
///         "enter b",
///         "exit b (err: ab failed)",
///         "exit a (err: ab failed)",
///     ]
/// );
/// ```
#[cfg(feature = "macros")]
#[cfg_attr(docsrs, doc(cfg(feature = "macros")))]
#[macro_export]
macro_rules! with {
    ($($input:tt)*) => {
        $crate::with_impl! { $crate; $($input)* }
    };
}
