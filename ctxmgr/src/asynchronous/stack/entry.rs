//! The entries only an [`AsyncExitStack`](crate::AsyncExitStack) holds,
//! those whose exit is awaited: an async manager ([`AsyncManaged`]), an
//! async callback and an async exit. The sync ones (`Managed`, `Callback`,
//! `Push`) are shared with `ExitStack` (`stack/entry.rs`).

use alloc::boxed::Box;
use core::future::Future;
use core::marker::PhantomData;

use crate::stack::entry::{Entry, Exiting, Flavour, UnsentExit};
use crate::stack::threading::{BoxExit, Local, Sendable};
use crate::{AsyncContextManager, Outcome, SendAsyncContextManager};

/// An async manager: `enter_async_context`.
pub(super) struct AsyncManaged<M>(pub(super) M);

/// Owns an async manager while its exit is awaited; if that future is
/// dropped or panics before exit ends, runs `drop_exit` as
/// [`AsyncGuard`](crate::AsyncGuard) would.
struct AwaitingExit<M: AsyncContextManager> {
    manager: M,
    done: bool,
}

impl<M: AsyncContextManager> AwaitingExit<M> {
    fn new(manager: M) -> Self {
        AwaitingExit {
            manager,
            done: false,
        }
    }

    /// Once exit's future gave `result`: marks exit done, then asks whether
    /// to swallow `outcome`'s error when `ask` is set.
    fn exited(
        &mut self,
        result: Result<(), M::Error>,
        outcome: Outcome<'_>,
        ask: bool,
    ) -> Result<bool, M::Error> {
        self.done = true;
        result?;
        Ok(match outcome {
            Outcome::Err(e) if ask => self.manager.suppresses(e),
            _ => false,
        })
    }
}

impl<M: AsyncContextManager> Drop for AwaitingExit<M> {
    fn drop(&mut self) {
        if !self.done {
            drop_exit(&mut self.manager, Outcome::Unseen);
        }
    }
}

/// `manager.drop_exit(outcome)`, or with `Outcome::Panic` (and its own panic
/// caught) while the thread is panicking.
fn drop_exit<M: AsyncContextManager>(manager: &mut M, outcome: Outcome<'_>) {
    #[cfg(feature = "std")]
    {
        if outcome.is_panic() || std::thread::panicking() {
            let _ = crate::unwind::catch(move || manager.drop_exit(Outcome::Panic));
            return;
        }
    }
    manager.drop_exit(outcome);
}

/// An async entry's fallback on the drop path: `drop_exit`, told `Unseen`
/// or `Panic` only (never an error of the entry above, which the trait does
/// not promise).
fn fallback<M: AsyncContextManager>(manager: &mut M, outcome: Outcome<'_>) {
    drop_exit(
        manager,
        if outcome.is_panic() {
            Outcome::Panic
        } else {
            Outcome::Unseen
        },
    );
}

/// The entry of an async manager, for one flavour: written once, for the
/// two flavours, which differ in one call. A `Sendable` stack awaits
/// `exit_send`, whose future is declared `Send`, so that the boxed future
/// is; `boxed` turns the boxed future into the flavour's `Exit`.
macro_rules! async_managed {
    ($flavour:ident, $manager:ident, $exit:ident, $boxed:expr) => {
        impl<M: $manager, E> Entry<E, $flavour> for AsyncManaged<M>
        where
            M::Error: Into<E>,
        {
            fn exit<'a>(
                self: Box<Self>,
                outcome: &Outcome<'a>,
                ask: bool,
            ) -> Exiting<'a, E, $flavour>
            where
                Self: 'a,
                E: 'a,
            {
                let outcome = *outcome;
                let mut exiting = AwaitingExit::new(self.0);
                Exiting::Awaiting($boxed(Box::pin(async move {
                    let result = exiting.manager.$exit(outcome).await;
                    exiting.exited(result, outcome, ask).map_err(Into::into)
                })))
            }

            fn drop_exit(mut self: Box<Self>, outcome: Outcome<'_>) -> Result<(), E> {
                fallback(&mut self.0, outcome);
                Ok(())
            }
        }
    };
}

async_managed!(Local, AsyncContextManager, exit, UnsentExit::new);
async_managed!(Sendable, SendAsyncContextManager, exit_send, send_exit);

/// A `Sendable` stack's exit future, as it is.
#[inline]
fn send_exit<'a, E>(
    exit: <Sendable as Flavour>::Exit<'a, E>,
) -> <Sendable as Flavour>::Exit<'a, E> {
    exit
}

/// `Fut` is named so that `Self: 'a` bounds it too.
pub(super) struct AsyncCallback<F, Fut>(pub(super) F, pub(super) PhantomData<fn() -> Fut>);

impl<F, Fut, E, T> Entry<E, T> for AsyncCallback<F, Fut>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
    T: BoxExit<Fut>,
{
    fn exit<'a>(self: Box<Self>, _outcome: &Outcome<'a>, _ask: bool) -> Exiting<'a, E, T>
    where
        Self: 'a,
        E: 'a,
    {
        Exiting::Awaiting(T::box_exit((self.0)(), |()| Ok(false)))
    }

    fn drop_exit(self: Box<Self>, _outcome: Outcome<'_>) -> Result<(), E> {
        Ok(())
    }
}

/// `Fut` is named so that `Self: 'a` bounds it too.
pub(super) struct AsyncPush<F, Fut>(pub(super) F, pub(super) PhantomData<fn() -> Fut>);

impl<F, Fut, E, T> Entry<E, T> for AsyncPush<F, Fut>
where
    F: FnOnce(Outcome<'_>) -> Fut,
    Fut: Future<Output = Result<(), E>>,
    T: BoxExit<Fut>,
{
    fn exit<'a>(self: Box<Self>, outcome: &Outcome<'a>, _ask: bool) -> Exiting<'a, E, T>
    where
        Self: 'a,
        E: 'a,
    {
        Exiting::Awaiting(T::box_exit((self.0)(*outcome), |done| done.and(Ok(false))))
    }

    fn drop_exit(self: Box<Self>, _outcome: Outcome<'_>) -> Result<(), E> {
        Ok(())
    }
}
