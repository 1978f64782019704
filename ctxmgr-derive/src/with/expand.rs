//! Expand stage of `with!`: the guard around each manager, nested inside out.
//!
//! Input:  `with!(EXPR as PAT => { BODY })`
//! Output (N = expansion id; names are `Span::mixed_site()` hygienic and
//! made by [`Names`]):
//!
//! ```text
//! {
//!     use KRATE::__private::{self as p, KindNever as _, KindNotManager as _, KindReal as _,
//!                            <probes the sites need>};
//!     let mut GUARD = p::Guard::new(EXPR);
//!     let KIND = (&&p::GuardKind(&GUARD)).__ctxmgr_kind();   // enters, exits, propagates
//!     <site setup>                   // RET tied to the fn's return type; the suppression probe
//!     let mut SLOT_i = p::None; ...  // one per `?` / valued `break` site
//!     let mut FLOW: u32 = 0;
//!     let RESULT = 'with_N: {
//!         'body_N: {
//!             let VALUE = match KIND.enter(&mut GUARD) { p::Continue(v) => v, p::Break(r) => return r };
//!             let PAT = VALUE;
//!             break 'with_N BODY;     // sites: store, set FLOW, `break 'body_N;`
//!         }                          // VALUE (and what PAT bound) is dropped here
//!         let OUTCOME = match FLOW { i => <view of SLOT_i / RET>, _ => p::Outcome::Ok };
//!         if let p::Break(r) = KIND.finish(&mut GUARD, OUTCOME) { return r; }
//!         <suppression check of the `?` sites: `break 'with_N Default::default()`>
//!         match FLOW { i => <resume site i: `taken(SLOT_i)?` / `return` / `break 'l` / `continue 'l`> }
//!     };
//!     let EXIT = KIND.finish(&mut GUARD, p::Outcome::Ok);   // the normal end (a no-op after a site)
//!     if let p::Break(r) = EXIT { return r; }
//!     RESULT
//! }
//! ```
//!
//! With an unlabelled `break`/`continue` site, `BODY` and the resumed sites
//! yield `Some(..)`, and those sites are resumed after the block, where no
//! label is in the way (E0695). A body without sites gets the short form: no
//! labels, no `FLOW`, one `finish` with `Outcome::Ok`.

use std::cell::Cell;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Block, Expr};

use super::parse::{self, Flavor, Malformed, Manager, WithInput};
use super::rewrite::{self, ExpandNested};
use super::sites::SiteCode;
use crate::tokens::Names;

/// Expands the managers and body of one macro call, and any `with!` nested
/// in its body (they share the numbering of generated names).
pub struct Expander<'k> {
    krate: &'k TokenStream,
    flavor: Flavor,
    next_id: Cell<usize>,
}

impl<'k> Expander<'k> {
    pub fn new(krate: &'k TokenStream, flavor: Flavor) -> Self {
        Expander {
            krate,
            flavor,
            next_id: Cell::new(0),
        }
    }

    fn fresh_names(&self) -> Names {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        Names::new(id)
    }

    /// Several managers nest: `with!(A, B => body)` is
    /// `with!(A => { with!(B => body) })`, built inside out.
    pub fn expand(&self, input: WithInput) -> TokenStream {
        let WithInput {
            krate: _,
            mut managers,
            body,
            flavor: _,
        } = input;
        // `parse` returns at least one manager.
        let Some(last) = managers.pop() else {
            return body.to_token_stream();
        };
        let mut tokens = self.expand_one(&last, body);
        while let Some(outer) = managers.pop() {
            let body = Block {
                brace_token: Default::default(),
                stmts: vec![syn::Stmt::Expr(generated_expr(tokens), None)],
            };
            tokens = self.expand_one(&outer, body);
        }
        tokens
    }

    fn expand_one(&self, manager: &Manager, mut body: Block) -> TokenStream {
        let Flavor::Sync = self.flavor;
        let names = self.fresh_names();
        let krate = self.krate;
        let m = Span::mixed_site();
        // One short alias of `KRATE::__private` per expansion: the paths
        // below are most of what it emits.
        let p = quote_spanned!(m=> __ctxmgr_p);
        let sites = rewrite::rewrite(&mut body, &names, &p, self);
        let kind = names.ident("kind");
        let result = names.ident("result");
        let guard = names.ident("guard");
        let on_break = quote_spanned!(m=> return __ctxmgr_r);
        let Entry { new_guard, enter } = entry(&p, &names, manager, &on_break);
        // One `use`: the alias, the kind probes (only one of which is
        // used: hence the `allow`) and the probes the sites call.
        let imports = |probes: &TokenStream| {
            quote_spanned! {m=>
                #[allow(unused_imports)]
                use #krate::__private::{
                    self as #p, KindNever as _, KindNotManager as _, KindReal as _, #probes
                };
            }
        };
        let setup = new_guard;
        let finish_ok = quote_spanned! {m=>
            #[allow(unreachable_code)]
            let __ctxmgr_exit = #kind.finish(&mut #guard, #p::Outcome::Ok);
            if let #p::Break(__ctxmgr_r) = __ctxmgr_exit {
                return __ctxmgr_r;
            }
        };

        if sites.is_empty() {
            // Short form: the body can only end normally (or panic).
            let imports = imports(&TokenStream::new());
            return quote_spanned! {m=>
                {
                    #imports
                    #setup
                    #[allow(unused_braces)]
                    let #result = {
                        #enter
                        #body
                    };
                    #finish_ok
                    #result
                }
            };
        }

        let code = sites.code(&names, &p);
        let unlabelled = sites.has_unlabelled();
        let outer = names.label("with");
        let label = names.label("body");
        let flow = names.ident("flow");
        let outcome = names.ident("outcome");
        // The body is the break's value itself, so that a body that always
        // leaves makes the break unreachable and `with!` diverges.
        let normal = if unlabelled {
            quote_spanned!(m=> #p::Some(#body))
        } else {
            body.to_token_stream()
        };
        let resumes = &code.resumes;
        let dispatch = quote_spanned! {m=>
            match #flow {
                #resumes
                _ => #p::unreachable_flow(),
            }
        };
        let (dispatch, tail) = if unlabelled {
            let late = &code.late_resumes;
            (
                quote_spanned!(m=> #dispatch; #p::None),
                quote_spanned! {m=>
                    match #result {
                        #p::Some(__ctxmgr_v) => __ctxmgr_v,
                        #p::None => match #flow {
                            #late
                            _ => #p::unreachable_flow(),
                        },
                    }
                },
            )
        } else {
            (dispatch, result.to_token_stream())
        };
        let SiteCode {
            uses,
            setup: site_setup,
            slots,
            outcomes,
            suppress,
            ..
        } = &code;
        let imports = imports(uses);
        quote_spanned! {m=>
            {
                #imports
                #setup
                #site_setup
                #slots
                let mut #flow: u32 = 0;
                let #result = #outer: {
                    #label: {
                        #enter
                        #[allow(unused_braces, unreachable_code)]
                        break #outer #normal;
                    }
                    // Reached from a site only: the bound value is gone.
                    let #outcome = match #flow {
                        #outcomes
                        _ => #p::Outcome::Ok,
                    };
                    if let #p::Break(__ctxmgr_r) = #kind.finish(&mut #guard, #outcome) {
                        return __ctxmgr_r;
                    }
                    #suppress
                    #dispatch
                };
                #finish_ok
                #tail
            }
        }
    }
}

impl ExpandNested for Expander<'_> {
    fn expand_nested(&self, mac: &syn::Macro) -> Option<Expr> {
        let tokens = mac.tokens.clone();
        // Only `with_impl!` starts with `KRATE;`. In a user's `with!`, a
        // top-level `;` is a mistake for the compiler to report, not a crate
        // path to split off and drop.
        let last = mac.path.segments.last();
        let (krate, tts) = if last.is_some_and(|s| s.ident == "with_impl") {
            parse::split_krate_if_present(tokens)
        } else {
            (None, tokens.into_iter().collect())
        };
        let krate = krate.unwrap_or_else(|| self.krate.clone());
        let input = parse::parse_with_body(krate, &tts).ok()?;
        Some(generated_expr(self.expand(input)))
    }
}

/// Creating the guard, entering it and binding its value: the same for a
/// normal expansion and for the body shown after a parse error.
struct Entry {
    /// `let mut GUARD = Guard::new(EXPR); let KIND = <probe>;`
    new_guard: TokenStream,
    /// `let VALUE = <enter, or ON_BREAK>; let PAT = VALUE;`
    enter: TokenStream,
}

fn entry(p: &TokenStream, names: &Names, manager: &Manager, on_break: &TokenStream) -> Entry {
    let m = Span::mixed_site();
    let guard = names.ident("guard");
    let kind = names.ident("kind");
    let value = names.ident("value");
    let expr = &manager.expr;
    // Spanned on the user's expression: "is not a context manager" points there.
    let guard_new = quote_spanned!(expr.span()=> #p::Guard::new);
    let bind = match &manager.pat {
        // `let A | B = v;` is Rust but not a `let` syn re-parses.
        Some(pat @ syn::Pat::Or(_)) => quote!(let (#pat) = #value;),
        Some(pat) => quote!(let #pat = #value;),
        // Moved into a local of the block so it is dropped before exit.
        None => {
            let unused = names.ident("unused");
            quote_spanned!(m=> let #unused = #value;)
        }
    };
    // KIND enters and exits: `Break` carries what the function returns on
    // an error (`Err(From::from(e))`); for an `Infallible` manager it cannot
    // happen and nothing is demanded of the function's return type.
    Entry {
        new_guard: quote_spanned! {m=>
            let mut #guard = #guard_new(#expr);
            let #kind = (&&#p::GuardKind(&#guard)).__ctxmgr_kind();
        },
        enter: quote_spanned! {m=>
            let #value = match #kind.enter(&mut #guard) {
                #p::Continue(__ctxmgr_v) => __ctxmgr_v,
                #p::Break(__ctxmgr_r) => #on_break,
            };
            #bind
        },
    }
}

/// The error, plus the body (when found) so rust-analyzer keeps completing
/// inside it while the user finishes typing. When the managers parsed, the
/// body gets their bindings, with their real types, made as a normal
/// expansion makes them (an enter error diverges instead of propagating, so
/// the parse error stays the only one).
pub fn malformed(m: Malformed) -> TokenStream {
    let error = m.error.to_compile_error();
    let Some(body) = m.body else {
        return quote!({ #error });
    };
    let krate = &m.krate;
    let p = quote!(#krate::__private);
    let diverge = quote_spanned!(Span::mixed_site()=> loop {});
    let bindings = m.managers.iter().enumerate().map(|(i, manager)| {
        let Entry { new_guard, enter } = entry(&p, &Names::new(i), manager, &diverge);
        quote!(#new_guard #enter)
    });
    quote! {
        {
            #error;
            #[allow(unused_imports)]
            use #p::{KindNever as _, KindNotManager as _, KindReal as _};
            #(#bindings)*
            #[allow(unreachable_code, unused_variables)]
            #body
        }
    }
}

/// Generated code as an expression. It always parses, but it embeds user
/// tokens, so rather than trust that, fall back to the raw tokens and let the
/// compiler report whatever is wrong with them: never a macro panic.
fn generated_expr(tokens: TokenStream) -> Expr {
    match syn::parse2(tokens.clone()) {
        Ok(expr) => expr,
        Err(_) => Expr::Verbatim(tokens),
    }
}
