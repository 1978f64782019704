//! Golden expansion tests: what every form of the macros emits, pinned in
//! `ctxmgr-derive/tests/golden/<case>.rs`, one file per case, so that a
//! change to an expansion shows as a diff in review.
//!
//! Each case calls an expander directly (as [`crate::fuzz_tests`] does),
//! pretty-prints its output with `prettyplease` (a `with!` expression is
//! wrapped in `fn __golden() { .. }`), and compares it with the file.
//! Re-bless after an intended change, then read the diff before committing:
//!
//! ```text
//! GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//! ```
//!
//! The printed names carry no hygiene: a `Span::mixed_site()` ident prints
//! as its plain name. The output depends on nothing but the input: no
//! paths, no hash order (the runtime path is `::ctxmgr`, since
//! ctxmgr-derive's own Cargo.toml renames no `ctxmgr`).
//!
//! The golden files are not packaged (`include` in Cargo.toml): in the
//! packaged crate's test run (`.ci/package`), where `tests/golden/` is
//! absent and `Cargo.toml.orig` present, the comparison is skipped and
//! says so. In the workspace a missing file or folder fails.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proc_macro2::{Delimiter, Group, Ident, Spacing, TokenStream, TokenTree};

/// Which expander a case runs, and how its output is printed.
#[derive(Clone, Copy)]
enum Form {
    /// `with!`: the user's tokens after the `$crate;` that `ctxmgr::with!`
    /// adds. The output is an expression.
    With,
    /// `#[wrap(ARGS)] ITEM`.
    Wrap,
    /// `#[contextmanager] ITEM`.
    Generator,
    /// `#[derive(ContextManager)] ITEM`.
    Derive,
    /// `#[context_manager(ARGS)] ITEM`.
    Attribute,
}

/// One golden case: the file name, and the expander calls whose outputs,
/// concatenated, make the file (a derive and the attribute on its impl
/// are one case).
struct Case {
    name: &'static str,
    calls: &'static [(Form, &'static str, &'static str)],
}

const CASES: &[Case] = &[
    // with!, sync.
    Case {
        name: "with_one",
        calls: &[(Form::With, "", "lock(&m) as g, { g.push(1); g.len() }")],
    },
    Case {
        name: "with_arrow_spelling",
        calls: &[(Form::With, "", "lock(&m) as g => { g.push(1); g.len() }")],
    },
    Case {
        name: "with_several",
        calls: &[(
            Form::With,
            "",
            r#"open(path) as f, Timer::new("t") as _t, pair() as (x, y), { f.write(x + y) }"#,
        )],
    },
    Case {
        name: "with_two",
        calls: &[(
            Form::With,
            "",
            r#"open(a) as f, open(b) as g, { f.copy_to(g) }"#,
        )],
    },
    Case {
        name: "with_return_and_question",
        calls: &[(
            Form::With,
            "",
            r#"open(path) as f, { if f.is_empty() { return Ok(0); } parse(f)? + 1 }"#,
        )],
    },
    Case {
        name: "with_no_binding",
        calls: &[(Form::With, "", r#"Timer::new("t"), { work(); }"#)],
    },
    Case {
        name: "with_question",
        calls: &[(
            Form::With,
            "",
            r#"open(path) as f, { f.write_all(b"x")?; Ok(()) }"#,
        )],
    },
    Case {
        name: "with_return",
        calls: &[(
            Form::With,
            "",
            "lock(&m) as g, { if g.is_empty() { return Err(Empty); } g.len() }",
        )],
    },
    Case {
        name: "with_break",
        calls: &[(
            Form::With,
            "",
            "lock(&m) as mut g, { if *g > 3 { break; } if *g == 0 { break 'outer 7; } *g += 1; }",
        )],
    },
    // A malformed with!: the error, and the body kept for rust-analyzer.
    Case {
        name: "with_malformed",
        calls: &[(Form::With, "", "lock(&m) as, { g.push(1); }")],
    },
    // with!(async ..).
    Case {
        name: "with_async_one",
        calls: &[(
            Form::With,
            "",
            "async { open(path) } as f, { f.write_all(b\"x\").await?; Ok(()) }",
        )],
    },
    Case {
        name: "with_async_mixed",
        calls: &[(
            Form::With,
            "",
            r#"async { pool.get() } as conn, Timer::new("q") as _t, async { conn.begin() } as tx, { if tx.is_empty() { return Ok(0); } tx.run().await }"#,
        )],
    },
    // #[wrap].
    Case {
        name: "wrap_sync",
        calls: &[(
            Form::Wrap,
            r#"Timer::new("f") as t"#,
            "fn f(x: u8) -> Result<u8, E> { if x == 0 { return Err(E); } Ok(x + t.n()) }",
        )],
    },
    Case {
        name: "wrap_async",
        calls: &[(
            Form::Wrap,
            "span()",
            "async fn run() -> Result<(), E> { thing().await?; Ok(()) }",
        )],
    },
    Case {
        name: "wrap_async_manager",
        calls: &[(
            Form::Wrap,
            "async { pool.get() } as conn",
            "async fn query(pool: &Pool) -> Result<u8, E> { conn.one().await }",
        )],
    },
    // #[contextmanager].
    Case {
        name: "contextmanager_sync",
        calls: &[(
            Form::Generator,
            "",
            r#"fn tag(log: &Log, name: &str) -> Result<String, E> { log.push(1); let outcome = yield_!(format!("[{name}]")); log.push(outcome.is_ok()); }"#,
        )],
    },
    Case {
        name: "contextmanager_async",
        calls: &[(
            Form::Generator,
            "",
            r#"async fn tag(log: &Log, name: &str) -> Result<String, E> { ready().await; let outcome = ctxmgr::yield_!(format!("[{name}]")); log.push(outcome.is_ok()).await; }"#,
        )],
    },
    // The derive with the attribute on its impl, sync and async.
    Case {
        name: "derive_sync",
        calls: &[
            (Form::Derive, "", "pub struct Tx<'c> { db: &'c mut Db }"),
            (
                Form::Attribute,
                "",
                "impl<'c> Tx<'c> { \
                 #[enter] fn begin(&mut self) -> Result<&mut Self, DbError> { Ok(self) } \
                 #[exit] fn end(&mut self, outcome: Outcome<'_>) -> Result<(), DbError> { Ok(()) } }",
            ),
        ],
    },
    // The derive with an owned value the named guard keeps (the shape most
    // of bench's generated managers have): `Value<'a> = u64`, and the guard
    // derefs to the value.
    Case {
        name: "derive_keeps_value",
        calls: &[
            (Form::Derive, "", "pub struct Meter<'s> { stats: &'s mut Stats, acc: u64 }"),
            (
                Form::Attribute,
                "",
                "impl Meter<'_> { \
                 #[enter] pub fn begin(&mut self) -> Result<u64, Error> { Ok(self.acc) } \
                 #[exit] pub fn end(&mut self, outcome: Outcome<'_>) -> Result<(), Error> { Ok(()) } }",
            ),
        ],
    },
    Case {
        name: "derive_async",
        calls: &[
            (
                Form::Derive,
                "",
                "pub struct Session<'l, T: Send> { log: &'l Log, greeting: T }",
            ),
            (
                Form::Attribute,
                "",
                "impl<T: Send + Display> Session<'_, T> { \
                 #[enter] async fn open(&mut self) -> std::io::Result<&mut T> { Ok(&mut self.greeting) } \
                 #[exit] async fn close(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> { Ok(()) } }",
            ),
        ],
    },
    Case {
        name: "context_manager_send",
        calls: &[(
            Form::Attribute,
            "send",
            "impl Conn { \
             #[enter] async fn open(&mut self) -> std::io::Result<()> { Ok(()) } \
             #[exit] async fn close(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> { Ok(()) } }",
        )],
    },
    Case {
        name: "derive_named_guard",
        calls: &[(
            Form::Derive,
            "",
            "#[ctxmgr(guard = LightSwitch)] enum Light { Off, On(u8) }",
        )],
    },
    // #[context_manager] alone: a value-less enter, an exit without the
    // outcome, and a suppress method.
    Case {
        name: "context_manager",
        calls: &[(
            Form::Attribute,
            "",
            "impl Counter { \
             #[enter] fn start(&mut self) { self.entered += 1; } \
             #[exit] fn stop(&mut self) { self.entered -= 1; } \
             #[suppress] fn keep(&self, error: ErrorRef<'_>) -> bool { error.is::<Timeout>() } }",
        )],
    },
];

fn tokens(text: &str) -> TokenStream {
    text.parse().expect("golden input tokenizes")
}

/// The expansion of one call, printed.
fn expand(form: Form, args: &str, input: &str) -> String {
    let output = match form {
        Form::With => {
            let mut with = tokens("::ctxmgr;");
            with.extend(tokens(input));
            crate::with::with_impl(with)
        }
        Form::Wrap => crate::wrap::wrap(tokens(args), tokens(input)),
        Form::Generator => crate::generator::contextmanager(tokens(args), tokens(input)),
        Form::Derive => crate::derive::expand::derive(tokens(input)),
        Form::Attribute => crate::derive::expand::context_manager(tokens(args), tokens(input)),
    };
    let file = match form {
        Form::With => format!("fn __golden() {{ {output} }}"),
        _ => output.to_string(),
    };
    let file = tokens(&file);
    // prettyplease prints a macro call's tokens as they come, in long
    // reflowed lines; the bodies of `with!(async ..)` sit in `pin!(..)`. A
    // call whose arguments are expressions is printed as a function call
    // under a marked name, and the `!` put back.
    if let Ok(parsed) = syn::parse2::<syn::File>(calls_for_macros(file.clone())) {
        return prettyplease::unparse(&parsed).replace(&format!("{BANG}("), "!(");
    }
    match syn::parse2::<syn::File>(file.clone()) {
        Ok(parsed) => prettyplease::unparse(&parsed),
        // Deterministic all the same, only less readable.
        Err(_) => token_print(&file),
    }
}

/// What `NAME!(ARGS)` becomes for printing: `NAME__golden_bang(ARGS)`.
const BANG: &str = "__golden_bang";

/// Each `NAME ! ( ARGS )` whose `ARGS` parse as comma-separated
/// expressions, as `NAME__golden_bang ( ARGS )`, in every group.
fn calls_for_macros(ts: TokenStream) -> TokenStream {
    use syn::parse::Parser;
    let exprs = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
    let tts: Vec<TokenTree> = ts
        .into_iter()
        .map(|tt| match tt {
            TokenTree::Group(g) => {
                let mut new = Group::new(g.delimiter(), calls_for_macros(g.stream()));
                new.set_span(g.span());
                TokenTree::Group(new)
            }
            other => other,
        })
        .collect();
    let mut out = Vec::with_capacity(tts.len());
    let mut i = 0;
    while i < tts.len() {
        if let (
            TokenTree::Ident(name),
            Some(TokenTree::Punct(bang)),
            Some(TokenTree::Group(args)),
        ) = (&tts[i], tts.get(i + 1), tts.get(i + 2))
        {
            if bang.as_char() == '!'
                && args.delimiter() == Delimiter::Parenthesis
                && exprs.parse2(args.stream()).is_ok()
            {
                out.push(TokenTree::Ident(Ident::new(
                    &format!("{name}{BANG}"),
                    name.span(),
                )));
                out.push(TokenTree::Group(args.clone()));
                i += 3;
                continue;
            }
        }
        out.push(tts[i].clone());
        i += 1;
    }
    out.into_iter().collect()
}

/// A plain printer for output prettyplease cannot take: a line after each
/// `;`, `{` and `}`, indented by brace depth.
fn token_print(ts: &TokenStream) -> String {
    fn go(ts: &TokenStream, depth: usize, out: &mut String, line: &mut String) {
        fn flush(depth: usize, out: &mut String, line: &mut String) {
            if !line.trim().is_empty() {
                let _ = writeln!(out, "{}{}", "    ".repeat(depth), line.trim());
            }
            line.clear();
        }
        for tt in ts.clone() {
            match &tt {
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                    line.truncate(line.trim_end().len());
                    line.push_str(" {");
                    flush(depth, out, line);
                    go(&g.stream(), depth + 1, out, line);
                    flush(depth + 1, out, line);
                    line.push('}');
                    flush(depth, out, line);
                }
                TokenTree::Punct(p) if p.as_char() == ';' => {
                    line.push(';');
                    flush(depth, out, line);
                }
                TokenTree::Punct(p) => {
                    line.push(p.as_char());
                    if p.spacing() == Spacing::Alone {
                        line.push(' ');
                    }
                }
                other => {
                    let _ = write!(line, "{other} ");
                }
            }
        }
    }
    let (mut out, mut line) = (String::new(), String::new());
    go(ts, 0, &mut out, &mut line);
    let _ = writeln!(out, "{}", line.trim());
    out.trim_end().to_string() + "\n"
}

/// The file's text: a header that names the case and shows its input, then
/// each call's expansion.
fn render(case: &Case) -> String {
    let mut text = format!(
        "// Golden expansion `{}`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden\n",
        case.name
    );
    for (i, &(form, args, input)) in case.calls.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let call = match form {
            Form::With => format!("with!({input})"),
            Form::Wrap => format!("#[wrap({args})] {input}"),
            Form::Generator => format!("#[contextmanager] {input}"),
            Form::Derive => format!("#[derive(ContextManager)] {input}"),
            Form::Attribute if args.is_empty() => format!("#[context_manager] {input}"),
            Form::Attribute => format!("#[context_manager({args})] {input}"),
        };
        let _ = write!(
            text,
            "//\n// Input: {call}\n// Output:\n\n{}",
            expand(form, args, input)
        );
    }
    text
}

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

/// The first differing line, with a few lines of context from both.
fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    let at = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let window = |lines: &[&str]| {
        let from = at.saturating_sub(2);
        lines[from.min(lines.len())..(at + 3).min(lines.len())]
            .iter()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    format!(
        "first difference at line {}:\n  golden:\n{}  now:\n{}",
        at + 1,
        window(&e),
        window(&a)
    )
}

#[test]
fn golden_expansions() {
    let dir = golden_dir();
    let bless = std::env::var_os("GOLDEN_BLESS").is_some_and(|v| v != "0");
    // `cargo package` leaves a `Cargo.toml.orig`: only a packaged crate,
    // which has no `tests/`, skips the comparison; in the workspace a
    // missing folder is a failure.
    let packaged = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("Cargo.toml.orig")
        .is_file();
    if !dir.is_dir() && !bless && packaged {
        eprintln!(
            "golden: {} is absent (a packaged crate): comparison skipped",
            dir.display()
        );
        return;
    }
    let mut failures = Vec::new();
    for case in CASES {
        let path = dir.join(format!("{}.rs", case.name));
        let actual = render(case);
        if bless {
            std::fs::create_dir_all(&dir).expect("create tests/golden");
            std::fs::write(&path, &actual).expect("write a golden file");
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(format!(
                "{}: the expansion changed; {}",
                case.name,
                first_difference(&expected, &actual)
            )),
            Err(e) => failures.push(format!(
                "{}: cannot read {}: {e}",
                case.name,
                path.display()
            )),
        }
    }
    // A golden file whose case is gone is stale.
    // (A missing folder already failed each case above.)
    for entry in std::fs::read_dir(&dir).into_iter().flatten() {
        let name = entry.expect("a directory entry").file_name();
        let name = name.to_string_lossy();
        if let Some(stem) = name.strip_suffix(".rs") {
            if !CASES.iter().any(|c| c.name == stem) {
                if bless {
                    std::fs::remove_file(dir.join(&*name)).expect("remove a stale golden file");
                } else {
                    failures.push(format!("{name}: no case makes this golden file"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden expansion(s) differ; if the change is intended, re-bless with \
         `GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden` and review the diff:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every case's output went through prettyplease, not the fallback: a
/// `with!` expansion syn cannot parse would be a bug of its own.
#[test]
fn golden_outputs_parse() {
    for case in CASES {
        for &(form, args, input) in case.calls {
            let text = expand(form, args, input);
            assert!(
                syn::parse_file(&text).is_ok(),
                "{}: the printed expansion does not parse:\n{text}",
                case.name
            );
        }
    }
}

#[test]
fn golden_token_printer_is_deterministic() {
    let ts = tokens("fn f() { let x = a::<u8>(b); if x { y } }");
    assert_eq!(
        token_print(&ts),
        "fn f () {\n    let x = a ::< u8 > (b) ;\n    if x {\n        y\n    }\n}\n"
    );
}
