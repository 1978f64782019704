// Golden expansion `derive_sync`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[derive(ContextManager)] pub struct Tx<'c> { db: &'c mut Db }
// Output:

#[automatically_derived]
impl<'c> ::ctxmgr::__private::Derived for Tx<'c> {
    type Tag = ();
}
///The named guard of [`Tx`], made by `#[derive(ContextManager)]`: `TxGuard::enter(&mut manager)?` enters it and the guard exits it exactly once — with `TxGuard::finish(guard, outcome)`, which returns exit's error, or, as a fallback, when dropped (never reporting `Ok` for a path it did not see). See [`DerivedGuard`](ctxmgr::DerivedGuard).
pub type TxGuard<'__ctxmgr_g, 'c> = ::ctxmgr::DerivedGuard<'__ctxmgr_g, Tx<'c>>;

//
// Input: #[context_manager] impl<'c> Tx<'c> { #[enter] fn begin(&mut self) -> Result<&mut Self, DbError> { Ok(self) } #[exit] fn end(&mut self, outcome: Outcome<'_>) -> Result<(), DbError> { Ok(()) } }
// Output:

impl<'c> Tx<'c> {
    fn begin(&mut self) -> Result<&mut Self, DbError> {
        Ok(self)
    }
    fn end(&mut self, outcome: Outcome<'_>) -> Result<(), DbError> {
        Ok(())
    }
}
#[automatically_derived]
#[allow(
    clippy::needless_lifetimes,
    clippy::unused_unit,
    clippy::semicolon_if_nothing_returned
)]
impl<'c> ::ctxmgr::__private::Methods for Tx<'c> {
    type RawValue<'__ctxmgr_a> = <Result<
        &'__ctxmgr_a mut Self,
        DbError,
    > as ::ctxmgr::__private::EnterResult>::Value
    where
        Self: '__ctxmgr_a;
    type RawError = <Result<(), DbError> as ::ctxmgr::__private::EnterResult>::Error;
    type Kept = ();
    type Target = Self;
    type Shape = ::ctxmgr::__private::GuardDropsRef;
    #[inline]
    fn __ctxmgr_enter(
        &mut self,
    ) -> ::ctxmgr::__private::Result<Self::RawValue<'_>, Self::RawError> {
        ::ctxmgr::__private::EnterResult::__ctxmgr_into_result(Self::begin(self))
    }
    #[inline]
    fn __ctxmgr_exit(
        &mut self,
        __ctxmgr_outcome: ::ctxmgr::__private::Outcome<'_>,
    ) -> ::ctxmgr::__private::Result<(), Self::RawError> {
        <Result<
            (),
            DbError,
        > as ::ctxmgr::__private::ExitResult<
            Self::RawError,
        >>::__ctxmgr_into_result(Self::end(self, __ctxmgr_outcome))
    }
    #[inline]
    fn __ctxmgr_keep<'__ctxmgr_a>(
        __ctxmgr_value: Self::RawValue<'__ctxmgr_a>,
    ) -> Self::Kept
    where
        Self: '__ctxmgr_a,
    {
        ::ctxmgr::__private::discard(__ctxmgr_value)
    }
    #[inline]
    fn __ctxmgr_target<'__ctxmgr_s>(
        __ctxmgr_kept: &'__ctxmgr_s Self::Kept,
        __ctxmgr_manager: &'__ctxmgr_s Self,
    ) -> &'__ctxmgr_s Self::Target {
        __ctxmgr_manager
    }
    #[inline]
    fn __ctxmgr_target_mut<'__ctxmgr_s>(
        __ctxmgr_kept: &'__ctxmgr_s mut Self::Kept,
        __ctxmgr_manager: &'__ctxmgr_s mut Self,
    ) -> &'__ctxmgr_s mut Self::Target {
        __ctxmgr_manager
    }
}
#[automatically_derived]
impl<'c> ::ctxmgr::__private::ContextManager for Tx<'c>
where
    for<'__ctxmgr_x> Self: ::ctxmgr::__private::Derived,
{
    type Value<'__ctxmgr_a> = <Self as ::ctxmgr::__private::Methods>::RawValue<
        '__ctxmgr_a,
    >
    where
        Self: '__ctxmgr_a;
    type Error = <Self as ::ctxmgr::__private::Methods>::RawError;
    #[inline]
    fn enter(&mut self) -> ::ctxmgr::__private::Result<Self::Value<'_>, Self::Error> {
        <Self as ::ctxmgr::__private::Methods>::__ctxmgr_enter(self)
    }
    #[inline]
    fn exit(
        &mut self,
        outcome: ::ctxmgr::__private::Outcome<'_>,
    ) -> ::ctxmgr::__private::Result<(), Self::Error> {
        <Self as ::ctxmgr::__private::Methods>::__ctxmgr_exit(self, outcome)
    }
}
#[automatically_derived]
impl<'c> ::ctxmgr::__private::DerivedValue for Tx<'c>
where
    for<'__ctxmgr_x> Self: ::ctxmgr::__private::Derived,
{
    #[inline]
    fn __ctxmgr_raw<'__ctxmgr_a>(
        value: <Self as ::ctxmgr::__private::ContextManager>::Value<'__ctxmgr_a>,
    ) -> <Self as ::ctxmgr::__private::Methods>::RawValue<'__ctxmgr_a>
    where
        Self: '__ctxmgr_a,
    {
        value
    }
}
