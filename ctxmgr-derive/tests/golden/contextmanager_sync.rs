// Golden expansion `contextmanager_sync`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[contextmanager] fn tag(log: &Log, name: &str) -> Result<String, E> { log.push(1); let outcome = yield_!(format!("[{name}]")); log.push(outcome.is_ok()); }
// Output:

#[allow(clippy::needless_lifetimes)]
fn tag<'__ctxmgr_l0, '__ctxmgr_l1>(
    log: &'__ctxmgr_l0 Log,
    name: &'__ctxmgr_l1 str,
) -> ::ctxmgr::Generator<
    impl ::ctxmgr::EnterFn<
        Value = <Result<String, E> as ::ctxmgr::__private::EnterResult>::Value,
        Error = <Result<String, E> as ::ctxmgr::__private::EnterResult>::Error,
    > + ::ctxmgr::__private::Captures<(&'__ctxmgr_l0 (), &'__ctxmgr_l1 ())>,
> {
    ::ctxmgr::Generator::new(
        ::ctxmgr::__private::enter_fn::<
            <Result<String, E> as ::ctxmgr::__private::EnterResult>::Value,
            <Result<String, E> as ::ctxmgr::__private::EnterResult>::Error,
            _,
            _,
        >(move || {
            log.push(1);
            let __ctxmgr_value_0 = (format!("[{name}]"));
            ::ctxmgr::__private::Ok((
                __ctxmgr_value_0,
                move |
                    __ctxmgr_outcome_0: ::ctxmgr::__private::Outcome<'_>,
                | -> ::ctxmgr::__private::Result<
                    (),
                    <Result<String, E> as ::ctxmgr::__private::EnterResult>::Error,
                > {
                    let outcome = __ctxmgr_outcome_0;
                    #[allow(unused_braces)]
                    let __ctxmgr_tail_0 = {
                        log.push(outcome.is_ok());
                    };
                    ::ctxmgr::__private::ExitTail::<
                        <Result<String, E> as ::ctxmgr::__private::EnterResult>::Error,
                    >::__ctxmgr_into_result(__ctxmgr_tail_0)
                },
            ))
        }),
    )
}
