//! [`AsyncContextManager`] and [`AsyncGuard`]: Python's `async with`, whose
//! teardown is *awaited*.
//!
//! Rust has no async `Drop`: a value dropped mid-`.await` cannot await its
//! own cleanup. `with!(async ..)` awaits exit on every path it can see, and a
//! manager's sync [`drop_exit`](AsyncContextManager::drop_exit) is the
//! fallback for the one it cannot: the future being dropped (cancelled).

#[cfg(feature = "alloc")]
mod generator;
mod guard;
mod manager;
#[cfg(feature = "alloc")]
mod stack;

#[cfg(feature = "alloc")]
pub use generator::{AsyncExitFn, AsyncExitFuture, AsyncGenerator};
pub use guard::{AsyncGuard, StateRef};
pub use manager::{AsyncContextManager, AsyncSuppress};
#[cfg(feature = "alloc")]
pub use stack::AsyncExitStack;
