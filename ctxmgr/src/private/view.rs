//! Viewing an error of any type as an `ErrorRef`, for exit's `Outcome`:
//! the residual of a `?` site ([`Residual`]), a returned value's error
//! ([`ReturnedErr`], then [`Probe`]). Autoref specialization, as in
//! `with.rs`: a method call on `(&&Probe(x))` picks the first impl whose
//! bounds hold, trying `&&Probe`, `&&&Probe`, `&mut &&Probe`, `&Probe`,
//! `Probe` in this order (`Residual` the same).

use core::convert::Infallible;
use core::fmt;
use core::ops::DerefMut;

use crate::ErrorRef;

pub struct Probe<'a, T: ?Sized>(pub &'a T);
impl<T: ?Sized> Clone for Probe<'_, T> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: ?Sized> Copy for Probe<'_, T> {}

/// The first view tried, so the one a returned error is taken by when its
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
/// by the impl whose bounds it meets (no type meets two), so one whose type
/// is known is viewed exactly as before, and a type none of them takes falls
/// through to the views below. So it is unmet only for a returned error
/// whose type was unknown at the view and is none of these: the message
/// says what to write.
#[diagnostic::on_unimplemented(
    message = "`with!` cannot show exit this returned error: its type was not known yet at the `return`",
    label = "exit's view of the returned error is chosen here",
    note = "a closure's or an async block's error type is known only after its body; returned there, an error must be an `Error` type, a `Box<dyn Error>` (`+ Send`, `+ Sync`), `anyhow::Error`, `eyre::Report` or a `String`",
    note = "write the closure's return type (`|| -> Result<_, E> {{ .. }}`) or end the async block with `Ok::<_, E>(..)`, or `return Err(E::from(..))`"
)]
pub trait ViewError<'a, Via> {
    fn __ctxmgr_view(&self) -> ErrorRef<'a>;
}
/// `Via` of the impls for an `Error` type and for `NoneValue`.
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
impl<'a, E: core::error::Error + Sync + 'static> ViewError<'a, ViaError> for &Probe<'a, E> {
    #[inline]
    fn __ctxmgr_view(&self) -> ErrorRef<'a> {
        ErrorRef::new(self.0)
    }
}
/// A `return None` is viewed as `?` on `None` is.
impl<'a> ViewError<'a, ViaError> for &Probe<'a, NoneValue> {
    #[inline]
    fn __ctxmgr_view(&self) -> ErrorRef<'a> {
        ErrorRef::none_value()
    }
}
/// The view of a box of `dyn Error + BOUNDS` that is not itself an
/// `Error`: by `Display`, as the `Display` view ([`View`]) would (`as_error` looks
/// inside the box). `DerefMut`, not `Deref`, so that `Arc<dyn Error + Send
/// + Sync>`, which is an `Error` and derefs to one, is taken by the impl for
/// `Error` alone.
macro_rules! view_boxed_error {
    ($via:ident, $($bounds:tt)+) => {
        impl<'a, E> ViewError<'a, $via> for &Probe<'a, E>
        where
            E: DerefMut<Target = dyn core::error::Error + $($bounds)+ + 'static>
                + fmt::Display
                + fmt::Debug
                + Sync
                + 'static,
        {
            #[inline]
            fn __ctxmgr_view(&self) -> ErrorRef<'a> {
                ErrorRef::from_display(self.0)
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
impl<'a, E: crate::LocalError> ViewError<'a, ViaLocal> for &Probe<'a, E> {
    #[inline]
    fn __ctxmgr_view(&self) -> ErrorRef<'a> {
        ErrorRef::from_local(self.0)
    }
}
/// `return Err(format!(..).into())`, `Err("..".to_owned())`: by `Display`.
#[cfg(feature = "alloc")]
impl<'a> ViewError<'a, ViaString> for &Probe<'a, alloc::string::String> {
    #[inline]
    fn __ctxmgr_view(&self) -> ErrorRef<'a> {
        ErrorRef::from_display(self.0)
    }
}
/// Every view but [`ViewError`], in one trait taking its receiver by value:
/// its impls for receivers of different types rank the views as the traits
/// they replace did (one per view: `ViewBorrowed`, `ViewDisplay`,
/// `ViewDebug`, `ViewOpaque`), and method probing evaluates one trait where
/// it evaluated four (bench/HISTORY.md, session 10). On `&&Residual`:
/// borrowed at `&&Residual`, the `Error` view (inherent) at its autoref
/// `&&&Residual`, `Display` at the mutable autoref `&mut &&Residual` (of a
/// temporary), `Debug` at `&Residual`, opaque at `Residual`. On `&&Probe`:
/// `ViewError` at `&&Probe`, borrowed at `&&&Probe`, then as for `Residual`.
/// `ViewError` stays apart: its message is for a returned error only.
///
/// First of them: a borrowed error (`Result<_, &str>`, `&T`), viewed by
/// `Display` without `'static`. Method selection ignores lifetimes, so below
/// this an impl requiring `'static` would be picked for `&'s str`, and
/// borrowck would then reject the whole `with!` (E0521). Such a view cannot
/// be downcast.
///
/// For `?` sites, whose error type is known when viewed, it comes first. For
/// a returned `Err` it comes after `ViewError` (see the impl for `Probe`).
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
/// A returned `Err(borrowed)` (`&str`, `&T`): viewed by `Display` without
/// `'static`, as a `?` site's borrowed error is. Below `ViewError`, unlike
/// for `?` sites: a returned value's error type may still be an inference
/// variable when viewed (a closure's return type, nested `with!`s), which
/// `ViewError` leaves open until it is known, and an impl for `&E` above it
/// would fix it to a reference. So a returned `&'e E` where `&E: Error`
/// (`E: Error`) is still taken by `ViewError`, which needs `'static`.
impl<'a, 'e, E: ?Sized + fmt::Display + fmt::Debug + Sync> View<'a> for &&&Probe<'a, &'e E> {
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::from_borrowed(self.0)
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
/// By `Display`.
impl<'a, E: fmt::Display + fmt::Debug + Sync + 'static> View<'a> for &mut &&Probe<'a, E> {
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::from_display(self.0)
    }
}
/// By `Debug`.
impl<'a, E: fmt::Debug + Sync> View<'a> for &Probe<'a, E> {
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::from_debug(self.0)
    }
}
/// By its type's name only.
impl<'a, E> View<'a> for Probe<'a, E> {
    #[inline]
    fn __ctxmgr_view(self) -> ErrorRef<'a> {
        ErrorRef::opaque(self.0)
    }
}

/// The residual of a `?` site, `&Result<Infallible, E>` or
/// `&Option<Infallible>`, viewed by the same probes as [`Probe`] in one
/// call: `(&&Residual(taken_ref(&slot))).__ctxmgr_view()` (an async
/// level passes the residual its body's async block returned).
pub struct Residual<'a, T>(pub &'a T);
impl<T> Clone for Residual<'_, T> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Residual<'_, T> {}

/// A residual whose error is an `Error` (and `?` on `None`), viewed as
/// `ViewError` views a returned one, at the type `ViewError` had here,
/// `&&&Residual`: by inherent methods, which method resolution tries at
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

/// Stands for the error of `?` on `None`.
#[derive(Debug)]
pub struct NoneValue;

/// `Some(&e)` when a returned value is `Err(e)` (or `None`, viewed as `?`
/// on `None` is); `None` for `Ok`, `Some` and other return types. Asked by
/// value on `&Probe(&value)`: a `Result` or an `Option` at `&Probe`, any
/// other type at the receiver's autoref `&&Probe`. One trait, the error
/// type its parameter (fixed by the pick's trait selection, where an
/// associated type would be a projection to normalize at every site).
pub trait ReturnedErr<'a, E> {
    fn __ctxmgr_returned_err(self) -> Option<&'a E>;
}
impl<'a, T, E> ReturnedErr<'a, E> for &Probe<'a, Result<T, E>> {
    #[inline]
    fn __ctxmgr_returned_err(self) -> Option<&'a E> {
        self.0.as_ref().err()
    }
}
/// `return None` leaves with an error, as `?` on `None` does.
impl<'a, T> ReturnedErr<'a, NoneValue> for &Probe<'a, Option<T>> {
    #[inline]
    fn __ctxmgr_returned_err(self) -> Option<&'a NoneValue> {
        match self.0 {
            Some(_) => None,
            None => Some(&NoneValue),
        }
    }
}
impl<'a, R> ReturnedErr<'a, NoneValue> for &&Probe<'a, R> {
    #[inline]
    fn __ctxmgr_returned_err(self) -> Option<&'a NoneValue> {
        None
    }
}
