//! Viewing an error of any type as an `ErrorRef`, for exit's `Outcome`:
//! the residual of a `?` site ([`Residual`]), and a value the body returned
//! ([`Returned`]: its `Outcome` in one call). Autoref specialization, as in
//! `with.rs`: a method call on `(&&Residual(x))` picks the first impl whose
//! bounds hold, trying `&&Residual`, `&&&Residual`, `&mut &&Residual`,
//! `&Residual`, `Residual` in this order (`Returned` the same, from one
//! reference more).

use core::convert::Infallible;
use core::fmt;
use core::ops::DerefMut;

use crate::{ErrorRef, Outcome};

/// A value the body returned (a `return` site's, or an inner level's error
/// passed on, which is what the function returns), asked for exit's
/// `Outcome` in one call: `(&&&Returned(&value)).__ctxmgr_returned_outcome()`.
/// The impls rank, by receiver type: `&&&Returned` [`ViewReturned`] (a
/// `Result` whose error is an `Error`, a box of one or a `String`, and an
/// `Option`), `&&&&Returned` a borrowed error, `&mut &&&Returned` by
/// `Display`, `&&Returned` by `Debug`, `&Returned` by the error type's name,
/// and `Returned` any other type, `Outcome::Ok`. So the `match` on whether
/// it holds an error is the runtime's, type-checked once, not each site's
/// (bench/HISTORY.md, session 12).
pub struct Returned<'a, R: ?Sized>(pub &'a R);
impl<R: ?Sized> Clone for Returned<'_, R> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}
impl<R: ?Sized> Copy for Returned<'_, R> {}

/// `Outcome::Err(view(e))` for `Err(e)`, else `Outcome::Ok`.
#[inline]
fn returned<'a, T, E>(value: &'a Result<T, E>, view: fn(&'a E) -> ErrorRef<'a>) -> Outcome<'a> {
    match value {
        Err(e) => Outcome::Err(view(e)),
        Ok(_) => Outcome::Ok,
    }
}

/// The first view tried, so the one a returned value is taken by when its
/// type is still an inference variable at the view (a closure's or an async
/// block's output type is fixed after its body, `return Err(x.into())`).
/// Method selection then picks this trait without knowing the type, and
/// trait selection picks the impl once the type is inferred; so every error
/// type that may arrive that way needs an impl here, not only the `Error`
/// types. Coherence rejects an impl for `Box<dyn Error + Send + Sync>`
/// beside the one for `E: Error` ("upstream crates may add a new impl of
/// trait `Error`"), so the impls differ in `Via`, a marker each fixes:
/// impls of one trait for different parameters never overlap, and method
/// selection takes them as one pick (one trait). A known type is taken only
/// by the impl whose bounds it meets (no type meets two), and a type none of
/// them takes falls through to the views below. So it is unmet only for a
/// returned error whose type was unknown at the view and is none of these:
/// the message says what to write.
#[diagnostic::on_unimplemented(
    message = "`with!` cannot show exit this returned error: its type was not known yet at the `return`",
    label = "exit's view of the returned error is chosen here",
    note = "a closure's or an async block's error type is known only after its body; returned there, an error must be an `Error` type, a `Box<dyn Error>` (`+ Send`, `+ Sync`), `anyhow::Error`, `eyre::Report` or a `String`",
    note = "write the closure's return type (`|| -> Result<_, E> {{ .. }}`) or end the async block with `Ok::<_, E>(..)`, or `return Err(E::from(..))`"
)]
pub trait ViewReturned<'a, Via> {
    fn __ctxmgr_returned_outcome(&self) -> Outcome<'a>;
}
/// `Via` of the impls for an `Error` type and for `Option`.
pub enum ViaError {}
/// `Via` of the impl for what derefs to `dyn Error + Send + Sync`
/// (`Box<dyn Error + Send + Sync>`, `anyhow::Error`, `eyre::Report`).
pub enum ViaBoxSendSync {}
/// `Via` of the impl for what derefs to `dyn Error + Sync`.
pub enum ViaBoxSync {}
/// `Via` of the impl for the boxed errors that are not `Sync`.
#[cfg(feature = "std")]
pub enum ViaLocal {}
/// `Via` of the impl for `String`.
#[cfg(feature = "alloc")]
pub enum ViaString {}
impl<'a, T, E: core::error::Error + Sync + 'static> ViewReturned<'a, ViaError>
    for &&Returned<'a, Result<T, E>>
{
    #[inline]
    fn __ctxmgr_returned_outcome(&self) -> Outcome<'a> {
        returned(self.0, ErrorRef::new)
    }
}
/// A `return None` leaves with an error, as `?` on `None` does.
impl<'a, T> ViewReturned<'a, ViaError> for &&Returned<'a, Option<T>> {
    #[inline]
    fn __ctxmgr_returned_outcome(&self) -> Outcome<'a> {
        match self.0 {
            Some(_) => Outcome::Ok,
            None => Outcome::Err(ErrorRef::none_value()),
        }
    }
}
/// The view of a box of `dyn Error + BOUNDS` that is not itself an
/// `Error`: by `Display`, as the `Display` view would (`as_error` looks
/// inside the box). `DerefMut`, not `Deref`, so that `Arc<dyn Error + Send
/// + Sync>`, which is an `Error` and derefs to one, is taken by the impl for
/// `Error` alone.
macro_rules! view_boxed_error {
    ($via:ident, $($bounds:tt)+) => {
        impl<'a, T, E> ViewReturned<'a, $via> for &&Returned<'a, Result<T, E>>
        where
            E: DerefMut<Target = dyn core::error::Error + $($bounds)+ + 'static>
                + fmt::Display
                + fmt::Debug
                + Sync
                + 'static,
        {
            #[inline]
            fn __ctxmgr_returned_outcome(&self) -> Outcome<'a> {
                returned(self.0, ErrorRef::from_display)
            }
        }
    };
}
// `Box<dyn Error + Send + Sync>` and the error types that are a box of one
// (`anyhow::Error`, `eyre::Report`).
view_boxed_error!(ViaBoxSendSync, Send + Sync);
// `Box<dyn Error + Sync>`.
view_boxed_error!(ViaBoxSync, Sync);
/// The boxed errors that are not `Sync`, `Box<dyn Error>` and
/// `Box<dyn Error + Send>`, viewed by their message and source chain on the
/// thread that made the view ([`ErrorRef::from_local`]). They are neither
/// `Error` nor `Sync`, so no view below would show them but by their type's
/// name.
#[cfg(feature = "std")]
impl<'a, T, E: crate::LocalError> ViewReturned<'a, ViaLocal> for &&Returned<'a, Result<T, E>> {
    #[inline]
    fn __ctxmgr_returned_outcome(&self) -> Outcome<'a> {
        returned(self.0, ErrorRef::from_local)
    }
}
/// `return Err(format!(..).into())`, `Err("..".to_owned())`: by `Display`.
#[cfg(feature = "alloc")]
impl<'a, T> ViewReturned<'a, ViaString> for &&Returned<'a, Result<T, alloc::string::String>> {
    #[inline]
    fn __ctxmgr_returned_outcome(&self) -> Outcome<'a> {
        returned(self.0, ErrorRef::from_display)
    }
}

/// Every returned value's view but [`ViewReturned`], in one trait taking
/// its receiver by value, ranked by the receiver's type (see [`Returned`]).
/// First of them a borrowed error (`Result<_, &str>`, `&T`), viewed by
/// `Display` without `'static`, as a `?` site's borrowed error is. Below
/// `ViewReturned`, unlike for `?` sites: a returned value's error type may
/// still be an inference variable when viewed (a closure's return type,
/// nested `with!`s), which `ViewReturned` leaves open until it is known, and
/// an impl for `&E` above it would fix it to a reference. So a returned
/// `&'e E` where `&E: Error` (`E: Error`) is still taken by `ViewReturned`,
/// which needs `'static`.
pub trait ReturnedOutcome<'a> {
    fn __ctxmgr_returned_outcome(self) -> Outcome<'a>;
}
impl<'a, 'e, T, E: ?Sized + fmt::Display + fmt::Debug + Sync> ReturnedOutcome<'a>
    for &&&&Returned<'a, Result<T, &'e E>>
{
    #[inline]
    fn __ctxmgr_returned_outcome(self) -> Outcome<'a> {
        returned(self.0, ErrorRef::from_borrowed)
    }
}
/// By `Display`.
impl<'a, T, E: fmt::Display + fmt::Debug + Sync + 'static> ReturnedOutcome<'a>
    for &mut &&&Returned<'a, Result<T, E>>
{
    #[inline]
    fn __ctxmgr_returned_outcome(self) -> Outcome<'a> {
        returned(self.0, ErrorRef::from_display)
    }
}
/// By `Debug`.
impl<'a, T, E: fmt::Debug + Sync> ReturnedOutcome<'a> for &&Returned<'a, Result<T, E>> {
    #[inline]
    fn __ctxmgr_returned_outcome(self) -> Outcome<'a> {
        returned(self.0, ErrorRef::from_debug)
    }
}
/// By its type's name only.
impl<'a, T, E> ReturnedOutcome<'a> for &Returned<'a, Result<T, E>> {
    #[inline]
    fn __ctxmgr_returned_outcome(self) -> Outcome<'a> {
        returned(self.0, ErrorRef::opaque)
    }
}
/// Not a `Result` nor an `Option` (`()`, a number): the body ended well.
impl<'a, R: ?Sized> ReturnedOutcome<'a> for Returned<'a, R> {
    #[inline]
    fn __ctxmgr_returned_outcome(self) -> Outcome<'a> {
        Outcome::Ok
    }
}

/// A `?` site's residual's views, in one trait taking its receiver by
/// value: its impls for receivers of different types rank the views as the
/// traits they replace did (one per view: `ViewBorrowed`, `ViewDisplay`,
/// `ViewDebug`, `ViewOpaque`), and method probing evaluates one trait where
/// it evaluated four (bench/HISTORY.md, session 10). On `&&Residual`:
/// borrowed at `&&Residual`, the `Error` view (inherent) at its autoref
/// `&&&Residual`, `Display` at the mutable autoref `&mut &&Residual` (of a
/// temporary), `Debug` at `&Residual`, opaque at `Residual`. A returned
/// value has its own probe, [`Returned`], with the same views.
///
/// First of them: a borrowed error (`Result<_, &str>`, `&T`), viewed by
/// `Display` without `'static`. Method selection ignores lifetimes, so below
/// this an impl requiring `'static` would be picked for `&'s str`, and
/// borrowck would then reject the whole `with!` (E0521). Such a view cannot
/// be downcast.
///
/// For `?` sites, whose error type is known when viewed, it comes first. For
/// a returned `Err` it comes after `ViewReturned` (see [`ReturnedOutcome`]).
pub trait View<'a> {
    fn __ctxmgr_view(self) -> ErrorRef<'a>;
}
impl<'a, 'e, E: ?Sized + fmt::Display + fmt::Debug + Sync> View<'a>
    for &&Residual<'a, Result<Infallible, &'e E>>
{
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::from_borrowed(residual_error(self.0))
    }
}
/// Never viewed: a second impl at the borrowed view's level, so that a
/// residual whose type is still unknown when viewed is not fixed to a
/// borrowed `Result<_, &_>` by the first. It stays open and is inferred
/// from the body, or, where the body is already an error (a value typed as
/// an error after an earlier one, `f.write(..).await?`), reports nothing.
pub enum NoResidual {}
impl<'a> View<'a> for &&Residual<'a, NoResidual> {
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        match *self.0 {}
    }
}
/// A `?` site's boxed errors that are not `Sync`, `Box<dyn Error>` and
/// `Box<dyn Error + Send>`, as a returned one is viewed (see `ViaLocal`);
/// beside the borrowed errors (another type constructor, so no overlap).
#[cfg(feature = "std")]
impl<'a> View<'a> for &&Residual<'a, Result<Infallible, std::boxed::Box<dyn core::error::Error>>> {
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::from_local(residual_error(self.0))
    }
}
#[cfg(feature = "std")]
impl<'a> View<'a>
    for &&Residual<'a, Result<Infallible, std::boxed::Box<dyn core::error::Error + Send>>>
{
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::from_local(residual_error(self.0))
    }
}
/// The residual of a `?` site, `&Result<Infallible, E>` or
/// `&Option<Infallible>`, viewed by the probes of [`View`] in one call:
/// `(&&Residual(&residual)).__ctxmgr_view()` (an async level passes the
/// residual its body's async block returned).
pub struct Residual<'a, T>(pub &'a T);
impl<T> Clone for Residual<'_, T> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Residual<'_, T> {}

/// A residual whose error is an `Error` (and `?` on `None`), viewed as
/// `ViewReturned` views a returned one, at `&&&Residual`: by inherent
/// methods, which method resolution tries at
/// each receiver type before the traits (so the ranking is the same) and
/// skips where their impl's bounds fail, and which need no trait impl
/// selected. The two impls are for different types, so they do not
/// overlap; a `Residual` can have no other inherent `__ctxmgr_view`.
impl<'a, E: core::error::Error + Sync + 'static> Residual<'a, Result<Infallible, E>> {
    #[inline]
    pub fn __ctxmgr_view(self: &&&Self) -> ErrorRef<'a> {
        ErrorRef::new(residual_error(self.0))
    }
}
impl<'a> Residual<'a, Option<Infallible>> {
    #[inline]
    pub fn __ctxmgr_view(self: &&&Self) -> ErrorRef<'a> {
        ErrorRef::none_value()
    }
}
impl<'a, E: fmt::Display + fmt::Debug + Sync + 'static> View<'a>
    for &mut &&Residual<'a, Result<Infallible, E>>
{
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::from_display(residual_error(self.0))
    }
}
impl<'a, E: fmt::Debug + Sync> View<'a> for &Residual<'a, Result<Infallible, E>> {
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::from_debug(residual_error(self.0))
    }
}
impl<'a, E> View<'a> for Residual<'a, Result<Infallible, E>> {
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::opaque(residual_error(self.0))
    }
}

#[inline]
fn residual_error<E>(residual: &Result<Infallible, E>) -> &E {
    match residual {
        Err(e) => e,
        Ok(never) => match *never {},
    }
}
