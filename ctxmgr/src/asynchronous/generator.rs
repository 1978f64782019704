//! [`AsyncGenerator`]: the async context manager that
//! [`#[ctxmgr::contextmanager]`](crate::contextmanager) makes of an
//! `async fn`.

use alloc::boxed::Box;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;

use crate::{AsyncContextManager, Outcome};

/// The future of an [`AsyncGenerator`]'s exit half, boxed: it borrows the
/// outcome for `'o`.
pub type AsyncExitFuture<'o, E> = Pin<Box<dyn Future<Output = Result<(), E>> + Send + 'o>>;

/// An [`AsyncGenerator`]'s exit half: the code after the yield, with the
/// locals it uses (which live for `'a`). Called with the outcome (and a
/// marker that tells the compiler `'a` outlives the outcome's `'o`), it
/// returns the future that runs that code.
///
/// Boxed, and `Send`: stable Rust cannot name the future of a closure that
/// borrows its argument, nor say that such a future is `Send` in generic
/// code (`AsyncFnOnce`'s future type is unnameable), so the exit half is
/// erased behind `dyn .. + Send`. The price: two small allocations per
/// use, and an exit half that holds no `!Send` value across an `.await`.
pub type AsyncExitFn<'a, E> = Box<
    dyn for<'o> FnOnce(Outcome<'o>, PhantomData<&'o &'a ()>) -> AsyncExitFuture<'o, E> + Send + 'a,
>;

/// A context manager made of one `async fn` split at its yield, Python's
/// `@asynccontextmanager`. Made by
/// [`#[ctxmgr::contextmanager]`](crate::contextmanager) on an `async fn`:
/// its enter half is the future `F`, which runs the code before the yield
/// and hands out the value `V` and the exit half.
///
/// ```
/// use ctxmgr::{with, Outcome};
/// use std::sync::Mutex;
///
/// #[ctxmgr::contextmanager]
/// async fn tag(log: &Mutex<Vec<String>>, name: &str) -> Result<String, String> {
///     log.lock().unwrap().push(format!("<{name}>")); // enter: may `.await`, `?`
///     let outcome = ctxmgr::yield_!(format!("[{name}]")); // the value `as` binds
///     log.lock()
///         .unwrap()
///         .push(format!("</{name}> ok={}", outcome.is_ok()));
/// } // exit: awaited on every path
///
/// async fn page(log: &Mutex<Vec<String>>) -> Result<usize, String> {
///     Ok(with!(async { tag(log, "b") } as b, { b.len() }))
/// }
/// # use std::future::Future;
/// # let waker = std::task::Waker::noop();
/// # let mut cx = std::task::Context::from_waker(&waker);
/// let log = Mutex::new(Vec::new());
/// let done = std::pin::pin!(page(&log)).poll(&mut cx);
/// assert_eq!(done, std::task::Poll::Ready(Ok(3)));
/// assert_eq!(*log.lock().unwrap(), ["<b>", "</b> ok=true"]);
/// ```
#[must_use = "a generator does nothing until entered, e.g. with `with!(async ..)`"]
pub struct AsyncGenerator<'a, F, V, E> {
    state: State<'a, F, E>,
    value: PhantomData<fn() -> V>,
}

enum State<'a, F, E> {
    Ready(F),
    Entered(AsyncExitFn<'a, E>),
    Done,
}

impl<'a, F, V, E> AsyncGenerator<'a, F, V, E>
where
    F: Future<Output = Result<(V, AsyncExitFn<'a, E>), E>>,
{
    /// A generator whose enter half is `enter`.
    #[inline]
    pub const fn new(enter: F) -> Self {
        AsyncGenerator {
            state: State::Ready(enter),
            value: PhantomData,
        }
    }
}

impl<'a, F, V, E> AsyncContextManager for AsyncGenerator<'a, F, V, E>
where
    F: Future<Output = Result<(V, AsyncExitFn<'a, E>), E>>,
{
    type Value<'b>
        = V
    where
        Self: 'b;
    type Error = E;

    /// Runs the code before the yield.
    ///
    /// # Panics
    ///
    /// When entered a second time: call the function again for a new one.
    async fn enter(&mut self) -> Result<V, E> {
        match core::mem::replace(&mut self.state, State::Done) {
            State::Ready(enter) => {
                let (value, exit) = enter.await?;
                self.state = State::Entered(exit);
                Ok(value)
            }
            State::Entered(_) | State::Done => {
                panic!("ctxmgr: a #[contextmanager] generator is entered once; call the function again for a new one")
            }
        }
    }

    /// Runs the code after the yield, with `outcome`.
    async fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), E> {
        match core::mem::replace(&mut self.state, State::Done) {
            State::Entered(exit) => exit(outcome, PhantomData).await,
            State::Ready(_) | State::Done => Ok(()),
        }
    }
}

impl<F, V, E> core::fmt::Debug for AsyncGenerator<'_, F, V, E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let state = match self.state {
            State::Ready(_) => "ready",
            State::Entered(_) => "entered",
            State::Done => "done",
        };
        f.debug_struct("AsyncGenerator")
            .field("state", &state)
            .finish()
    }
}
