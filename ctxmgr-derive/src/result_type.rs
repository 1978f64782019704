//! The one "is this a `Result`" predicate of the derive and
//! `#[contextmanager]`: both read enter's declared return type by its name.
//!
//! A return type whose last path segment is `Result` (`Result<V, E>`,
//! `io::Result<V>`, `anyhow::Result<V>`, `fmt::Result`) is fallible: the
//! type system then reads `V` and `E` through `__private::EnterResult`, so
//! any such alias works. A macro's `$ret:ty` arrives wrapped in an invisible
//! group (`Type::Group`), which is looked through, as are parentheses.
//!
//! A path type named otherwise might still be an alias of `Result`
//! (`type Res<T> = Result<T, E>`): the name cannot tell, so the expansions
//! ask the type system ([`may_be_an_alias`]), through
//! `__private::EnterValueProbe`, and a `Result` there is a compile error
//! asking for `Result<..>`. Never a manager whose body runs after a failed
//! enter with the `Err` bound as its value.

use syn::{GenericArgument, PathArguments, PathSegment, Type};

/// The last segment of a path type, through invisible groups and parens.
pub fn last_segment(ty: &Type) -> Option<&PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

/// `true` for a type named `Result` (any alias of that name).
pub fn is_result(ty: &Type) -> bool {
    matches!(last_segment(ty), Some(s) if s.ident == "Result")
}

/// For a type named `Result`, its value type (the first type argument), or
/// `Some(None)` for an alias without arguments (`fmt::Result`).
pub fn result_value(ty: &Type) -> Option<Option<&Type>> {
    let seg = last_segment(ty)?;
    if seg.ident != "Result" {
        return None;
    }
    if let PathArguments::AngleBracketed(args) = &seg.arguments {
        for arg in args.args.pairs() {
            if let GenericArgument::Type(t) = arg.value() {
                return Some(Some(t));
            }
        }
    }
    Some(None)
}

/// A type not named `Result` that could still be one: a path type (an
/// alias, a projection), through groups and parens. References, tuples,
/// arrays, `impl Trait` and the like never are.
pub fn may_be_an_alias(ty: &Type) -> bool {
    match ty {
        Type::Path(_) => !is_result(ty),
        Type::Group(g) => may_be_an_alias(&g.elem),
        Type::Paren(p) => may_be_an_alias(&p.elem),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(s: &str) -> Type {
        syn::parse_str(s).unwrap()
    }

    #[test]
    fn named_result_through_groups_and_parens() {
        for s in [
            "Result<u8, E>",
            "io::Result<u8>",
            "fmt::Result",
            "(Result<u8, E>)",
        ] {
            assert!(is_result(&ty(s)), "{s}");
            assert!(!may_be_an_alias(&ty(s)), "{s}");
        }
        // What a macro's `$ret:ty` hands over: the type in an invisible group.
        let grouped: Type = syn::parse2(
            proc_macro2::TokenTree::Group(proc_macro2::Group::new(
                proc_macro2::Delimiter::None,
                quote::quote!(io::Result<u8>),
            ))
            .into(),
        )
        .unwrap();
        assert!(matches!(grouped, Type::Group(_)));
        assert!(is_result(&grouped));
        assert_eq!(
            result_value(&grouped)
                .flatten()
                .map(|t| quote::quote!(#t).to_string()),
            Some("u8".to_string())
        );
        assert!(matches!(result_value(&ty("fmt::Result")), Some(None)));
    }

    #[test]
    fn other_paths_may_be_aliases_references_are_not() {
        for s in ["Res<u8>", "Self::Out", "u8", "(Res<u8>)"] {
            assert!(may_be_an_alias(&ty(s)), "{s}");
            assert!(!is_result(&ty(s)), "{s}");
        }
        for s in ["&mut Self", "(u8, u8)", "[u8; 2]", "()"] {
            assert!(!may_be_an_alias(&ty(s)), "{s}");
        }
    }
}
