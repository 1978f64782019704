//! Compile-fail cases under edition 2024, where a body that never ends
//! normally has type `!` (not `()`). Regenerate with `TRYBUILD=overwrite`
//! and read every diff.

#[test]
#[cfg_attr(miri, ignore = "trybuild runs the compiler")]
fn ui2024() {
    trybuild::TestCases::new().compile_fail("ui/*.rs");
}
