//! Type predicates of the validation stage: what a method's argument or
//! return type is (`ErrorRef`, `bool`, `Outcome`, a primitive, a reference),
//! how a message shows it.

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

use crate::result_type::last_segment;

/// The lifetime of `ContextManager::Value<'a>` in generated code: elided
/// lifetimes, `'_` and the receiver's named lifetime in enter's return type
/// become this one.
pub const VALUE_LIFETIME: &str = "'__ctxmgr_a";

/// `ErrorRef<..>` under any path (`ctxmgr::ErrorRef<'_>`).
pub(super) fn is_error_ref(ty: &Type) -> bool {
    matches!(last_segment(ty), Some(s) if s.ident == "ErrorRef")
}

/// `bool` (or `core::primitive::bool`).
pub(super) fn is_bool(ty: &Type) -> bool {
    match ty {
        Type::Group(g) => is_bool(&g.elem),
        Type::Paren(p) => is_bool(&p.elem),
        Type::Path(p) => {
            p.qself.is_none()
                && (p.path.is_ident("bool")
                    || matches!(p.path.segments.last(), Some(s)
                        if s.ident == "bool" && p.path.segments.len() > 1 && s.arguments.is_empty()))
        }
        _ => false,
    }
}

/// A type as a message shows it: `&Outcome<'_>`, not `& Outcome < '_ >`.
pub(super) fn type_text(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    let text = replace_ascii(&text, " < ", "<");
    let text = replace_ascii(&text, " >", ">");
    let text = replace_ascii(&text, "& ", "&");
    let text = replace_ascii(&text, ":: ", "::");
    replace_ascii(&text, " ::", "::")
}

/// `text.replace(from, to)` for an ASCII `from`, without `str::replace`'s
/// generic pattern machinery (compiled into this crate per pattern type).
pub(super) fn replace_ascii(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // `copied` is where the text not yet copied starts. A match starts at
    // an ASCII byte, so both ends of every slice are char boundaries.
    let (mut copied, mut i) = (0, 0);
    while i + from.len() <= text.len() {
        if text.as_bytes()[i..].starts_with(from.as_bytes()) {
            out.push_str(&text[copied..i]);
            out.push_str(to);
            i += from.len();
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// `bool`, `u8`, `str`, ...: a path that is never a `Result`.
pub(super) fn is_primitive(ty: &Type) -> bool {
    const PRIMITIVES: &[&str] = &[
        "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32",
        "i64", "i128", "isize", "f32", "f64",
    ];
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            for name in PRIMITIVES {
                if p.path.is_ident(name) {
                    return true;
                }
            }
            false
        }
        Type::Group(g) => is_primitive(&g.elem),
        Type::Paren(p) => is_primitive(&p.elem),
        _ => false,
    }
}

pub(super) fn is_outcome(ty: &Type) -> bool {
    matches!(last_segment(ty), Some(s) if s.ident == "Outcome")
}

pub(super) fn first_type_arg_mut(ty: &mut Type) -> Option<&mut Type> {
    let p = match ty {
        Type::Path(p) => p,
        Type::Group(g) => return first_type_arg_mut(&mut g.elem),
        Type::Paren(p) => return first_type_arg_mut(&mut p.elem),
        _ => return None,
    };
    let seg = p.path.segments.last_mut()?;
    let PathArguments::AngleBracketed(args) = &mut seg.arguments else {
        return None;
    };
    // By index: `iter_mut().find_map(..)` compiles an iterator and its
    // closures for this one search.
    for i in 0..args.args.len() {
        if let Some(GenericArgument::Type(_)) = args.args.get(i) {
            return match args.args.get_mut(i) {
                Some(GenericArgument::Type(t)) => Some(t),
                _ => None,
            };
        }
    }
    None
}

/// The second type argument of a path type (`E` of `Result<V, E>`).
pub(super) fn second_type_arg(ty: &Type) -> Option<&Type> {
    let seg = last_segment(ty)?;
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    let mut seen = 0;
    for arg in args.args.pairs() {
        if let GenericArgument::Type(t) = arg.value() {
            seen += 1;
            if seen == 2 {
                return Some(t);
            }
        }
    }
    None
}

/// How many type arguments the last segment of a path type has
/// (`Result<V, E>`: 2, `io::Result<V>`: 1, `fmt::Result`: 0).
pub(super) fn type_arg_count(ty: &Type) -> usize {
    let Some(seg) = last_segment(ty) else {
        return 0;
    };
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return 0;
    };
    let mut count = 0;
    for arg in args.args.pairs() {
        if let GenericArgument::Type(_) = arg.value() {
            count += 1;
        }
    }
    count
}

pub(super) fn mentions_value_lifetime(ty: &Type) -> bool {
    fn walk(tokens: proc_macro2::TokenStream) -> bool {
        let mut after_quote = false;
        for tt in tokens {
            match tt {
                proc_macro2::TokenTree::Punct(p) => after_quote = p.as_char() == '\'',
                proc_macro2::TokenTree::Ident(i) => {
                    if after_quote && format!("'{i}") == VALUE_LIFETIME {
                        return true;
                    }
                    after_quote = false;
                }
                proc_macro2::TokenTree::Group(g) => {
                    if walk(g.stream()) {
                        return true;
                    }
                    after_quote = false;
                }
                proc_macro2::TokenTree::Literal(_) => after_quote = false,
            }
        }
        false
    }
    walk(ty.to_token_stream())
}

/// References (and tuples, arrays, `Option`s of them) have no destructor:
/// the named guard may drop such a value right after enter.
pub(super) fn is_reference_like(ty: &Type) -> bool {
    match ty {
        Type::Reference(_) => true,
        Type::Paren(p) => is_reference_like(&p.elem),
        Type::Group(g) => is_reference_like(&g.elem),
        Type::Array(a) => is_reference_like(&a.elem),
        Type::Tuple(t) => {
            for e in t.elems.pairs() {
                let e = e.value();
                if !is_reference_like(e) && mentions_value_lifetime(e) {
                    return false;
                }
            }
            true
        }
        Type::Path(_) => match last_segment(ty) {
            Some(seg) if seg.ident == "Option" => match &seg.arguments {
                PathArguments::AngleBracketed(a) if a.args.len() == 1 => match &a.args[0] {
                    GenericArgument::Type(t) => is_reference_like(t),
                    _ => false,
                },
                _ => false,
            },
            _ => false,
        },
        _ => false,
    }
}
