//! Every attribute name and key the derive and the attribute understand,
//! and the parsing of their arguments.

use syn::{Attribute, Ident, Path};

use crate::diag::Errors;

/// Marks the method that sets the resource up (Python's `__enter__`).
pub const ENTER: &str = "enter";
/// Marks the method that tears it down (Python's `__exit__`).
pub const EXIT: &str = "exit";
/// Marks the method that decides whether the body's error is swallowed
/// (Python's `__exit__` returning `True`): `ContextManager::suppresses`.
pub const SUPPRESS: &str = "suppress";
/// Options of `#[derive(ContextManager)]`: `#[ctxmgr(guard = Name, crate = path)]`.
pub const CTXMGR: &str = "ctxmgr";
/// `guard = Name`: the named guard's type name instead of `{Name}Guard`.
pub const KEY_GUARD: &str = "guard";
/// `crate = path`: where the runtime crate is, when neither `::ctxmgr` nor
/// the renamed dependency in Cargo.toml reaches it (a re-export).
pub const KEY_CRATE: &str = "crate";
/// `send` (the attribute only): also implement `SendAsyncContextManager`,
/// whose exit future is declared `Send`, for a `Sendable` `AsyncExitStack`.
pub const KEY_SEND: &str = "send";
/// How users spell the attribute macro, for messages.
pub const CONTEXT_MANAGER: &str = "#[ctxmgr::context_manager]";

/// `#[enter]`, `#[exit]` or `#[suppress]`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Enter,
    Exit,
    Suppress,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Enter => ENTER,
            Role::Exit => EXIT,
            Role::Suppress => SUPPRESS,
        }
    }

    /// Where the role's method is kept while validating (`Spec` order).
    pub fn slot(self) -> usize {
        match self {
            Role::Enter => 0,
            Role::Exit => 1,
            Role::Suppress => 2,
        }
    }

    /// The role an attribute marks, if it is `#[enter]`, `#[exit]` or
    /// `#[suppress]`.
    pub fn of(attr: &Attribute) -> Option<Role> {
        if attr.path().is_ident(ENTER) {
            Some(Role::Enter)
        } else if attr.path().is_ident(EXIT) {
            Some(Role::Exit)
        } else if attr.path().is_ident(SUPPRESS) {
            Some(Role::Suppress)
        } else {
            None
        }
    }
}

/// `#[enter]`, `#[exit]` and `#[suppress]` take no arguments.
pub fn check_marker(attr: &Attribute, role: Role, errors: &mut Errors) {
    if let syn::Meta::Path(_) = &attr.meta {
        return;
    }
    let name = role.name();
    match &attr.meta {
        syn::Meta::List(list) => errors.push_spanned(
            &list.tokens,
            format!("unknown key in `#[{name}]`: it takes no arguments; write `#[{name}]`"),
        ),
        syn::Meta::NameValue(nv) => errors.push_spanned(
            &nv.value,
            format!("`#[{name}]` takes no value; write `#[{name}]`"),
        ),
        syn::Meta::Path(_) => {}
    }
}

/// Options shared by the derive (`#[ctxmgr(..)]`) and the attribute
/// (`#[ctxmgr::context_manager(..)]`).
#[derive(Default)]
pub struct Options {
    pub krate: Option<Path>,
    pub guard: Option<Ident>,
    /// Where `send` was written (`#[ctxmgr::context_manager(send)]`).
    pub send: Option<proc_macro2::Span>,
}

/// One `key = value` of the options: `crate = path` (both macros) or
/// `guard = Name` (derive only); `context` names the attribute in messages.
pub fn parse_option(
    meta: &syn::meta::ParseNestedMeta,
    allow_guard: bool,
    context: &str,
    options: &mut Options,
) -> syn::Result<()> {
    if meta.path.is_ident(KEY_CRATE) {
        let path: Path = meta.value()?.parse()?;
        // The expansion writes `use PATH::__private::{..};`,
        // `PATH::__private::f(..)` and `PATH::__private::T`: a path that is
        // not all three (a reserved word
        // such as `try` as a segment, generic arguments) is an error here, on
        // the path, not in the output.
        let as_use = quote::quote!(use #path::__private::x;);
        let as_expr = quote::quote!(#path::__private::x);
        let as_type = quote::quote!(#path::__private::X);
        let expr_is_path = matches!(syn::parse2::<syn::Expr>(as_expr), Ok(syn::Expr::Path(_)));
        let type_is_path = matches!(syn::parse2::<syn::Type>(as_type), Ok(syn::Type::Path(_)));
        // As the `syn::Item` the macros parse anyway: a path has no braces,
        // where alone `Item` and `ItemUse` parse a `use` differently.
        let use_is_use = matches!(syn::parse2::<syn::Item>(as_use), Ok(syn::Item::Use(_)));
        if !use_is_use || !expr_is_path || !type_is_path {
            return Err(crate::diag::spanned(
                &path,
                &format!("`{KEY_CRATE} = ..` takes a plain path to the ctxmgr crate (`my_reexport::ctxmgr`); this one cannot be written in a `use`, a type or an expression"),
            ));
        }
        if options.krate.replace(path).is_some() {
            return Err(meta.error(format!("duplicate `{KEY_CRATE}` in {context}")));
        }
        Ok(())
    } else if !allow_guard && meta.path.is_ident(KEY_SEND) {
        if options
            .send
            .replace(syn::spanned::Spanned::span(&meta.path))
            .is_some()
        {
            return Err(meta.error(format!("duplicate `{KEY_SEND}` in {context}")));
        }
        Ok(())
    } else if allow_guard && meta.path.is_ident(KEY_GUARD) {
        let name: Ident = meta.value()?.parse()?;
        if options.guard.replace(name).is_some() {
            return Err(meta.error(format!("duplicate `{KEY_GUARD}` in {context}")));
        }
        Ok(())
    } else {
        let key = super::types::replace_ascii(
            &quote::ToTokens::to_token_stream(&meta.path).to_string(),
            " ",
            "",
        );
        let expected = if allow_guard {
            format!("`{KEY_GUARD} = Name` or `{KEY_CRATE} = path::to::ctxmgr`")
        } else {
            format!("`{KEY_SEND}` or `{KEY_CRATE} = path::to::ctxmgr`")
        };
        Err(meta.error(format!(
            "unknown key `{key}` in {context}; expected {expected}"
        )))
    }
}
