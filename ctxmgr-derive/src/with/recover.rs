//! Recovery of a `with!` body that does not parse, for rust-analyzer's
//! completion inside it (see [`recover_block`]).

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::{Block, Expr};

use crate::tokens::{find_punct, stream};

/// A body that does not parse (mid-edit: `f.`, or rust-analyzer's
/// placeholder identifier on an empty line), read statement by statement:
/// each `;`-ended run of tokens that parses is kept as statements; one that
/// does not keeps its unparsable first tokens as they are (closed with `;`)
/// and the statements that parse after them. The sites (`?`, `return`, ..)
/// of every statement that parses are then found as in a valid body, so the
/// expansion has the same shape up to the cursor as the body's valid twin
/// (rust-analyzer finds the cursor at the same offset in both).
///
/// Input:  `{ a()?; placeholder b()?; }`
/// Output: `{ a()?; placeholder; b()?; }` (`placeholder;` closed, the rest
/// parsed: its `?` is a site)
pub(crate) fn recover_block(tokens: TokenStream) -> Option<Block> {
    let group = match tokens.into_iter().next()? {
        TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => g,
        _ => return None,
    };
    let tts: Vec<TokenTree> = group.stream().into_iter().collect();
    let mut stmts = Vec::new();
    let mut start = 0;
    while start < tts.len() {
        let end = match find_punct(&tts[start..], ';') {
            Some(i) => start + i + 1,
            None => tts.len(),
        };
        let chunk = &tts[start..end];
        // The first suffix of the chunk that parses as statements (as a
        // block's: the one parse of a `Block` this crate compiles anyway).
        let mut found = None;
        for k in 0..chunk.len() {
            let braced = proc_macro2::Group::new(Delimiter::Brace, stream(&chunk[k..]));
            if let Ok(parsed) = syn::parse2::<Block>(TokenTree::Group(braced).into()) {
                found = Some((k, parsed.stmts));
                break;
            }
        }
        match found {
            Some((0, parsed)) => stmts.extend(parsed),
            Some((k, parsed)) => {
                // An expression before a statement (rust-analyzer's
                // placeholder on an empty line, or a missing `;`) is closed
                // with a `;`, so the statement after it starts a statement
                // (rust-analyzer then offers `let`, ..); anything else stays
                // as it is. The caller reports syn's error either way.
                match syn::parse2::<Expr>(stream(&chunk[..k])) {
                    Ok(expr) => {
                        let semi = syn::Token![;](chunk[k - 1].span());
                        stmts.push(syn::Stmt::Expr(expr, Some(semi)));
                    }
                    Err(_) => {
                        stmts.push(syn::Stmt::Expr(Expr::Verbatim(stream(&chunk[..k])), None))
                    }
                }
                stmts.extend(parsed);
            }
            None => {
                let bad = stream(chunk);
                stmts.push(syn::Stmt::Expr(Expr::Verbatim(bad), None));
            }
        }
        start = end;
    }
    Some(Block {
        brace_token: syn::token::Brace(group.delim_span()),
        stmts,
    })
}
