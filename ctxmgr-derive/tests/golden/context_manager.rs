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
#[allow(
    clippy::needless_lifetimes,
    clippy::unused_unit,
    clippy::semicolon_if_nothing_returned
)]
impl ::ctxmgr::__private::Methods for Counter {
    type RawValue<'__ctxmgr_a> = () where Self: '__ctxmgr_a;
    type RawError = ::ctxmgr::__private::Infallible;
    type Kept = ();
    type Target = Self::Kept;
    type Shape = ::ctxmgr::__private::GuardKeeps;
    #[inline]
    fn __ctxmgr_enter(
        &mut self,
    ) -> ::ctxmgr::__private::Result<Self::RawValue<'_>, Self::RawError> {
        ::ctxmgr::__private::Ok(Self::start(self))
    }
    #[inline]
    fn __ctxmgr_exit(
        &mut self,
        __ctxmgr_outcome: ::ctxmgr::__private::Outcome<'_>,
    ) -> ::ctxmgr::__private::Result<(), Self::RawError> {
        <() as ::ctxmgr::__private::ExitResult<
            Self::RawError,
        >>::__ctxmgr_into_result(Self::stop(self))
    }
    #[inline]
    fn __ctxmgr_keep<'__ctxmgr_a>(
        __ctxmgr_value: Self::RawValue<'__ctxmgr_a>,
    ) -> Self::Kept
    where
        Self: '__ctxmgr_a,
    {
        __ctxmgr_value
    }
    #[inline]
    fn __ctxmgr_target<'__ctxmgr_s>(
        __ctxmgr_kept: &'__ctxmgr_s Self::Kept,
        __ctxmgr_manager: &'__ctxmgr_s Self,
    ) -> &'__ctxmgr_s Self::Target {
        __ctxmgr_kept
    }
    #[inline]
    fn __ctxmgr_target_mut<'__ctxmgr_s>(
        __ctxmgr_kept: &'__ctxmgr_s mut Self::Kept,
        __ctxmgr_manager: &'__ctxmgr_s mut Self,
    ) -> &'__ctxmgr_s mut Self::Target {
        __ctxmgr_kept
    }
}
#[automatically_derived]
impl ::ctxmgr::__private::ContextManager for Counter
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
    #[inline]
    fn suppresses(
        &mut self,
        __ctxmgr_error: ::ctxmgr::__private::ErrorRef<'_>,
    ) -> ::ctxmgr::__private::bool {
        Self::keep(self, __ctxmgr_error)
    }
}
#[automatically_derived]
impl ::ctxmgr::__private::Suppress for Counter
where
    for<'__ctxmgr_x> Self: ::ctxmgr::__private::Derived,
{}
#[automatically_derived]
impl ::ctxmgr::__private::DerivedValue for Counter
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
