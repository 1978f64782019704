//! Macro calls in a `with!` body, as the rewrite stage sees them: the std
//! macros whose arguments it looks into, our own `with!` (expanded in place),
//! the expansion handed back as a block, and the macros it cannot see into,
//! which the guard's drop names. Plain functions of tokens: a leaf.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{Block, Expr, Macro, Stmt};

/// Std macros whose arguments are expressions: a `?` in them is rewritten
/// like any other.
pub const EXPR_MACROS: &[&str] = &[
    "assert",
    "assert_eq",
    "assert_ne",
    "dbg",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "eprint",
    "eprintln",
    "format",
    "format_args",
    "panic",
    "print",
    "println",
    "todo",
    "unimplemented",
    "unreachable",
    "vec",
    "write",
    "writeln",
];

/// Std macros that take no expression of the body: nothing in them can
/// leave it.
const INERT_MACROS: &[&str] = &[
    "cfg",
    "column",
    "compile_error",
    "concat",
    "env",
    "file",
    "include_bytes",
    "include_str",
    "line",
    "module_path",
    "option_env",
    "stringify",
];

/// The macros a body calls that `with!` does not look into, as the guard's
/// drop panic names them: "`give_up!`, `log!`" (`None` when there are none).
/// A token scan of the body as written, nested `with!` bodies, closures and
/// items included: listing a macro that cannot leave the body is harmless,
/// missing one is not. `scanned` is what the parse found in the body's own
/// tokens (`WithInput::opaque`); without it the parsed body is printed and
/// scanned.
pub fn opaque_note(body: &Block, scanned: Option<Vec<String>>) -> Option<String> {
    let names = match scanned {
        Some(names) => names,
        None => {
            let mut tokens = TokenStream::new();
            for stmt in &body.stmts {
                stmt.to_tokens(&mut tokens);
            }
            scan_body(&tokens).opaque
        }
    };
    let mut names = names.into_iter();
    let mut note = names.next()?;
    for name in names {
        note.push_str(", ");
        note.push_str(&name);
    }
    Some(note)
}

/// Keywords of every edition that an expression's `!(..)` can follow
/// (`if !(a && b)`): never a macro's name.
const NOT_A_MACRO: &[&str] = &[
    "break", "else", "if", "in", "let", "match", "return", "while",
];

/// What one walk of a body's tokens finds.
pub struct BodyScan {
    /// Nothing in the body that the rewrite stage changes or looks into:
    /// no `?`, no `return`, `break` or `continue`, no macro call
    /// (`name!(..)`). Such a body is emitted as written, not printed back
    /// from syn's tree. Conservative: a `?` or `return` in a closure or a
    /// nested `fn` sends the body the long way too. So does a body that is
    /// one parenthesized expression, which the rewrite would take for one
    /// of its own parenthesized sites.
    pub inert: bool,
    /// The macros it calls that `with!` does not look into, each once, as
    /// `opaque_note` lists them.
    pub opaque: Vec<String>,
}

/// Scans a body's tokens: one walk, which reads a name (a call across the
/// proc-macro bridge) only where it can matter: before `!` and a group (a
/// macro call, unless the name is a keyword: `if !(..)`), or while the body
/// still looks inert.
pub fn scan_body(tokens: &TokenStream) -> BodyScan {
    let tts: Vec<proc_macro2::TokenTree> = tokens.clone().into_iter().collect();
    let one_paren = matches!(
        tts.as_slice(),
        [proc_macro2::TokenTree::Group(g)] if g.delimiter() == proc_macro2::Delimiter::Parenthesis
    );
    let mut scan = BodyScan {
        inert: !one_paren,
        opaque: Vec::new(),
    };
    walk(&tts, &mut scan);
    scan
}

fn walk(tts: &[proc_macro2::TokenTree], scan: &mut BodyScan) {
    for (i, tt) in tts.iter().enumerate() {
        match tt {
            proc_macro2::TokenTree::Group(g) => {
                let inner: Vec<proc_macro2::TokenTree> = g.stream().into_iter().collect();
                walk(&inner, scan);
            }
            proc_macro2::TokenTree::Punct(p) if p.as_char() == '?' => scan.inert = false,
            proc_macro2::TokenTree::Ident(ident) => {
                let bang_group = matches!(
                    (tts.get(i + 1), tts.get(i + 2)),
                    (Some(proc_macro2::TokenTree::Punct(bang)), Some(proc_macro2::TokenTree::Group(_)))
                        if bang.as_char() == '!'
                );
                if !bang_group && !scan.inert {
                    continue;
                }
                let name = ident.to_string();
                if bang_group && !NOT_A_MACRO.contains(&name.as_str()) {
                    scan.inert = false;
                    let seen = EXPR_MACROS.contains(&name.as_str())
                        || INERT_MACROS.contains(&name.as_str())
                        || matches!(name.as_str(), "bail" | "ensure" | "matches" | "with");
                    let name = format!("`{name}!`");
                    if !seen && !scan.opaque.contains(&name) {
                        scan.opaque.push(name);
                    }
                } else if matches!(name.as_str(), "return" | "break" | "continue") {
                    scan.inert = false;
                }
            }
            _ => {}
        }
    }
}

/// Is this macro our own `with!`, to expand in place (so its resumption
/// code is seen by the enclosing one)? `with!` (imported), `ctxmgr::with!`
/// (also renamed, and as `$crate::with!`), and the `with_impl!` that
/// `ctxmgr::with!` forwards to. Another crate's `…::with!` is left alone.
pub fn is_with_macro(mac: &Macro) -> bool {
    let segments = &mac.path.segments;
    let name = |i: usize| segments[i].ident.to_string();
    match segments.len() {
        1 => name(0) == "with" && mac.path.leading_colon.is_none(),
        2 => {
            let krate = name(0);
            name(1) == "with"
                && (krate == "ctxmgr" || krate == "$crate" || krate == crate::krate::runtime_name())
        }
        3 => name(1) == "__private" && name(2) == "with_impl",
        _ => false,
    }
}

/// A nested `with!`'s expansion, `{ STMTS }`, as the block expression it
/// is (not parsed: its statements stay opaque tokens), so that where it
/// starts a statement (`with!(..).method();`) syn's printer parenthesizes
/// it as it would any block.
pub fn as_block(tokens: TokenStream) -> Expr {
    let mut iter = tokens.clone().into_iter();
    let (Some(proc_macro2::TokenTree::Group(group)), None) = (iter.next(), iter.next()) else {
        return Expr::Verbatim(tokens);
    };
    if group.delimiter() != proc_macro2::Delimiter::Brace {
        return Expr::Verbatim(tokens);
    }
    Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: Block {
            brace_token: syn::token::Brace(group.delim_span()),
            stmts: vec![Stmt::Expr(Expr::Verbatim(group.stream()), None)],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::{is_with_macro, scan_body};

    #[test]
    fn opaque_calls_are_named_once_and_keywords_are_not_calls() {
        let scan = scan_body(
            &"if !(ready) { log!(a); } while !(done) { log!(b); give_up!(); println!(\"x\"); }"
                .parse()
                .expect("tokens"),
        );
        assert_eq!(scan.opaque, ["`log!`", "`give_up!`"]);
        assert!(!scan.inert, "a macro call is looked into");
        let scan = scan_body(&"if !(ready) { 1 } else { 2 }".parse().expect("tokens"));
        assert!(scan.opaque.is_empty() && scan.inert);
    }

    fn mac(path: &str) -> syn::Macro {
        syn::parse_str(&format!("{path}!(m => {{}})")).expect("a macro call")
    }

    #[test]
    fn only_our_own_with_is_expanded_in_place() {
        // (`$crate::with!` is not Rust source, so not parsed here.)
        for ours in ["with", "ctxmgr::with", "ctxmgr::__private::with_impl"] {
            assert!(is_with_macro(&mac(ours)), "{ours}");
        }
        for theirs in ["other::with", "::with", "a::b::with", "with_impl", "withx"] {
            assert!(!is_with_macro(&mac(theirs)), "{theirs}");
        }
    }
}
