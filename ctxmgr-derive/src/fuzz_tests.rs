//! Fuzzing the macros on `proc_macro2` token streams: every input is a
//! valid invocation from a corpus, mutated a few times (tokens and groups
//! deleted, duplicated, swapped, inserted, regrouped). The macro must never
//! panic (a panic in a proc macro is a compiler crash for the user), and its
//! output must either parse as what the macro promises (an expression for
//! `with!`, items for the derive and the attribute macros) or carry a
//! `compile_error!`. Targets: `with!`, the derive, `#[context_manager]`,
//! `#[contextmanager]` and `#[wrap]`.
//!
//! The normal suite runs [`NORMAL_INPUTS`] inputs per macro; the ignored
//! heavy run (`cargo test --release -- --ignored`) runs [`HEAVY_INPUTS`] per
//! macro and prints `fuzz inputs run: N`. `CTXMGR_FUZZ_SEED=<u64>` replays another stream.
//! Inputs that once crashed a macro are kept in [`REGRESSIONS`] and checked
//! first on every run.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Inputs per target in `cargo test`.
const NORMAL_INPUTS: usize = 2_000;
/// Inputs per target in the heavy run (at least 100,000 in all).
const HEAVY_INPUTS: usize = 50_000;
/// rustc runs proc macros on its main thread (8 MiB); so do we.
const STACK: usize = 8 << 20;

// ---------------------------------------------------------------------------
// A small deterministic PRNG (SplitMix64): reproducible without a dependency.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`; `n > 0`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------
// Token trees as an editable tree.

#[derive(Clone)]
enum Node {
    Leaf(TokenTree),
    Group(Delimiter, Vec<Node>),
}

fn to_nodes(ts: TokenStream) -> Vec<Node> {
    ts.into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => Node::Group(g.delimiter(), to_nodes(g.stream())),
            other => Node::Leaf(other),
        })
        .collect()
}

fn to_stream(nodes: &[Node]) -> TokenStream {
    nodes
        .iter()
        .map(|n| match n {
            Node::Leaf(tt) => tt.clone(),
            Node::Group(d, inner) => TokenTree::Group(Group::new(*d, to_stream(inner))),
        })
        .collect()
}

/// Every token sequence of the tree (the top level and each group's
/// contents), as a path of child indices from the top.
fn sequences(nodes: &[Node], path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(path.clone());
    for (i, n) in nodes.iter().enumerate() {
        if let Node::Group(_, inner) = n {
            path.push(i);
            sequences(inner, path, out);
            path.pop();
        }
    }
}

fn sequence_at<'a>(nodes: &'a mut Vec<Node>, path: &[usize]) -> &'a mut Vec<Node> {
    match path.split_first() {
        None => nodes,
        Some((&i, rest)) => match &mut nodes[i] {
            Node::Group(_, inner) => sequence_at(inner, rest),
            Node::Leaf(_) => unreachable!("paths only lead through groups"),
        },
    }
}

fn count(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            Node::Leaf(_) => 1,
            Node::Group(_, inner) => 1 + count(inner),
        })
        .sum()
}

fn punct(s: &str) -> Vec<Node> {
    let chars: Vec<char> = s.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let spacing = if i + 1 < chars.len() {
                Spacing::Joint
            } else {
                Spacing::Alone
            };
            Node::Leaf(TokenTree::Punct(Punct::new(c, spacing)))
        })
        .collect()
}

fn ident(s: &str) -> Vec<Node> {
    vec![Node::Leaf(TokenTree::Ident(Ident::new(
        s,
        Span::call_site(),
    )))]
}

/// Tokens a user might type at the wrong place.
fn interesting_token(rng: &mut Rng) -> Vec<Node> {
    match rng.below(8) {
        0 => punct(rng.pick::<&str>(&[
            "=>", "?", ",", ";", "=", "|", "::", ":", "&", "!", "#", "'", ".", "..", "..=", "<",
            ">", "->", "*", "+", "@", "$", "~",
        ])),
        1 => ident(rng.pick::<&str>(&[
            "as",
            "return",
            "break",
            "continue",
            "with",
            "with_impl",
            "async",
            "await",
            "move",
            "loop",
            "for",
            "in",
            "while",
            "if",
            "else",
            "match",
            "let",
            "mut",
            "ref",
            "fn",
            "struct",
            "impl",
            "const",
            "unsafe",
            "try",
            "yield",
            "static",
            "self",
            "Self",
            "super",
            "crate",
            "_",
            "x",
            "Some",
            "None",
            "Ok",
            "Err",
        ])),
        2 => vec![Node::Leaf(TokenTree::Punct(Punct::new(
            '\'',
            Spacing::Joint,
        )))]
        .into_iter()
        .chain(ident(rng.pick::<&str>(&["a", "outer", "static", "_"])))
        .collect(),
        3 => vec![Node::Leaf(TokenTree::Literal(match rng.below(5) {
            0 => Literal::u32_suffixed(7),
            1 => Literal::string("s"),
            2 => Literal::character('c'),
            3 => Literal::f64_unsuffixed(1.5),
            _ => Literal::byte_string(b"b"),
        }))],
        4 => {
            // `with!( .. )`, `vec![ .. ]`, `println!{ .. }` with random contents.
            let name = *rng.pick(&["with", "vec", "println", "format", "other", "with_impl"]);
            let delim = *rng.pick(&[Delimiter::Parenthesis, Delimiter::Bracket, Delimiter::Brace]);
            let mut v = ident(name);
            v.extend(punct("!"));
            let inner = (0..rng.below(3))
                .flat_map(|_| interesting_token(rng))
                .collect();
            v.push(Node::Group(delim, inner));
            v
        }
        _ => {
            let delim = *rng.pick(&[
                Delimiter::Parenthesis,
                Delimiter::Bracket,
                Delimiter::Brace,
                Delimiter::None,
            ]);
            let inner = (0..rng.below(3))
                .flat_map(|_| interesting_token(rng))
                .collect();
            vec![Node::Group(delim, inner)]
        }
    }
}

/// A random subtree of some corpus entry.
fn fragment(rng: &mut Rng, pool: &[Vec<Node>]) -> Vec<Node> {
    let entry = rng.pick(pool);
    let mut seqs = Vec::new();
    sequences(entry, &mut Vec::new(), &mut seqs);
    let mut entry = entry.clone();
    let path = rng.pick(&seqs).clone();
    let seq = sequence_at(&mut entry, &path);
    if seq.is_empty() {
        return Vec::new();
    }
    let start = rng.below(seq.len());
    let len = 1 + rng.below((seq.len() - start).min(4));
    seq[start..start + len].to_vec()
}

/// Applies 1 to 4 random edits.
fn mutate(rng: &mut Rng, input: &[Node], pool: &[Vec<Node>]) -> Vec<Node> {
    let mut nodes = input.to_vec();
    let edits = 1 + rng.below(4);
    for _ in 0..edits {
        let mut seqs = Vec::new();
        sequences(&nodes, &mut Vec::new(), &mut seqs);
        let path = rng.pick(&seqs).clone();
        let op = rng.below(7);
        // Keep inputs bounded: duplicating a large group many times only
        // tests the stack, not the macro.
        let small = count(&nodes) < 400;
        let insert = match op {
            4 if small => interesting_token(rng),
            5 if small => fragment(rng, pool),
            _ => Vec::new(),
        };
        let seq = sequence_at(&mut nodes, &path);
        let len = seq.len();
        match op {
            // delete one
            0 if len > 0 => {
                seq.remove(rng.below(len));
            }
            // delete a run
            1 if len > 1 => {
                let start = rng.below(len);
                let n = 1 + rng.below(len - start);
                seq.drain(start..start + n);
            }
            // duplicate
            2 if len > 0 && small => {
                let i = rng.below(len);
                let copy = seq[i].clone();
                seq.insert(i + 1, copy);
            }
            // swap two
            3 if len > 1 => {
                let (i, j) = (rng.below(len), rng.below(len));
                seq.swap(i, j);
            }
            // insert a token or a fragment
            4 | 5 => {
                let at = rng.below(len + 1);
                seq.splice(at..at, insert);
            }
            // change a group's delimiter, or unwrap it
            _ => {
                let groups: Vec<usize> = (0..len)
                    .filter(|&i| matches!(seq[i], Node::Group(..)))
                    .collect();
                if groups.is_empty() {
                    continue;
                }
                let i = *rng.pick(&groups);
                if let Node::Group(d, inner) = &mut seq[i] {
                    if rng.below(3) == 0 {
                        let inner = std::mem::take(inner);
                        seq.splice(i..=i, inner);
                    } else {
                        *d = *rng.pick(&[
                            Delimiter::Parenthesis,
                            Delimiter::Bracket,
                            Delimiter::Brace,
                            Delimiter::None,
                        ]);
                    }
                }
            }
        }
    }
    nodes
}

// ---------------------------------------------------------------------------
// Targets.

/// What a macro promises its output parses as.
#[derive(Clone, Copy)]
enum Expect {
    Expr,
    Items,
}

struct Target {
    name: &'static str,
    corpus: &'static [&'static str],
    run: fn(TokenStream) -> TokenStream,
    expect: Expect,
}

/// `with!`: the user's tokens after the `$crate;` that `ctxmgr::with!` adds.
fn run_with(user: TokenStream) -> TokenStream {
    let mut input: TokenStream = "::ctxmgr;".parse().expect("prefix parses");
    input.extend(user);
    crate::with::with_impl(input)
}

const WITH_CORPUS: &[&str] = &[
    r#"Probe::new("a", &log) as name => { log.push("body"); name.len() + 1 }"#,
    r#"Quiet::new("a", log) => { log.push("body"); }"#,
    r#"ctxmgr::open(path).mode("w") as f => { f.write_all(b"x")?; }"#,
    "A as a, B as (x, y), C => { a + x + y }",
    "&mut mgr as v => { v.push(1); }",
    "Pool::<A, B>::new() as p, (x as u8) as _ => { p.get(x)?; }",
    "m as Point { x, y: ref mut yy } => { *yy += x; }",
    "m as [first, .., last] => { first + last }",
    "m => { if x { continue; } if y { break; } z }",
    "m => { if a { break 'outer 5; } continue 'outer; }",
    "m => { 'blk: { break 'blk 1; } }",
    "m => { return Ok(7); }",
    "m => { return; }",
    "m => { return items.iter().map(|s| s.parse::<u32>()).collect(); }",
    r#"m => { let v = x?.y?; println!("{}", v?); format!("{a}", a = b?); vec![c?; n?]; vec![d?, e?] }"#,
    "m as a => { with!(n as b => { b?; return a; }) }",
    "m as a => { ctxmgr::with!(n as b, o => { if b { break; } c? }); }",
    "m => { let f = |x: u8| -> Option<u8> { Some(x?) }; let g = async { h().await? }; fn inner() -> u8 { return 1; } }",
    "m => { loop { match x? { 1 => break, _ => continue } } }",
    "m => { 'l: for i in 0..3 { while let Some(x) = it.next() { x?; continue 'l; } break 'l; } }",
    "m => { thing().await?; }",
    r#"m => { assert_eq!(a?, b, "{}", c?); write!(f, "{}", x?)?; }"#,
    "m => { unsafe { ptr.read()? } }",
    "m => { const { 1 } + try_thing()? }",
    "m => { let x: Result<u8, E> = Err(e); x }",
    "m as _ => {}",
    "m, => {}",
    "m as mut v => { v += 1; break v; }",
    "m as (a, b), n as Some(c) => { other!(a?, return b); c }",
    "lock(&mutex) as mut g => { *g += 1; }",
];

/// `#[derive(ContextManager)]`: the item, with its `#[ctxmgr(..)]` options.
fn run_derive(item: TokenStream) -> TokenStream {
    crate::derive::expand::derive(item)
}

const DERIVE_CORPUS: &[&str] = &[
    "struct Counter { log: Log, entered: u32 }",
    "pub struct Transaction<'c, T> where T: fmt::Display { db: &'c mut Db, pending: Vec<T> }",
    "#[ctxmgr(guard = LightSwitch)] enum Light { Off, On(u8) }",
    "struct Stack<T> { items: Vec<T>, depth: usize }",
    "struct Formatter;",
    "pub(crate) struct Pair(u8, String);",
    "#[ctxmgr(crate = ::ctxmgr, guard = G)] struct S<'a, T: ?Sized + 'a, const N: usize> { t: &'a T }",
    "#[doc = \"x\"] #[ctxmgr(guard = Named)] struct Named { name: &'static str }",
    "union U { a: u8, b: u16 }",
];

/// `[ARGS] ITEM` of an attribute: a leading bracket group (if any) is its
/// arguments.
fn split_attribute(input: TokenStream) -> (TokenStream, TokenStream) {
    let mut tts = input.into_iter().peekable();
    let args = match tts.peek() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket => {
            let args = g.stream();
            tts.next();
            args
        }
        _ => TokenStream::new(),
    };
    (args, tts.collect())
}

/// `#[ctxmgr::contextmanager]`: `[ARGS] ITEM`.
fn run_contextmanager(input: TokenStream) -> TokenStream {
    let (args, item) = split_attribute(input);
    crate::generator::contextmanager(args, item)
}

const CONTEXTMANAGER_CORPUS: &[&str] = &[
    "fn tag(log: &Log, name: &str) -> Result<String, E> { log.push(1); let outcome = yield_!(format!(\"[{name}]\")); log.push(outcome.is_ok()); }",
    "pub fn counter(c: &Cell<u32>) -> u32 { c.set(1); yield_!(c.get()); c.set(2) }",
    "fn unit() { yield_!(); }",
    "fn g<'a, T: Clone>(items: &'a mut Vec<T>, item: T) -> io::Result<usize> where T: Debug { items.push(item); let o = ctxmgr::yield_!(items.len()); items.pop(); if o.is_err() { return Err(e); } Ok(()) }",
    "fn f(x: &dyn Fn(&str) -> &str, y: fn(&u8), z: Foo<'_>) -> Result<u8, E> { x?; yield_!(1); y?; }",
    "fn bad(&mut self) -> u8 { yield_!(1); }",
    "async fn bad() { yield_!(1); }",
    "fn bad() { for x in y { yield_!(x); } if a { let o = yield_!(2); } }",
    "fn bad() { yield_!(1); yield_!(2); }",
    "fn bad() -> u8 { 1 }",
    "struct NotAFn;",
];

/// `#[ctxmgr::wrap(..)]`: `[ARGS] ITEM`.
fn run_wrap(input: TokenStream) -> TokenStream {
    let (args, item) = split_attribute(input);
    crate::wrap::wrap(args, item)
}

const WRAP_CORPUS: &[&str] = &[
    "[Probe::new(\"free\", log) as name] fn free(log: &Log, fail: bool) -> Result<&'static str, E> { if fail { Err(e)?; } Ok(name) }",
    "[span(&self.log)] fn method(&mut self, n: i64) -> Result<i64, E> { if n > self.b { return Err(e); } self.b -= n; Ok(self.b) }",
    "[Quiet::new(\"g\", log)] fn largest<T: PartialOrd + Copy>(log: &Log, items: &[T]) -> Option<T> { let mut best = *items.first()?; for &i in items { if i > best { best = i; } } Some(best) }",
    "[a as x, b(y) as (p, q), c] fn two(y: u8) -> u8 { loop { break x + p; } }",
    "[m] async fn run() -> Result<(), E> { thing().await?; Ok(()) }",
    "[] fn f() {}",
    "[m as] fn f() {}",
    "[m] struct NotAFn;",
];

/// `#[ctxmgr::context_manager]`: `[ARGS] ITEM`.
fn run_attribute(input: TokenStream) -> TokenStream {
    let (args, item) = split_attribute(input);
    crate::derive::expand::context_manager(args, item)
}

const ATTRIBUTE_CORPUS: &[&str] = &[
    "impl Counter { #[enter] fn start(&mut self) -> u32 { self.entered += 1; self.entered } \
     #[exit] fn stop(&mut self, outcome: Outcome<'_>) { let _ = outcome; } }",
    "impl Buffered { #[enter] fn open(&mut self) -> std::io::Result<&mut Vec<u8>> { Ok(&mut self.buf) } \
     #[exit] fn close(&mut self) -> std::io::Result<()> { Ok(()) } }",
    "impl<'c, T> Transaction<'c, T> where T: fmt::Display { \
     #[enter] fn begin(&mut self) -> Result<&mut Self, TestError> { Ok(self) } \
     #[exit] fn end(&mut self, outcome: Outcome<'_>) -> Result<(), TestError> { Ok(()) } \
     fn helper(&self) {} }",
    "impl Locked { #[enter] fn lock(&mut self) -> MutexGuard<'_, Vec<u32>> { self.data.lock().unwrap() } \
     #[exit] fn unlock(&mut self, outcome: Outcome<'_>) {} }",
    "impl<T: Clone> Stack<T> { #[enter] fn push(&mut self) -> Vec<T> { self.items.clone() } \
     #[exit] fn pop(&mut self) { self.depth -= 1; } }",
    "[crate = ::ctxmgr] impl Light { #[enter] fn on(&mut self) -> u8 { 100 } #[exit] fn off(&mut self) {} }",
    "impl Named { #[enter] fn enter(self: &mut Self) -> Result<&'static str, E> { Ok(self.name) } \
     #[exit] fn exit<'s>(&'s mut self, o: Outcome<'_>) -> Result<(), E> { Ok(()) } }",
    "impl S { #[enter] fn a(&mut self) {} }",
    "impl S { #[enter] fn a(&mut self) {} #[enter] fn b(&mut self) {} #[exit] fn c(self) {} }",
    "impl Quiet { #[enter] fn a(&mut self) {} #[exit] fn b(&mut self) {} \
     #[suppress] fn s(&self, error: ErrorRef<'_>) -> bool { error.is::<E>() } }",
    "impl<T> Quiet<T> where T: Clone { #[enter] async fn a(&mut self) {} #[exit] fn b() {} \
     #[suppress] fn s<'e>(error: ctxmgr::ErrorRef<'e>) -> bool { true } }",
    "impl Quiet { #[enter] fn a(&mut self) {} #[exit] #[suppress] fn b(&mut self, e: ErrorRef<'_>) -> bool { true } \
     #[suppress] async fn s(self, o: Outcome<'_>, x: u8) -> Result<bool, E> { Ok(true) } }",
];

const TARGETS: &[Target] = &[
    Target {
        name: "with!",
        corpus: WITH_CORPUS,
        run: run_with,
        expect: Expect::Expr,
    },
    Target {
        name: "derive",
        corpus: DERIVE_CORPUS,
        run: run_derive,
        expect: Expect::Items,
    },
    Target {
        name: "attribute",
        corpus: ATTRIBUTE_CORPUS,
        run: run_attribute,
        expect: Expect::Items,
    },
    Target {
        name: "contextmanager",
        corpus: CONTEXTMANAGER_CORPUS,
        run: run_contextmanager,
        expect: Expect::Items,
    },
    Target {
        name: "wrap",
        corpus: WRAP_CORPUS,
        run: run_wrap,
        expect: Expect::Items,
    },
];

/// Inputs that once crashed a macro, with the target they crashed.
const REGRESSIONS: &[(&str, &str)] = &[
    // `let` takes no top-level or-pattern: `let | _ = ..` did not parse.
    ("with!", "m as | _ => { }"),
    ("with!", "m as Ok(x) | Err(x) => { x }"),
    // A nested `with!` with a top-level `;` had its first part taken for a
    // crate path and dropped: `x as u8;` vanished without an error.
    ("with!", "a => { with!(n as b; c => {}) }"),
    ("with!", "a => { with!(1 + 2; c => { x? }) }"),
    ("with!", "a => { with!(; c => { x? }) }"),
    // A where clause without a trailing comma ran into the derive's own
    // `Self: Methods` bound: `where T: Display Self: ..` did not parse.
    ("derive", "struct W<T> where T: Display { t: T }"),
];

// ---------------------------------------------------------------------------
// The harness.

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A panic hook that stays silent (and records the message and location)
/// on threads that are fuzzing, and defers to the previous hook elsewhere.
fn install_quiet_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(Cell::get) {
                LAST_PANIC.with(|p| *p.borrow_mut() = info.to_string());
            } else {
                previous(info);
            }
        }));
    });
}

fn has_compile_error(ts: TokenStream) -> bool {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    tts.iter().enumerate().any(|(i, tt)| match tt {
        TokenTree::Ident(id) => {
            id == "compile_error"
                && matches!(tts.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!')
        }
        TokenTree::Group(g) => has_compile_error(g.stream()),
        _ => false,
    })
}

/// The contents of every `with!( .. )` / `with! { .. }` in `ts`, at any depth.
fn with_invocations(ts: TokenStream, out: &mut Vec<TokenStream>) {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    for (i, tt) in tts.iter().enumerate() {
        if let TokenTree::Group(g) = tt {
            let is_call = i >= 2
                && matches!(&tts[i - 1], TokenTree::Punct(p) if p.as_char() == '!')
                && matches!(&tts[i - 2], TokenTree::Ident(id) if id == "with");
            if is_call {
                out.push(g.stream());
            }
            with_invocations(g.stream(), out);
        }
    }
}

/// A `with!` nested in a body is expanded in place by the outer one. If it
/// is malformed on its own, the outer expansion must not swallow it: either
/// the output reports an error or it leaves that `with!` to the compiler.
fn nested_errors_kept(input: &TokenStream, output: &TokenStream) -> Result<(), String> {
    if has_compile_error(output.clone()) {
        return Ok(());
    }
    let mut nested = Vec::new();
    with_invocations(input.clone(), &mut nested);
    if nested.is_empty() {
        return Ok(());
    }
    let mut left = Vec::new();
    with_invocations(output.clone(), &mut left);
    let left: Vec<String> = left.iter().map(ToString::to_string).collect();
    for inner in nested {
        let text = inner.to_string();
        if has_compile_error(run_with(inner)) && !left.contains(&text) {
            return Err(format!(
                "a nested `with!({text})` is an error on its own but was expanded silently"
            ));
        }
    }
    Ok(())
}

/// Feeds one input; `Err` describes a failure.
fn check(target: &Target, input: TokenStream) -> Result<(), String> {
    let text = input.to_string();
    let run = target.run;
    let panicked = |what: &str| {
        let msg = LAST_PANIC.with(|p| p.borrow().clone());
        format!("{}{what} panicked: {msg}\n  input: {text}", target.name)
    };
    let output =
        panic::catch_unwind(AssertUnwindSafe(|| run(input.clone()))).map_err(|_| panicked(""))?;
    if target.name == "with!" {
        panic::catch_unwind(AssertUnwindSafe(|| nested_errors_kept(&input, &output)))
            .map_err(|_| panicked(" (a nested with! alone)"))?
            .map_err(|e| format!("{}: {e}\n  input: {text}", target.name))?;
    }
    let parses = match target.expect {
        Expect::Expr => syn::parse2::<syn::Expr>(output.clone()).is_ok(),
        // rustc parses an item before handing it to a derive or an
        // attribute: an input that is not an item never reaches them, and
        // they need only not panic on it.
        Expect::Items => {
            syn::parse2::<syn::File>(output.clone()).is_ok()
                || syn::parse2::<syn::Item>(input_for_items(target, &input)).is_err()
        }
    };
    if parses || has_compile_error(output.clone()) {
        Ok(())
    } else {
        Err(format!(
            "{}: output neither parses nor holds compile_error!\n  input: {text}\n  output: {output}",
            target.name
        ))
    }
}

/// The item part of a derive or attribute input (after `[ARGS]`).
fn input_for_items(target: &Target, input: &TokenStream) -> TokenStream {
    let mut tts = input.clone().into_iter().peekable();
    if target.name == "attribute" {
        if let Some(TokenTree::Group(g)) = tts.peek() {
            if g.delimiter() == Delimiter::Bracket {
                tts.next();
            }
        }
    }
    tts.collect()
}

/// [`check`], turning a panic anywhere in it (the harness's own parsing of
/// the output included) into a failure that shows the input.
fn guarded(target: &Target, input: TokenStream) -> Result<(), String> {
    let text = input.to_string();
    panic::catch_unwind(AssertUnwindSafe(|| check(target, input))).unwrap_or_else(|_| {
        let msg = LAST_PANIC.with(|p| p.borrow().clone());
        Err(format!(
            "checking {} panicked: {msg}\n  input: {text}",
            target.name
        ))
    })
}

/// Runs the regressions, then `per_target` mutated inputs for each target.
/// Returns how many inputs were fed, or the failures.
fn fuzz(per_target: usize, seed: u64) -> Result<usize, Vec<String>> {
    install_quiet_hook();
    let worker = std::thread::Builder::new()
        .name("fuzz".into())
        .stack_size(STACK)
        .spawn(move || {
            QUIET.with(|q| q.set(true));
            let mut failures = Vec::new();
            let mut fed = 0;
            for (name, input) in REGRESSIONS {
                let target = TARGETS
                    .iter()
                    .find(|t| t.name == *name)
                    .expect("regression names a target");
                let tokens = input.parse().expect("regression input tokenizes");
                fed += 1;
                if let Err(e) = guarded(target, tokens) {
                    failures.push(format!("regression: {e}"));
                }
            }
            for (t, target) in TARGETS.iter().enumerate() {
                let pool: Vec<Vec<Node>> = target
                    .corpus
                    .iter()
                    .map(|s| to_nodes(s.parse().expect("corpus entry tokenizes")))
                    .collect();
                // The corpus itself must pass unmutated.
                for entry in &pool {
                    fed += 1;
                    if let Err(e) = guarded(target, to_stream(entry)) {
                        failures.push(format!("corpus: {e}"));
                    }
                }
                let mut rng = Rng(seed ^ (t as u64).wrapping_mul(0xA076_1D64_78BD_642F));
                for _ in 0..per_target {
                    let base = rng.pick(&pool).clone();
                    let mutated = mutate(&mut rng, &base, &pool);
                    fed += 1;
                    if let Err(e) = guarded(target, to_stream(&mutated)) {
                        failures.push(e);
                        if failures.len() >= 20 {
                            return Err(failures);
                        }
                    }
                }
            }
            if failures.is_empty() {
                Ok(fed)
            } else {
                Err(failures)
            }
        })
        .expect("spawn fuzz thread");
    worker.join().expect("fuzz thread does not panic")
}

fn seed(default: u64) -> u64 {
    std::env::var("CTXMGR_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn report(result: Result<usize, Vec<String>>, seed: u64) -> usize {
    match result {
        Ok(fed) => fed,
        Err(failures) => panic!(
            "{} fuzz failure(s) (CTXMGR_FUZZ_SEED={seed}):\n{}",
            failures.len(),
            failures.join("\n")
        ),
    }
}

#[test]
fn corpus_and_regressions_pass() {
    let seed = seed(0);
    let fed = report(fuzz(0, seed), seed);
    assert!(fed >= WITH_CORPUS.len());
}

#[test]
fn fuzz_macros() {
    let seed = seed(0x5EED_C7C7);
    let fed = report(fuzz(NORMAL_INPUTS, seed), seed);
    assert!(fed >= NORMAL_INPUTS * TARGETS.len());
    eprintln!("fuzz inputs run: {fed}");
}

#[test]
#[ignore = "heavy: run with `cargo test --release -- --ignored`"]
fn fuzz_macros_heavy() {
    let seed = seed(0xC7C7_0001);
    let fed = report(fuzz(HEAVY_INPUTS, seed), seed);
    assert!(fed >= 100_000 && fed >= HEAVY_INPUTS * TARGETS.len());
    eprintln!(
        "fuzz inputs run: {fed} (seed {seed}, {} targets)",
        TARGETS.len()
    );
}
