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
impl ::ctxmgr::__private::AsyncMethods for Conn {
    type Tag = ();
}
#[automatically_derived]
#[allow(clippy::manual_async_fn)]
impl ::ctxmgr::__private::AsyncContextManager for Conn {
    type Value<'__ctxmgr_a> = <std::io::Result<
        (),
    > as ::ctxmgr::__private::EnterResult>::Value
    where
        Self: '__ctxmgr_a;
    type Error = <std::io::Result<()> as ::ctxmgr::__private::EnterResult>::Error;
    #[inline]
    fn enter(
        &mut self,
    ) -> impl ::ctxmgr::__private::Future<
        Output = ::ctxmgr::__private::Result<Self::Value<'_>, Self::Error>,
    > {
        ::ctxmgr::__private::derived::<Self>();
        Self::open(self)
    }
    #[inline]
    fn exit(
        &mut self,
        outcome: ::ctxmgr::__private::Outcome<'_>,
    ) -> impl ::ctxmgr::__private::Future<
        Output = ::ctxmgr::__private::Result<(), Self::Error>,
    > {
        async move {
            <std::io::Result<
                (),
            > as ::ctxmgr::__private::ExitResult<
                Self::Error,
            >>::__ctxmgr_into_result(Self::close(self, outcome).await)
        }
    }
}
#[automatically_derived]
impl ::ctxmgr::__private::SendAsyncContextManager for Conn {
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
