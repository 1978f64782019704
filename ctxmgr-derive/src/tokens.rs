//! Small token helpers shared by every macro.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;

/// Is `tt` the punctuation `c`?
pub fn is_punct(tt: &TokenTree, c: char) -> bool {
    matches!(tt, TokenTree::Punct(p) if p.as_char() == c)
}

/// Where the first `c` punctuation of `tts` is (a loop, not an iterator
/// adapter with a closure: one copy to compile for every caller).
pub fn find_punct(tts: &[TokenTree], c: char) -> Option<usize> {
    for (at, tt) in tts.iter().enumerate() {
        if is_punct(tt, c) {
            return Some(at);
        }
    }
    None
}

pub fn stream(tts: &[TokenTree]) -> TokenStream {
    tts.iter().cloned().collect()
}

/// A few tokens kept as trees, for fragments an expansion repeats (the
/// `__ctxmgr_p` alias, a state field `S.1`): `quote!` appends them one tree
/// at a time to the stream it builds. A `TokenStream` interpolated instead
/// is joined through the proc-macro bridge, both streams' pending trees
/// flushed first: about 7,000 instructions a time in a user's build, where
/// this crate runs unoptimized, against a few hundred a tree.
#[derive(Clone, Default)]
pub struct Trees(Vec<TokenTree>);

impl Trees {
    pub fn ident(name: &str, span: Span) -> Self {
        Trees::from_ident(proc_macro2::Ident::new(name, span))
    }

    pub fn from_ident(ident: proc_macro2::Ident) -> Self {
        let mut trees = Trees::default();
        trees.push(TokenTree::Ident(ident));
        trees
    }

    fn push(&mut self, tree: TokenTree) {
        self.0.push(tree);
    }

    fn three(a: TokenTree, b: TokenTree, c: TokenTree) -> Self {
        let mut trees = Trees::default();
        trees.push(a);
        trees.push(b);
        trees.push(c);
        trees
    }

    /// `&mut value`, the `&` and `mut` spanned at `at`.
    pub fn borrow_mut(value: &Trees, at: Span) -> Self {
        let mut amp = proc_macro2::Punct::new('&', proc_macro2::Spacing::Alone);
        amp.set_span(at);
        let mut trees = Trees::default();
        trees.push(TokenTree::Punct(amp));
        trees.push(TokenTree::Ident(proc_macro2::Ident::new("mut", at)));
        trees.0.extend(value.0.iter().cloned());
        trees
    }

    /// `value.index`, the index spanned at `at`.
    pub fn indexed(value: syn::Ident, index: usize, at: Span) -> Self {
        let mut dot = proc_macro2::Punct::new('.', proc_macro2::Spacing::Alone);
        dot.set_span(at);
        let mut lit = proc_macro2::Literal::usize_unsuffixed(index);
        lit.set_span(at);
        Trees::three(
            TokenTree::Ident(value),
            TokenTree::Punct(dot),
            TokenTree::Literal(lit),
        )
    }
}

impl From<TokenStream> for Trees {
    fn from(tokens: TokenStream) -> Self {
        Trees(tokens.into_iter().collect())
    }
}

impl ToTokens for Trees {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(self.0.iter().cloned());
    }
}

/// `tokens` with every token (and every group) spanned at `span`.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    let mut out = Vec::new();
    for mut tt in tokens {
        if let proc_macro2::TokenTree::Group(g) = &tt {
            let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
            group.set_span(span);
            tt = group.into();
        } else {
            tt.set_span(span);
        }
        out.push(tt);
    }
    out.into_iter().collect()
}

/// The spans of the first and the last token of `tokens` (the call site's
/// when there are none). Two tokens at these spans make rustc span what
/// lies between them from the first's start to the last's end, which stable
/// proc macros cannot join themselves.
pub fn first_and_last_span(tokens: TokenStream) -> (Span, Span) {
    let mut spans = None;
    for tt in tokens {
        let span = tt.span();
        spans = Some(match spans {
            Some((first, _)) => (first, span),
            None => (span, span),
        });
    }
    match spans {
        Some(spans) => spans,
        None => (Span::call_site(), Span::call_site()),
    }
}

/// `(value,).0`: `value` as an expression whose span, as rustc computes it
/// from the first and last tokens, is `first` to `last`. A local standing in
/// for the user's expression (`with!`'s manager, moved to a local first) is
/// pointed at as that whole expression: proc macros cannot join spans on
/// stable, but rustc's parser does.
pub fn spanning(value: &impl ToTokens, (first, last): (Span, Span)) -> Trees {
    let mut tuple =
        proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, quote::quote!(#value,));
    tuple.set_span(first);
    let mut index = proc_macro2::Literal::usize_unsuffixed(0);
    index.set_span(last);
    let dot = proc_macro2::Punct::new('.', proc_macro2::Spacing::Alone);
    Trees::three(
        TokenTree::Group(tuple),
        TokenTree::Punct(dot),
        TokenTree::Literal(index),
    )
}

/// Where to point at an item: its name, when it has one.
pub fn item_span(item: &syn::Item) -> Span {
    use syn::spanned::Spanned;
    match item {
        syn::Item::Struct(s) => s.ident.span(),
        syn::Item::Enum(e) => e.ident.span(),
        syn::Item::Union(u) => u.ident.span(),
        syn::Item::Fn(f) => f.sig.ident.span(),
        syn::Item::Trait(t) => t.ident.span(),
        other => other.span(),
    }
}

/// Names of generated locals and labels, spanned with
/// `Span::mixed_site()`, so user code can neither see nor shadow them.
///
/// A level's own state (its kind, guard and, for a sync level, the `return`
/// slot, the flow and the sites' slots) is ONE tuple local, named after the
/// first name the level's pattern binds (`as f` → an internal `f`; `as (x,
/// y)` → `x`): rustc's hygiene keeps the two apart, and the user's binding,
/// declared after it, shadows it in the body. rust-analyzer ignores hygiene
/// when it lists the names in scope for completion, but lists a shadowed
/// name once: the body's completion shows the user's `f` only, no internal
/// name (issue 19). A level that binds no name (no `as`, `as _`), or whose
/// name an enclosing level of the same expansion already took, keeps the
/// prefix: `__ctxmgr_{id}`. Other generated names (labels, the locals
/// declared after the body) are `__ctxmgr_{what}_{id}`, numbered because the
/// nested expansions of one macro call share one hygiene context.
#[derive(Clone)]
pub struct Names {
    pub id: usize,
    state: String,
    /// Sync: the `return` sites' tie is a field of the state (an async
    /// level's `return` slot is its own local: its body's async block
    /// captures it, and would capture the whole state with it).
    sync: bool,
}

/// A sync level's state fields: `(KIND, GUARD, RET, FLOW, SLOT_1, SLOT_2,
/// ..)`, a `()` where a level has none (RET the `return` sites' tie, FLOW
/// and the slots for unlabelled `break`/`continue` sites).
const KIND: usize = 0;
const GUARD: usize = 1;
const RET: usize = 2;
const FLOW: usize = 3;

impl Names {
    pub fn new(id: usize) -> Self {
        Names {
            id,
            state: format!("__ctxmgr_{id}"),
            sync: true,
        }
    }

    /// The names of a level whose pattern is `pat`; `taken` holds the state
    /// names enclosing levels of the same expansion already use.
    pub fn for_level(
        id: usize,
        pat: Option<&syn::Pat>,
        sync: bool,
        taken: &mut Vec<String>,
    ) -> Self {
        let mut names = Names::new(id);
        names.sync = sync;
        if let Some(name) = pat.and_then(first_binding) {
            if !taken.contains(&name) {
                taken.push(name.clone());
                names.state = name;
            }
        }
        names
    }

    pub fn is_sync(&self) -> bool {
        self.sync
    }

    /// The level's state local.
    pub fn state(&self) -> syn::Ident {
        syn::Ident::new(&self.state, Span::mixed_site())
    }

    /// [`Names::state`] shown at `at` in diagnostics. Only where it is
    /// shown changes: its hygiene stays the macro's, so user code still
    /// cannot name it.
    pub fn state_at(&self, at: Span) -> syn::Ident {
        syn::Ident::new(&self.state, Span::mixed_site().located_at(at))
    }

    fn index(what: &str) -> usize {
        match what {
            "kind" => KIND,
            "guard" => GUARD,
            "ret" => RET,
            "flow" => FLOW,
            other => panic!("no state field {other}"),
        }
    }

    /// `STATE.i`, the field `what` (`kind`, `guard`, `flow`) of the state.
    pub fn field(&self, what: &str) -> Trees {
        self.field_at(what, Span::mixed_site())
    }

    /// [`Names::field`] shown at `at`.
    pub fn field_at(&self, what: &str, at: Span) -> Trees {
        Trees::indexed(self.state_at(at), Self::index(what), at)
    }

    /// Sync: the tie of the `return` sites' value to the function's return
    /// type (`p::Tie`), a field of the state; async: the slot all `return`
    /// sites share, the level's own local.
    pub fn ret(&self) -> Trees {
        if self.sync {
            self.field("ret")
        } else {
            Trees::from_ident(self.ident("ret"))
        }
    }

    /// A local declared after the body it holds or follows (`result`,
    /// `outcome`, `flow`, `caught`): never in scope of user code, so a
    /// plain mixed-site name (one level's shadows none another level uses:
    /// an inner level's are in its own block).
    pub fn local(&self, what: &str) -> syn::Ident {
        self.local_at(what, Span::mixed_site())
    }

    /// [`Names::local`] shown at `at` in diagnostics.
    pub fn local_at(&self, what: &str, at: Span) -> syn::Ident {
        syn::Ident::new(what, Span::mixed_site().located_at(at))
    }

    pub fn ident(&self, what: &str) -> syn::Ident {
        syn::Ident::new(&format!("__ctxmgr_{what}_{}", self.id), Span::mixed_site())
    }

    pub fn label(&self, what: &str) -> syn::Lifetime {
        syn::Lifetime::new(&format!("'__ctxmgr_{what}_{}", self.id), Span::mixed_site())
    }

    /// The label of the block a sync level's site `index` leaves by
    /// (`break 'LABEL VALUE`), its handler right after it.
    pub fn site_label(&self, index: u32) -> syn::Lifetime {
        syn::Lifetime::new(
            &format!("'__ctxmgr_site{index}_{}", self.id),
            Span::mixed_site(),
        )
    }

    /// The slot of site `index`, a field of a sync level's state: what an
    /// unlabelled `break` carries past the `with!`'s block.
    pub fn slot(&self, index: u32) -> Trees {
        Trees::indexed(self.state(), FLOW + index as usize, Span::mixed_site())
    }
}

/// The first name a pattern binds (`f`, `(x, y)` → `x`, `Point { x, .. }` →
/// `x`), `None` for a pattern that binds none.
fn first_binding(pat: &syn::Pat) -> Option<String> {
    use syn::Pat;
    match pat {
        Pat::Ident(i) => {
            let name = i.ident.to_string();
            // An upper-case name is a unit struct or a constant, not a binding.
            if matches!(name.chars().next(), Some(c) if c.is_lowercase() || c == '_') {
                Some(name)
            } else {
                match &i.subpat {
                    Some((_, p)) => first_binding(p),
                    None => None,
                }
            }
        }
        Pat::Tuple(t) => first_binding_of(&t.elems),
        Pat::TupleStruct(t) => first_binding_of(&t.elems),
        Pat::Slice(s) => first_binding_of(&s.elems),
        Pat::Struct(s) => {
            for field in s.fields.pairs() {
                if let Some(name) = first_binding(&field.into_value().pat) {
                    return Some(name);
                }
            }
            None
        }
        Pat::Reference(r) => first_binding(&r.pat),
        Pat::Paren(p) => first_binding(&p.pat),
        Pat::Type(t) => first_binding(&t.pat),
        Pat::Or(o) => o.cases.first().and_then(first_binding),
        _ => None,
    }
}

/// The first name one of `pats` binds.
fn first_binding_of(
    pats: &syn::punctuated::Punctuated<syn::Pat, syn::Token![,]>,
) -> Option<String> {
    // `pairs()`, not `iter()`: see `crate::walk`.
    for pat in pats.pairs() {
        if let Some(name) = first_binding(pat.into_value()) {
            return Some(name);
        }
    }
    None
}
