//! Small token helpers shared by every macro.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// A copy of a syntax tree node, by printing and re-parsing it (the
/// workspace builds syn without `clone-impls`). syn re-parses its own
/// output, so this does not fail on a node syn produced.
pub fn dup<T: syn::parse::Parse + ToTokens>(node: &T) -> T {
    syn::parse2(node.to_token_stream()).expect("syn re-parses its own output")
}

/// `tokens` with every token (and every group) spanned at `span`.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = group.into();
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// The spans of the first and the last token of `tokens` (the call site's
/// when there are none). Two tokens at these spans make rustc span what
/// lies between them from the first's start to the last's end, which stable
/// proc macros cannot join themselves.
pub fn first_and_last_span(tokens: TokenStream) -> (Span, Span) {
    let mut spans = tokens.into_iter().map(|tt| tt.span());
    let first = spans.next().unwrap_or_else(Span::call_site);
    (first, spans.last().unwrap_or(first))
}

/// `(value,).0`: `value` as an expression whose span, as rustc computes it
/// from the first and last tokens, is `first` to `last`. A local standing in
/// for the user's expression (`with!`'s manager, moved to a local first) is
/// pointed at as that whole expression: proc macros cannot join spans on
/// stable, but rustc's parser does.
pub fn spanning(value: &syn::Ident, (first, last): (Span, Span)) -> TokenStream {
    let mut tuple =
        proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, quote::quote!(#value,));
    tuple.set_span(first);
    let mut index = proc_macro2::Literal::usize_unsuffixed(0);
    index.set_span(last);
    let dot = proc_macro2::Punct::new('.', proc_macro2::Spacing::Alone);
    quote::quote!(#tuple #dot #index)
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

/// Names of generated locals and labels: `__ctxmgr_{what}_{id}`, spanned
/// with `Span::mixed_site()`, so user code can neither see nor shadow them,
/// and numbered, because the nested expansions of one macro call share one
/// hygiene context. The prefix stays although hygiene already keeps them
/// apart: rust-analyzer ignores hygiene in completion and offers the locals
/// in scope of a body, and a `__ctxmgr_` name there reads as internal where
/// `guard_0` would read as the user's own (it costs ~565 emitted bytes per
/// site, `bench/HISTORY.md`). The only place generated names are made.
#[derive(Clone, Copy)]
pub struct Names {
    pub id: usize,
}

impl Names {
    pub fn new(id: usize) -> Self {
        Names { id }
    }

    pub fn ident(&self, what: &str) -> syn::Ident {
        syn::Ident::new(&format!("__ctxmgr_{what}_{}", self.id), Span::mixed_site())
    }

    /// [`Names::ident`] shown at `at` in diagnostics. Only where it is
    /// shown changes: its hygiene stays the macro's, so user code still
    /// cannot name it.
    pub fn ident_at(&self, what: &str, at: Span) -> syn::Ident {
        syn::Ident::new(
            &format!("__ctxmgr_{what}_{}", self.id),
            Span::mixed_site().located_at(at),
        )
    }

    pub fn label(&self, what: &str) -> syn::Lifetime {
        syn::Lifetime::new(&format!("'__ctxmgr_{what}_{}", self.id), Span::mixed_site())
    }

    /// The slot of site `index` (a `?` residual or a `break` value).
    pub fn slot(&self, index: u32) -> syn::Ident {
        self.ident(&format!("slot{index}"))
    }
}
