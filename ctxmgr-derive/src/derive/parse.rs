//! Parse stage: the impl block under `#[ctxmgr::context_manager]` and the
//! type under `#[derive(ContextManager)]`, as typed input borrowing syn.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use syn::{Attribute, ImplItem, ImplItemFn, ItemImpl};

use super::attr::{self, Options, Role, CONTEXT_MANAGER, CTXMGR};
use super::DeriveInput;
use crate::diag::Errors;

/// An item of the impl block marked `#[enter]`, `#[exit]` or `#[suppress]`.
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

/// The impl block's tokens with every method body emptied (`{}`, spanned
/// as the body was): what validation parses. A body is a brace group at the
/// top level of the impl's own braces that ends an item (followed by the
/// next item's first token, or by nothing), so a const argument (`N<{ 1 }>`)
/// or a struct literal in a const's value (`= S { a: 1 };`) is kept. Tokens
/// that are not an impl block are returned as they are.
pub fn without_bodies(item: &TokenStream) -> TokenStream {
    map_impl_body(item, empty_bodies)
}

fn empty_bodies(items: TokenStream) -> TokenStream {
    let tts: Vec<TokenTree> = items.into_iter().collect();
    let mut out = Vec::with_capacity(tts.len());
    for (i, tt) in tts.iter().enumerate() {
        match tt {
            TokenTree::Group(g)
                if g.delimiter() == Delimiter::Brace && ends_item(tts.get(i + 1)) =>
            {
                let mut empty = Group::new(Delimiter::Brace, TokenStream::new());
                empty.set_span(g.span());
                out.push(TokenTree::Group(empty));
            }
            other => out.push(other.clone()),
        }
    }
    out.into_iter().collect()
}

/// A brace group followed by this ends an item: nothing, an attribute's
/// `#`, or a word (`pub`, `fn`, `const`, a macro's path).
fn ends_item(next: Option<&TokenTree>) -> bool {
    match next {
        None | Some(TokenTree::Ident(_)) => true,
        Some(TokenTree::Punct(p)) => p.as_char() == '#',
        Some(_) => false,
    }
}

/// The impl block's own tokens, with the `#[enter]`/`#[exit]`/`#[suppress]` markers of
/// its items removed: the block is emitted as the user wrote it otherwise.
pub fn strip_markers(item: TokenStream) -> TokenStream {
    map_impl_body(&item, strip_item_markers)
}

fn strip_item_markers(items: TokenStream) -> TokenStream {
    let tts: Vec<TokenTree> = items.into_iter().collect();
    let mut out = Vec::with_capacity(tts.len());
    let mut i = 0;
    while i < tts.len() {
        if let (TokenTree::Punct(hash), Some(TokenTree::Group(g))) = (&tts[i], tts.get(i + 1)) {
            if hash.as_char() == '#' && g.delimiter() == Delimiter::Bracket && is_marker(g) {
                i += 2;
                continue;
            }
        }
        out.push(tts[i].clone());
        i += 1;
    }
    out.into_iter().collect()
}

/// `[enter]`, `[exit]`, `[suppress]`, `[enter(..)]`: the attributes `Role::of` reads (a
/// path of one segment), whatever follows it.
fn is_marker(attr: &Group) -> bool {
    let mut tts = attr.stream().into_iter();
    let first = match tts.next() {
        Some(TokenTree::Ident(ident)) => ident.to_string(),
        _ => return false,
    };
    let one_segment = !matches!(tts.next(), Some(TokenTree::Punct(p)) if p.as_char() == ':');
    one_segment && (first == attr::ENTER || first == attr::EXIT || first == attr::SUPPRESS)
}

/// `item` with `f` applied to the inside of its last top-level brace group
/// (an impl block's body), when `item` is an impl block. (A `fn` pointer,
/// not a generic: one copy of this function for both callers.)
fn map_impl_body(item: &TokenStream, f: fn(TokenStream) -> TokenStream) -> TokenStream {
    let mut tts: Vec<TokenTree> = item.clone().into_iter().collect();
    let mut is_impl = false;
    // The last top-level brace group.
    let mut body = None;
    for (i, tt) in tts.iter().enumerate() {
        match tt {
            TokenTree::Ident(ident) if ident == "impl" => is_impl = true,
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => body = Some(i),
            _ => {}
        }
    }
    match (is_impl, body) {
        (true, Some(i)) => {
            if let TokenTree::Group(g) = &tts[i] {
                let mut group = Group::new(Delimiter::Brace, f(g.stream()));
                group.set_span(g.span());
                tts[i] = TokenTree::Group(group);
            }
            tts.into_iter().collect()
        }
        _ => item.clone(),
    }
}

/// The logic of `syn::meta::parser` for both macros' options: one closure
/// type, so syn's generic meta parsing is compiled once for both.
fn option_logic<'a>(
    allow_guard: bool,
    context: &'a str,
    options: &'a mut Options,
) -> impl FnMut(syn::meta::ParseNestedMeta) -> syn::Result<()> + 'a {
    move |meta| attr::parse_option(&meta, allow_guard, context, options)
}

/// Arguments of `#[ctxmgr::context_manager(..)]`.
pub fn parse_attribute_args(args: proc_macro2::TokenStream, errors: &mut Errors) -> Options {
    let mut options = Options::default();
    let context = format!("`{CONTEXT_MANAGER}`");
    let parser = syn::meta::parser(option_logic(false, &context, &mut options));
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        errors.push(e);
    }
    options
}

/// `#[ctxmgr(..)]` options on the derived type.
pub fn parse_derive_options(input: &DeriveInput, errors: &mut Errors) -> Options {
    let mut options = Options::default();
    let context = format!("`#[{CTXMGR}(..)]`");
    for a in &input.attrs {
        if !a.path().is_ident(CTXMGR) {
            continue;
        }
        if let Err(e) = a.parse_nested_meta(option_logic(true, &context, &mut options)) {
            errors.push(e);
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use super::{strip_markers, without_bodies};

    fn tokens(s: &str) -> proc_macro2::TokenStream {
        s.parse().expect("tokens")
    }

    #[test]
    fn bodies_are_emptied_but_const_arguments_and_struct_literals_kept() {
        let item = tokens(
            "impl<const N: usize> S<N> { \
               const C: T = T { a: 1 }; \
               #[enter] fn e(&mut self) -> A<{ N }> { let x = 1; x } \
               m! { anything } \
               fn f(&self) {} }",
        );
        let light = without_bodies(&item).to_string();
        assert!(light.contains("T { a : 1 } ;"), "{light}");
        assert!(light.contains("A < { N } > { }"), "{light}");
        assert!(!light.contains("let x"), "{light}");
        assert!(!light.contains("anything"), "{light}");
        // Not an impl block: as it is.
        let s = tokens("struct S { a: u8 }");
        assert_eq!(without_bodies(&s).to_string(), s.to_string());
    }

    #[test]
    fn only_the_markers_of_the_items_are_stripped() {
        let item = tokens(
            "impl S { #[enter] #[inline] fn e(&mut self) { #[exit] let _x = 1; } \
               #[exit(oops)] fn x(&mut self) {} #[enter::other] fn y(&self) {} \
               #[suppress] fn s(&self, e: ErrorRef<'_>) -> bool { false } }",
        );
        let out = strip_markers(item).to_string();
        assert!(!out.contains("# [enter]"), "{out}");
        assert!(!out.contains("# [exit (oops)]"), "{out}");
        assert!(!out.contains("# [suppress]"), "{out}");
        assert!(out.contains("# [inline]"), "{out}");
        assert!(out.contains("# [enter :: other]"), "{out}");
        // Inside a body: not an item's marker, left alone.
        assert!(out.contains("# [exit] let _x"), "{out}");
    }
}
