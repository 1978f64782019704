//! The path generated code uses to reach the runtime crate.
//!
//! `with!` is a `macro_rules!` wrapper and gets `$crate` for free; a derive
//! or attribute macro has no `$crate`. Users may rename the dependency
//! (`cm = { package = "ctxmgr", .. }`), so the expansion reads the user's
//! Cargo.toml (`CARGO_MANIFEST_DIR`, set by cargo for every compilation)
//! and looks for the dependency whose `package` is `ctxmgr` — in its own
//! dependency tables, and through `workspace = true` in the workspace
//! root's `[workspace.dependencies]`. Anything else is `::ctxmgr`.
//!
//! This is a line scanner for the handful of TOML forms cargo documents for
//! dependencies, not a TOML parser: it keeps the crate dependency-free. An
//! explicit `crate = path` option overrides it.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{quote, ToTokens};

const PACKAGE: &str = "ctxmgr";

/// `::ctxmgr`, `::renamed`, or the user's explicit path.
pub fn runtime_path(explicit: Option<&syn::Path>) -> TokenStream {
    if let Some(path) = explicit {
        return path.to_token_stream();
    }
    let name = runtime_name();
    let ident = syn::Ident::new(&name, Span::call_site());
    quote!(::#ident)
}

/// `KRATE::__private`, the module expansions name runtime items through.
pub fn private_path(krate: &TokenStream) -> TokenStream {
    quote!(#krate::__private)
}

// The scanner below is written with plain loops and byte searches rather
// than iterator adapters, closures and `str` patterns: each of those is a
// generic instantiation compiled into this crate, and the scanner runs once
// per expansion over a few lines of TOML (session 8 of bench/HISTORY.md).
// Lines are split at `\n` and trimmed of ASCII whitespace (a `\r` of CRLF
// included): TOML's whitespace is space and tab, and cargo rejects a
// manifest that is not TOML before any macro runs.

/// The name the user's crate gives the runtime crate: `ctxmgr`, or what
/// its Cargo.toml renames the dependency to.
pub fn runtime_name() -> String {
    let renamed = match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) => dependency_name(Path::new(&dir)),
        None => None,
    };
    match renamed {
        Some(name) => name,
        None => PACKAGE.to_string(),
    }
}

/// One dependency entry: its key, its `package = ".."` if any, and whether
/// it says `workspace = true`.
#[derive(Default)]
struct Dep {
    key: String,
    package: Option<String>,
    workspace: bool,
}

impl Dep {
    fn new(key: &str) -> Self {
        Dep {
            key: key.to_string(),
            ..Dep::default()
        }
    }

    fn is_ctxmgr(&self) -> bool {
        self.package.as_deref() == Some(PACKAGE)
    }
}

/// The crate name under which `manifest_dir`'s package sees `ctxmgr`, when
/// renamed; `None` means `ctxmgr`.
fn dependency_name(manifest_dir: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(manifest_dir.join("Cargo.toml")).ok()?;
    let deps = scan(&manifest, false);
    for dep in &deps {
        if dep.is_ctxmgr() {
            return Some(crate_name(&dep.key));
        }
    }
    let mut inherits = false;
    for dep in &deps {
        if dep.key == PACKAGE {
            return None;
        }
        inherits |= dep.workspace;
    }
    // `cm = { workspace = true }`: the rename lives in the workspace root.
    if !inherits {
        return None;
    }
    let root = workspace_root(manifest_dir)?;
    let root_deps = scan(&std::fs::read_to_string(root).ok()?, true);
    for dep in &deps {
        if !dep.workspace {
            continue;
        }
        for root_dep in &root_deps {
            if root_dep.key == dep.key && root_dep.is_ctxmgr() {
                return Some(crate_name(&root_dep.key));
            }
        }
    }
    None
}

/// A dependency key as a crate name: `my-cm` is `my_cm`.
fn crate_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len());
    for c in key.chars() {
        name.push(if c == '-' { '_' } else { c });
    }
    name
}

fn workspace_root(manifest_dir: &Path) -> Option<PathBuf> {
    let mut dir = manifest_dir.parent();
    while let Some(current) = dir {
        let path = current.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&path) {
            for line in pieces(&text, b'\n') {
                if strip_comment(line).trim_ascii() == "[workspace]" {
                    return Some(path);
                }
            }
        }
        dir = current.parent();
    }
    None
}

fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_string = !in_string,
            '#' if !in_string => return &line[..i],
            _ => {}
        }
    }
    line
}

fn unquote(s: &str) -> &str {
    let s = s.trim_ascii();
    let bytes = s.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(b'"'), Some(b'"')) | (Some(b'\''), Some(b'\'')) if bytes.len() >= 2 => {
            &s[1..s.len() - 1]
        }
        _ => s,
    }
}

/// `s` split around the first `separator` (`str::split_once` for an ASCII
/// separator).
fn split_once(s: &str, separator: u8) -> Option<(&str, &str)> {
    let mut i = 0;
    while i < s.len() {
        if s.as_bytes()[i] == separator {
            return Some((&s[..i], &s[i + 1..]));
        }
        i += 1;
    }
    None
}

/// `s` split around the last `separator` (`str::rsplit_once`).
fn rsplit_once(s: &str, separator: u8) -> Option<(&str, &str)> {
    let mut i = s.len();
    while i > 0 {
        i -= 1;
        if s.as_bytes()[i] == separator {
            return Some((&s[..i], &s[i + 1..]));
        }
    }
    None
}

/// The pieces of a string between an ASCII separator (`str::split`).
struct Pieces<'a> {
    rest: Option<&'a str>,
    separator: u8,
}

impl<'a> Iterator for Pieces<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match split_once(rest, self.separator) {
            Some((piece, after)) => {
                self.rest = Some(after);
                Some(piece)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

fn pieces(s: &str, separator: u8) -> Pieces<'_> {
    Pieces {
        rest: Some(s),
        separator,
    }
}

/// `s` without its trailing `end` bytes (`str::trim_end_matches`).
fn trim_end(s: &str, end: u8) -> &str {
    let mut len = s.len();
    while len > 0 && s.as_bytes()[len - 1] == end {
        len -= 1;
    }
    &s[..len]
}

fn apply(dep: &mut Dep, key: &str, value: &str) {
    match key {
        "package" => dep.package = Some(unquote(value).to_string()),
        "workspace" => dep.workspace = value.trim_ascii() == "true",
        _ => {}
    }
}

/// A dependency table's header: `dependencies`, `dev-dependencies`,
/// `target.'cfg(unix)'.dependencies`, ... or, with `workspace_table`,
/// `workspace.dependencies`.
fn is_deps_table(header: &str, workspace_table: bool) -> bool {
    if workspace_table {
        header == "workspace.dependencies"
    } else {
        header.ends_with("dependencies") && !header.starts_with("workspace")
    }
}

/// The entries of every dependency table: `[dependencies]`,
/// `[dev-dependencies]`, `[build-dependencies]`, their `[target.'..'.*]`
/// forms and `[x.name]` sub-tables — or, with `workspace_table`,
/// `[workspace.dependencies]`.
fn scan(manifest: &str, workspace_table: bool) -> Vec<Dep> {
    let mut deps: Vec<Dep> = Vec::new();
    // Inside `[dependencies]` (None) or `[dependencies.key]` (Some(index)).
    let mut section: Option<Option<usize>> = None;
    for line in pieces(manifest, b'\n') {
        let line = strip_comment(line).trim_ascii();
        if line.is_empty() {
            continue;
        }
        if line.as_bytes()[0] == b'[' {
            // The header, its dotted parts unquoted.
            let mut header = String::new();
            for (i, part) in pieces(trim_end(&line[1..], b']'), b'.').enumerate() {
                if i > 0 {
                    header.push('.');
                }
                header.push_str(unquote(part));
            }
            section = if is_deps_table(&header, workspace_table) {
                Some(None)
            } else {
                match rsplit_once(&header, b'.') {
                    Some((table, key)) if is_deps_table(table, workspace_table) => {
                        deps.push(Dep::new(key));
                        Some(Some(deps.len() - 1))
                    }
                    _ => None,
                }
            };
            continue;
        }
        let Some((key, value)) = split_once(line, b'=') else {
            continue;
        };
        let (key, value) = (key.trim_ascii(), value.trim_ascii());
        match section {
            Some(Some(index)) => apply(&mut deps[index], unquote(key), value),
            Some(None) => {
                // `key = "1"`, `key = { .. }` or dotted `key.package = ".."`.
                let (name, sub) = match split_once(key, b'.') {
                    Some((name, sub)) => (unquote(name), Some(unquote(sub))),
                    None => (unquote(key), None),
                };
                let mut index = deps.len();
                for (i, dep) in deps.iter().enumerate() {
                    if dep.key == name {
                        index = i;
                        break;
                    }
                }
                if index == deps.len() {
                    deps.push(Dep::new(name));
                }
                match sub {
                    Some(sub) => apply(&mut deps[index], sub, value),
                    None if value.as_bytes().first() == Some(&b'{') => {
                        // An inline table: `key = value` pairs.
                        for pair in pieces(trim_end(&value[1..], b'}'), b',') {
                            if let Some((k, v)) = split_once(pair, b'=') {
                                apply(&mut deps[index], unquote(k), v.trim_ascii());
                            }
                        }
                    }
                    None => {}
                }
            }
            None => {}
        }
    }
    deps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renamed(manifest: &str) -> Option<String> {
        scan(manifest, false)
            .into_iter()
            .find(|d| d.package.as_deref() == Some(PACKAGE))
            .map(|d| d.key)
    }

    #[test]
    fn inline_table() {
        let m = "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\ncm = { package = \"ctxmgr\", version = \"0.1\" } # renamed\n";
        assert_eq!(renamed(m).as_deref(), Some("cm"));
    }

    #[test]
    fn sub_table_and_dotted_and_target() {
        let m = "[dependencies.cm]\npath = \"../ctxmgr\"\npackage = \"ctxmgr\"\n";
        assert_eq!(renamed(m).as_deref(), Some("cm"));
        let m = "[dev-dependencies]\ncm.package = \"ctxmgr\"\ncm.path = \"x\"\n";
        assert_eq!(renamed(m).as_deref(), Some("cm"));
        let m = "[target.'cfg(unix)'.dependencies]\nmy-cm = { path = \"a\", package = 'ctxmgr' }\n";
        assert_eq!(renamed(m).as_deref(), Some("my-cm"));
    }

    #[test]
    fn not_renamed_or_other_tables() {
        assert_eq!(renamed("[dependencies]\nctxmgr = \"0.1\"\n"), None);
        assert_eq!(renamed("[package]\npackage = \"ctxmgr\"\n"), None);
        let m = "[features]\ncm = { package = \"ctxmgr\" }\n";
        assert_eq!(renamed(m), None);
    }

    #[test]
    fn workspace_inheritance() {
        let member = scan("[dependencies]\ncm = { workspace = true }\n", false);
        assert!(member[0].workspace);
        let root = scan(
            "[workspace]\nmembers = []\n[workspace.dependencies]\ncm = { package = \"ctxmgr\", path = \"x\" }\n",
            true,
        );
        assert_eq!(root[0].package.as_deref(), Some("ctxmgr"));
    }
}
