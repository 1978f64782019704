//! [`SendAsyncContextManager`]: an async manager whose exit future is known
//! to be `Send`, so that a `Sendable`
//! [`AsyncExitStack`](crate::AsyncExitStack) can hold it; and its impls for
//! ctxmgr's own async managers.

use core::future::Future;

use crate::{AsyncContextManager, Outcome};

/// An [`AsyncContextManager`] whose [`enter`](AsyncContextManager::enter)
/// and [`exit`](AsyncContextManager::exit) futures are `Send`: what an
/// [`AsyncExitStack::new_send`](crate::AsyncExitStack::new_send) stack
/// (whose futures are `Send`, for `tokio::spawn`) needs of the async
/// managers it enters.
///
/// # Why a second trait
///
/// The stack awaits each manager's enter and boxes its exit future inside
/// generic code, where `M::enter()` and `M::exit(..)` are opaque
/// `impl Future`s. Stable Rust cannot say "`M`'s exit future is `Send`"
/// there (return type notation, `M::exit(..): Send`, is unstable), so it
/// cannot box it as `dyn Future + Send`; and for a manager with a lifetime
/// parameter (a transaction borrowing its pool), rustc cannot infer that a
/// generic future awaiting `M::enter()` is `Send` either ("implementation is
/// not general enough"). This trait's two methods have the same bodies as
/// `enter` and `exit` and declare `+ Send` in their signatures, which the
/// compiler checks once, where the manager is defined. A `with!(async ..)`
/// over a concrete manager needs none of this: it awaits the manager's own
/// futures in your async fn, where the compiler sees them.
///
/// An impl is two one-line methods, and does not compile when a future is
/// not `Send` (an `Rc` or a `RefCell` borrow held across an `.await`):
///
/// ```
/// use ctxmgr::{AsyncContextManager, Outcome, SendAsyncContextManager};
/// use std::convert::Infallible;
/// use std::future::Future;
///
/// struct Conn;
/// impl AsyncContextManager for Conn {
///     type Value<'a> = ();
///     type Error = Infallible;
///     async fn enter(&mut self) -> Result<(), Infallible> {
///         Ok(())
///     }
///     async fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
///         Ok(())
///     }
/// }
/// impl SendAsyncContextManager for Conn {
///     fn enter_send(&mut self) -> impl Future<Output = Result<(), Infallible>> + Send {
///         self.enter()
///     }
///     fn exit_send(&mut self, o: Outcome<'_>) -> impl Future<Output = Result<(), Infallible>> + Send {
///         self.exit(o)
///     }
/// }
/// ```
///
/// For a manager written with `#[ctxmgr::context_manager]`, write
/// `#[ctxmgr::context_manager(send)]` instead.
///
/// ctxmgr implements it for [`tokio::open`](crate::tokio::open)'s manager,
/// the `postgres` and `sqlx` transaction managers, `&mut M` for such an `M`,
/// a `#[contextmanager] async fn`'s [`AsyncGenerator`](crate::AsyncGenerator)
/// whose enter half is `Send`, and the `Sendable` `AsyncExitStack` itself
/// (so such stacks nest). Not for
/// [`aclosing`](crate::aclosing)`(x)`: its exit is `x.close()`, whose future
/// is as opaque as exit's; enter `x` through a manager of your own that
/// implements this trait, or use a [`Local`](crate::threading::Local) stack.
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `SendAsyncContextManager`, which a `Sendable` `AsyncExitStack` needs of an async manager",
    label = "its enter and exit futures are not declared `Send`",
    note = "implement it with two one-line methods, `enter_send` (`self.enter()`) and `exit_send` (`self.exit(o)`), whose futures are declared `+ Send`; or write `#[ctxmgr::context_manager(send)]` on a derived manager",
    note = "or use a stack that need not be `Send`: `AsyncExitStack::new()`"
)]
pub trait SendAsyncContextManager: AsyncContextManager + Send {
    /// [`enter`](AsyncContextManager::enter), whose future is declared
    /// `Send`. Write it as `self.enter()`.
    fn enter_send(&mut self) -> impl Future<Output = Result<Self::Value<'_>, Self::Error>> + Send;

    /// [`exit`](AsyncContextManager::exit), whose future is declared `Send`.
    /// Write it as `self.exit(outcome)`.
    fn exit_send(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

impl<M: SendAsyncContextManager + ?Sized> SendAsyncContextManager for &mut M {
    #[inline]
    fn enter_send(&mut self) -> impl Future<Output = Result<Self::Value<'_>, Self::Error>> + Send {
        (**self).enter_send()
    }

    fn exit_send(
        &mut self,
        outcome: Outcome<'_>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send {
        (**self).exit_send(outcome)
    }
}

/// `SendAsyncContextManager` for a manager of this crate whose `enter` and
/// `exit` futures the compiler sees to be `Send`: each impl is those two
/// calls, checked here.
macro_rules! send_by_sight {
    ($(#[$attr:meta])* impl[$($generics:tt)*] $manager:ty $(where $($bound:tt)*)?) => {
        $(#[$attr])*
        impl<$($generics)*> SendAsyncContextManager for $manager $(where $($bound)*)? {
            #[inline]
            fn enter_send(
                &mut self,
            ) -> impl Future<Output = Result<Self::Value<'_>, Self::Error>> + Send {
                self.enter()
            }

            #[inline]
            fn exit_send(
                &mut self,
                outcome: Outcome<'_>,
            ) -> impl Future<Output = Result<(), Self::Error>> + Send {
                self.exit(outcome)
            }
        }
    };
}

send_by_sight!(#[cfg(feature = "tokio")] impl[] crate::tokio::Open);
send_by_sight!(#[cfg(feature = "tokio-postgres")] impl['c] crate::postgres::Transaction<'c>);
send_by_sight!(#[cfg(feature = "tokio-postgres")] impl['t, 'c] crate::postgres::Savepoint<'t, 'c>);
send_by_sight!(
    #[cfg(feature = "sqlx")]
    impl['p, DB: crate::sqlx::Backend] crate::sqlx::PoolTransaction<'p, DB>
);
send_by_sight!(
    #[cfg(feature = "sqlx")]
    impl['c, DB: crate::sqlx::Backend] crate::sqlx::ConnectionTransaction<'c, DB>
);
send_by_sight!(
    /// A `#[contextmanager] async fn`'s manager: its exit half is boxed as a
    /// `Send` future already, so only the enter half must be `Send`.
    #[cfg(feature = "alloc")]
    impl['a, F, V, E] crate::AsyncGenerator<'a, F, V, E>
    where F: Future<Output = Result<(V, crate::AsyncExitFn<'a, E>), E>> + Send
);
