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
/// missing one is not. `written` is the body's tokens as the user wrote
/// them, when the parse kept them (`WithInput::written`): scanned as they
/// are, not printed from the parsed body again.
pub fn opaque_note(body: &Block, written: Option<&TokenStream>) -> Option<String> {
    let tokens = match written {
        Some(tokens) => tokens.clone(),
        None => {
            let mut tokens = TokenStream::new();
            for stmt in &body.stmts {
                stmt.to_tokens(&mut tokens);
            }
            tokens
        }
    };
    let mut names = Vec::new();
    scan_calls(tokens, &mut names);
    let mut names = names.into_iter();
    let mut note = names.next()?;
    for name in names {
        note.push_str(", ");
        note.push_str(&name);
    }
    Some(note)
}

/// Adds to `names` each macro that `tokens` call (`name!(..)`, `[..]`,
/// `{..}`) and `with!` does not look into, once. A name is read (a call
/// across the proc-macro bridge) only where a `!` and a group follow it.
fn scan_calls(tokens: TokenStream, names: &mut Vec<String>) {
    let tts: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
    for (i, tt) in tts.iter().enumerate() {
        match tt {
            proc_macro2::TokenTree::Group(g) => scan_calls(g.stream(), names),
            proc_macro2::TokenTree::Ident(ident) => {
                let call = matches!(
                    (tts.get(i + 1), tts.get(i + 2)),
                    (Some(proc_macro2::TokenTree::Punct(bang)), Some(proc_macro2::TokenTree::Group(_)))
                        if bang.as_char() == '!'
                );
                if !call {
                    continue;
                }
                let name = ident.to_string();
                let seen = EXPR_MACROS.contains(&name.as_str())
                    || INERT_MACROS.contains(&name.as_str())
                    || matches!(name.as_str(), "bail" | "ensure" | "matches" | "with");
                let name = format!("`{name}!`");
                if !seen && !names.contains(&name) {
                    names.push(name);
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
    use super::is_with_macro;

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
