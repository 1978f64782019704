//! What the expansions of `with!(async ..)` name, beside what they share
//! with the sync `with!` (`private/with.rs`): the kind probes and tags for an
//! [`AsyncGuard`], and resuming the body's panic after exit (polling it
//! under `catch_unwind` is the runtime's `crate::unwind`, re-exported).

use core::convert::Infallible;
use core::ops::ControlFlow;

// The expansion pins the body with `pin!` and polls it with `poll_fn`: the
// body runs in the user's own coroutine, with none of ctxmgr's around it
// (an `async fn`'s `#[inline]` does not reach its coroutine,
// rust-lang/rust#129347: each layer is a call LLVM may leave out of line).
pub use core::future::poll_fn;
pub use core::pin::pin;

use super::with::{
    propagate, unreachable_flow, AsyncKind, ErrorConverts, FallibleManager, InfallibleManager,
    ReturnsError,
};
use crate::asynchronous::StateRef;
use crate::unwind::{resume_unwind, PanicPayload};
use crate::AsyncContextManager;

kind_probe! {
    impl<M: AsyncContextManager<Error = Infallible>> &AsyncKind<'_, M> => InfallibleManager,
    impl<M> &mut AsyncKind<'_, M> => NotAnAsyncManager,
}

/// The `FallibleManager` rank, inherent as for `Kind`.
impl<M: AsyncContextManager> AsyncKind<'_, M> {
    #[inline]
    pub fn __ctxmgr_kind(self: &&Self) -> FallibleManager {
        FallibleManager
    }
}

/// [`NotAManager`](super::with::NotAManager) for `with!(async ..)`: one
/// error on the user's expression, and a guard typed as an error.
#[derive(Clone, Copy)]
pub struct NotAnAsyncManager;
impl NotAnAsyncManager {
    #[inline]
    pub fn async_guard<M: AsyncContextManager>(self, _manager: M) -> M::Error {
        unreachable_flow()
    }
}
not_a_manager_flow!(NotAnAsyncManager);

impl InfallibleManager {
    /// Records the result of the manager's awaited enter; `Break` never
    /// happens.
    #[inline]
    pub fn entered<V, R>(
        self,
        state: StateRef<'_>,
        result: Result<V, Infallible>,
    ) -> ControlFlow<R, V> {
        match result {
            Ok(value) => {
                state.entered();
                ControlFlow::Continue(value)
            }
            Err(never) => match never {},
        }
    }
    /// Records the end of the manager's awaited exit; `Break` never happens.
    #[inline]
    pub fn exited<R>(self, state: StateRef<'_>, result: Result<(), Infallible>) -> ControlFlow<R> {
        state.finished();
        match result {
            Ok(()) => ControlFlow::Continue(()),
            Err(never) => match never {},
        }
    }
}

impl FallibleManager {
    /// Records the result of the manager's awaited enter; `Break` holds
    /// what the function returns on its error.
    #[inline]
    pub fn entered<V, E, R: ReturnsError<E>>(
        self,
        state: StateRef<'_>,
        result: Result<V, E>,
    ) -> ControlFlow<R, V>
    where
        R::Error: ErrorConverts<E>,
    {
        match result {
            Ok(value) => {
                state.entered();
                ControlFlow::Continue(value)
            }
            Err(error) => ControlFlow::Break(propagate(error)),
        }
    }
    /// Records the end of the manager's awaited exit; `Break` holds what
    /// the function returns on its error.
    #[inline]
    pub fn exited<E, R: ReturnsError<E>>(
        self,
        state: StateRef<'_>,
        result: Result<(), E>,
    ) -> ControlFlow<R>
    where
        R::Error: ErrorConverts<E>,
    {
        state.finished();
        match result {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => ControlFlow::Break(propagate(error)),
        }
    }
}

/// The value a way out of an async level's body (`?`, `return`, `break`,
/// `continue`) leaves its async block with: site `i` is `Next` `i - 1`
/// times around `Here(what it carries)`, and the last `Next` holds
/// [`NoSite`]. The block returns `Result<body's value, Site<..>>`, so what a
/// site carries travels by value, not through a slot the block captures.
pub enum Site<A, B> {
    Here(A),
    Next(B),
}
pub use Site::{Here, Next};

/// Closes the type of an async body's site values (a real empty type: `!`
/// passed as an argument would coerce to anything and fall back to `()`).
pub enum NoSite {}

/// Never called: types the terminator, in an `if false`.
#[cold]
pub fn no_site() -> NoSite {
    super::with::unreachable_flow()
}

/// After the body panicked and exit was awaited with `Outcome::Panic`
/// (its error dropped; a panic from it caught, leaving the guard entered so
/// its drop runs `drop_exit`): resumes the body's panic.
#[cold]
pub fn resume_after_exit<T>(
    state: StateRef<'_>,
    exit: Result<T, PanicPayload>,
    payload: PanicPayload,
) -> ! {
    if exit.is_ok() {
        state.finished();
    }
    resume_unwind(payload)
}
