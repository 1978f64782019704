//! What the expansions of `#[derive(ContextManager)]` and
//! `#[ctxmgr::context_manager]` name, and what `DerivedGuard` builds on.
//!
//! The derive implements [`Derived`] for its type, and nothing else (besides
//! the named guard's alias). The attribute, which sees the methods and so
//! knows sync from async, implements [`Methods`] (or [`AsyncMethods`]),
//! then `ContextManager` (or `AsyncContextManager`), whose `enter` and
//! `exit` call the marked methods, and, when the named guard keeps the
//! value, [`DerivedValue`]. A sync manager carries no async impl (each cost
//! rustc about 5 M instructions to check, callgrind).
//!
//! A missing half is one error that names it. A missing derive: the trait
//! impl's `enter` calls [`derived`]`::<Self>()` first, so the unmet
//! [`Derived`] is reported once, on the impl block's type, with the message
//! that says to add the derive. (The trait impls carry no bound for
//! it: a `for<'x> Self: Derived` on each, proven again at every `with!`
//! level, cost 2.7 % of checking the 500-site crate, bench/HISTORY.md
//! session 13.) A missing attribute: the derive alone compiles, and
//! `with!`'s kind probe answers [`NoMethods`], whose guard's unmet bound
//! names the attribute. Traits a message can name are re-exported in
//! `ctxmgr::bounds`, so no error says `__private`.
//!
//! What every manager would repeat is written once here, generic: the
//! named guard's keeping of the value and its deref target, by the
//! [`GuardShape`] the `Methods` impl names. Each use then emits only what
//! differs (bench/HISTORY.md, session 9).
//!
//! `DerivedGuard`'s own traits, [`Named`], [`GuardShape`] and
//! [`NamedGuardSupported`], are defined beside it (`derived_guard.rs`);
//! their impls for the derive's shapes are here.

use super::with::{unreachable_flow, AsyncKind, Kind};
use crate::derived_guard::{GuardShape, Named, NamedGuardSupported};
use crate::ContextManager;

/// Implemented by `#[ctxmgr::context_manager]` on a sync impl block, under
/// the block's own where-clause: "this type has the attribute's methods".
/// Its `Shape` is what the named guard keeps of the entered value
/// ([`GuardShape`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no sync `#[enter]`/`#[exit]` methods for `#[derive(ContextManager)]`",
    label = "`{Self}` is not a (sync) context manager",
    note = "if its `#[enter]`/`#[exit]` are `async fn`, it is an async context manager: write `with!(async EXPR ..)` inside an async fn",
    note = "otherwise add `#[ctxmgr::context_manager]` to the impl block holding its `#[enter]` and `#[exit]` methods: `#[derive(ContextManager)]` cannot see impl blocks, the attribute collects the methods for it"
)]
pub trait Methods {
    /// [`GuardKeeps`], [`GuardDropsRef`] or [`GuardCannotKeep`].
    type Shape;
}

/// [`Methods`] for `async fn` markers: implemented by
/// `#[ctxmgr::context_manager]` when `#[enter]` and `#[exit]` are both
/// `async fn`, with no bound, beside its `AsyncContextManager` impl.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `async fn` `#[enter]`/`#[exit]` methods for `#[derive(ContextManager)]`",
    label = "`{Self}` is not an async context manager",
    note = "if its `#[enter]`/`#[exit]` are plain `fn`s, it is a sync context manager: remove `async` before it in `with!`",
    note = "otherwise add `#[ctxmgr::context_manager]` to the impl block holding its `#[enter]` and `#[exit]` methods"
)]
pub trait AsyncMethods {
    /// Named only by [`NoMethods`]' guard, as its type: a projection that
    /// cannot normalize where `Self: AsyncMethods` does not hold, so the
    /// guard is typed as an error and nothing that uses it reports a
    /// second one.
    type Tag;
}

/// Shape: the value does not borrow the manager; the guard keeps it
/// (through the manager's [`DerivedValue`] impl).
pub enum GuardKeeps {}
/// Shape: the value is a reference into the manager (`&mut Self`, a field);
/// the guard drops it (a no-op) and derefs to the manager.
pub enum GuardDropsRef {}
/// Shape: the value borrows the manager and may have a destructor (a lock
/// guard): the named guard cannot keep it alive next to the manager.
pub enum GuardCannotKeep {}

impl NamedGuardSupported for GuardKeeps {}
impl NamedGuardSupported for GuardDropsRef {}

impl<'m, M: DerivedValue> GuardShape<&'m mut M> for GuardKeeps {
    type Kept = M::Kept;
    type Target = M::Kept;
    #[inline]
    fn __ctxmgr_keep<'a>(value: <&'m mut M as ContextManager>::Value<'a>) -> M::Kept
    where
        &'m mut M: 'a,
    {
        M::__ctxmgr_keep(value)
    }
    #[inline]
    fn __ctxmgr_target<'s>(kept: &'s M::Kept, _: &'s &'m mut M) -> &'s M::Kept {
        kept
    }
    #[inline]
    fn __ctxmgr_target_mut<'s>(kept: &'s mut M::Kept, _: &'s mut &'m mut M) -> &'s mut M::Kept {
        kept
    }
}

/// The value is dropped right after enter (a no-op for a reference), and
/// the guard derefs to the manager. For [`GuardCannotKeep`] too, whose
/// guard is never entered (`NamedGuardSupported` is unmet).
macro_rules! drops_value {
    ($($shape:ident),*) => {$(
        impl<'m, M: ContextManager> GuardShape<&'m mut M> for $shape {
            type Kept = ();
            type Target = M;
            #[inline]
            fn __ctxmgr_keep<'a>(_: <&'m mut M as ContextManager>::Value<'a>)
            where
                &'m mut M: 'a,
            {
            }
            #[inline]
            fn __ctxmgr_target<'s>((): &'s (), manager: &'s &'m mut M) -> &'s M {
                manager
            }
            #[inline]
            fn __ctxmgr_target_mut<'s>(_: &'s mut (), manager: &'s mut &'m mut M) -> &'s mut M {
                manager
            }
        }
    )*};
}
drops_value!(GuardDropsRef, GuardCannotKeep);

/// Implemented by `#[derive(ContextManager)]` for its type, whatever its
/// impl blocks hold. The attribute requires it once, in its trait impl's
/// `enter` ([`derived`]); `with!` probes it to tell a type with the derive but
/// no methods ([`NoMethods`]) from one that is no manager at all.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has `#[enter]`/`#[exit]` methods, but no `#[derive(ContextManager)]`",
    label = "`{Self}` is not a context manager",
    note = "add `#[derive(ContextManager)]` to the definition of `{Self}`: `#[ctxmgr::context_manager]` collects the methods, the derive completes them into a `ContextManager` impl"
)]
pub trait Derived {}

/// Called first in the `enter` of the attribute's trait impl (a no-op):
/// where `M` has no derive, `Derived`'s message is reported there, on the
/// impl block's type, once.
#[inline(always)]
pub fn derived<M: Derived + ?Sized>() {}

/// Implemented by `#[ctxmgr::context_manager]` when the entered value does
/// not borrow the manager ([`GuardKeeps`]), beside its `ContextManager`
/// impl: the value as the named guard keeps it. Only an impl that sees the manager's own `Value<'a>`
/// can say that it does not mention `'a` (for a generic manager, no bound
/// can say it without demanding `Self: 'static`).
pub trait DerivedValue: ContextManager {
    /// The value type, without the value lifetime.
    type Kept;
    /// The identity. The impl writes its parameter as `Self::Kept`, the
    /// same type once normalized, which needs no lifetime.
    fn __ctxmgr_keep(value: Self::Value<'_>) -> Self::Kept;
}

/// The named guard's view of every derived manager: the shape its `Methods`
/// impl names.
impl<'m, M> Named for &'m mut M
where
    M: ContextManager + Methods,
    M::Shape: GuardShape<&'m mut M>,
{
    type Shape = M::Shape;
}

// ---------------------------------------------------------------------------
// `with!`'s kind probe, one level below the managers (`private/with.rs`): a
// type with one half of a derived manager is told which half is missing, on
// the user's expression, with no note about the other half.

kind_probe! {
    // A type with the derive and no methods of the kind `with!` needs (no
    // attribute, or `async fn` markers under a sync `with!`, or plain ones
    // under `with!(async ..)`).
    impl<M: Derived> Kind<M> => NoMethods,
    impl<M: Derived> AsyncKind<'_, M> => NoMethods,
}

/// The kind of a derived type without the methods `with!` needs: its guard
/// demands [`Methods`] (or [`AsyncMethods`]), whose message says which
/// methods are missing. Typed as an error; never run.
#[derive(Clone, Copy)]
pub struct NoMethods;
impl NoMethods {
    #[inline]
    pub fn guard<M: Methods>(self, _manager: M) -> M::Shape {
        unreachable_flow()
    }
    #[inline]
    pub fn async_guard<M: AsyncMethods>(self, _manager: M) -> M::Tag {
        unreachable_flow()
    }
}

not_a_manager_flow!(NoMethods);

/// Body of the stub impl emitted next to a compile error.
#[cold]
pub fn stub() -> ! {
    unreachable!("ctxmgr: stub of a context manager that failed to expand")
}

/// Splits the return type of an `#[enter]` method into value and error, so
/// any `Result` alias (`io::Result<V>`, `fmt::Result`) works.
pub trait EnterResult {
    type Value;
    type Error;
    fn __ctxmgr_into_result(self) -> Result<Self::Value, Self::Error>;
}
impl<V, E> EnterResult for Result<V, E> {
    type Value = V;
    type Error = E;
    #[inline]
    fn __ctxmgr_into_result(self) -> Self {
        self
    }
}

/// Enter's declared value type `V` when it is not named `Result`, as a
/// value for the autoref probe: `(&&EnterValueProbe::of(&v)).__ctxmgr_enter_kind()`
/// is [`ResultUnderAnotherName`] when `V` is a `Result` (the derive and
/// `#[contextmanager]` read a return type by its name: `type Res<T> =
/// Result<T, E>` looks like a plain value), else [`PlainValue`].
pub struct EnterValueProbe<V: ?Sized>(core::marker::PhantomData<fn() -> *const V>);

impl<V: ?Sized> EnterValueProbe<V> {
    pub const NEW: Self = EnterValueProbe(core::marker::PhantomData);
    #[inline]
    pub fn of(_: &V) -> Self {
        Self::NEW
    }
    /// The bound that turns the probe's answer into the compile error.
    #[inline]
    pub fn enter_value_is_plain<K: EnterValueIsPlain<V>>(&self, _: K) {}
}

/// Chosen first (by `&&probe`): a `Result` under another name.
pub trait ProbeResultValue {
    #[inline]
    fn __ctxmgr_enter_kind(&self) -> ResultUnderAnotherName {
        ResultUnderAnotherName
    }
}
impl<T, E> ProbeResultValue for &EnterValueProbe<Result<T, E>> {}

/// Chosen otherwise (after one auto-deref): a plain value.
pub trait ProbePlainValue {
    #[inline]
    fn __ctxmgr_enter_kind(&self) -> PlainValue {
        PlainValue
    }
}
impl<V: ?Sized> ProbePlainValue for EnterValueProbe<V> {}

/// The probe's answer for a value that is not a `Result`.
pub struct PlainValue;
/// The probe's answer for a `Result` whose type is not spelled `Result`.
pub struct ResultUnderAnotherName;

/// Met by [`PlainValue`] only: enter's plain value type `R` is no `Result`.
#[diagnostic::on_unimplemented(
    message = "enter returns `{R}`, a `Result` under another name: write `Result<..>` so that a failed enter stops the body",
    label = "a `Result` here, read as a plain value",
    note = "`#[enter]` and `#[contextmanager]` read a return type named `Result` (`Result<V, E>`, `io::Result<V>`, any alias named `Result`) as enter's value and error; any other type is the value itself, and a failed enter would run the body with the `Err` bound",
    note = "to bind the whole `Result` as the value, say so: `Result<{R}, core::convert::Infallible>`"
)]
pub trait EnterValueIsPlain<R: ?Sized> {}
impl<R: ?Sized> EnterValueIsPlain<R> for PlainValue {}

/// The error type of an `#[exit]` method returning a `Result` alias.
#[diagnostic::on_unimplemented(
    message = "`#[exit]` returns `{Self}`: it must return `()` or `Result<(), E>`",
    label = "not `()` or a `Result`",
    note = "any alias of `Result` works (`io::Result<()>`, `type Res<T> = Result<T, E>`'s `Res<()>`)"
)]
pub trait ExitError {
    type Error;
}
impl<T, E> ExitError for Result<T, E> {
    type Error = E;
}

/// What an `#[exit]` method may return, given the manager's error `E`.
#[diagnostic::on_unimplemented(
    message = "`#[exit]` returns `{Self}`, but the context manager's error type is `{E}`",
    label = "expected `()` or `Result<(), {E}>` here",
    note = "`#[enter]` and `#[exit]` share one error type: return `Result<(), {E}>` from `#[exit]` (convert its errors with `map_err` or `?`), or make `#[enter]` return the same error"
)]
pub trait ExitResult<E> {
    fn __ctxmgr_into_result(self) -> Result<(), E>;
}
impl<E> ExitResult<E> for Result<(), E> {
    #[inline]
    fn __ctxmgr_into_result(self) -> Self {
        self
    }
}
impl<E> ExitResult<E> for () {
    #[inline]
    fn __ctxmgr_into_result(self) -> Result<(), E> {
        Ok(())
    }
}
