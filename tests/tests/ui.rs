//! Compile-fail cases, one folder per macro: each `ui/<macro>/<mistake>.rs`
//! beside the `.stderr` it must produce. Regenerate with
//! `TRYBUILD=overwrite` and read every diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/with/*.rs");
    t.compile_fail("ui/derive/*.rs");
    t.compile_fail("ui/contextmanager/*.rs");
    t.compile_fail("ui/wrap/*.rs");
    t.compile_fail("ui/managers/*.rs");
}
