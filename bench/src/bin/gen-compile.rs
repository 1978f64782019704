//! Writes the crates that `bench/run` builds to measure compile time
//! (issue 4), into a fresh Cargo workspace:
//!
//! * `sites-with`: 500 `with!` sites over 100 managers;
//! * `sites-hand`: its hand-expanded twin — the same managers, functions and
//!   bodies written as a careful engineer does without ctxmgr (enter, a Drop
//!   guard for panics, explicit exit on each path, exit errors propagated);
//! * `sites-floor`: the twin again, but through the public `ContextManager`
//!   trait as the cheapest trait-based expansion could: each manager
//!   implements the trait by calling its own methods, and one generic Drop
//!   guard `G<M: ContextManager>` replaces the twin's guard per manager; the
//!   sites call `enter`/`exit` where the twin calls `begin`/`end`. What the
//!   trait alone costs the check, beside what ctxmgr's macros emit and run;
//! * `probe-ctxmgr`, `probe-thiserror`: empty crates depending on `ctxmgr`
//!   and on `thiserror`, to compare the cost of each dependency from clean;
//! * `probe-syn-ctxmgr`, `probe-syn-thiserror`: syn alone, with the features
//!   each of them enables;
//! * `typical-base`, `typical-ctxmgr`, `typical-thiserror`: a typical
//!   application crate over serde (derive), tokio (macros, rt) and clap
//!   (derive), alone and with ctxmgr (one derived manager, four `with!`
//!   sites) or thiserror (three derives) added, to time what *adding* each
//!   dependency to such a tree costs;
//! * `typical-at-base`, `typical-at-ctxmgr`, `typical-at-thiserror`: the same
//!   with async-trait in the tree, whose syn features (`full`, `visit-mut`)
//!   cover ctxmgr-derive's, so that syn is not rebuilt when ctxmgr arrives.
//!
//! One workspace and one lock file, so every crate resolves the same syn.
//!
//! Usage: `gen-compile <out-dir> <path-to-ctxmgr> <syn-features-of-ctxmgr-derive>`
//!
//! The sites rotate over four shapes: a value body; a `?`; two nested
//! managers; a `?` plus an early `return`. Even managers hand out a plain
//! value, odd ones a `&mut u64` borrowed from the manager.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const MANAGERS: usize = 100;
const SITES: usize = 500;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, ctxmgr, syn_features] = args.as_slice() else {
        eprintln!("usage: gen-compile <out-dir> <path-to-ctxmgr> <syn-features,comma-separated>");
        std::process::exit(2);
    };
    let out = PathBuf::from(out);
    let ctxmgr = std::fs::canonicalize(ctxmgr).expect("path to ctxmgr exists");
    let syn_features: Vec<&str> = syn_features.split(',').filter(|f| !f.is_empty()).collect();

    write(
        &out.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"sites-with\", \"sites-hand\", \"sites-floor\", \
         \"probe-ctxmgr\", \"probe-thiserror\", \"probe-syn-ctxmgr\", \"probe-syn-thiserror\", \"typical-*\"]\n",
    );
    let ctxmgr_dep = format!("ctxmgr = {{ path = {:?} }}\n", ctxmgr.display().to_string());
    krate(&out, "sites-with", &ctxmgr_dep, &sites(Style::With), false);
    krate(&out, "sites-hand", &ctxmgr_dep, &sites(Style::Hand), false);
    krate(
        &out,
        "sites-floor",
        &ctxmgr_dep,
        &sites(Style::Floor),
        false,
    );
    krate(
        &out,
        "probe-ctxmgr",
        &ctxmgr_dep,
        "pub use ctxmgr;\n",
        false,
    );
    krate(
        &out,
        "probe-thiserror",
        "thiserror = \"2.0.21\"\n",
        "pub use thiserror;\n",
        false,
    );
    // syn alone is built as a proc-macro's dependency, as under
    // ctxmgr-derive and thiserror-impl (Cargo builds those without debuginfo).
    let quoted: Vec<String> = syn_features.iter().map(|f| format!("{f:?}")).collect();
    krate(
        &out,
        "probe-syn-ctxmgr",
        &format!(
            "syn = {{ version = \"3\", default-features = false, features = [{}] }}\n",
            quoted.join(", ")
        ),
        "use syn as _;\n",
        true,
    );
    // thiserror-impl depends on syn 3 with its default features.
    krate(
        &out,
        "probe-syn-thiserror",
        "syn = \"3\"\n",
        "use syn as _;\n",
        true,
    );
    typical(&out, &ctxmgr_dep);
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("has a parent")).expect("create dir");
    std::fs::write(path, text).expect("write file");
}

fn krate(out: &Path, name: &str, deps: &str, lib: &str, proc_macro: bool) {
    let kind = if proc_macro {
        "[lib]\nproc-macro = true\n\n"
    } else {
        ""
    };
    write(
        &out.join(name).join("Cargo.toml"),
        &format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             {kind}[dependencies]\n{deps}"
        ),
    );
    write(&out.join(name).join("src/lib.rs"), lib);
}

/// Does manager `i` hand out a value borrowed from itself?
fn borrows(i: usize) -> bool {
    i % 2 == 1
}

/// The body's use of the bound value `v` as a `u64`.
fn read(i: usize, v: &str) -> String {
    if borrows(i) {
        format!("*{v}")
    } else {
        v.to_string()
    }
}

/// How a sites crate reaches its managers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `with!` over derived managers (`sites-with`).
    With,
    /// The hand-expanded twin: inherent `begin`/`end` and a Drop guard per
    /// manager (`sites-hand`).
    Hand,
    /// The twin through the `ContextManager` trait and one generic guard
    /// (`sites-floor`).
    Floor,
}

fn sites(style: Style) -> String {
    let mut s = String::new();
    s.push_str(
        "//! Generated by `bench/src/bin/gen-compile.rs`.\n\
         #![allow(clippy::all)]\n\n\
         use core::fmt;\n\
         use std::hint::black_box;\n",
    );
    s.push_str(match style {
        Style::With => "use ctxmgr::{with, ContextManager, Outcome};\n\n",
        Style::Hand => "use ctxmgr::{ErrorRef, Outcome};\n\n",
        Style::Floor => "use ctxmgr::{ContextManager, ErrorRef, Outcome};\n\n",
    });
    s.push_str(COMMON);
    if style == Style::Floor {
        s.push_str(GENERIC_GUARD);
    }
    for i in 0..MANAGERS {
        manager(&mut s, i, style);
    }
    for j in 0..SITES {
        site(&mut s, j, style);
    }
    s
}

const COMMON: &str = r#"#[derive(Default)]
pub struct Stats {
    pub entered: u64,
    pub committed: u64,
    pub rolled_back: u64,
    pub fail_exit: bool,
}

#[derive(Debug)]
pub enum Error {
    Enter(u32),
    Exit(u32),
    Parse(ParseError),
}
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}
impl std::error::Error for Error {}

#[derive(Debug)]
pub struct ParseError(pub u64);
impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "odd {}", self.0)
    }
}
impl std::error::Error for ParseError {}
impl From<ParseError> for Error {
    fn from(e: ParseError) -> Self {
        Error::Parse(e)
    }
}

pub fn parse(x: u64) -> Result<u64, ParseError> {
    if x % 2 == 1 { Err(ParseError(x)) } else { Ok(x / 2) }
}

"#;

/// `sites-floor`'s one guard for every manager: exits with `Panic` when
/// dropped armed.
const GENERIC_GUARD: &str = r#"pub struct G<M: ContextManager> {
    pub m: M,
    pub armed: bool,
}
impl<M: ContextManager> Drop for G<M> {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.m.exit(Outcome::Panic);
        }
    }
}

"#;

fn manager(s: &mut String, i: usize, style: Style) {
    let (value, ok, trait_value) = if borrows(i) {
        ("&mut u64", "Ok(&mut self.acc)", "&'a mut u64")
    } else {
        ("u64", "Ok(self.stats.entered + self.acc)", "u64")
    };
    // The with! crate derives the manager from the methods marked
    // `#[enter]`/`#[exit]`; the twin has the same methods, unmarked.
    let (derive, attr, enter, exit) = if style == Style::With {
        (
            "#[derive(ContextManager)]\n",
            "#[ctxmgr::context_manager]\n",
            "#[enter]\n    ",
            "#[exit]\n    ",
        )
    } else {
        ("", "", "", "")
    };
    let _ = write!(
        s,
        r#"{derive}pub struct M{i}<'s> {{
    stats: &'s mut Stats,
    acc: u64,
}}
impl<'s> M{i}<'s> {{
    pub fn new(stats: &'s mut Stats) -> Self {{
        M{i} {{ stats, acc: {i} }}
    }}
}}
{attr}impl M{i}<'_> {{
    {enter}pub fn begin(&mut self) -> Result<{value}, Error> {{
        if self.stats.entered == u64::MAX - {i} {{
            return Err(Error::Enter({i}));
        }}
        self.stats.entered += 1;
        {ok}
    }}
    {exit}pub fn end(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {{
        if outcome.is_ok() {{
            self.stats.committed += self.acc;
        }} else {{
            self.stats.rolled_back += 1;
        }}
        if self.stats.fail_exit {{ Err(Error::Exit({i})) }} else {{ Ok(()) }}
    }}
}}
"#
    );
    match style {
        Style::With => {}
        Style::Hand => {
            let _ = write!(
                s,
                r#"pub struct M{i}Guard<'s> {{
    pub m: M{i}<'s>,
    pub armed: bool,
}}
impl Drop for M{i}Guard<'_> {{
    fn drop(&mut self) {{
        if self.armed {{
            let _ = self.m.end(Outcome::Panic);
        }}
    }}
}}

"#
            );
        }
        // The cheapest trait-based expansion: the trait implemented by
        // calling the manager's own methods, for the one generic guard.
        Style::Floor => {
            let _ = write!(
                s,
                r#"impl<'s> ContextManager for M{i}<'s> {{
    type Value<'a> = {trait_value} where Self: 'a;
    type Error = Error;
    fn enter(&mut self) -> Result<Self::Value<'_>, Error> {{
        self.begin()
    }}
    fn exit(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {{
        self.end(outcome)
    }}
}}

"#
            );
        }
    }
}

fn site(s: &mut String, j: usize, style: Style) {
    let i = j % MANAGERS;
    let k = (j + 1) % MANAGERS;
    let v = read(i, "v");
    let shape = j % 4;
    if style == Style::With {
        let body = match shape {
            0 => format!("black_box(x) + {v}"),
            1 => format!("parse(black_box(x))? + {v}"),
            2 => format!("black_box(x) + {v} + {w}", w = read(k, "w")),
            _ => format!(
                "if black_box(x) == {j} {{\n            return Ok(0);\n        }}\n        parse(x)? + {v}"
            ),
        };
        let managers = if shape == 2 {
            format!("M{i}::new(a) as v, M{k}::new(b) as w")
        } else {
            format!("M{i}::new(a) as v")
        };
        let _ = write!(
            s,
            "pub fn site{j}(a: &mut Stats, b: &mut Stats, x: u64) -> Result<u64, Error> {{\n    \
             let _ = &b;\n    \
             let y = with!({managers} => {{\n        {body}\n    }});\n    \
             Ok(y)\n}}\n\n"
        );
        return;
    }
    // The twin calls the manager's inherent methods through its own guard;
    // the floor calls the trait's through the generic one.
    let (begin, end) = match style {
        Style::Floor => ("enter", "exit"),
        _ => ("begin", "end"),
    };
    let guard = |m: usize| match style {
        Style::Floor => "G".to_string(),
        _ => format!("M{m}Guard"),
    };
    let enter = |g: &str, m: usize, stats: &str| {
        format!(
            "    let mut {g} = {guard} {{ m: M{m}::new({stats}), armed: false }};\n",
            guard = guard(m)
        )
    };
    let exit_err = |g: &str, e: &str| {
        format!(
            "{{\n        {g}.armed = false;\n        {g}.m.{end}(Outcome::Err(ErrorRef::new(&{e})))?;\n        \
             return Err({e}.into());\n    }}"
        )
    };
    let mut f = format!(
        "pub fn site{j}(a: &mut Stats, b: &mut Stats, x: u64) -> Result<u64, Error> {{\n    let _ = &b;\n"
    );
    f += &enter("g", i, "a");
    f += &format!("    let v = g.m.{begin}()?;\n    g.armed = true;\n");
    match shape {
        0 => f += &format!("    let y = black_box(x) + {v};\n"),
        1 | 3 => {
            if shape == 3 {
                f += &format!(
                    "    if black_box(x) == {j} {{\n        g.armed = false;\n        \
                     g.m.{end}(Outcome::Ok)?;\n        return Ok(0);\n    }}\n"
                );
            }
            let input = if shape == 1 { "black_box(x)" } else { "x" };
            f += &format!(
                "    let half = match parse({input}) {{\n        Ok(half) => half,\n        Err(e) => {}\n    }};\n",
                exit_err("g", "e").replace('\n', "\n    ")
            );
            f += &format!("    let y = half + {v};\n");
        }
        _ => {
            f += &enter("h", k, "b");
            f += &format!(
                "    let w = match h.m.{begin}() {{\n        Ok(w) => w,\n        Err(e) => {}\n    }};\n    h.armed = true;\n",
                exit_err("g", "e").replace('\n', "\n    ")
            );
            f += &format!("    let y = black_box(x) + {v} + {w};\n", w = read(k, "w"));
            f += &format!(
                "    h.armed = false;\n    if let Err(e) = h.m.{end}(Outcome::Ok) {}\n",
                exit_err("g", "e")
            );
        }
    }
    f += &format!("    g.armed = false;\n    g.m.{end}(Outcome::Ok)?;\n    Ok(y)\n}}\n\n");
    s.push_str(&f);
}

/// The dependencies of the typical tree, at versions whose proc macros use
/// syn 3 (as ctxmgr-derive and thiserror-impl do).
const TREE_DEPS: &str = "serde = { version = \"1.0.229\", features = [\"derive\"] }\n\
     tokio = { version = \"1.54.1\", features = [\"macros\", \"rt\"] }\n\
     clap = { version = \"4.6.9\", features = [\"derive\"] }\n";
const ASYNC_TRAIT_DEP: &str = "async-trait = \"0.1.92\"\n";

/// The typical crates: `typical[-at]-base` uses the tree a little;
/// `typical[-at]-ctxmgr` and `typical[-at]-thiserror` are the same code plus
/// some use of the dependency being added.
fn typical(out: &Path, ctxmgr_dep: &str) {
    for async_trait in [false, true] {
        let (prefix, mut deps, mut code) = if async_trait {
            (
                "typical-at",
                format!("{TREE_DEPS}{ASYNC_TRAIT_DEP}"),
                format!("{TYPICAL}{TYPICAL_ASYNC_TRAIT}"),
            )
        } else {
            ("typical", TREE_DEPS.to_string(), TYPICAL.to_string())
        };
        krate(out, &format!("{prefix}-base"), &deps, &code, false);
        let base = (deps.clone(), code.clone());
        deps.push_str(ctxmgr_dep);
        code.push_str(TYPICAL_CTXMGR);
        krate(out, &format!("{prefix}-ctxmgr"), &deps, &code, false);
        let (mut deps, mut code) = base;
        deps.push_str("thiserror = \"2.0.21\"\n");
        code.push_str(TYPICAL_THISERROR);
        krate(out, &format!("{prefix}-thiserror"), &deps, &code, false);
    }
}

const TYPICAL: &str = r#"//! Generated by `bench/src/bin/gen-compile.rs`: a typical application crate.
#![allow(clippy::all)]

use clap::Parser;
use core::fmt;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    pub name: String,
    pub retries: u32,
    #[serde(default)]
    pub verbose: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Started { name: String },
    Retried { attempt: u32 },
    Finished(u64),
}

#[derive(Debug, Parser)]
#[command(name = "typical", about = "A typical command-line tool")]
pub struct Args {
    /// Name of the job.
    #[arg(long, default_value = "job")]
    pub name: String,
    /// How often to retry.
    #[arg(long, default_value_t = 3)]
    pub retries: u32,
    /// Say more.
    #[arg(short, long)]
    pub verbose: bool,
}

impl From<Args> for Config {
    fn from(a: Args) -> Self {
        Config { name: a.name, retries: a.retries, verbose: a.verbose }
    }
}

pub fn config_from(args: &[&str]) -> Config {
    Args::parse_from(args.iter().copied()).into()
}

#[tokio::main(flavor = "current_thread")]
pub async fn serve(config: Config) -> u64 {
    let task = tokio::spawn(async move { u64::from(config.retries) + config.name.len() as u64 });
    task.await.unwrap_or(0)
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} retries)", self.name, self.retries)
    }
}
"#;

const TYPICAL_ASYNC_TRAIT: &str = r#"
#[async_trait::async_trait]
pub trait Store {
    async fn load(&self, name: &str) -> Option<Config>;
}

pub struct Memory(pub Vec<Config>);

#[async_trait::async_trait]
impl Store for Memory {
    async fn load(&self, name: &str) -> Option<Config> {
        self.0.iter().find(|c| c.name == name).cloned()
    }
}
"#;

const TYPICAL_CTXMGR: &str = r#"
// ---- ctxmgr: one derived manager, four `with!` sites ----
use ctxmgr::{with, ContextManager, Outcome};

#[derive(Debug)]
pub enum JobError {
    TooManyRetries(u32),
    Empty,
    Exit(String),
}
impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JobError::TooManyRetries(n) => write!(f, "too many retries: {n}"),
            JobError::Empty => f.write_str("empty job name"),
            JobError::Exit(name) => write!(f, "job {name} did not finish"),
        }
    }
}
impl std::error::Error for JobError {}

#[derive(ContextManager)]
pub struct Job<'c> {
    config: &'c mut Config,
    events: Vec<Event>,
}
impl<'c> Job<'c> {
    pub fn new(config: &'c mut Config) -> Self {
        Job { config, events: Vec::new() }
    }
}
#[ctxmgr::context_manager]
impl Job<'_> {
    #[enter]
    pub fn start(&mut self) -> Result<&mut Config, JobError> {
        if self.config.name.is_empty() {
            return Err(JobError::Empty);
        }
        self.events.push(Event::Started { name: self.config.name.clone() });
        Ok(&mut *self.config)
    }
    #[exit]
    pub fn finish(&mut self, outcome: Outcome<'_>) -> Result<(), JobError> {
        if outcome.is_ok() {
            self.events.push(Event::Finished(self.events.len() as u64));
            Ok(())
        } else if self.config.verbose {
            Err(JobError::Exit(self.config.name.clone()))
        } else {
            Ok(())
        }
    }
}

pub fn check(config: &Config) -> Result<u32, JobError> {
    if config.retries > 10 { Err(JobError::TooManyRetries(config.retries)) } else { Ok(config.retries) }
}

pub fn run_plain(config: &mut Config) -> Result<usize, JobError> {
    let n = with!(Job::new(config) as c => { c.name.len() });
    Ok(n)
}

pub fn run_checked(config: &mut Config) -> Result<u32, JobError> {
    let n = with!(Job::new(config) as c => {
        c.retries += 1;
        check(c)? * 2
    });
    Ok(n)
}

pub fn run_two(a: &mut Config, b: &mut Config) -> Result<u32, JobError> {
    let n = with!(Job::new(a) as x, Job::new(b) as y => { check(x)? + check(y)? });
    Ok(n)
}

pub fn run_early(config: &mut Config) -> Result<u32, JobError> {
    let n = with!(Job::new(config) as c => {
        if c.verbose {
            return Ok(0);
        }
        check(c)?
    });
    Ok(n)
}
"#;

const TYPICAL_THISERROR: &str = r#"
// ---- thiserror: three derives ----
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("too many retries: {0}")]
    TooManyRetries(u32),
    #[error("empty job name")]
    Empty,
    #[error("job {name} did not finish")]
    Exit { name: String },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

#[derive(Debug, thiserror::Error)]
#[error("bad config {config}")]
pub struct ConfigError {
    pub config: Config,
    #[source]
    pub source: JobError,
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("missing field {0}")]
    Missing(&'static str),
    #[error("field {field} is {value}, at most {max}")]
    TooLarge { field: &'static str, value: u64, max: u64 },
}

pub fn check(config: &Config) -> Result<u32, JobError> {
    if config.name.is_empty() {
        return Err(JobError::Empty);
    }
    if config.retries > 10 { Err(JobError::TooManyRetries(config.retries)) } else { Ok(config.retries) }
}
"#;
