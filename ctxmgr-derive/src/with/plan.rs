//! The typed plan of a `with!` body, what the rewrite stage finds and the
//! render stages read: the sites (the ways out of the body that exit must
//! see), each with what it carries. Data only: the rewrite builds it
//! ([`super::rewrite`]), [`super::sites`] and the renderers turn it into
//! tokens.

use crate::tokens::Trees;
use proc_macro2::{Span, TokenStream};
use quote::quote_spanned;
use syn::Lifetime;

/// The value site `index` (from 1) leaves an async level's body with:
/// `p::Next(p::Next(p::Here(payload)))` for site 3. All the sites of one
/// body make one type, `Site<A1, Site<A2, .. Site<An, NoSite>>>`, closed by
/// [`super::sites::AsyncSites::terminator`]; the body's async block returns
/// `Result<value, that type>`, so each site's residual or value travels by
/// value instead of through a slot the block would capture.
pub fn site_value(p: &Trees, index: u32, payload: TokenStream) -> TokenStream {
    let m = Span::mixed_site();
    let mut value = quote_spanned!(m=> #p::Here(#payload));
    for _ in 1..index {
        value = quote_spanned!(m=> #p::Next(#value));
    }
    value
}

/// The binding a nested level's enter or exit error is bound to:
/// `Break(__ctxmgr_err) => <Escape::Error(__ctxmgr_err)>`, which the
/// enclosing level's rewrite makes a site (a `return` site, or
/// [`SiteKind::Inner`] at the outermost level).
pub const INNER_ERROR: &str = "__ctxmgr_err";

/// A way out of the body, resumed after exit.
pub enum SiteKind {
    /// `expr?`, carrying its residual (each `?` its own site: the types
    /// differ). The span is the user's `?`: the resumed `?` carries it, so
    /// a residual that does not convert is reported there.
    Try(Span),
    /// `return` / `return expr`, carrying the function's return value:
    /// one site for all of them.
    Return,
    /// An enter or exit error of a level nested in the outermost level (an
    /// inner manager of the same call, or a `with!` in the body), which
    /// that level passes on as [`Escape::Error`], carrying what the
    /// function returns: handed to this level's exit as an error, then
    /// returned. In a nested level the same error is a `return` site (its
    /// type is the function's return type only through the enclosing
    /// levels, known before the body only by a `return` site's tie).
    Inner,
    /// `break` to a loop or block outside the body, `value` when it carries
    /// a value.
    Break {
        label: Option<Lifetime>,
        value: bool,
    },
    /// `continue` to a loop outside the body.
    Continue { label: Option<Lifetime> },
}

impl SiteKind {
    /// An unlabelled `break`/`continue`: resumed after the `with!`'s block,
    /// where no label is in the way (E0695).
    pub fn is_late(&self) -> bool {
        matches!(
            self,
            SiteKind::Break { label: None, .. } | SiteKind::Continue { label: None }
        )
    }
}

pub struct Site {
    /// Non-zero: `0` is the body's normal end.
    pub index: u32,
    pub kind: SiteKind,
}

/// The sites of one body, numbered from 1 in the order the rewrite met them.
#[derive(Default)]
pub struct Sites(Vec<Site>);

impl Sites {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn count(&self) -> usize {
        self.0.len()
    }

    fn next_index(&self) -> u32 {
        u32::try_from(self.0.len() + 1).unwrap_or(u32::MAX)
    }

    /// A new `?` site: each has its own slot.
    pub fn push_try(&mut self, question: Span) -> u32 {
        let index = self.next_index();
        self.0.push(Site {
            index,
            kind: SiteKind::Try(question),
        });
        index
    }

    /// The site to reuse or create for a `return`, `break` or `continue`:
    /// those with the same target and shape share one.
    pub fn shared(&mut self, kind: SiteKind) -> u32 {
        let same = |a: &SiteKind| match (a, &kind) {
            (SiteKind::Return, SiteKind::Return) | (SiteKind::Inner, SiteKind::Inner) => true,
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
        for site in &self.0 {
            if same(&site.kind) {
                return site.index;
            }
        }
        let index = self.next_index();
        self.0.push(Site { index, kind });
        index
    }

    pub fn has_return(&self) -> bool {
        self.position(|kind| matches!(kind, SiteKind::Return))
            .is_some()
    }

    /// Where the first site of a kind `is` accepts is. A `fn` pointer, not
    /// a closure: one copy of the search for every caller.
    fn position(&self, is: fn(&SiteKind) -> bool) -> Option<usize> {
        for (at, site) in self.0.iter().enumerate() {
            if is(&site.kind) {
                return Some(at);
            }
        }
        None
    }

    /// Unlabelled `break`/`continue` cannot be resumed inside a labelled
    /// block (E0695): with such sites the `with!`'s block yields
    /// `Option<value>` and they are resumed after it.
    pub fn has_unlabelled(&self) -> bool {
        self.position(SiteKind::is_late).is_some()
    }

    /// How many sites are resumed after the `with!`'s block
    /// ([`SiteKind::is_late`]).
    pub fn late_count(&self) -> usize {
        let mut n = 0;
        for site in &self.0 {
            if site.kind.is_late() {
                n += 1;
            }
        }
        n
    }

    /// The sites, in the order the rewrite met them.
    pub fn iter(&self) -> impl Iterator<Item = &Site> {
        self.0.iter()
    }
}

fn label_eq(a: Option<&Lifetime>, b: Option<&Lifetime>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.ident == b.ident,
        _ => false,
    }
}

/// A way out of a level's own code, not of its body: an enter or exit
/// error passed on, or a site resumed after exit. The renderers emit each
/// through [`Out::escape`]. At the outermost level it is the plain Rust
/// (`return ret`, `(OPERAND)?`, `break 'l v`, `continue 'l`); in a level
/// nested in an enclosing level's body (an inner manager of `with!(A, B,
/// ..)`, or a `with!` in a body) it leaves that body too, so the enclosing
/// level's rewrite makes it one of that body's sites, as it would the same
/// code written there ([`Escapes`]). No token of the nested expansion is
/// parsed back or visited again.
pub enum Escape {
    /// An enter or exit error, bound to this name: `return NAME`.
    Error(syn::Ident),
    /// `return VALUE`.
    Return(TokenStream),
    /// `(OPERAND)?`, on the user's `?` (see `sites::resumed_question`).
    Try(Span, TokenStream),
    /// `break 'l VALUE`.
    Break(Option<Lifetime>, Option<TokenStream>),
    /// `continue 'l`.
    Continue(Option<Lifetime>),
}

/// The enclosing level's rewrite, as a nested level's escapes see it.
pub trait Escapes {
    /// The code of `escape` in the enclosing body: a site of it, or (a
    /// `break`/`continue` to a target inside that body) the plain code.
    fn escape(&self, escape: Escape) -> TokenStream;

    /// Rewrites a nested level's manager expression, which the enclosing
    /// body evaluates (`make()?` in `with!(a, make()? as b, ..)`).
    fn visit_manager(&self, expr: &mut syn::Expr);
}

/// Where a level's escapes go: out of the function (`None`, the outermost
/// level) or into the enclosing level's body.
#[derive(Clone, Copy)]
pub struct Out<'a>(pub Option<&'a dyn Escapes>);

impl Out<'_> {
    /// Inside an enclosing level of the same expansion.
    pub fn is_nested(self) -> bool {
        self.0.is_some()
    }

    /// A nested level's manager expression rewritten as part of the
    /// enclosing body (see [`Escapes::visit_manager`]).
    pub fn visit_manager(self, expr: &mut syn::Expr) {
        if let Some(outer) = self.0 {
            outer.visit_manager(expr);
        }
    }

    pub fn escape(self, escape: Escape) -> TokenStream {
        if let Some(outer) = self.0 {
            return outer.escape(escape);
        }
        plain(escape)
    }
}

/// The plain Rust of an escape, as the outermost level emits it.
pub fn plain(escape: Escape) -> TokenStream {
    let m = Span::mixed_site();
    match escape {
        Escape::Error(name) => quote_spanned!(m=> return #name),
        Escape::Return(value) => quote_spanned!(m=> return #value),
        Escape::Try(question, operand) => resumed_question(question, operand),
        Escape::Break(label, value) => quote_spanned!(m=> break #label #value),
        Escape::Continue(label) => quote_spanned!(m=> continue #label),
    }
}

/// `(OPERAND)?`, the `?` that resumes a `?` site, with the parentheses and
/// the `?` on the user's `?` (its own span, not mixed-site located there):
/// rustc spans a `?`'s conversion error from the operand's start to the
/// `?`, and a span that starts in the macro's context is shown on the whole
/// `with!`; this way it is shown on the user's `?`.
pub fn resumed_question(question: Span, operand: TokenStream) -> TokenStream {
    let mut group = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, operand);
    group.set_span(question);
    quote_spanned!(question=> #group ?)
}

/// The plan of one level of a `with!`: its manager, its body as the
/// rewrite left it, and the sites found in it.
pub struct Level<'a> {
    /// The level's generated names.
    pub names: crate::tokens::Names,
    pub manager: &'a super::parse::Manager,
    /// The span of the body's closing brace, where its exit is shown.
    pub close: Span,
    pub sites: Sites,
    /// Where the `with!` is: the tail that hands its value on is shown
    /// there ("first borrow later used here" when the bound value leaves
    /// the body: see `ExitBorrow`). Only a nested `with!` needs it, the
    /// outermost is at the macro's own span.
    pub call: Span,
    /// The macros in the body that `with!` cannot look into, for the
    /// guard's drop to name (`"`m!`, .."`).
    pub note: Option<&'a str>,
    /// Where its escapes go. Nested (inside an outer level of the same
    /// macro call), the outer level's `use` of the runtime's alias and
    /// probes is in scope.
    pub out: Out<'a>,
}

impl Level<'_> {
    /// The name an enter or exit error is bound to (`Break(NAME)`) and
    /// passed on by (`Escape::Error(NAME)`).
    pub fn error_name(&self) -> syn::Ident {
        let name = if self.out.is_nested() {
            INNER_ERROR
        } else {
            "ret"
        };
        syn::Ident::new(name, Span::mixed_site())
    }

    /// How the level passes an enter or exit error `name` on.
    pub fn error_return(&self, name: &syn::Ident) -> TokenStream {
        self.out.escape(Escape::Error(name.clone()))
    }
}

/// What every flavor's renderer places the same way: the runtime's path,
/// the guard made, entered and bound, exit's borrow of it, and the body.
pub struct Shared<'p> {
    /// The alias of `KRATE::__private`.
    pub p: &'p Trees,
    /// `use KRATE::__private::{self as p, probes::*};`
    pub imports: TokenStream,
    pub exit: super::guard::ExitBorrow,
    /// The guard made (see `guard::Entry`).
    pub setup: TokenStream,
    /// Entered (sync: and bound).
    pub enter: TokenStream,
    /// Bound (async, inside the body's async block).
    pub bind: TokenStream,
    /// The body's tokens, its sites placed.
    pub body: TokenStream,
}
