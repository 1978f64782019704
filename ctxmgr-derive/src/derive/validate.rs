//! Validation stage: checks each marked method against the shapes the
//! macros accept and turns it into a spec for the expand stage. Every
//! problem is reported (combined), each spanned on the user's tokens.
//!
//! Accepted shapes (documented on the derive):
//!
//! * receiver: `&mut self` or `&self` (also `self: &mut Self`, named
//!   lifetimes), or none (an associated fn, for a half that needs no
//!   state); the manager is borrowed, never consumed: exit runs after the
//!   body, on the same manager;
//! * `#[enter]`: no other argument; returns `V`, or a `Result` (the last path
//!   segment is `Result`: any alias so named; `crate::result_type`) of `V`.
//!   A path named otherwise is plain here, and expand probes it: a `Result`
//!   under another name is a compile error there;
//! * `#[exit]`: optionally `outcome: Outcome<'_>`; returns `()` or a
//!   `Result` of `()` under any name: every path but a primitive is taken
//!   as a `Result`, and the type system checks it (`__private::ExitError`);
//! * `#[suppress]` (optional, at most one): `error: ErrorRef<'_>` and
//!   nothing else; returns `bool`; a plain `fn` also for an async manager
//!   (`suppresses` is asked without awaiting). It becomes the trait impl's
//!   `suppresses`, and the type `Suppress` (or `AsyncSuppress`), so that
//!   `with!` asks it;
//! * no generic parameters or where-clauses of their own (besides the
//!   receiver's lifetime; `#[suppress]` may name the error's lifetime), not
//!   `unsafe`; `#[enter]` or `#[exit]` may be `async fn` (then the manager is
//!   async, and a plain other half is called without `.await`).

use crate::walk::{walk_type, LifetimeVisitor};
use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, GenericParam, ImplItem, ImplItemFn, Lifetime, ReceiverKind, ReturnType, Type};

use super::attr::{Role, CONTEXT_MANAGER};
use super::parse::ImplInput;
use crate::diag::Errors;
use crate::result_type::{is_result, last_segment, result_value};

use super::spec::{
    value_lifetime, EnterRet, EnterSpec, ExitRet, ExitSpec, Shape, Spec, SuppressSpec,
};
use super::types::{
    first_type_arg_mut, is_bool, is_error_ref, is_outcome, is_primitive, is_reference_like,
    mentions_value_lifetime, type_arg_count, type_text, VALUE_LIFETIME,
};

pub fn validate<'a>(input: &ImplInput<'a>, errors: &mut Errors) -> Spec<'a> {
    let item = input.item;
    if let Some((path, _)) = &item.trait_ {
        errors.push_spanned(
            path,
            format!(
                "`{CONTEXT_MANAGER}` goes on an inherent impl block (`impl Type {{ .. }}`) holding the `#[enter]` and `#[exit]` methods, not on a trait impl"
            ),
        );
    }

    let mut first: [Option<&ImplItemFn>; 3] = [None, None, None];
    // A role whose marker was found but rejected is not also "missing".
    let mut seen = [false, false, false];
    // Methods marked with two roles: that error alone is reported, not
    // also how the method fails the other role's shape.
    let mut conflicted: Vec<&ImplItemFn> = Vec::new();
    for marked in &input.marked {
        seen[marked.role.slot()] = true;
        super::attr::check_marker(marked.attr, marked.role, errors);
        let name = marked.role.name();
        let Some(method) = marked.method else {
            let what = match marked.item {
                ImplItem::Const(_) => "an associated const",
                ImplItem::Type(_) => "an associated type",
                _ => "this item",
            };
            errors.push_spanned(
                marked.attr,
                format!("`#[{name}]` goes on a method of this impl block, not on {what}"),
            );
            continue;
        };
        let slot = marked.role.slot();
        let mut other = None;
        for role in &[Role::Enter, Role::Exit, Role::Suppress] {
            if role.slot() != slot
                && matches!(first[role.slot()], Some(o) if std::ptr::eq(o, method))
            {
                other = Some(*role);
                break;
            }
        }
        if let Some(other) = other {
            let why = if Role::Suppress == marked.role || Role::Suppress == other {
                "`#[suppress]` goes on a method of its own, `fn NAME(&mut self, error: ErrorRef<'_>) -> bool`, asked after exit whether to swallow the body's error"
            } else {
                "a context manager sets up and tears down in two separate methods"
            };
            errors.push_spanned(
                marked.attr,
                format!(
                    "`{}` is marked both `#[{}]` and `#[{name}]`: {why}",
                    method.sig.ident,
                    other.name(),
                ),
            );
            conflicted.push(method);
            continue;
        }
        match first[slot] {
            Some(previous) if std::ptr::eq(previous, method) => errors.push_spanned(
                marked.attr,
                format!("duplicate `#[{name}]` on `{}`", method.sig.ident),
            ),
            Some(previous) => errors.push_spanned(
                marked.attr,
                format!(
                    "a second `#[{name}]` method: a context manager has exactly one, and `#[{name}]` is already on `{}`",
                    previous.sig.ident
                ),
            ),
            None => first[slot] = Some(method),
        }
    }

    let self_ty = &item.self_ty;
    let missing = |slot: usize| first[slot].is_none() && !seen[slot] && item.trait_.is_none();
    let mut missing_enter = None;
    match [missing(0), missing(1)] {
        [true, true] => missing_enter = Some(crate::diag::spanned(
            self_ty,
            &format!(
                "`{CONTEXT_MANAGER}` found no `#[enter]` and no `#[exit]` method in this impl block; mark the methods that set up and tear down the resource, e.g. `#[enter] fn open(&mut self) -> io::Result<&mut Self>` and `#[exit] fn close(&mut self, outcome: Outcome<'_>) -> io::Result<()>`"
            ),
        )),
        [true, false] => missing_enter = Some(crate::diag::spanned(
            self_ty,
            &format!(
                "`{CONTEXT_MANAGER}` found no `#[enter]` method in this impl block; mark the method that sets up the resource, e.g. `#[enter] fn open(&mut self) -> io::Result<&mut Self>`"
            ),
        )),
        [false, true] => errors.push_spanned(
            self_ty,
            format!(
                "`{CONTEXT_MANAGER}` found no `#[exit]` method in this impl block; mark the method that tears down the resource, e.g. `#[exit] fn close(&mut self, outcome: Outcome<'_>) -> io::Result<()>`"
            ),
        ),
        [false, false] => {}
    }

    // Either marker an `async fn`: an async manager. The other may be a
    // plain `fn` (an enter with nothing to await is no `async fn` that
    // clippy's pedantic `unused_async` flags); it is called without
    // `.await`. `#[suppress]` is always a plain `fn` and does not count.
    let is_async = is_async_fn(first[0]) || is_async_fn(first[1]);
    // A method marked with two roles is validated for neither.
    for method in &mut first {
        for c in &conflicted {
            if matches!(method, Some(m) if std::ptr::eq(*m, *c)) {
                *method = None;
            }
        }
    }
    let [enter, exit, suppress] = first;
    Spec {
        enter: match enter {
            Some(m) => validate_enter(m, errors),
            None => None,
        },
        exit: match exit {
            Some(m) => validate_exit(m, errors),
            None => None,
        },
        suppress: match suppress {
            Some(m) => validate_suppress(m, errors),
            None => None,
        },
        is_async,
        missing_enter,
    }
}

fn is_async_fn(method: Option<&ImplItemFn>) -> bool {
    matches!(method, Some(m) if m.sig.asyncness.is_some())
}

/// Checks what enter and exit share; returns the receiver's named lifetime
/// (`&'s mut self`), or `Err` when an error was pushed.
fn check_common(
    method: &ImplItemFn,
    role: Role,
    errors: &mut Errors,
) -> Result<Option<Lifetime>, ()> {
    let name = role.name();
    let sig = &method.sig;
    let before = !errors.is_empty();
    let mut failed = false;
    let mut fail = |errors: &mut Errors, tokens: &dyn ToTokens, msg: String| {
        failed = true;
        errors.push_spanned(tokens, msg);
    };
    if let syn::Safety::Unsafe(u) = &sig.safety {
        fail(
            errors,
            u,
            format!("`#[{name}]` cannot be an `unsafe fn`: the generated code would call it without the caller's proof; make it safe and use an `unsafe` block inside"),
        );
    }
    if let Some(v) = &sig.variadic {
        fail(errors, v, format!("`#[{name}]` cannot be variadic"));
    }

    let receiver_lifetime = match sig.inputs.first() {
        Some(FnArg::Receiver(r)) => match &r.kind {
            ReceiverKind::Reference(_, lifetime, _) => lifetime.clone(),
            ReceiverKind::Typed(_, ty) => match &**ty {
                Type::Reference(t) if matches!(&*t.elem, Type::Path(p) if p.qself.is_none() && p.path.is_ident("Self")) => {
                    t.lifetime.clone()
                }
                other => {
                    let why = match role {
                        Role::Suppress => "it is asked after exit, on the manager `with!` still holds",
                        Role::Enter | Role::Exit => "the manager stays borrowed, not owned, so that exit can run after the body",
                    };
                    fail(
                        errors,
                        other,
                        format!("`#[{name}]` must take `&mut self` (or `&self`): {why}"),
                    );
                    None
                }
            },
            _ => {
                let msg = match role {
                    Role::Suppress => format!("`#[{name}]` must take `&mut self` (or `&self`), not `self`: it is asked after exit, on the manager `with!` still holds"),
                    Role::Enter | Role::Exit => format!("`#[{name}]` must take `&mut self`, not `self`: taking the manager by value would consume it, and exit runs on the same manager after the body"),
                };
                fail(errors, &r.self_token, msg);
                None
            }
        },
        // An associated fn: a half that needs no state says so, and
        // clippy's pedantic `unused_self` has nothing to flag.
        _ => None,
    };

    for param in sig.generics.params.pairs() {
        let param = param.value();
        let is_receiver_lifetime = matches!(
            (param, &receiver_lifetime),
            (GenericParam::Lifetime(l), Some(r)) if l.lifetime == *r
        );
        // `fn keep<'e>(&self, error: ErrorRef<'e>)`: inferred at the call.
        let is_suppress_lifetime =
            role == Role::Suppress && matches!(param, GenericParam::Lifetime(_));
        if !is_receiver_lifetime && !is_suppress_lifetime {
            fail(
                errors,
                param,
                format!("`#[{name}]` cannot have generic parameters of its own: `with!` has nothing to choose them from; move them to the impl block"),
            );
        }
    }
    if let Some(w) = &sig.generics.where_clause {
        fail(
            errors,
            w,
            format!("`#[{name}]` cannot have a where-clause of its own; move the bounds to the impl block"),
        );
    }
    let _ = before;
    if failed {
        Err(())
    } else {
        Ok(receiver_lifetime)
    }
}

/// The method takes `self` in some form (else it is an associated fn).
pub fn has_receiver(method: &ImplItemFn) -> bool {
    matches!(method.sig.inputs.first(), Some(FnArg::Receiver(_)))
}

/// The `n`th argument after the receiver (by index: no iterator adapters
/// compiled for it).
fn extra_input(method: &ImplItemFn, n: usize) -> Option<&FnArg> {
    method.sig.inputs.get(usize::from(has_receiver(method)) + n)
}

fn validate_enter<'a>(method: &'a ImplItemFn, errors: &mut Errors) -> Option<EnterSpec<'a>> {
    let common = check_common(method, Role::Enter, errors);
    let mut ok = common.is_ok();
    if let Some(extra) = extra_input(method, 0) {
        ok = false;
        errors.push_spanned(
            extra,
            "`#[enter]` takes no arguments besides `&mut self`: `with!` calls it with none; keep what it needs in the struct's fields",
        );
    }
    let receiver_lifetime = common.ok().flatten();

    let original = match &method.sig.output {
        ReturnType::Default => unit_type(),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let mut rewritten = original.clone();
    let mut rewrite = Rewrite {
        receiver: receiver_lifetime.as_ref(),
        target: value_lifetime(),
        impl_trait: None,
    };
    // Behind `dyn`: one copy of the walker for both visitors (this and
    // `#[contextmanager]`'s).
    walk_type(&mut rewrite, &mut rewritten);
    if let Some(span) = rewrite.impl_trait {
        ok = false;
        errors.push(syn::Error::new(
            span,
            "`#[enter]` cannot return `impl Trait`: the value's type becomes `ContextManager::Value`, which must be named; return the concrete type",
        ));
    }
    if !ok {
        return None;
    }

    let (ret, value) = match result_value(&rewritten) {
        Some(value) => {
            let mut unit_value = original.clone();
            if let Some(arg) = first_type_arg_mut(&mut unit_value) {
                *arg = unit_type();
            }
            let value = value.cloned();
            (
                EnterRet::Result {
                    ty: Box::new(rewritten.clone()),
                    // Named directly only in `Result<V, E>`, the shape of
                    // core's `Result`; an alias with fewer parameters
                    // (`io::Result<V>`, or one that wraps its `T`) is read
                    // through `EnterResult`.
                    value: match &value {
                        Some(value) if type_arg_count(&rewritten) == 2 => {
                            Some(Box::new(value.clone()))
                        }
                        _ => None,
                    },
                    unit_value: Box::new(unit_value),
                },
                value,
            )
        }
        None => (
            EnterRet::Plain(Box::new(rewritten.clone())),
            Some(rewritten.clone()),
        ),
    };
    let shape = if !mentions_value_lifetime(&rewritten) {
        Shape::Keeps
    } else if matches!(&value, Some(value) if is_reference_like(value)) {
        Shape::DropsRef
    } else {
        Shape::CannotKeep
    };
    Some(EnterSpec { method, ret, shape })
}

/// `()`, as `syn::parse_quote!(())` gives it.
fn unit_type() -> Type {
    Type::Tuple(syn::TypeTuple {
        attrs: Vec::new(),
        paren_token: syn::token::Paren::default(),
        elems: syn::punctuated::Punctuated::new(),
    })
}

fn validate_exit<'a>(method: &'a ImplItemFn, errors: &mut Errors) -> Option<ExitSpec<'a>> {
    let mut ok = check_common(method, Role::Exit, errors).is_ok();
    let takes_outcome = match extra_input(method, 0) {
        None => false,
        Some(FnArg::Typed(t)) if is_outcome(&t.ty) => true,
        Some(FnArg::Typed(t)) => {
            ok = false;
            errors.push_spanned(
                &t.ty,
                format!(
                    "the argument of `#[exit]` must be `outcome: Outcome<'_>` (`ctxmgr::Outcome`, how the body ended), not `{}`; or take only `&mut self`",
                    type_text(&t.ty)
                ),
            );
            false
        }
        Some(other) => {
            ok = false;
            errors.push_spanned(
                other,
                "`#[exit]` takes `&mut self` and optionally `outcome: Outcome<'_>`",
            );
            false
        }
    };
    let mut n = 1;
    while let Some(extra) = extra_input(method, n) {
        ok = false;
        errors.push_spanned(
            extra,
            "`#[exit]` takes `&mut self` and at most one argument, `outcome: Outcome<'_>`; remove this one",
        );
        n += 1;
    }
    let (ret, ret_span) = match &method.sig.output {
        ReturnType::Default => (ExitRet::Unit, method.sig.ident.span()),
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(t) if t.elems.is_empty() => (ExitRet::Unit, ty.span()),
            // A `Result` under any name: `Result<(), E>`, `io::Result<()>`,
            // `type Res<T> = Result<T, E>`'s `Res<()>`. Only a path can be
            // one; the type system checks it (`__private::ExitResult`).
            ty if is_result(ty) || (last_segment(ty).is_some() && !is_primitive(ty)) => {
                (ExitRet::Result(Box::new(ty.clone())), ty.span())
            }
            other => {
                ok = false;
                let is_bool = matches!(other, Type::Path(p) if p.path.is_ident("bool"));
                let hint = if is_bool {
                    "; to swallow the body's error as Python's `__exit__` returning `True` does, \
                     keep `#[exit]` returning `()` and add a method \
                     `#[suppress] fn suppresses(&mut self, error: ErrorRef<'_>) -> bool`"
                } else {
                    ""
                };
                errors.push_spanned(
                    other,
                    format!(
                        "`#[exit]` must return `()` or `Result<(), E>` (any `Result` alias, e.g. `io::Result<()>`), with the error type of `#[enter]`{hint}"
                    ),
                );
                (ExitRet::Unit, other.span())
            }
        },
    };
    if !ok {
        return None;
    }
    Some(ExitSpec {
        method,
        takes_outcome,
        ret,
        ret_span,
    })
}

fn validate_suppress<'a>(method: &'a ImplItemFn, errors: &mut Errors) -> Option<SuppressSpec<'a>> {
    let mut ok = check_common(method, Role::Suppress, errors).is_ok();
    if let Some(a) = &method.sig.asyncness {
        ok = false;
        errors.push_spanned(
            a,
            "`#[suppress]` cannot be an `async fn`: `suppresses` is asked without awaiting, also for an async manager; make it a plain `fn` (do the async work in `#[exit]`)",
        );
    }
    match extra_input(method, 0) {
        Some(FnArg::Typed(t)) if is_error_ref(&t.ty) => {}
        Some(FnArg::Typed(t)) => {
            ok = false;
            errors.push_spanned(
                &t.ty,
                format!(
                    "the argument of `#[suppress]` must be `error: ErrorRef<'_>` (`ctxmgr::ErrorRef`, the error leaving the body), not `{}`",
                    type_text(&t.ty)
                ),
            );
        }
        Some(other) => {
            ok = false;
            errors.push_spanned(
                other,
                "`#[suppress]` takes `&mut self` (or `&self`) and `error: ErrorRef<'_>`",
            );
        }
        None => {
            ok = false;
            errors.push_spanned(
                &method.sig.ident,
                "`#[suppress]` takes the error leaving the body: write `fn NAME(&mut self, error: ErrorRef<'_>) -> bool`",
            );
        }
    }
    let mut n = 1;
    while let Some(extra) = extra_input(method, n) {
        ok = false;
        errors.push_spanned(
            extra,
            "`#[suppress]` takes `&mut self` (or `&self`) and one argument, `error: ErrorRef<'_>`; remove this one",
        );
        n += 1;
    }
    let returns_bool = match &method.sig.output {
        ReturnType::Type(_, ty) => is_bool(ty),
        ReturnType::Default => false,
    };
    if !returns_bool {
        ok = false;
        let (tokens, what): (&dyn ToTokens, String) = match &method.sig.output {
            ReturnType::Type(_, ty) => (&**ty, format!("not `{}`", type_text(ty))),
            ReturnType::Default => (&method.sig.ident, "and returns nothing".to_string()),
        };
        errors.push_spanned(
            tokens,
            format!(
                "`#[suppress]` must return `bool` (`true` swallows the error, `false` lets it propagate), {what}; an error of exit's own belongs in `#[exit]`'s `Result`"
            ),
        );
    }
    if ok {
        Some(SuppressSpec { method })
    } else {
        None
    }
}

/// Rewrites the lifetimes of enter's return type that refer to the borrow
/// of `self` into the value lifetime.
///
/// Input:  `io::Result<&mut File>`, `MutexGuard<'_, T>`, `&'s Self` (with `&'s self`)
/// Output: `io::Result<&'__ctxmgr_a mut File>`, `MutexGuard<'__ctxmgr_a, T>`, `&'__ctxmgr_a Self`
///
/// Lifetimes inside `fn(..)` types and `Fn(..)` sugar are their own and are
/// left alone.
struct Rewrite<'r> {
    receiver: Option<&'r Lifetime>,
    target: Lifetime,
    impl_trait: Option<Span>,
}

impl LifetimeVisitor for Rewrite<'_> {
    fn elided_reference(&mut self, and_span: Span) -> Option<Lifetime> {
        Some(Lifetime::new(VALUE_LIFETIME, and_span))
    }

    fn visit_lifetime(&mut self, l: &mut Lifetime) {
        if l.ident == "_" || matches!(self.receiver, Some(r) if r.ident == l.ident) {
            *l = Lifetime::new(VALUE_LIFETIME, l.apostrophe);
        }
        let _ = &self.target;
    }

    fn enter_impl_trait(&mut self, t: &syn::TypeImplTrait) -> bool {
        self.impl_trait.get_or_insert(t.impl_token.span);
        false
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    use super::validate;
    use crate::derive::parse::parse_impl;
    use crate::derive::spec::EnterRet;
    use crate::diag::Errors;

    /// The value type the manager impl names for `#[enter]`'s return type
    /// `ret`: `Some(V)` when it names `V` itself, `None` when it reads it
    /// through `EnterResult`.
    fn named_value(ret: &str) -> Option<String> {
        let item: syn::ItemImpl = syn::parse_str(&format!(
            "impl T {{ #[enter] fn e(&mut self) -> {ret} {{ todo!() }} #[exit] fn x(&mut self) {{}} }}"
        ))
        .unwrap();
        let input = parse_impl(&item);
        let mut errors = Errors::default();
        let spec = validate(&input, &mut errors);
        assert!(errors.is_empty());
        match spec.enter.unwrap().ret {
            EnterRet::Result { value, .. } => value.map(|v| v.to_token_stream().to_string()),
            EnterRet::Plain(_) => panic!("{ret} read as a plain value"),
        }
    }

    #[test]
    fn the_value_of_result_v_e_is_named_other_aliases_are_read_through_the_trait() {
        assert_eq!(named_value("Result<u64, E>").as_deref(), Some("u64"));
        assert_eq!(
            named_value("core::result::Result<&mut Self, E>").as_deref(),
            Some("& '__ctxmgr_a mut Self")
        );
        // One parameter: an alias, which may wrap it
        // (`type Result<T> = core::result::Result<Box<T>, E>`).
        assert_eq!(named_value("io::Result<&mut File>"), None);
        assert_eq!(named_value("fmt::Result"), None);
    }
}
