//! Rewrite stage of `with!`: every way out of the body that `with!` must
//! see (`?`, `return`, `break`/`continue` to targets outside) becomes a
//! *site*: store what it carries, record which site it was, and leave the
//! body's labelled block. Expand then runs exit and resumes the site.
//!
//! Left alone, because they belong to something else: closures, async
//! blocks, const blocks, `try` blocks, nested items, and `break`/`continue`
//! whose target is a loop or labelled block inside the body.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::punctuated::Punctuated;
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Lifetime, Macro, Stmt, Token};

use super::expand::Ctx;

/// A way out of the body, resumed after exit.
pub enum SiteKind {
    /// `expr?`: the residual is stored in its own slot (types differ per site).
    Try,
    /// `return` / `return expr`: all share one slot of the function's
    /// return type.
    Return,
    /// `break` to a loop or block outside the body, `value` when it carries
    /// a value (stored in the site's slot).
    Break {
        label: Option<Lifetime>,
        value: bool,
    },
    /// `continue` to a loop outside the body.
    Continue { label: Option<Lifetime> },
}

pub struct Site {
    /// Non-zero.
    pub index: u32,
    pub kind: SiteKind,
}

/// Names of the generated locals of one expansion. They are spanned with
/// `Span::mixed_site()` (invisible to user code) and numbered (nested
/// expansions of one macro call share a hygiene context).
pub struct Names {
    pub id: usize,
    /// Of the block holding the bound value: sites break out of it.
    pub label: Lifetime,
    /// Of the block yielding the `with!`'s value.
    pub outer: Lifetime,
    pub flow: syn::Ident,
    pub ret: syn::Ident,
}

impl Names {
    pub fn new(id: usize) -> Self {
        let span = Span::mixed_site();
        Names {
            id,
            label: Lifetime::new(&format!("'__ctxmgr_body_{id}"), span),
            outer: Lifetime::new(&format!("'__ctxmgr_with_{id}"), span),
            flow: syn::Ident::new(&format!("__ctxmgr_flow_{id}"), span),
            ret: syn::Ident::new(&format!("__ctxmgr_ret_{id}"), span),
        }
    }

    /// The slot of a `?` or a valued `break` site.
    pub fn slot(&self, index: u32) -> syn::Ident {
        syn::Ident::new(
            &format!("__ctxmgr_slot_{}_{index}", self.id),
            Span::mixed_site(),
        )
    }
}

pub struct Rewriter<'c> {
    ctx: &'c Ctx,
    names: &'c Names,
    pub sites: Vec<Site>,
    /// Loops entered inside the body: an unlabelled `break`/`continue`
    /// targets one of them when non-zero.
    loops: usize,
    /// Labels of loops and blocks defined inside the body, innermost last.
    labels: Vec<String>,
}

/// Std macros whose arguments are expressions: a `?` in them is rewritten
/// like any other.
const EXPR_MACROS: &[&str] = &[
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

/// Is this macro a `with!` we expand in place (so its resumption code is
/// seen by the enclosing one)?
pub fn is_with_macro(mac: &Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|s| s.ident == "with" || s.ident == "with_impl")
}

impl<'c> Rewriter<'c> {
    pub fn new(ctx: &'c Ctx, names: &'c Names) -> Self {
        Rewriter {
            ctx,
            names,
            sites: Vec::new(),
            loops: 0,
            labels: Vec::new(),
        }
    }

    fn next_index(&self) -> u32 {
        u32::try_from(self.sites.len() + 1).unwrap_or(u32::MAX)
    }

    /// Index of the site to reuse or create for a kind that can be shared.
    fn shared_site(&mut self, kind: SiteKind) -> u32 {
        let same = |a: &SiteKind| match (a, &kind) {
            (SiteKind::Return, SiteKind::Return) => true,
            (
                SiteKind::Break {
                    label: l1,
                    value: v1,
                },
                SiteKind::Break {
                    label: l2,
                    value: v2,
                },
            ) => v1 == v2 && label_eq(l1.as_ref(), l2.as_ref()),
            (SiteKind::Continue { label: l1 }, SiteKind::Continue { label: l2 }) => {
                label_eq(l1.as_ref(), l2.as_ref())
            }
            _ => false,
        };
        if let Some(site) = self.sites.iter().find(|s| same(&s.kind)) {
            return site.index;
        }
        let index = self.next_index();
        self.sites.push(Site { index, kind });
        index
    }

    fn targets_outside(&self, label: Option<&Lifetime>) -> bool {
        match label {
            None => self.loops == 0,
            Some(l) => !self.labels.iter().any(|x| l.ident == x),
        }
    }

    /// `{ <store>; FLOW = i; break 'body; }`
    fn leave(&self, index: u32, store: TokenStream) -> Expr {
        let Names { label, flow, .. } = self.names;
        // Already visited: kept as tokens, not parsed back; parenthesized so
        // that, as tokens, it stays one operand wherever the user's
        // `return`/`break` stood (`return > x` is an expression too).
        let out = quote_spanned! {Span::mixed_site()=>
            ({
                #store
                #flow = #index;
                break #label;
            })
        };
        Expr::Verbatim(out)
    }

    fn rewrite_try(&mut self, t: &mut syn::ExprTry) -> Expr {
        let index = self.next_index();
        self.sites.push(Site {
            index,
            kind: SiteKind::Try,
        });
        let krate = &self.ctx.krate;
        let slot = self.names.slot(index);
        let inner = &t.expr;
        let branch = quote_spanned!(t.question_token.span=> #krate::__private::branch);
        let leave = self.leave(
            index,
            quote_spanned!(Span::mixed_site()=> #slot = #krate::__private::Some(__ctxmgr_r);),
        );
        // Parenthesized: as tokens, nothing else would keep `x?.f();` from
        // starting a statement with a `match`.
        let out = quote_spanned! {Span::mixed_site()=>
            (match #branch(#inner) {
                #krate::__private::ControlFlow::Continue(__ctxmgr_v) => __ctxmgr_v,
                #krate::__private::ControlFlow::Break(__ctxmgr_r) => #leave,
            })
        };
        Expr::Verbatim(out)
    }

    fn rewrite_macro(&mut self, mac: &mut Macro) -> Option<Expr> {
        if is_with_macro(mac) {
            // Expand the nested `with!` here, then visit its expansion: its
            // resumption code (`?`, `return`, `break`) leaves *our* body.
            let mut expr = self.ctx.expand_nested(mac)?;
            self.visit_expr_mut(&mut expr);
            return Some(expr);
        }
        let name = mac.path.segments.last()?.ident.to_string();
        if !EXPR_MACROS.contains(&name.as_str()) {
            return None;
        }
        let before = self.sites.len();
        if name == "vec" {
            if let Ok(mut rep) = syn::parse2::<VecRepeat>(mac.tokens.clone()) {
                self.visit_expr_mut(&mut rep.elem);
                self.visit_expr_mut(&mut rep.len);
                if self.sites.len() != before {
                    mac.tokens = rep.into_token_stream();
                }
                return None;
            }
        }
        let parser = Punctuated::<Expr, Token![,]>::parse_terminated;
        if let Ok(mut args) = syn::parse::Parser::parse2(parser, mac.tokens.clone()) {
            for arg in &mut args {
                self.visit_expr_mut(arg);
            }
            if self.sites.len() != before {
                mac.tokens = args.into_token_stream();
            }
        }
        None
    }

    fn with_label<R>(&mut self, label: Option<&syn::Label>, f: impl FnOnce(&mut Self) -> R) -> R {
        if let Some(l) = label {
            self.labels.push(l.name.ident.to_string());
        }
        let r = f(self);
        if label.is_some() {
            self.labels.pop();
        }
        r
    }

    fn in_loop<R>(&mut self, label: Option<&syn::Label>, f: impl FnOnce(&mut Self) -> R) -> R {
        self.loops += 1;
        let r = self.with_label(label, f);
        self.loops -= 1;
        r
    }
}

/// Generated code as an expression. It always parses, but it embeds user
/// tokens, so rather than trust that, fall back to the raw tokens and let the
/// compiler report whatever is wrong with them: never a macro panic.
pub fn generated_expr(tokens: TokenStream) -> Expr {
    match syn::parse2(tokens.clone()) {
        Ok(expr) => expr,
        Err(_) => Expr::Verbatim(tokens),
    }
}

fn label_eq(a: Option<&Lifetime>, b: Option<&Lifetime>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.ident == b.ident,
        _ => false,
    }
}

/// `vec![elem; len]`.
struct VecRepeat {
    elem: Expr,
    semi: Token![;],
    len: Expr,
}

impl syn::parse::Parse for VecRepeat {
    fn parse(input: syn::parse::ParseStream) -> syn::Result<Self> {
        Ok(VecRepeat {
            elem: input.parse()?,
            semi: input.parse()?,
            len: input.parse()?,
        })
    }
}

impl ToTokens for VecRepeat {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.elem.to_tokens(tokens);
        self.semi.to_tokens(tokens);
        self.len.to_tokens(tokens);
    }
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        match expr {
            // Their `?`, `return`, `break` and `continue` are their own.
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) | Expr::TryBlock(_) => {}
            // Input:  expr?
            // Output: match branch(expr) { Continue(v) => v, Break(r) => { SLOT = Some(r); FLOW = i; break 'body None } }
            Expr::Try(t) => {
                self.visit_expr_mut(&mut t.expr);
                *expr = self.rewrite_try(t);
            }
            // Input:  return expr
            // Output: { RET = Some(expr); FLOW = i; break 'body None }
            Expr::Return(r) => {
                if let Some(e) = &mut r.expr {
                    self.visit_expr_mut(e);
                }
                let index = self.shared_site(SiteKind::Return);
                let krate = &self.ctx.krate;
                let ret = &self.names.ret;
                let value = match &r.expr {
                    Some(e) => e.to_token_stream(),
                    None => quote_spanned!(r.return_token.span=> ()),
                };
                *expr = self.leave(index, quote!(#ret = #krate::__private::Some(#value);));
            }
            // Input:  break 'outer value
            // Output: { SLOT = Some(value); FLOW = i; break 'body None }
            Expr::Break(b) => {
                if let Some(e) = &mut b.expr {
                    self.visit_expr_mut(e);
                }
                if self.targets_outside(b.label.as_ref()) {
                    let index = self.shared_site(SiteKind::Break {
                        label: b.label.clone(),
                        value: b.expr.is_some(),
                    });
                    let store = match &b.expr {
                        Some(e) => {
                            let krate = &self.ctx.krate;
                            let slot = self.names.slot(index);
                            quote!(#slot = #krate::__private::Some(#e);)
                        }
                        None => TokenStream::new(),
                    };
                    *expr = self.leave(index, store);
                }
            }
            // Input:  continue 'outer
            // Output: { FLOW = i; break 'body None }
            Expr::Continue(c) => {
                if self.targets_outside(c.label.as_ref()) {
                    let index = self.shared_site(SiteKind::Continue {
                        label: c.label.clone(),
                    });
                    *expr = self.leave(index, TokenStream::new());
                }
            }
            Expr::ForLoop(f) => {
                // The iterator expression is outside the loop it feeds.
                self.visit_expr_mut(&mut f.expr);
                self.in_loop(f.label.as_ref(), |this| this.visit_block_mut(&mut f.body));
            }
            Expr::While(w) => {
                self.in_loop(w.label.as_ref(), |this| {
                    this.visit_expr_mut(&mut w.cond);
                    this.visit_block_mut(&mut w.body);
                });
            }
            Expr::Loop(l) => {
                self.in_loop(l.label.as_ref(), |this| this.visit_block_mut(&mut l.body));
            }
            Expr::Block(b) if b.label.is_some() => {
                self.with_label(b.label.as_ref(), |this| this.visit_block_mut(&mut b.block));
            }
            Expr::Macro(m) => {
                if let Some(new) = self.rewrite_macro(&mut m.mac) {
                    *expr = new;
                }
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_stmt_mut(&mut self, stmt: &mut Stmt) {
        if let Stmt::Macro(m) = stmt {
            if let Some(new) = self.rewrite_macro(&mut m.mac) {
                *stmt = Stmt::Expr(new, m.semi_token.take());
            }
            return;
        }
        visit_mut::visit_stmt_mut(self, stmt);
    }

    // Nested items have their own control flow.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}
