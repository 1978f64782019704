//! The methods `ExitStack` and `AsyncExitStack` both have, with the same
//! signature and the same body: written once, as a macro that each stack's
//! `impl` block calls with its own docs (the examples differ: one stack is
//! closed, the other awaited).

/// The methods `ExitStack` and the local `AsyncExitStack` share, signature
/// and body written once (each body calls the shared core); each stack
/// gives each method its own docs: `stack_methods! { /// docs.. fn len; }`.
/// Used in an `impl<'m, E>` block of a stack whose field `core` is a
/// `Core<'m, E, _>` (`stack/unwind.rs`).
macro_rules! stack_methods {
    () => {};
    ($(#[$doc:meta])* fn enter_context; $($rest:tt)*) => {
        $(#[$doc])*
        #[inline]
        pub fn enter_context<'s, M>(&'s self, manager: M) -> Result<M::Value<'s>, E>
        where
            M: $crate::ContextManager + 'm,
            M::Error: Into<E>,
        {
            self.core.enter(manager)
        }
        $crate::stack::stack_methods!($($rest)*);
    };
    ($(#[$doc:meta])* fn enter_suppressing_context; $($rest:tt)*) => {
        $(#[$doc])*
        #[deprecated(note = "`enter_context` suppresses as `with!` does; call it instead")]
        #[inline]
        pub fn enter_suppressing_context<'s, M>(&'s self, manager: M) -> Result<M::Value<'s>, E>
        where
            M: $crate::Suppress + 'm,
            M::Error: Into<E>,
        {
            self.enter_context(manager)
        }
        $crate::stack::stack_methods!($($rest)*);
    };
    ($(#[$doc:meta])* fn callback; $($rest:tt)*) => {
        $(#[$doc])*
        #[inline]
        pub fn callback<F: FnOnce() + 'm>(&self, f: F) {
            use $crate::stack::entry::{Callback, Plain};
            self.core.push(Plain(Callback(f)));
        }
        $crate::stack::stack_methods!($($rest)*);
    };
    ($(#[$doc:meta])* fn push; $($rest:tt)*) => {
        $(#[$doc])*
        #[inline]
        pub fn push<F>(&self, exit: F)
        where
            F: FnOnce($crate::Outcome<'_>) -> Result<(), E> + 'm,
        {
            use $crate::stack::entry::{Plain, Push};
            self.core.push(Plain(Push(exit)));
        }
        $crate::stack::stack_methods!($($rest)*);
    };
    ($(#[$doc:meta])* fn len; $($rest:tt)*) => {
        $(#[$doc])*
        #[inline]
        #[must_use]
        pub fn len(&self) -> usize {
            self.core.len()
        }
        $crate::stack::stack_methods!($($rest)*);
    };
    ($(#[$doc:meta])* fn is_empty; $($rest:tt)*) => {
        $(#[$doc])*
        #[inline]
        #[must_use]
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }
        $crate::stack::stack_methods!($($rest)*);
    };
}
pub(crate) use stack_methods;
