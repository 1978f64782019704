// Golden expansion `contextmanager_async`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[contextmanager] async fn tag(log: &Log, name: &str) -> Result<String, E> { ready().await; let outcome = ctxmgr::yield_!(format!("[{name}]")); log.push(outcome.is_ok()).await; }
// Output:

#[allow(clippy::needless_lifetimes)]
fn tag<'__ctxmgr_l0, '__ctxmgr_l1, '__ctxmgr_a>(
    log: &'__ctxmgr_l0 Log,
    name: &'__ctxmgr_l1 str,
) -> ::ctxmgr::AsyncGenerator<
    '__ctxmgr_a,
    impl ::ctxmgr::__private::Future<
        Output = ::ctxmgr::__private::Result<
            (
                <Result<String, E> as ::ctxmgr::__private::EnterResult>::Value,
                ::ctxmgr::AsyncExitFn<
                    '__ctxmgr_a,
                    <Result<String, E> as ::ctxmgr::__private::EnterResult>::Error,
                >,
            ),
            <Result<String, E> as ::ctxmgr::__private::EnterResult>::Error,
        >,
    > + '__ctxmgr_a + ::ctxmgr::__private::Captures<
        (&'__ctxmgr_l0 (), &'__ctxmgr_l1 ()),
    >,
    <Result<String, E> as ::ctxmgr::__private::EnterResult>::Value,
    <Result<String, E> as ::ctxmgr::__private::EnterResult>::Error,
>
where
    '__ctxmgr_l0: '__ctxmgr_a,
    '__ctxmgr_l1: '__ctxmgr_a,
{
    ::ctxmgr::AsyncGenerator::new(
        ::ctxmgr::__private::async_enter::<
            <Result<String, E> as ::ctxmgr::__private::EnterResult>::Value,
            <Result<String, E> as ::ctxmgr::__private::EnterResult>::Error,
            _,
        >(async move {
            ready().await;
            let __ctxmgr_value_0 = (format!("[{name}]"));
            ::ctxmgr::__private::Ok((
                __ctxmgr_value_0,
                ::ctxmgr::__private::async_exit_fn(move |
                    __ctxmgr_outcome_0: ::ctxmgr::__private::Outcome<'_>,
                    _|
                {
                    ::ctxmgr::__private::Box::pin(async move {
                        let outcome = __ctxmgr_outcome_0;
                        #[allow(unused_braces)]
                        let __ctxmgr_tail_0 = {
                            log.push(outcome.is_ok()).await;
                        };
                        ::ctxmgr::__private::ExitTail::<
                            <Result<
                                String,
                                E,
                            > as ::ctxmgr::__private::EnterResult>::Error,
                        >::__ctxmgr_into_result(__ctxmgr_tail_0)
                    })
                }),
            ))
        }),
    )
}
