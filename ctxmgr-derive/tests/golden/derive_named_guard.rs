// Golden expansion `derive_named_guard`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[derive(ContextManager)] #[ctxmgr(guard = LightSwitch)] enum Light { Off, On(u8) }
// Output:

#[automatically_derived]
impl ::ctxmgr::__private::Derived for Light {
    type Tag = ();
}
///The named guard of [`Light`], made by `#[derive(ContextManager)]`: `LightSwitch::enter(&mut manager)?` enters it and the guard exits it exactly once — with `LightSwitch::finish(guard, outcome)`, which returns exit's error, or, as a fallback, when dropped (never reporting `Ok` for a path it did not see). See [`DerivedGuard`](ctxmgr::DerivedGuard).
type LightSwitch<'__ctxmgr_g> = ::ctxmgr::DerivedGuard<'__ctxmgr_g, Light>;
