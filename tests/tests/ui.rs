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
