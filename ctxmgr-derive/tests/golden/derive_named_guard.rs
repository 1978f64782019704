// Golden expansion `derive_named_guard`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[derive(ContextManager)] #[ctxmgr(guard = LightSwitch)] enum Light { Off, On(u8) }
// Output:

#[automatically_derived]
impl ::ctxmgr::__private::Derived for Light {}
///The named guard of [`Light`].
type LightSwitch<'__ctxmgr_g> = ::ctxmgr::DerivedGuard<'__ctxmgr_g, Light>;
