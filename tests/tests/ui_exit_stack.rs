//! Compile-fail cases of `ExitStack` (`tests/ui/exit_stack/`): the soundness
//! of its `&self` methods rests on these not compiling.

#[test]
#[cfg_attr(miri, ignore = "trybuild runs the compiler")]
fn exit_stack_ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/exit_stack/*.rs");
}
