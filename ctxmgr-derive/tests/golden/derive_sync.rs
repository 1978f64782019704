// Golden expansion `derive_sync`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[derive(ContextManager)] pub struct Tx<'c> { db: &'c mut Db }
// Output:

#[automatically_derived]
impl<'c> ::ctxmgr::__private::Derived for Tx<'c> {}
///The named guard of [`Tx`].
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
impl<'c> ::ctxmgr::__private::Methods for Tx<'c> {
    type Shape = ::ctxmgr::__private::GuardDropsRef;
}
#[automatically_derived]
impl<'c> ::ctxmgr::__private::ContextManager for Tx<'c> {
    type Value<'__ctxmgr_a> = &'__ctxmgr_a mut Self where Self: '__ctxmgr_a;
    type Error = DbError;
    #[inline]
    fn enter(&mut self) -> ::ctxmgr::__private::Result<Self::Value<'_>, Self::Error> {
        ::ctxmgr::__private::derived::<Self>();
        Self::begin(self)
    }
    #[inline]
    fn exit(
        &mut self,
        outcome: ::ctxmgr::__private::Outcome<'_>,
    ) -> ::ctxmgr::__private::Result<(), Self::Error> {
        <Result<
            (),
            DbError,
        > as ::ctxmgr::__private::ExitResult<
            Self::Error,
        >>::__ctxmgr_into_result(Self::end(self, outcome))
    }
}
