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

/// The name the user's crate gives the runtime crate: `ctxmgr`, or what
/// its Cargo.toml renames the dependency to.
pub fn runtime_name() -> String {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .and_then(|dir| dependency_name(Path::new(&dir)))
        .unwrap_or_else(|| PACKAGE.to_string())
}

/// One dependency entry: its key, its `package = ".."` if any, and whether
/// it says `workspace = true`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Dep {
    key: String,
    package: Option<String>,
    workspace: bool,
}

/// The crate name under which `manifest_dir`'s package sees `ctxmgr`, when
/// renamed; `None` means `ctxmgr`.
fn dependency_name(manifest_dir: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(manifest_dir.join("Cargo.toml")).ok()?;
    let deps = scan(&manifest, false);
    if let Some(dep) = deps.iter().find(|d| d.package.as_deref() == Some(PACKAGE)) {
        return Some(dep.key.replace('-', "_"));
    }
    if deps.iter().any(|d| d.key == PACKAGE) {
        return None;
    }
    // `cm = { workspace = true }`: the rename lives in the workspace root.
    let inherited: Vec<&Dep> = deps.iter().filter(|d| d.workspace).collect();
    if inherited.is_empty() {
        return None;
    }
    let root = workspace_root(manifest_dir)?;
    let root_deps = scan(&std::fs::read_to_string(root).ok()?, true);
    inherited.iter().find_map(|d| {
        root_deps
            .iter()
            .find(|r| r.key == d.key && r.package.as_deref() == Some(PACKAGE))
            .map(|r| r.key.replace('-', "_"))
    })
}

fn workspace_root(manifest_dir: &Path) -> Option<PathBuf> {
    manifest_dir.ancestors().skip(1).find_map(|dir| {
        let path = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&path).ok()?;
        text.lines()
            .any(|l| strip_comment(l).trim() == "[workspace]")
            .then_some(path)
    })
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
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
}

/// `key = value` pairs of an inline table body `a = "x", b = true`.
fn inline_pairs(body: &str) -> impl Iterator<Item = (&str, &str)> {
    body.split(',').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        Some((unquote(k), v.trim()))
    })
}

fn apply(dep: &mut Dep, key: &str, value: &str) {
    match key {
        "package" => dep.package = Some(unquote(value).to_string()),
        "workspace" => dep.workspace = value.trim() == "true",
        _ => {}
    }
}

/// The entries of every dependency table: `[dependencies]`,
/// `[dev-dependencies]`, `[build-dependencies]`, their `[target.'..'.*]`
/// forms and `[x.name]` sub-tables — or, with `workspace_table`,
/// `[workspace.dependencies]`.
fn scan(manifest: &str, workspace_table: bool) -> Vec<Dep> {
    let is_deps_table = |header: &str| {
        if workspace_table {
            header == "workspace.dependencies"
        } else {
            header.ends_with("dependencies") && !header.starts_with("workspace")
        }
    };
    let mut deps: Vec<Dep> = Vec::new();
    // Inside `[dependencies]` (None) or `[dependencies.key]` (Some(index)).
    let mut section: Option<Option<usize>> = None;
    for line in manifest.lines() {
        let line = strip_comment(line).trim();
        if line.is_empty() {
            continue;
        }
        if let Some(header) = line.strip_prefix('[') {
            let header: String = header
                .trim_end_matches(']')
                .split('.')
                .map(unquote)
                .collect::<Vec<_>>()
                .join(".");
            section = if is_deps_table(&header) {
                Some(None)
            } else if let Some((table, key)) = header.rsplit_once('.') {
                is_deps_table(table).then(|| {
                    deps.push(Dep {
                        key: key.to_string(),
                        ..Dep::default()
                    });
                    Some(deps.len() - 1)
                })
            } else {
                None
            };
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match section {
            Some(Some(index)) => apply(&mut deps[index], unquote(key), value),
            Some(None) => {
                // `key = "1"`, `key = { .. }` or dotted `key.package = ".."`.
                let (name, sub) = match key.split_once('.') {
                    Some((name, sub)) => (unquote(name), Some(unquote(sub))),
                    None => (unquote(key), None),
                };
                let index = match deps.iter().position(|d| d.key == name) {
                    Some(i) => i,
                    None => {
                        deps.push(Dep {
                            key: name.to_string(),
                            ..Dep::default()
                        });
                        deps.len() - 1
                    }
                };
                match sub {
                    Some(sub) => apply(&mut deps[index], sub, value),
                    None => {
                        if let Some(body) = value.strip_prefix('{') {
                            for (k, v) in inline_pairs(body.trim_end_matches('}')) {
                                apply(&mut deps[index], k, v);
                            }
                        }
                    }
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
