//! Parse stage: the impl block under `#[ctxmgr::context_manager]` and the
//! type under `#[derive(ContextManager)]`, as typed input borrowing syn.

use syn::{Attribute, ImplItem, ImplItemFn, ItemImpl};

use super::attr::{self, Options, Role, CONTEXT_MANAGER, CTXMGR};
use super::DeriveInput;
use crate::diag::Errors;

/// An item of the impl block marked `#[enter]` or `#[exit]`.
pub struct Marked<'a> {
    pub role: Role,
    pub attr: &'a Attribute,
    /// `None` when the marked item is not a method (a validation error).
    pub method: Option<&'a ImplItemFn>,
    pub item: &'a ImplItem,
}

/// The impl block, with its marked items in source order.
pub struct ImplInput<'a> {
    pub item: &'a ItemImpl,
    pub marked: Vec<Marked<'a>>,
}

pub fn parse_impl(item: &ItemImpl) -> ImplInput<'_> {
    let mut marked = Vec::new();
    for impl_item in &item.items {
        let (attrs, method) = match impl_item {
            ImplItem::Fn(f) => (&f.attrs, Some(f)),
            ImplItem::Const(c) => (&c.attrs, None),
            ImplItem::Type(t) => (&t.attrs, None),
            _ => continue,
        };
        for a in attrs {
            if let Some(role) = Role::of(a) {
                marked.push(Marked {
                    role,
                    attr: a,
                    method,
                    item: impl_item,
                });
            }
        }
    }
    ImplInput { item, marked }
}

/// Removes `#[enter]`/`#[exit]` from the items, so the impl block can be
/// emitted as the user wrote it.
pub fn strip_markers(item: &mut ItemImpl) {
    for impl_item in &mut item.items {
        let attrs = match impl_item {
            ImplItem::Fn(f) => &mut f.attrs,
            ImplItem::Const(c) => &mut c.attrs,
            ImplItem::Type(t) => &mut t.attrs,
            _ => continue,
        };
        attrs.retain(|a| Role::of(a).is_none());
    }
}

/// Arguments of `#[ctxmgr::context_manager(..)]`.
pub fn parse_attribute_args(args: proc_macro2::TokenStream, errors: &mut Errors) -> Options {
    let mut options = Options::default();
    let context = format!("`{CONTEXT_MANAGER}`");
    let parser = syn::meta::parser(|meta| attr::parse_option(&meta, false, &context, &mut options));
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        errors.push(e);
    }
    options
}

/// `#[ctxmgr(..)]` options on the derived type.
pub fn parse_derive_options(input: &DeriveInput, errors: &mut Errors) -> Options {
    let mut options = Options::default();
    let context = format!("`#[{CTXMGR}(..)]`");
    for a in input.attrs.iter().filter(|a| a.path().is_ident(CTXMGR)) {
        if let Err(e) =
            a.parse_nested_meta(|meta| attr::parse_option(&meta, true, &context, &mut options))
        {
            errors.push(e);
        }
    }
    options
}
