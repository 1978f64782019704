// Golden expansion `context_manager_send`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[context_manager(send)] impl Conn { #[enter] async fn open(&mut self) -> std::io::Result<()> { Ok(()) } #[exit] async fn close(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> { Ok(()) } }
// Output:

impl Conn {
    async fn open(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    async fn close(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> {
        Ok(())
    }
}
#[automatically_derived]
#[allow(
    clippy::needless_lifetimes,
    clippy::unused_unit,
    clippy::semicolon_if_nothing_returned,
    clippy::manual_async_fn
)]
impl ::ctxmgr::__private::AsyncMethods for Conn {
    type RawValue<'__ctxmgr_a> = <std::io::Result<
        (),
    > as ::ctxmgr::__private::EnterResult>::Value
    where
        Self: '__ctxmgr_a;
    type RawError = <std::io::Result<()> as ::ctxmgr::__private::EnterResult>::Error;
    #[inline]
    fn __ctxmgr_enter(
        &mut self,
    ) -> impl ::ctxmgr::__private::Future<
        Output = ::ctxmgr::__private::Result<Self::RawValue<'_>, Self::RawError>,
    > {
        async move {
            ::ctxmgr::__private::EnterResult::__ctxmgr_into_result(
                Self::open(self).await,
            )
        }
    }
    #[inline]
    fn __ctxmgr_exit(
        &mut self,
        __ctxmgr_outcome: ::ctxmgr::__private::Outcome<'_>,
    ) -> impl ::ctxmgr::__private::Future<
        Output = ::ctxmgr::__private::Result<(), Self::RawError>,
    > {
        async move {
            <std::io::Result<
                (),
            > as ::ctxmgr::__private::ExitResult<
                Self::RawError,
            >>::__ctxmgr_into_result(Self::close(self, __ctxmgr_outcome).await)
        }
    }
}
#[automatically_derived]
impl ::ctxmgr::__private::AsyncContextManager for Conn
where
    for<'__ctxmgr_x> Self: ::ctxmgr::__private::Derived,
{
    type Value<'__ctxmgr_a> = <Self as ::ctxmgr::__private::AsyncMethods>::RawValue<
        '__ctxmgr_a,
    >
    where
        Self: '__ctxmgr_a;
    type Error = <Self as ::ctxmgr::__private::AsyncMethods>::RawError;
    #[inline]
    fn enter(
        &mut self,
    ) -> impl ::ctxmgr::__private::Future<
        Output = ::ctxmgr::__private::Result<Self::Value<'_>, Self::Error>,
    > {
        <Self as ::ctxmgr::__private::AsyncMethods>::__ctxmgr_enter(self)
    }
    #[inline]
    fn exit(
        &mut self,
        outcome: ::ctxmgr::__private::Outcome<'_>,
    ) -> impl ::ctxmgr::__private::Future<
        Output = ::ctxmgr::__private::Result<(), Self::Error>,
    > {
        <Self as ::ctxmgr::__private::AsyncMethods>::__ctxmgr_exit(self, outcome)
    }
}
#[automatically_derived]
impl ::ctxmgr::__private::SendAsyncContextManager for Conn
where
    for<'__ctxmgr_x> Self: ::ctxmgr::__private::Derived,
{
    #[inline]
    fn enter_send(
        &mut self,
    ) -> impl ::ctxmgr::__private::Future<
        Output = ::ctxmgr::__private::Result<
            <Self as ::ctxmgr::__private::AsyncContextManager>::Value<'_>,
            <Self as ::ctxmgr::__private::AsyncContextManager>::Error,
        >,
    > + ::ctxmgr::__private::Send {
        <Self as ::ctxmgr::__private::AsyncContextManager>::enter(self)
    }
    #[inline]
    fn exit_send(
        &mut self,
        outcome: ::ctxmgr::__private::Outcome<'_>,
    ) -> impl ::ctxmgr::__private::Future<
        Output = ::ctxmgr::__private::Result<
            (),
            <Self as ::ctxmgr::__private::AsyncContextManager>::Error,
        >,
    > + ::ctxmgr::__private::Send {
        <Self as ::ctxmgr::__private::AsyncContextManager>::exit(self, outcome)
    }
}
