//! Implementation detail of [ctxmgr](https://docs.rs/ctxmgr): the closure
//! of its `defer!` macros, in a crate of edition 2015 so that it captures
//! whole variables like scopeguard's. Depend on `ctxmgr`, not on this crate.
#![no_std]
#![forbid(unsafe_code)]

/// `let _guard = GUARD((), |()| { BODY });`, the closure written by this
/// crate's edition (2015): it captures each variable its body uses as a
/// whole, as scopeguard's `defer!` does. `GUARD` is one of
/// `ctxmgr::scopeguard::{guard, guard_on_success, guard_on_unwind}`.
#[doc(hidden)]
#[macro_export]
macro_rules! defer_with {
    ($guard:path; $($t:tt)*) => {
        let _guard = $guard((), |()| { $($t)* });
    };
}
