//! What the expansions of `with!` name: splitting a `?`, propagating enter's
//! and exit's errors, asking a suppressing manager. Viewing an error of any
//! type as an `ErrorRef` is in `view.rs`.
//!
//! The probes below use autoref specialization: a method call on
//! `(&&Probe(x))` picks the first impl whose bounds hold, by the order in
//! which method resolution tries receiver types: each type `T` (from the
//! receiver's on, by deref), then `&T`, then `&mut T` (`&&P`, `&&&P`, `&mut
//! &&P`, `&P`, `&&P`, `&mut &P`, `P`, ..). A probe is one trait (method
//! probing evaluates every trait in scope with the method at each type it
//! tries), its impls for different receiver types, its answer the trait's
//! type parameter or the method's return type (no associated type to
//! normalize).

use core::convert::Infallible;
use core::marker::PhantomData;
use core::ops::ControlFlow;
use core::ops::{Deref, DerefMut};

use crate::guard::Guard;
use crate::{ContextManager, ErrorRef, Outcome, Suppress};

// ---------------------------------------------------------------------------
// `?` in a body: split a `Result`/`Option` into its value or its residual.

/// What `?` does first, on the types `with!` bodies support.
#[diagnostic::on_unimplemented(
    message = "`?` in a `with!` body supports `Result` and `Option`, not `{Self}`",
    label = "this `?` is rewritten by `with!`",
    note = "move this `?` into a helper function, or convert the value to a `Result` first"
)]
pub trait Branch {
    type Output;
    type Residual;
    fn branch(self) -> ControlFlow<Self::Residual, Self::Output>;
}

impl<T, E> Branch for Result<T, E> {
    type Output = T;
    type Residual = Result<Infallible, E>;
    #[inline]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Ok(v) => ControlFlow::Continue(v),
            Err(e) => ControlFlow::Break(Err(e)),
        }
    }
}

impl<T> Branch for Option<T> {
    type Output = T;
    type Residual = Option<Infallible>;
    #[inline]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Some(v) => ControlFlow::Continue(v),
            None => ControlFlow::Break(None),
        }
    }
}

#[inline]
pub fn branch<B: Branch>(value: B) -> ControlFlow<B::Residual, B::Output> {
    value.branch()
}

// ---------------------------------------------------------------------------
// Propagating an enter/exit error like `?`, or compiling it away when the
// error type is `Infallible`.

/// A sync level's manager, as the expansion first holds it: `let S =
/// Kind { m: EXPR };`, probed once as `(&S).__ctxmgr_kind()`
/// ([`KindProbe`]), through the manager's type, before the guard is made
/// from `S.m`: `InfallibleManager` when the manager's
/// error is `Infallible`, `FallibleManager` for other managers, then
/// `NoMethods` for a type with the derive but not the attribute's methods
/// (`private/derive.rs`), and [`NotAManager`] for a type that is not a
/// manager at all. [`AsyncKind`] is the same for `with!(async ..)`.
///
/// It owns the manager, so the probe's receiver is a borrow of a local,
/// not of a temporary `Kind(&manager)` (1 % of checking bench's 500-site
/// crate); a braced struct, so that temporaries in `EXPR` (`&mut
/// Foo::new()`) live as long as the `with!`, as they would in `let S =
/// EXPR;`. Never `Copy`: the ranks that take it by value (`NoMethods`,
/// `NotAManager`) are type errors, and a body with one is not
/// borrow-checked.
pub struct Kind<M> {
    pub m: M,
}
/// [`Kind`] for an async level: probes `AsyncContextManager`.
pub struct AsyncKind<'a, M>(pub &'a M);
/// `Copy` whatever `M` is (not derived, which would demand `M: Copy`): the
/// kind probe takes an `AsyncKind` by value out of its receiver's
/// reference.
macro_rules! copy_kind {
    ($($kind:ident),*) => {$(
        impl<M> Clone for $kind<'_, M> {
            #[inline]
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<M> Copy for $kind<'_, M> {}
    )*};
}
copy_kind!(AsyncKind);

/// The kind probe: one trait, whose impls for receivers of different
/// types rank the kinds. Called by value on `&S` (`S: Kind<M>`), method resolution
/// tries, in this order, `&Kind`, then its autorefs `&&Kind` and `&mut
/// &Kind`, then the deref `Kind` and its mutable autoref `&mut Kind` (the
/// Reference's method lookup: each candidate type `T`, then `&T`, then
/// `&mut T`, then `T`'s deref), and takes the first whose impl's bounds
/// hold: [`InfallibleManager`], [`FallibleManager`], [`OtherFlavor`], then
/// `NoMethods` (`private/derive.rs`), then [`NotAManager`]. The
/// autorefs rank as deref steps would, with three references fewer for
/// rustc to walk than `&&&&Kind`.
///
/// One trait, not one per kind: method probing evaluates every trait in
/// scope that has the method, at every receiver type it tries
/// (bench/HISTORY.md, session 10). The kind is the trait's parameter, not
/// an associated type: the pick's trait selection fixes it, where a
/// projection would have to be normalized at every level. Impls for
/// different receiver types never overlap.
pub trait KindProbe<Tag> {
    fn __ctxmgr_kind(self) -> Tag;
}

kind_probe! {
    impl<M: ContextManager<Error = Infallible>> &Kind<M> => InfallibleManager,
    // `FallibleManager` at the receiver's autoref `&&Kind`: inherent, below.
    // A manager of the other flavor: an async manager under a sync `with!`
    // (told to write `with!(async { .. } ..)`), or a sync one under
    // `with!(async ..)` (told to drop the `async`). Below `FallibleManager`,
    // so a type that is both kinds of manager is entered as the `with!` says.
    // The receiver's mutable autoref (of a temporary: nothing is borrowed).
    impl<M: crate::AsyncContextManager> &mut &Kind<M> => OtherFlavor,
    impl<M: ContextManager> &mut &AsyncKind<'_, M> => OtherFlavor,
    // Last, for any type: not a manager. The deref's mutable autoref, which
    // borrowck would reject (`*recv` is behind `&`), but never sees: the
    // level's guard then demands `M: ContextManager`, which does not hold,
    // and a body with a type error is not borrow-checked (the by-value
    // `Kind` at this depth was moved out of a reference as well).
    impl<M> &mut Kind<M> => NotAManager,
}

/// The kind probe's `FallibleManager` rank, at the receiver's autoref
/// `&&Kind`: an inherent method, which method resolution tries at each
/// receiver type before the traits (so the ranking is the same) and skips
/// where its impl's bound fails, and whose answer it knows without
/// selecting a trait impl. One rank per type can be inherent (two inherent
/// methods of one name on `Kind<M>` would overlap); this is the one most
/// levels pick.
impl<M: ContextManager> Kind<M> {
    #[inline(always)]
    pub fn __ctxmgr_kind(self: &&Self) -> FallibleManager {
        FallibleManager
    }
}

/// The kind of a manager of the other flavor. Its `guard` demands
/// [`Awaited`] and its `async_guard` [`NotAwaited`], implemented by nothing,
/// whose messages say what to write; like [`NotAManager`], the guard is typed
/// as an error and nothing else is reported. Never run.
#[derive(Clone, Copy)]
pub struct OtherFlavor;
impl OtherFlavor {
    #[inline]
    pub fn guard<M: Awaited>(self, _manager: M) -> M::Tag {
        unreachable_flow()
    }
    #[inline]
    pub fn async_guard<M: NotAwaited>(self, _manager: M) -> M::Tag {
        unreachable_flow()
    }
}
not_a_manager_flow!(OtherFlavor);

/// Implemented by no type: the bound an async manager under a sync `with!`
/// fails, with the message that says so.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is an async context manager: `with!` must await its enter and exit",
    label = "an async context manager under a sync `with!`",
    note = "write `async {{ .. }}` around it, in an async fn or block: `with!(async {{ EXPR }} as PAT, {{ .. }})` (or `with!(async EXPR as PAT => {{ .. }})`)"
)]
pub trait Awaited {
    type Tag;
}
/// Implemented by no type: the bound a sync manager under `with!(async ..)`
/// fails.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is a sync context manager: there is nothing to await",
    label = "a sync context manager under `with!(async ..)`",
    note = "remove `async` (and its braces): `with!(EXPR as PAT, {{ .. }})`; sync and async managers mix in one `with!`"
)]
pub trait NotAwaited {
    type Tag;
}

/// The kind of a type that is not a context manager. Its `guard` reports
/// that, once, on the user's expression (`ContextManager`'s
/// `on_unimplemented`), and returns a projection that cannot normalize: the
/// guard is then typed as an error, and nothing that uses it (enter, exit,
/// the bound value in the body) reports a second error. Never run: the
/// program does not compile.
#[derive(Clone, Copy)]
pub struct NotAManager;
impl NotAManager {
    #[inline]
    pub fn guard<M: ContextManager>(self, _manager: M) -> M::Error {
        unreachable_flow()
    }
}
not_a_manager_flow!(NotAManager);

/// The guard of a `with!` level whose body calls macros `with!` cannot look
/// into (`macros` returns their names, `"`give_up!`, `log!`"`; a closure
/// so that the wrapper is as big as the guard). A `return` or `?` inside one
/// of them leaves the body unseen: if exit then fails, the panic of the
/// guard's drop names them. Derefs to the guard, so the expansion is the same
/// with or without it.
pub struct Noted<M: ContextManager, F: Fn() -> &'static str> {
    guard: Guard<M>,
    macros: F,
}
impl<M: ContextManager, F: Fn() -> &'static str> Noted<M, F> {
    #[inline]
    pub fn new(guard: Guard<M>, macros: F) -> Self {
        Noted { guard, macros }
    }
}
impl<M: ContextManager, F: Fn() -> &'static str> Deref for Noted<M, F> {
    type Target = Guard<M>;
    #[inline]
    fn deref(&self) -> &Guard<M> {
        &self.guard
    }
}
impl<M: ContextManager, F: Fn() -> &'static str> DerefMut for Noted<M, F> {
    #[inline]
    fn deref_mut(&mut self) -> &mut Guard<M> {
        &mut self.guard
    }
}
impl<M: ContextManager, F: Fn() -> &'static str> Drop for Noted<M, F> {
    #[inline]
    fn drop(&mut self) {
        if self.guard.is_entered() {
            self.guard.drop_exit_naming(Some((self.macros)()));
        }
    }
}
impl<M: Suppress, F: Fn() -> &'static str> SuppressingGuard for Noted<M, F> {
    #[inline]
    fn __ctxmgr_suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        self.guard.suppresses(error)
    }
}

/// The kind of a manager whose error is `Infallible`: enter and exit
/// cannot fail, so nothing propagates (and a `()`-returning function works).
#[derive(Clone, Copy)]
pub struct InfallibleManager;
impl InfallibleManager {
    /// Enters; `Break` never happens.
    #[inline]
    pub fn enter<'g, M: ContextManager<Error = Infallible>, R>(
        self,
        guard: &'g mut Guard<M>,
    ) -> ControlFlow<R, M::Value<'g>> {
        match guard.enter() {
            Ok(value) => ControlFlow::Continue(value),
            Err(never) => match never {},
        }
    }
    /// Exits; `Break` never happens.
    #[inline]
    pub fn finish<M: ContextManager<Error = Infallible>, R>(
        self,
        guard: &mut Guard<M>,
        outcome: Outcome<'_>,
    ) -> ControlFlow<R> {
        match guard.finish(outcome) {
            Ok(()) => ControlFlow::Continue(()),
            Err(never) => match never {},
        }
    }
}
/// What a function must return for `with!` to propagate a manager's error
/// `E` out of it, as `?` would: a `Result<T, F>`, whose `F` must then be
/// [`ErrorConverts`]`<E>`. Two bounds, not one with `F: From<E>` inside: an
/// unmet bound is reported by the trait whose self type is the one that
/// fails, so a `()` function gets this trait's message and a `Result` whose
/// error does not convert gets `ErrorConverts`'s, both on the manager.
#[diagnostic::on_unimplemented(
    message = "this context manager can fail with `{E}`, and a function returning `{Self}` cannot pass that error on",
    label = "enter and exit of this manager can fail with `{E}`",
    note = "use it in a function returning `Result<_, F>` where `F: From<{E}>` (a fallible manager needs one, as `?` does)",
    note = "in `fn main`, return `Result<(), Box<dyn std::error::Error>>`; or handle the error where the manager is made"
)]
pub trait ReturnsError<E> {
    type Error;
    fn __ctxmgr_from_error(error: Self::Error) -> Self;
}
impl<T, F, E> ReturnsError<E> for Result<T, F> {
    type Error = F;
    #[inline]
    fn __ctxmgr_from_error(error: F) -> Self {
        Err(error)
    }
}

/// The function's error type `Self` can be made from the manager's error
/// `E`, as `?` needs: `From<E>`.
#[diagnostic::on_unimplemented(
    message = "this context manager can fail with `{E}`, and the function's error type `{Self}` cannot be made from it",
    label = "enter and exit of this manager can fail with `{E}`",
    note = "`with!` passes a manager's error on as `?` does: it needs `{Self}: From<{E}>`",
    note = "implement `From<{E}>` for `{Self}`, return an error type that has it (`Box<dyn std::error::Error + Send + Sync>`, `anyhow::Error`), or handle the error where the manager is made"
)]
pub trait ErrorConverts<E> {
    fn __ctxmgr_convert(error: E) -> Self;
}
impl<F: From<E>, E> ErrorConverts<E> for F {
    #[inline]
    fn __ctxmgr_convert(error: E) -> F {
        F::from(error)
    }
}

/// `Err(From::from(error))` in the function's return type `R`.
#[inline]
pub fn propagate<E, R: ReturnsError<E>>(error: E) -> R
where
    R::Error: ErrorConverts<E>,
{
    R::__ctxmgr_from_error(ErrorConverts::__ctxmgr_convert(error))
}

/// The kind of a manager that can fail: its error propagates like `?`,
/// converted with `From` into the function's `Result<T, F>`.
#[derive(Clone, Copy)]
pub struct FallibleManager;
impl FallibleManager {
    /// Enters; `Break` holds what the function returns on enter's error.
    #[inline]
    pub fn enter<'g, M: ContextManager, R: ReturnsError<M::Error>>(
        self,
        guard: &'g mut Guard<M>,
    ) -> ControlFlow<R, M::Value<'g>>
    where
        R::Error: ErrorConverts<M::Error>,
    {
        match guard.enter() {
            Ok(value) => ControlFlow::Continue(value),
            Err(error) => ControlFlow::Break(propagate(error)),
        }
    }
    /// Exits; `Break` holds what the function returns on exit's error.
    #[inline]
    pub fn finish<M: ContextManager, R: ReturnsError<M::Error>>(
        self,
        guard: &mut Guard<M>,
        outcome: Outcome<'_>,
    ) -> ControlFlow<R>
    where
        R::Error: ErrorConverts<M::Error>,
    {
        match guard.finish(outcome) {
            Ok(()) => ControlFlow::Continue(()),
            Err(error) => ControlFlow::Break(propagate(error)),
        }
    }
}
found_manager_guards!(InfallibleManager, FallibleManager);

// ---------------------------------------------------------------------------
// Suppression: only managers implementing `Suppress` are asked, and only
// they require the body's value to be `Default`.

pub struct SuppressProbe<'a, G>(pub &'a G);

/// A guard whose manager can swallow an error: `Guard<M: Suppress>`, and
/// `AsyncGuard<M: AsyncSuppress>`.
pub trait SuppressingGuard {
    fn __ctxmgr_suppresses(&mut self, error: ErrorRef<'_>) -> bool;
}
impl<M: Suppress> SuppressingGuard for Guard<M> {
    #[inline]
    fn __ctxmgr_suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        self.suppresses(error)
    }
}
impl<M: crate::AsyncSuppress, D: FnMut(&mut M, crate::Outcome<'_>)> SuppressingGuard
    for crate::AsyncGuard<M, D>
{
    #[inline]
    fn __ctxmgr_suppresses(&mut self, error: ErrorRef<'_>) -> bool {
        self.suppresses(error)
    }
}

/// The suppress probe, asked by value on `SuppressProbe(&guard)`:
/// [`SuppressYes`] at `SuppressProbe` when the guard's manager can swallow
/// an error, else [`SuppressNo`] at the receiver's autoref
/// `&SuppressProbe`, by an inherent method (tried at each receiver type
/// before the traits, its answer known without selecting a trait impl; see
/// `Kind`'s). One trait, not a trait per answer: method probing evaluates
/// every trait in scope that has the method.
pub trait SuppressKind {
    fn __ctxmgr_suppress_kind(self) -> SuppressYes;
}
impl<G: SuppressingGuard> SuppressKind for SuppressProbe<'_, G> {
    #[inline(always)]
    fn __ctxmgr_suppress_kind(self) -> SuppressYes {
        SuppressYes
    }
}
impl<G> SuppressProbe<'_, G> {
    #[inline(always)]
    pub fn __ctxmgr_suppress_kind(&self) -> SuppressNo {
        SuppressNo
    }
}

pub struct SuppressYes;

/// What a `with!` over a suppressing manager evaluates to when the error is
/// swallowed: `Default::default()`. Its own trait so that the error says why
/// a default is needed (in edition 2024 a body that never ends normally has
/// type `!`, which has none).
#[diagnostic::on_unimplemented(
    message = "`with!` evaluates to `Default::default()` when this manager suppresses an error, and the body's type `{Self}` has no default",
    label = "this manager may suppress an error",
    note = "a body that always leaves (by `return`, `break`, `?`) has type `!` in edition 2024: end it with a value, e.g. `()`, or give the `with!` a type: `let v: () = with!(..);`"
)]
pub trait SuppressedValue {
    fn __ctxmgr_default() -> Self;
}
impl<T: Default> SuppressedValue for T {
    #[inline]
    fn __ctxmgr_default() -> T {
        T::default()
    }
}
/// A `?` site's residual (`Result<Infallible, E>` or `Option<Infallible>`)
/// as the value the resumed `?` is applied to, with output `T`: `Err(e)` /
/// `None` to propagate it, or `Ok(value)` / `Some(value)` when the manager
/// swallowed it and the `with!` evaluates to `value`.
pub trait ResumedTry<T> {
    type Try;
    fn __ctxmgr_propagate(self) -> Self::Try;
    fn __ctxmgr_swallowed(value: T) -> Self::Try;
}
impl<E, T> ResumedTry<T> for Result<Infallible, E> {
    type Try = Result<T, E>;
    #[inline]
    fn __ctxmgr_propagate(self) -> Result<T, E> {
        match self {
            Err(e) => Err(e),
            Ok(never) => match never {},
        }
    }
    #[inline]
    fn __ctxmgr_swallowed(value: T) -> Result<T, E> {
        Ok(value)
    }
}
impl<T> ResumedTry<T> for Option<Infallible> {
    type Try = Option<T>;
    #[inline]
    fn __ctxmgr_propagate(self) -> Option<T> {
        None
    }
    #[inline]
    fn __ctxmgr_swallowed(value: T) -> Option<T> {
        Some(value)
    }
}

/// What a `?` site resumes with after exit: `Swallowed(Some(value))` when
/// the manager swallowed the error (the `with!` evaluates to `value`), else
/// the residual is propagated. Asked in two steps, `SUPPRESS.check(&mut
/// GUARD, OUTCOME).resume(taken(SLOT))`, so that exit's view of the residual
/// has ended before the residual moves on.
pub struct Swallowed<T>(Option<T>);
impl<T> Swallowed<T> {
    /// Not swallowed: what an async level's sites other than `?` carry.
    #[inline]
    pub fn none() -> Self {
        Swallowed(None)
    }
    /// The value the resumed `?` is applied to: `Ok(value)` / `Some(value)`
    /// when swallowed, else the residual as `Err(e)` / `None`. The `?` is
    /// the user's, so a residual that does not convert is reported at it.
    #[inline]
    pub fn resume<R: ResumedTry<T>>(self, residual: R) -> R::Try {
        match self.0 {
            Some(value) => R::__ctxmgr_swallowed(value),
            None => residual.__ctxmgr_propagate(),
        }
    }
}

impl SuppressYes {
    /// Whether the manager swallows the error of `outcome` (always
    /// `Outcome::Err`: asked for `?` sites only), with the value the
    /// `with!` then evaluates to, `T::default()`.
    #[inline]
    pub fn check<G: SuppressingGuard, T: SuppressedValue>(
        self,
        guard: &mut G,
        outcome: Outcome<'_>,
    ) -> Swallowed<T> {
        match outcome {
            Outcome::Err(error) if guard.__ctxmgr_suppresses(error) => {
                Swallowed(Some(T::__ctxmgr_default()))
            }
            _ => Swallowed(None),
        }
    }
}
pub struct SuppressNo;
impl SuppressNo {
    /// Never swallowed, typed `Swallowed<!>`: the resumed `?` then has type
    /// `!`, so the compiler sees that its `break 'with` never breaks out of
    /// the `with!`, and a body that always leaves keeps `with!` diverging.
    #[inline(always)]
    pub fn check<G>(self, _guard: &mut G, _outcome: Outcome<'_>) -> Swallowed<Never> {
        Swallowed(None)
    }
}

/// The never type `!`, nameable on stable through a function pointer's
/// output.
pub type Never = <fn() -> ! as FnOutput>::Output;
pub trait FnOutput {
    type Output;
}
impl<R> FnOutput for fn() -> R {
    type Output = R;
}

/// The function's return type `R`, as a sync `with!` level knows it before
/// its body: a field of the level's state, fixed by `if false { return
/// TIE.get(); }` ahead of the body, so that each `return EXPR` site, which
/// leaves the body's block as `break 'SITE TIE.put(EXPR)`, gets `R` as
/// `EXPR`'s expected type (`return &vec` into `&[T]`, `return
/// Box::new(x)` into `Box<dyn Trait>`, `return iter.collect()`), as a
/// `return` written in the function would. Zero-sized: nothing at run time.
pub struct Tie<R>(PhantomData<fn() -> R>);
impl<R> Clone for Tie<R> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}
impl<R> Copy for Tie<R> {}

/// A new [`Tie`], its type fixed by its `get`.
#[inline(always)]
pub fn tie<R>() -> Tie<R> {
    Tie(PhantomData)
}

impl<R> Tie<R> {
    /// The value of a `return` site, typed `R`.
    #[inline(always)]
    pub fn put(self, value: R) -> R {
        value
    }
    /// Called only under `if false`: what fixes `R` as the function's
    /// return type.
    #[inline]
    pub fn get(self) -> R {
        unreachable_flow()
    }
}

/// The value stored by the site that is being resumed (always there).
#[inline]
pub fn taken<T>(slot: Option<T>) -> T {
    match slot {
        Some(value) => value,
        None => unreachable_flow(),
    }
}

/// [`taken`], by reference.
#[inline]
pub fn taken_ref<T>(slot: &Option<T>) -> &T {
    match slot {
        Some(value) => value,
        None => unreachable_flow(),
    }
}

/// Used to resume a stored control-flow site: the index always matches one
/// arm, so this is never reached.
#[cold]
#[inline(never)]
pub fn unreachable_flow() -> ! {
    unreachable!("ctxmgr: internal error: unknown control-flow index")
}
