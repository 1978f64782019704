//! Compile-fail cases, one folder per macro or runtime piece: each
//! `ui/<area>/<mistake>.rs` beside the `.stderr` it must produce. Regenerate
//! with `TRYBUILD=overwrite` and read every diff.

#[test]
#[cfg_attr(miri, ignore = "trybuild runs the compiler")]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/with/*.rs");
    t.compile_fail("ui/derive/*.rs");
    t.compile_fail("ui/contextmanager/*.rs");
    t.compile_fail("ui/wrap/*.rs");
    t.compile_fail("ui/async/*.rs");
    t.compile_fail("ui/managers/*.rs");
    // The soundness of `ExitStack`'s `&self` methods rests on these not compiling.
    t.compile_fail("ui/exit_stack/*.rs");
    t.compile_fail("ui/async_exit_stack/*.rs");
}

/// Names of the macros' machinery that no compile error may show a user: a
/// message that names them explains the crate's insides, not the mistake.
/// (`ctxmgr::bounds::…` is the visible path of the few traits whose bounds an
/// error has to name; see `ctxmgr/src/lib.rs`.)
const INTERNAL_NAMES: &[&str] = &["__ctxmgr", "__private", "SuppressProbe", "GuardKind"];

#[test]
fn no_stderr_names_an_internal_item() {
    fn visit(dir: &std::path::Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "stderr") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    for name in INTERNAL_NAMES {
                        if line.contains(name) {
                            found.push(format!("{}:{}: {line}", path.display(), n + 1));
                        }
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    visit(&here.join("ui"), &mut found);
    // The edition-2024 cases (tests/hygiene/edition2024-no-prelude/tests/ui2024.rs).
    visit(&here.join("hygiene/edition2024-no-prelude/ui"), &mut found);
    assert!(
        found.is_empty(),
        "internal names in ui .stderr files:\n{}",
        found.join("\n")
    );
}
