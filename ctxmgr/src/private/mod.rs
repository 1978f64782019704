//! Items the macros' expansions name. Not public API: no semver guarantees.
//!
//! Split by who names them: `with.rs` for `with!` (and every macro built on
//! its expander), `async_with.rs` for what `with!(async ..)` adds,
//! `derive.rs` for `#[derive(ContextManager)]` and
//! `#[ctxmgr::context_manager]`, `generator.rs` for
//! `#[ctxmgr::contextmanager]`. Expansions reach everything, std items
//! included, through `::ctxmgr::__private::…`, so a user's `mod core {}` or
//! shadowed prelude cannot break them.
//!
//! A leaf: the runtime's own modules do not import from here, nor spell a
//! path through `__private` (`.ci/module-cycles` checks both); what both
//! need lives in the runtime (`crate::unwind`, `derived_guard.rs`, ..) and
//! is re-exported below.

#![allow(missing_docs, clippy::unused_self, clippy::needless_lifetimes)]

/// What the expansion calls on the kind of a type that is not a manager
/// (`NotAManager`, `NoMethods`, ..), once its guard is typed as an error:
/// never run, the program does not compile.
macro_rules! not_a_manager_flow {
    ($($tag:ty),*) => {$(
        impl $tag {
            #[inline]
            pub fn enter<G: crate::__private::ErrorTyped, R>(self, _guard: &mut G) -> ::core::ops::ControlFlow<R, G::Value> {
                crate::__private::unreachable_flow()
            }
            #[inline]
            pub fn finish<G, R>(self, _guard: &mut G, _outcome: crate::Outcome<'_>) -> ::core::ops::ControlFlow<R> {
                crate::__private::unreachable_flow()
            }
            #[inline]
            pub fn entered<R, X: crate::__private::ErrorTyped>(self, _state: crate::asynchronous::StateRef<'_>, _result: X) -> ::core::ops::ControlFlow<R, X::Value> {
                crate::__private::unreachable_flow()
            }
            #[inline]
            pub fn exited<R, X>(self, _state: crate::asynchronous::StateRef<'_>, _result: X) -> ::core::ops::ControlFlow<R> {
                crate::__private::unreachable_flow()
            }
        }
    )*};
}

/// The guards of a manager the kind probe found: the same for both kinds
/// that find one (`InfallibleManager`, `FallibleManager`), which differ
/// only in what enter's and exit's errors do.
macro_rules! found_manager_guards {
    ($($kind:ty),*) => {$(
        impl $kind {
            /// The guard of a manager this probe found.
            #[inline]
            pub fn guard<M: crate::ContextManager>(self, manager: M) -> crate::guard::Guard<M> {
                crate::guard::Guard::new(manager)
            }
            /// The guard of an async manager this probe found.
            #[inline]
            pub fn async_guard<M: crate::AsyncContextManager>(
                self,
                manager: M,
            ) -> crate::AsyncGuard<M, impl FnMut(&mut M, crate::Outcome<'_>)> {
                crate::AsyncGuard::with_drop_exit(manager, M::drop_exit)
            }
        }
    )*};
}

/// Impls of the kind probe, [`KindProbe`]`<$tag>`: for each receiver type
/// listed, under its bound, the kind `$tag` (a unit struct). An expansion
/// calls it by value on `&S` (`S: Kind<M>`): the order in which method resolution
/// tries receiver types ranks the impls (`KindProbe`), and the kind's type
/// picks what runs next.
macro_rules! kind_probe {
    ($(impl<$m:ident $(: $bound:path)?> $receiver:ty => $tag:ident),+ $(,)?) => {$(
        impl<$m $(: $bound)?> crate::__private::KindProbe<$tag> for $receiver {
            #[inline(always)]
            fn __ctxmgr_kind(self) -> $tag {
                $tag
            }
        }
    )+};
}

/// The guard of a failed kind probe (`NotAManager`, `OtherFlavor`, ..) is
/// typed as an error, which meets any bound: its value, `G::Value`, is then
/// an error too, and a body that uses the bound value (`f.write(..)?`)
/// reports nothing more. Implemented by no type: only error types reach it.
pub trait ErrorTyped {
    type Value;
}

mod async_with;
mod derive;
mod generator;
mod view;
mod with;

/// Every probe trait, imported anonymously: an expansion's
/// `use __private::{self as p, probes::*};` puts them all in scope with no
/// `#[allow(unused_imports)]` (a glob counts as used when any of it is, and
/// the kind probe always is). Their method names are all `__ctxmgr_*`, so
/// no user method is shadowed.
pub mod probes {
    pub use super::{
        KindProbe as _, ReturnedOutcome as _, SuppressKind as _, View as _, ViewReturned as _,
    };
}

pub use self::async_with::*;
pub use self::derive::*;
pub use self::generator::*;
pub use self::view::*;
pub use self::with::*;

// The runtime's catching and resuming of panics, for the expansions of
// `with!(async ..)` (`poll_catching`) and the items above.
pub use crate::unwind::{catch, catch_unwind, poll_catching, resume_unwind, PanicPayload};

pub use crate::derived_guard::{GuardShape, Named, NamedGuardSupported};
pub use crate::guard::Guard;
pub use crate::AsyncGuard;
/// `#[ctxmgr::context_manager(send)]`'s impl.
pub use crate::SendAsyncContextManager;
pub use crate::{AsyncContextManager, AsyncSuppress, ContextManager, ErrorRef, Outcome, Suppress};
pub use core::convert::Infallible;
pub use core::future::Future;
pub use core::marker::Send;
pub use core::ops::ControlFlow::{self, Break, Continue};
pub use core::option::Option::{self, None, Some};
pub use core::primitive::bool;
pub use core::result::Result::{self, Err, Ok};
#[cfg(feature = "macros")]
pub use ctxmgr_derive::with_impl;
