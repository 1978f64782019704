//! Items the macros' expansions name. Not public API: no semver guarantees.
//!
//! Split by who names them: `with.rs` for `with!` (and every macro built on
//! its expander), `derive.rs` for `#[derive(ContextManager)]` and
//! `#[ctxmgr::context_manager]`, `generator.rs` for
//! `#[ctxmgr::contextmanager]`. Expansions reach everything, std items
//! included, through `::ctxmgr::__private::…`, so a user's `mod core {}` or
//! shadowed prelude cannot break them.

#![allow(missing_docs, clippy::unused_self, clippy::needless_lifetimes)]

mod async_with;
mod derive;
mod generator;
mod with;

pub use self::async_with::*;
pub use self::derive::*;
pub use self::generator::*;
pub use self::with::*;

pub use crate::guard::Guard;
pub use crate::AsyncGuard;
pub use crate::{AsyncContextManager, ContextManager, Outcome};
pub use core::convert::Infallible;
pub use core::future::Future;
pub use core::ops::ControlFlow::{self, Break, Continue};
pub use core::option::Option::{self, None, Some};
pub use core::result::Result::{self, Err, Ok};
pub use ctxmgr_derive::with_impl;
