// Golden expansion `context_manager`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[context_manager] impl Counter { #[enter] fn start(&mut self) { self.entered += 1; } #[exit] fn stop(&mut self) { self.entered -= 1; } #[suppress] fn keep(&self, error: ErrorRef<'_>) -> bool { error.is::<Timeout>() } }
// Output:

impl Counter {
    fn start(&mut self) {
        self.entered += 1;
    }
    fn stop(&mut self) {
        self.entered -= 1;
    }
    fn keep(&self, error: ErrorRef<'_>) -> bool {
        error.is::<Timeout>()
    }
}
#[automatically_derived]
impl ::ctxmgr::__private::Methods for Counter {
    type Shape = ::ctxmgr::__private::GuardKeeps;
}
#[automatically_derived]
impl ::ctxmgr::__private::ContextManager for Counter {
    type Value<'__ctxmgr_a> = () where Self: '__ctxmgr_a;
    type Error = ::ctxmgr::__private::Infallible;
    #[inline]
    fn enter(&mut self) -> ::ctxmgr::__private::Result<Self::Value<'_>, Self::Error> {
        ::ctxmgr::__private::derived::<Self>();
        ::ctxmgr::__private::Ok(Self::start(self))
    }
    #[inline]
    fn exit(
        &mut self,
        _: ::ctxmgr::__private::Outcome<'_>,
    ) -> ::ctxmgr::__private::Result<(), Self::Error> {
        Self::stop(self);
        ::ctxmgr::__private::Ok(())
    }
    #[inline]
    fn suppresses(
        &mut self,
        __ctxmgr_error: ::ctxmgr::__private::ErrorRef<'_>,
    ) -> ::ctxmgr::__private::bool {
        Self::keep(self, __ctxmgr_error)
    }
}
#[automatically_derived]
impl ::ctxmgr::__private::Suppress for Counter {}
#[automatically_derived]
impl ::ctxmgr::__private::DerivedValue for Counter {
    type Kept = ();
    fn __ctxmgr_keep(value: Self::Kept) -> Self::Kept {
        value
    }
}
