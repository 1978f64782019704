// Golden expansion `derive_async`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[derive(ContextManager)] pub struct Session<'l, T: Send> { log: &'l Log, greeting: T }
// Output:

#[automatically_derived]
impl<'l, T: Send> ::ctxmgr::__private::Derived for Session<'l, T> {}
///The named guard of [`Session`].
pub type SessionGuard<'__ctxmgr_g, 'l, T> = ::ctxmgr::DerivedGuard<
    '__ctxmgr_g,
    Session<'l, T>,
>;

//
// Input: #[context_manager] impl<T: Send + Display> Session<'_, T> { #[enter] async fn open(&mut self) -> std::io::Result<&mut T> { Ok(&mut self.greeting) } #[exit] async fn close(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> { Ok(()) } }
// Output:

impl<T: Send + Display> Session<'_, T> {
    async fn open(&mut self) -> std::io::Result<&mut T> {
        Ok(&mut self.greeting)
    }
    async fn close(&mut self, outcome: Outcome<'_>) -> std::io::Result<()> {
        Ok(())
    }
}
#[automatically_derived]
impl<T: Send + Display> ::ctxmgr::__private::AsyncMethods for Session<'_, T> {
    type Tag = ();
}
#[automatically_derived]
#[allow(clippy::manual_async_fn)]
impl<T: Send + Display> ::ctxmgr::__private::AsyncContextManager for Session<'_, T> {
    type Value<'__ctxmgr_a> = <std::io::Result<
        &'__ctxmgr_a mut T,
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
