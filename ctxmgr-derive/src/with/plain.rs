//! What `with!` emits as the user wrote it, without syn parsing it and
//! printing it back: a manager expression that is a plain path, call or
//! method chain ([`is_plain_expr`]), a binding that is one name
//! ([`plain_binding`]). (A body with nothing to rewrite is found by
//! `macros::scan_body`.)
//! Parsing and printing are most of what `with!` itself costs in a user's
//! build (its proc macro runs unoptimized there). Conservative scans of
//! tokens: whatever they do not accept goes the long way, through syn,
//! which reports what is wrong. A leaf of the parse stage.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::Pat;

use crate::tokens::{find_punct, is_punct};

/// Rust's keywords (strict, reserved and the 2018+ ones): never a plain
/// name, in an expression or a binding.
const KEYWORDS: &[&str] = &[
    "Self", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// A name, or `self`/`Self`/`crate`/`super` where a path may start with
/// one (`path_start`).
fn is_name(tt: &TokenTree, path_start: bool) -> bool {
    let TokenTree::Ident(ident) = tt else {
        return false;
    };
    let name = ident.to_string();
    (path_start && matches!(name.as_str(), "self" | "Self" | "crate" | "super"))
        || (name != "_" && !KEYWORDS.contains(&name.as_str()))
}

/// Is `tts` a plain expression: `[&[mut]] PATH` followed by calls
/// `(ARGS)` and method calls or fields `.NAME`, each argument plain too or
/// a literal? `Lock::new(&a, 5)`, `&mut conn`, `pool.get().lock()`. The
/// common manager expression, which syn need not parse: it holds nothing
/// the rewrite changes (no `?`, `return`, `break`, macro call) and nothing
/// it could fail to parse. Anything else is parsed by syn, which reports
/// what is wrong.
pub fn is_plain_expr(tts: &[TokenTree]) -> bool {
    let mut at = 0;
    if is_punct_at(tts, at, '&') {
        at += 1;
        if matches!(tts.get(at), Some(TokenTree::Ident(i)) if i == "mut") {
            at += 1;
        }
    }
    // PATH: `[::] NAME (:: NAME)*`, no generic arguments.
    // A path from `::` cannot start with `self`, `crate`, ..
    let mut first = !is_colons(tts, at);
    if !first {
        at += 2;
    }
    loop {
        match tts.get(at) {
            Some(tt) if is_name(tt, first) => at += 1,
            _ => return false,
        }
        first = false;
        if is_colons(tts, at) && !matches!(tts.get(at + 2), Some(TokenTree::Punct(_))) {
            at += 2;
        } else {
            break;
        }
    }
    // Calls and `.NAME`s.
    while let Some(tt) = tts.get(at) {
        match tt {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                if !are_plain_args(g.stream()) {
                    return false;
                }
            }
            TokenTree::Punct(dot) if dot.as_char() == '.' && dot.spacing() == Spacing::Alone => {
                at += 1;
                match tts.get(at) {
                    Some(tt) if is_name(tt, false) => {}
                    _ => return false,
                }
            }
            _ => return false,
        }
        at += 1;
    }
    true
}

/// `A, B, ..` (a trailing `,` allowed), each a literal or a plain
/// expression.
fn are_plain_args(args: TokenStream) -> bool {
    let tts: Vec<TokenTree> = args.into_iter().collect();
    let mut rest = &tts[..];
    // Each argument up to its `,`; `f(a,)` leaves nothing after the last.
    while !rest.is_empty() {
        let (arg, after) = match find_punct(rest, ',') {
            Some(comma) => (&rest[..comma], &rest[comma + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        let plain = match arg {
            [TokenTree::Literal(_)] => true,
            arg => !arg.is_empty() && is_plain_expr(arg),
        };
        if !plain {
            return false;
        }
        rest = after;
    }
    true
}

/// `::` at `at`.
fn is_colons(tts: &[TokenTree], at: usize) -> bool {
    matches!((tts.get(at), tts.get(at + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':')
}

fn is_punct_at(tts: &[TokenTree], at: usize, c: char) -> bool {
    match tts.get(at) {
        Some(tt) => is_punct(tt, c),
        None => false,
    }
}

/// `as NAME`: the pattern syn would parse, without parsing it.
pub fn plain_binding(tts: &[TokenTree]) -> Option<Pat> {
    match tts {
        [TokenTree::Ident(ident)] if is_name(&tts[0], false) => Some(Pat::Ident(syn::PatIdent {
            attrs: Vec::new(),
            by_ref: None,
            mutability: None,
            ident: ident.clone(),
            subpat: None,
        })),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::macros::scan_body;
    use super::*;

    fn tts(s: &str) -> Vec<TokenTree> {
        s.parse::<TokenStream>()
            .expect("tokens")
            .into_iter()
            .collect()
    }

    #[test]
    fn plain_expressions_are_ones_syn_parses() {
        let plain = [
            "m",
            "M0::new(a)",
            "Lock::new(&a)",
            "::std::sync::Mutex::new(5)",
            "&mut conn",
            "&conn",
            "pool.get().lock()",
            "open(\"x\", 1,)",
            "self.lock()",
            "Self::new()",
            "crate::m()",
            "super::m()",
            "f()",
            "a.b",
            "a.b.c(d.e(), f)",
            "r#try(x)",
        ];
        for expr in plain {
            assert!(is_plain_expr(&tts(expr)), "{expr}");
            syn::parse_str::<syn::Expr>(expr).expect(expr);
        }
        let not_plain = [
            "",
            "m?",
            "f(x?)",
            "return x",
            "a as b",
            "f::<T>()",
            "&&a",
            "x.0",
            "S { a }",
            "vec![1]",
            "m!()",
            "-1",
            "f(-1)",
            "a + b",
            "f(,)",
            "f(a,,b)",
            "a.await",
            "::self::x",
            "a..b",
            "(a)",
            "f((a))",
            "a.",
            "async",
            "&mut",
            "mut a",
            "f(a b)",
            "a b",
            "match x {}",
            "true",
            "_",
            "f(a) b",
            "a::",
            "a::b::",
            "x.match",
        ];
        for expr in not_plain {
            assert!(!is_plain_expr(&tts(expr)), "{expr}");
        }
    }

    #[test]
    fn plain_bindings_are_one_name() {
        match plain_binding(&tts("file")) {
            Some(Pat::Ident(p)) => assert_eq!(p.ident, "file"),
            _ => panic!("`file` is a plain binding"),
        }
        for pat in [
            "_", "mut f", "ref f", "(a, b)", "self", "Some(x)", "a | b", "",
        ] {
            assert!(plain_binding(&tts(pat)).is_none(), "{pat}");
        }
    }

    #[test]
    fn inert_bodies_have_nothing_to_rewrite() {
        let inert = [
            "a + b",
            "let x = f(); x.len()",
            "if !flag { 1 } else { 2 }",
            "a != b",
            "if !(a) { 1 } else { 2 }",
            "while !(done) { step() }",
            "items.iter().map(|x| x + 1).sum::<u32>()",
            "",
        ];
        for body in inert {
            assert!(scan_body(&body.parse().expect("tokens")).inert, "{body}");
        }
        let not_inert = [
            "x?",
            "f(g()?)",
            "return 1",
            "loop { break }",
            "for x in xs { continue; }",
            "println!(\"{x}\")",
            "with!(m as n, { n })",
            "f(|| x?)",
            "fn g() -> u8 { return 1 }",
            "(match x { _ => 1 })",
        ];
        for body in not_inert {
            assert!(!scan_body(&body.parse().expect("tokens")).inert, "{body}");
        }
    }
}
