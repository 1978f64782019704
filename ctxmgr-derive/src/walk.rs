//! The two traversals the macros need, written by hand: the expressions of a
//! body ([`ExprVisitor`]) and the lifetimes of a type ([`LifetimeVisitor`]).
//!
//! syn's `visit-mut` feature would give them for free, but it is the one syn
//! feature that serde_derive, clap_derive, tokio-macros and thiserror-impl do
//! not enable: with it, adding ctxmgr to a project that already builds syn 3
//! for those made Cargo rebuild syn and every crate above it (`bench/run`,
//! `add_to_typical_tree_vs_thiserror`). Without it, ctxmgr reuses their syn.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::{
    AngleBracketedGenericArguments, Block, Expr, GenericArgument, Item, Lifetime, Macro, Pat, Path,
    PathArguments, Stmt, Token, Type, TypeImplTrait, TypeParamBound,
};

// Lists are walked by `pairs_mut()`, not `&mut list`: syn's `iter_mut()`
// is a boxed trait object whose whole vtable (about 440 lines of LLVM IR)
// is compiled for each element type, where syn's own `pairs` code is
// reused.

/// Visits the expressions of a body. Each method's default walks into the
/// node; override one and call the `walk_*` function to keep walking.
///
/// The walk takes the visitor as `&mut dyn ExprVisitor`, so it is compiled
/// once, not once per visitor (each copy of `walk_expr` was about 700 lines
/// of LLVM IR in ctxmgr-derive's own build, which every user pays).
pub trait ExprVisitor: AsDynVisitor {
    fn visit_expr(&mut self, expr: &mut Expr) {
        walk_expr(self.as_dyn(), expr);
    }
    fn visit_stmt(&mut self, stmt: &mut Stmt) {
        walk_stmt(self.as_dyn(), stmt);
    }
    fn visit_block(&mut self, block: &mut Block) {
        walk_block(self.as_dyn(), block);
    }
    /// A macro call: its tokens are not walked.
    fn visit_macro(&mut self, _mac: &mut Macro) {}
    /// A nested item: not walked (its control flow is its own).
    fn visit_item(&mut self, _item: &mut Item) {}
}

/// The visitor as a trait object, for the default methods (whose `Self`
/// may be unsized) to hand to the walk. Implemented for every visitor.
pub trait AsDynVisitor {
    fn as_dyn(&mut self) -> &mut dyn ExprVisitor;
}

impl<V: ExprVisitor> AsDynVisitor for V {
    fn as_dyn(&mut self) -> &mut dyn ExprVisitor {
        self
    }
}

pub fn walk_block(v: &mut dyn ExprVisitor, block: &mut Block) {
    for stmt in &mut block.stmts {
        v.visit_stmt(stmt);
    }
}

pub fn walk_stmt(v: &mut dyn ExprVisitor, stmt: &mut Stmt) {
    match stmt {
        Stmt::Local(local) => {
            walk_pat(v, &mut local.pat);
            if let Some(init) = &mut local.init {
                v.visit_expr(&mut init.expr);
                if let Some((_, diverge)) = &mut init.diverge {
                    v.visit_expr(diverge);
                }
            }
        }
        Stmt::Item(item) => v.visit_item(item),
        Stmt::Expr(expr, _) => v.visit_expr(expr),
        Stmt::Macro(mac) => v.visit_macro(&mut mac.mac),
    }
}

/// The expressions inside a pattern: match guards.
fn walk_pat(v: &mut dyn ExprVisitor, pat: &mut Pat) {
    match pat {
        Pat::Guard(guard) => {
            walk_pat(v, &mut guard.pat);
            v.visit_expr(&mut guard.guard);
        }
        Pat::Or(or) => {
            for case in or.cases.pairs_mut() {
                walk_pat(v, case.into_value());
            }
        }
        Pat::Paren(paren) => walk_pat(v, &mut paren.pat),
        _ => {}
    }
}

fn walk_exprs(v: &mut dyn ExprVisitor, exprs: &mut Punctuated<Expr, Token![,]>) {
    for expr in exprs.pairs_mut() {
        v.visit_expr(expr.into_value());
    }
}

fn walk_opt(v: &mut dyn ExprVisitor, expr: Option<&mut Box<Expr>>) {
    if let Some(expr) = expr {
        v.visit_expr(expr);
    }
}

pub fn walk_expr(v: &mut dyn ExprVisitor, expr: &mut Expr) {
    match expr {
        Expr::Array(e) => walk_exprs(v, &mut e.elems),
        Expr::Assign(e) => {
            v.visit_expr(&mut e.left);
            v.visit_expr(&mut e.right);
        }
        Expr::Async(e) => v.visit_block(&mut e.block),
        Expr::Await(e) => v.visit_expr(&mut e.base),
        Expr::Binary(e) => {
            v.visit_expr(&mut e.left);
            v.visit_expr(&mut e.right);
        }
        Expr::Block(e) => v.visit_block(&mut e.block),
        Expr::Break(e) => walk_opt(v, e.expr.as_mut()),
        Expr::Call(e) => {
            v.visit_expr(&mut e.func);
            walk_exprs(v, &mut e.args);
        }
        Expr::Cast(e) => v.visit_expr(&mut e.expr),
        Expr::Closure(e) => v.visit_expr(&mut e.body),
        Expr::Const(e) => v.visit_block(&mut e.block),
        Expr::Field(e) => v.visit_expr(&mut e.base),
        Expr::ForLoop(e) => {
            walk_pat(v, &mut e.pat);
            v.visit_expr(&mut e.expr);
            v.visit_block(&mut e.body);
        }
        Expr::Group(e) => v.visit_expr(&mut e.expr),
        Expr::If(e) => {
            v.visit_expr(&mut e.cond);
            v.visit_block(&mut e.then_branch);
            if let Some((_, else_branch)) = &mut e.else_branch {
                v.visit_expr(else_branch);
            }
        }
        Expr::Index(e) => {
            v.visit_expr(&mut e.expr);
            v.visit_expr(&mut e.index);
        }
        Expr::Let(e) => {
            walk_pat(v, &mut e.pat);
            v.visit_expr(&mut e.expr);
        }
        Expr::Loop(e) => v.visit_block(&mut e.body),
        Expr::Macro(e) => v.visit_macro(&mut e.mac),
        Expr::Match(e) => {
            v.visit_expr(&mut e.expr);
            for arm in &mut e.arms {
                walk_pat(v, &mut arm.pat);
                v.visit_expr(&mut arm.body);
            }
        }
        Expr::MethodCall(e) => {
            v.visit_expr(&mut e.receiver);
            walk_exprs(v, &mut e.args);
        }
        Expr::Paren(e) => v.visit_expr(&mut e.expr),
        Expr::Range(e) => {
            walk_opt(v, e.start.as_mut());
            walk_opt(v, e.end.as_mut());
        }
        Expr::RawAddr(e) => v.visit_expr(&mut e.expr),
        Expr::Reference(e) => v.visit_expr(&mut e.expr),
        Expr::Repeat(e) => {
            v.visit_expr(&mut e.expr);
            v.visit_expr(&mut e.len);
        }
        Expr::Return(e) => walk_opt(v, e.expr.as_mut()),
        Expr::Struct(e) => {
            for field in e.fields.pairs_mut() {
                v.visit_expr(&mut field.into_value().expr);
            }
            walk_opt(v, e.rest.as_mut());
        }
        Expr::Try(e) => v.visit_expr(&mut e.expr),
        Expr::TryBlock(e) => v.visit_block(&mut e.block),
        Expr::Tuple(e) => walk_exprs(v, &mut e.elems),
        Expr::Unary(e) => v.visit_expr(&mut e.expr),
        Expr::Unsafe(e) => v.visit_block(&mut e.block),
        Expr::While(e) => {
            v.visit_expr(&mut e.cond);
            v.visit_block(&mut e.body);
        }
        Expr::Yield(e) => walk_opt(v, e.expr.as_mut()),
        // No expressions inside: `continue`, `_`, literals, paths, tokens.
        _ => {}
    }
}

/// Visits the lifetimes of a type, elided ones included. `fn(..)` types
/// and `Fn(..)` sugar are not entered: their elided lifetimes are
/// higher-ranked, not the signature's.
pub trait LifetimeVisitor {
    /// The lifetime to give an elided `&`, or `None` to leave it elided.
    fn elided_reference(&mut self, and_span: Span) -> Option<Lifetime>;
    /// A written lifetime (`'_` included).
    fn visit_lifetime(&mut self, lifetime: &mut Lifetime);
    /// An `impl Trait`: `false` not to enter its bounds.
    fn enter_impl_trait(&mut self, _impl_trait: &TypeImplTrait) -> bool {
        true
    }
}

pub fn walk_type(v: &mut dyn LifetimeVisitor, ty: &mut Type) {
    match ty {
        Type::Array(t) => walk_type(v, &mut t.elem),
        Type::Group(t) => walk_type(v, &mut t.elem),
        Type::Paren(t) => walk_type(v, &mut t.elem),
        Type::Ptr(t) => walk_type(v, &mut t.elem),
        Type::Slice(t) => walk_type(v, &mut t.elem),
        Type::ImplTrait(t) if v.enter_impl_trait(t) => walk_bounds(v, &mut t.bounds),
        Type::Path(t) => {
            if let Some(qself) = &mut t.qself {
                walk_type(v, &mut qself.ty);
            }
            walk_path(v, &mut t.path);
        }
        Type::Reference(t) => {
            match &mut t.lifetime {
                Some(lifetime) => v.visit_lifetime(lifetime),
                None => t.lifetime = v.elided_reference(t.and_token.span),
            }
            walk_type(v, &mut t.elem);
        }
        Type::TraitObject(t) => walk_bounds(v, &mut t.bounds),
        Type::Tuple(t) => {
            for elem in t.elems.pairs_mut() {
                walk_type(v, elem.into_value());
            }
        }
        // `fn(..)` (higher-ranked), `_`, `!`, macros, tokens.
        _ => {}
    }
}

fn walk_path(v: &mut dyn LifetimeVisitor, path: &mut Path) {
    // (syn's own code instantiates this `iter_mut`: reused.)
    for segment in &mut path.segments {
        // `Fn(&str) -> &str`: higher-ranked, not entered.
        if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
            walk_generic_args(v, args);
        }
    }
}

fn walk_generic_args(v: &mut dyn LifetimeVisitor, args: &mut AngleBracketedGenericArguments) {
    for arg in args.args.pairs_mut() {
        match arg.into_value() {
            GenericArgument::Lifetime(lifetime) => v.visit_lifetime(lifetime),
            GenericArgument::Type(ty) => walk_type(v, ty),
            GenericArgument::AssocType(assoc) => {
                if let Some(generics) = &mut assoc.generics {
                    walk_generic_args(v, generics);
                }
                walk_type(v, &mut assoc.ty);
            }
            GenericArgument::Constraint(constraint) => {
                if let Some(generics) = &mut constraint.generics {
                    walk_generic_args(v, generics);
                }
                walk_bounds(v, &mut constraint.bounds);
            }
            _ => {}
        }
    }
}

fn walk_bounds(v: &mut dyn LifetimeVisitor, bounds: &mut Punctuated<TypeParamBound, Token![+]>) {
    for bound in bounds.pairs_mut() {
        match bound.into_value() {
            TypeParamBound::Trait(t) => walk_path(v, &mut t.path),
            TypeParamBound::Lifetime(lifetime) => v.visit_lifetime(lifetime),
            _ => {}
        }
    }
}
