//! Parse stage of `with!`: `KRATE; EXPR as PAT, EXPR => { BODY }`.
//!
//! A top-level `as` is the binding keyword, not a cast, so the input is split
//! by hand at top-level `,`, `as` and `=>` before syn parses each piece.

use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};
use syn::parse::Parser;
use syn::{Block, Expr, Pat};

use super::macros::scan_body;
use super::plain::{is_plain_expr, plain_binding};
use super::recover::recover_block;
use crate::tokens::{find_punct, is_punct, stream};

/// One `[async] EXPR [as PAT]` of a `with!`.
pub struct Manager {
    pub expr: Expr,
    pub pat: Option<Pat>,
    pub flavor: Flavor,
    /// The spans of the expression's first and last tokens, as the user
    /// wrote it (an enclosing level's rewrite may change its tokens).
    pub ends: (Span, Span),
}

impl Manager {
    /// The expression's span as syn's `Spanned` computes it (its first
    /// token's, joined to its last where the compiler can), taken once:
    /// diagnostics about the manager point there.
    pub fn span(&self) -> Span {
        let (first, last) = self.ends;
        first.join(last).unwrap_or(first)
    }
}

/// How one manager's level runs. One expander serves every flavor, and
/// the managers of one `with!` may mix them.
#[derive(Clone, Copy)]
pub enum Flavor {
    /// `EXPR`: entered and exited synchronously, the body an inline block of
    /// the enclosing function.
    Sync,
    /// `async EXPR` (the span is the keyword's): enter and exit awaited,
    /// the body run as an async block polled under `catch_unwind`.
    Async(Span),
}

/// What [`mod@super::expand`] expands: a parsed `with!`, or the body of a
/// function that another attribute macro runs inside managers.
pub struct WithInput {
    /// The path to the runtime crate (`$crate` from `ctxmgr::with!`).
    pub krate: TokenStream,
    /// At least one.
    pub managers: Vec<Manager>,
    pub body: Block,
    /// The macros the body calls that `with!` does not look into, when the
    /// parse scanned the body's tokens as written (a `with!`, not an
    /// attribute's function body): see `macros::opaque_note`.
    pub opaque: Option<Vec<String>>,
}

/// What is left to show when the input is malformed: the error, and the body
/// if it could be found, so rust-analyzer keeps completing inside it.
pub struct Malformed {
    pub error: syn::Error,
    pub body: Option<TokenStream>,
    pub krate: TokenStream,
    /// The managers, when they parsed: the body is then emitted with its
    /// bindings, typed, so no "cannot find value" errors follow the real one.
    pub managers: Vec<Manager>,
    /// The body, when it did not parse, as [`recover_block`] reads it.
    pub recovered: Option<Block>,
}

const SHAPE: &str = "`with!(EXPR as PAT, { ... })`";
const ARROW_SHAPE: &str = "`with!(EXPR as PAT => { ... })`";

fn is_arrow(tts: &[TokenTree], i: usize) -> bool {
    matches!((&tts[i], tts.get(i + 1)),
        (TokenTree::Punct(a), Some(TokenTree::Punct(b)))
            if a.as_char() == '=' && a.spacing() == Spacing::Joint && b.as_char() == '>')
}

fn is_as(tt: &TokenTree) -> bool {
    matches!(tt, TokenTree::Ident(i) if i == "as")
}

/// Splits off the `KRATE ;` prefix that `ctxmgr::with!` adds. A `with!`
/// input has no other top-level `;` (the body is braced).
pub fn split_krate_if_present(input: TokenStream) -> (Option<TokenStream>, Vec<TokenTree>) {
    let tts: Vec<TokenTree> = input.into_iter().collect();
    match find_punct(&tts, ';') {
        Some(semi) => (Some(stream(&tts[..semi])), tts[semi + 1..].to_vec()),
        None => (None, tts),
    }
}

/// Parses a whole `with_impl!` input.
pub fn parse_with(input: TokenStream) -> Result<WithInput, Box<Malformed>> {
    let (krate, tts) = split_krate_if_present(input);
    parse_with_body(krate.unwrap_or_else(|| quote::quote!(::ctxmgr)), &tts)
}

/// Where the body block is: after a top-level `=>` (the arrow spelling,
/// `with!(EXPR as PAT => { BODY })`) or after the last top-level `,` (the
/// comma spelling, `with!(EXPR as PAT, { BODY })`, which rustfmt formats).
enum Split<'t> {
    /// `HEAD => TAIL`; `TAIL` should be one brace group.
    Arrow {
        head: &'t [TokenTree],
        arrow: Span,
        tail: &'t [TokenTree],
    },
    /// `HEAD, { BODY }` (a comma after the body is allowed).
    Comma {
        head: &'t [TokenTree],
        comma: Span,
        body: &'t TokenTree,
    },
    /// Neither: mid-edit, or not a `with!` at all.
    Neither,
}

fn split_body(tts: &[TokenTree]) -> Split<'_> {
    for arrow in 0..tts.len() {
        if is_arrow(tts, arrow) {
            return Split::Arrow {
                head: &tts[..arrow],
                arrow: tts[arrow].span(),
                tail: &tts[arrow + 2..],
            };
        }
    }
    let tts = match tts {
        [rest @ .., TokenTree::Group(_), last] if is_punct(last, ',') => &tts[..rest.len() + 1],
        _ => tts,
    };
    match tts {
        [head @ .., comma, body @ TokenTree::Group(g)]
            if g.delimiter() == Delimiter::Brace && is_punct(comma, ',') =>
        {
            Split::Comma {
                head,
                comma: comma.span(),
                body,
            }
        }
        _ => Split::Neither,
    }
}

/// Parses the part after the crate path.
pub fn parse_with_body(krate: TokenStream, tts: &[TokenTree]) -> Result<WithInput, Box<Malformed>> {
    let malformed = |error: syn::Error, body: Option<TokenStream>| {
        Box::new(Malformed {
            error,
            body,
            krate: krate.clone(),
            managers: Vec::new(),
            recovered: None,
        })
    };
    // The body's tokens, parsed; when they do not parse yet (mid-edit: a
    // half-typed `f.`), they are kept with the managers, so the body is
    // emitted with its bindings typed and rust-analyzer completes in it.
    //
    // A body with nothing to rewrite (`macros::scan_body`) is parsed only to
    // report its syntax errors (the expansion always parses, or holds the
    // error): its tokens are emitted as they are, one statement of the
    // block, not printed back from syn's tree.
    let parse_body = |head: &[TokenTree], body: &TokenTree| {
        let body_tokens = TokenStream::from(body.clone());
        let TokenTree::Group(group) = body else {
            unreachable!("a body is a brace group")
        };
        match syn::parse2::<Block>(body_tokens.clone()) {
            Ok(block) => {
                let scan = scan_body(&group.stream());
                let block = if scan.inert {
                    verbatim_block(group)
                } else {
                    block
                };
                Ok((block, scan.opaque))
            }
            Err(e) => {
                let mut m = malformed(e, Some(body_tokens.clone()));
                m.managers = parse_managers(head).unwrap_or_default();
                m.recovered = recover_block(body_tokens);
                Err(m)
            }
        }
    };
    let (head, sep, body) = match split_body(tts) {
        Split::Arrow { head, arrow, tail } => {
            let body = match tail.first() {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                    if let Some(extra) = tail.get(1) {
                        let mut m = malformed(
                            syn::Error::new(
                                extra.span(),
                                "unexpected tokens after the body block of `with!`",
                            ),
                            Some(TokenStream::from(tail[0].clone())),
                        );
                        m.managers = parse_managers(head).unwrap_or_default();
                        return Err(m);
                    }
                    parse_body(head, &tail[0])?
                }
                other => {
                    let span = other.map_or(arrow, TokenTree::span);
                    return Err(malformed(
                        syn::Error::new(
                            span,
                            format!(
                                "expected a block `{{ ... }}` after `=>` in `with!`: {ARROW_SHAPE}"
                            ),
                        ),
                        None,
                    ));
                }
            };
            (head, arrow, body)
        }
        Split::Comma { head, comma, body } => {
            let body = parse_body(head, body)?;
            (head, comma, body)
        }
        Split::Neither => {
            // Mid-edit: the body may already be there, just without the
            // `,` (or `=>`) before it.
            let body = match tts.last() {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace && tts.len() > 1 => {
                    Some(TokenStream::from(tts[tts.len() - 1].clone()))
                }
                _ => None,
            };
            let span = match (&body, tts.len()) {
                (Some(_), n) => tts[n - 1].span(),
                (None, 0) => Span::call_site(),
                (None, n) => tts[n - 1].span(),
            };
            let msg = if tts.is_empty() {
                format!("`with!` needs a context manager and a body: {SHAPE}")
            } else if body.is_some() {
                format!("expected `,` before the body block: {SHAPE}")
            } else {
                format!("expected `,` followed by the body block: {SHAPE}")
            };
            let mut m = malformed(syn::Error::new(span, msg), body);
            if m.body.is_some() {
                m.managers = parse_managers(&tts[..tts.len() - 1]).unwrap_or_default();
            }
            return Err(m);
        }
    };
    let (body, opaque) = body;
    let body_tokens = || Some(quote::ToTokens::to_token_stream(&body));

    if head.is_empty() {
        return Err(malformed(
            syn::Error::new(
                sep,
                format!("expected a context manager before the body: {SHAPE}"),
            ),
            body_tokens(),
        ));
    }
    let managers = parse_managers(head).map_err(|e| {
        let mut m = malformed(e, body_tokens());
        // `r as &mut T as n`: bind what the user meant, so the cast error
        // is the only one.
        m.managers = parse_managers(&parenthesize_casts(head)).unwrap_or_default();
        m
    })?;
    Ok(WithInput {
        krate,
        managers,
        body,
        opaque: Some(opaque),
    })
}

/// The managers of an attribute, `#[wrap(A as a, B)]`: at least one.
pub fn parse_manager_list(tokens: TokenStream) -> syn::Result<Vec<Manager>> {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    if tts.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "expected a context manager: `#[ctxmgr::wrap(EXPR)]` or `#[ctxmgr::wrap(EXPR as PAT)]`",
        ));
    }
    parse_managers(&tts)
}

/// Each comma-separated piece with two or more top-level `as` gets the
/// part before its last `as` in parentheses: `r as &mut T as n` becomes
/// `(r as &mut T) as n`.
fn parenthesize_casts(head: &[TokenTree]) -> Vec<TokenTree> {
    let mut out = Vec::new();
    let mut rest = head;
    loop {
        let (piece, next) = match find_punct(rest, ',') {
            Some(comma) => (&rest[..comma], Some(&rest[comma + 1..])),
            None => (rest, None),
        };
        if !out.is_empty() {
            out.push(TokenTree::Punct(proc_macro2::Punct::new(
                ',',
                Spacing::Alone,
            )));
        }
        let (mut last_as, mut count) = (None, 0);
        for (at, tt) in piece.iter().enumerate() {
            if is_as(tt) {
                last_as = Some(at);
                count += 1;
            }
        }
        match last_as {
            Some(at) if count >= 2 => {
                let group = proc_macro2::Group::new(Delimiter::Parenthesis, stream(&piece[..at]));
                out.push(TokenTree::Group(group));
                out.extend(piece[at..].iter().cloned());
            }
            _ => out.extend(piece.iter().cloned()),
        }
        match next {
            Some(next) => rest = next,
            None => return out,
        }
    }
}

/// `A as a, B as (x, y), C`. A top-level `,` may also sit inside generic
/// arguments (`Pool::<A, B>::new()`), so a piece that does not parse is
/// joined with the next one before giving up.
fn parse_managers(head: &[TokenTree]) -> syn::Result<Vec<Manager>> {
    // The comma-separated pieces end before `n`: a trailing comma before
    // the body is allowed.
    let n = match head.last() {
        Some(last) if is_punct(last, ',') => head.len() - 1,
        _ => head.len(),
    };
    // Where the piece starting at `from` ends: its comma, or `n`.
    let end_of = |from: usize| match find_punct(&head[from..n], ',') {
        Some(comma) => from + comma,
        None => n,
    };
    let mut managers: Vec<Manager> = Vec::new();
    let mut start = 0;
    loop {
        let mut end = end_of(start);
        // `EXPR as PAT, mut`: the bindings of the manager before are `mut`.
        if let [TokenTree::Ident(kw)] = &head[start..end] {
            if kw == "mut" {
                let made = match managers.last_mut() {
                    Some(Manager { pat: Some(pat), .. }) => make_mut(pat),
                    _ => false,
                };
                if !made {
                    return Err(syn::Error::new(
                        kw.span(),
                        "`mut` after a manager makes the names its pattern binds mutable: \
                         `with!(EXPR as PAT, mut, { ... })`; put it after an `as PAT` that binds a name",
                    ));
                }
                if end == n {
                    return Ok(managers);
                }
                start = end + 1;
                continue;
            }
        }
        // The pieces from `start` to `end`, joined with their commas.
        let mut first_error = None;
        loop {
            match parse_manager(&head[start..end], head.get(end)) {
                Ok(m) => {
                    managers.push(m);
                    break;
                }
                Err(e) => {
                    // The first piece's error is the one reported.
                    let first = first_error.take().unwrap_or(e);
                    if end == n {
                        return Err(first);
                    }
                    first_error = Some(first);
                    end = end_of(end + 1);
                }
            }
        }
        if end == n {
            return Ok(managers);
        }
        start = end + 1;
    }
}

/// A leading `async` keyword, unless it starts an async block or closure
/// (`async { .. }`, `async move ..`, `async |..| ..`).
fn split_async(tts: &[TokenTree]) -> (Flavor, &[TokenTree]) {
    match tts {
        [TokenTree::Ident(kw), next, ..] if kw == "async" => {
            let starts_expr = match next {
                TokenTree::Group(g) => g.delimiter() == Delimiter::Brace,
                TokenTree::Ident(i) => i == "move",
                TokenTree::Punct(p) => p.as_char() == '|',
                TokenTree::Literal(_) => false,
            };
            if starts_expr {
                (Flavor::Sync, tts)
            } else {
                (Flavor::Async(kw.span()), &tts[1..])
            }
        }
        [TokenTree::Ident(kw)] if kw == "async" => (Flavor::Async(kw.span()), &[]),
        _ => (Flavor::Sync, tts),
    }
}

fn parse_manager(tts: &[TokenTree], after: Option<&TokenTree>) -> syn::Result<Manager> {
    let (flavor, tts) = split_async(tts);
    if tts.is_empty() {
        let end_span = match after {
            Some(tt) => tt.span(),
            None => Span::call_site(),
        };
        return Err(syn::Error::new(
            end_span,
            format!("expected a context manager expression: {SHAPE}"),
        ));
    }
    // The top-level `as`s: the first, and how many.
    let (mut as_at, mut as_count) = (None, 0);
    for (at, tt) in tts.iter().enumerate() {
        if is_as(tt) {
            as_at = as_at.or(Some(at));
            as_count += 1;
        }
    }
    if let (Some(first), 2..) = (as_at, as_count) {
        return Err(syn::Error::new(
            tts[first].span(),
            "a cast in the manager expression needs parentheses: \
             `with!((EXPR as TYPE) as PAT => { ... })`; a top-level `as` binds the value",
        ));
    }
    let (expr_tts, pat) = match as_at {
        Some(as_at) => {
            let pat_tts = &tts[as_at + 1..];
            if as_at == 0 {
                return Err(syn::Error::new(
                    tts[0].span(),
                    format!("expected a context manager expression before `as`: {SHAPE}"),
                ));
            }
            if pat_tts.is_empty() {
                return Err(syn::Error::new(
                    tts[as_at].span(),
                    "expected a pattern after `as`, e.g. `as f`, `as (a, b)` or `as _`",
                ));
            }
            let pat = match plain_binding(pat_tts) {
                Some(pat) => Ok(pat),
                None => Pat::parse_multi_with_leading_vert.parse2(stream(pat_tts)),
            };
            let pat = match pat {
                Ok(pat) => pat,
                Err(e) => {
                    return Err(syn::Error::new(
                        e.span(),
                        format!("expected a pattern after `as` in `with!`: {e}"),
                    ))
                }
            };
            (&tts[..as_at], Some(pat))
        }
        None => (tts, None),
    };
    // `async { EXPR }`, the spelling of `async EXPR` that rustfmt formats:
    // an async block is never a manager, so this cannot mean one.
    let (flavor, expr) = match (flavor, expr_tts) {
        (Flavor::Sync, [TokenTree::Ident(kw), TokenTree::Group(g)])
            if kw == "async" && g.delimiter() == Delimiter::Brace =>
        {
            let block = syn::parse2::<Block>(TokenStream::from(expr_tts[1].clone()))?;
            let expr = match <[syn::Stmt; 1]>::try_from(block.stmts) {
                Ok([syn::Stmt::Expr(expr, None)]) => expr,
                Ok([stmt]) => block_expr(g, vec![stmt]),
                Err(stmts) if stmts.is_empty() => {
                    return Err(syn::Error::new(
                        g.span(),
                        "expected a context manager expression inside `async { .. }`: \
                         `with!(async { EXPR } as PAT, { ... })`",
                    ))
                }
                Err(stmts) => block_expr(g, stmts),
            };
            (Flavor::Async(kw.span()), expr)
        }
        // `Lock::new(&a)`, `conn.transaction()`: tokens as they are
        // (nothing in them to rewrite, nothing syn would report).
        (flavor, tts) if is_plain_expr(tts) => {
            let tokens = stream(tts);
            let ends = crate::tokens::first_and_last_span(tokens.clone());
            return Ok(Manager {
                expr: Expr::Verbatim(tokens),
                pat,
                flavor,
                ends,
            });
        }
        (flavor, tts) => (flavor, syn::parse2::<Expr>(stream(tts))?),
    };
    let ends = crate::tokens::first_and_last_span(quote::ToTokens::to_token_stream(&expr));
    Ok(Manager {
        expr,
        pat,
        flavor,
        ends,
    })
}

/// A body block as written: its tokens one statement, not syn's tree.
fn verbatim_block(group: &proc_macro2::Group) -> Block {
    Block {
        brace_token: syn::token::Brace(group.delim_span()),
        stmts: vec![syn::Stmt::Expr(Expr::Verbatim(group.stream()), None)],
    }
}

fn block_expr(g: &proc_macro2::Group, stmts: Vec<syn::Stmt>) -> Expr {
    Expr::Block(syn::ExprBlock {
        attrs: Vec::new(),
        label: None,
        block: Block {
            brace_token: syn::token::Brace(g.delim_span()),
            stmts,
        },
    })
}

/// Makes every name `pat` binds by value `mut`; false when it binds none.
fn make_mut(pat: &mut Pat) -> bool {
    match pat {
        Pat::Ident(p) => {
            if p.by_ref.is_none() && p.mutability.is_none() {
                p.mutability = Some(syn::token::Mut(p.ident.span()));
            }
            let sub = match &mut p.subpat {
                Some((_, sub)) => make_mut(sub),
                None => false,
            };
            p.by_ref.is_none() || sub
        }
        Pat::Tuple(t) => make_all_mut(&mut t.elems),
        Pat::TupleStruct(t) => make_all_mut(&mut t.elems),
        Pat::Slice(t) => make_all_mut(&mut t.elems),
        Pat::Or(t) => make_all_mut(&mut t.cases),
        Pat::Struct(t) => {
            let mut any = false;
            for field in t.fields.pairs_mut() {
                any |= make_mut(&mut field.into_value().pat);
            }
            any
        }
        Pat::Paren(p) => make_mut(&mut p.pat),
        Pat::Type(p) => make_mut(&mut p.pat),
        _ => false,
    }
}

/// [`make_mut`] on each pattern; false when none binds a name.
/// (`pairs_mut()`, not `iter_mut()`: see `crate::walk`.)
fn make_all_mut<P>(pats: &mut syn::punctuated::Punctuated<Pat, P>) -> bool {
    let mut any = false;
    for pat in pats.pairs_mut() {
        any |= make_mut(pat.into_value());
    }
    any
}
