// Golden expansion `derive_keeps_value`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[derive(ContextManager)] pub struct Meter<'s> { stats: &'s mut Stats, acc: u64 }
// Output:

#[automatically_derived]
impl<'s> ::ctxmgr::__private::Derived for Meter<'s> {}
///The named guard of [`Meter`].
pub type MeterGuard<'__ctxmgr_g, 's> = ::ctxmgr::DerivedGuard<'__ctxmgr_g, Meter<'s>>;

//
// Input: #[context_manager] impl Meter<'_> { #[enter] pub fn begin(&mut self) -> Result<u64, Error> { Ok(self.acc) } #[exit] pub fn end(&mut self, outcome: Outcome<'_>) -> Result<(), Error> { Ok(()) } }
// Output:

impl Meter<'_> {
    pub fn begin(&mut self) -> Result<u64, Error> {
        Ok(self.acc)
    }
    pub fn end(&mut self, outcome: Outcome<'_>) -> Result<(), Error> {
        Ok(())
    }
}
#[automatically_derived]
impl ::ctxmgr::__private::Methods for Meter<'_> {
    type Shape = ::ctxmgr::__private::GuardKeeps;
}
#[automatically_derived]
impl ::ctxmgr::__private::ContextManager for Meter<'_> {
    type Value<'__ctxmgr_a> = u64 where Self: '__ctxmgr_a;
    type Error = Error;
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
            Error,
        > as ::ctxmgr::__private::ExitResult<
            Self::Error,
        >>::__ctxmgr_into_result(Self::end(self, outcome))
    }
}
#[automatically_derived]
impl ::ctxmgr::__private::DerivedValue for Meter<'_> {
    type Kept = u64;
    fn __ctxmgr_keep(value: Self::Kept) -> Self::Kept {
        value
    }
}
