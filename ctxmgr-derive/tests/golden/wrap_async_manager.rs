// Golden expansion `wrap_async_manager`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[wrap(async { pool.get() } as conn)] async fn query(pool: &Pool) -> Result<u8, E> { conn.one().await }
// Output:

async fn query(pool: &Pool) -> Result<u8, E> {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let (__ctxmgr_kind_0, mut __ctxmgr_guard_0) = {
            let __ctxmgr_guard_0 = pool.get();
            let __ctxmgr_kind_0 = (&&&&__ctxmgr_p::AsyncKind(&__ctxmgr_guard_0))
                .__ctxmgr_kind();
            (__ctxmgr_kind_0, __ctxmgr_kind_0.async_guard((__ctxmgr_guard_0,).0))
        };
        let mut __ctxmgr_ret_0 = __ctxmgr_p::None;
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(__ctxmgr_ret_0);
        }
        let __ctxmgr_caught_0 = {
            let __ctxmgr_value_0 = match ({
                let (__ctxmgr_m, __ctxmgr_s) = (&mut __ctxmgr_guard_0).__ctxmgr_split();
                __ctxmgr_kind_0
                    .entered(
                        __ctxmgr_s,
                        __ctxmgr_p::AsyncContextManager::enter(__ctxmgr_m).await,
                    )
            }) {
                __ctxmgr_p::Continue(__ctxmgr_v) => __ctxmgr_v,
                __ctxmgr_p::Break(__ctxmgr_r) => return __ctxmgr_r,
            };
            let mut __ctxmgr_body = __ctxmgr_p::pin!(async {
                let conn = __ctxmgr_value_0;
                #[allow(unused_braces, unreachable_code)]
                if false {
                    return __ctxmgr_p::Err(__ctxmgr_p::Next(__ctxmgr_p::no_site()));
                }
                #[allow(unreachable_code, clippy::needless_return)]
                return __ctxmgr_p::Ok({
                    ({
                        __ctxmgr_ret_0 = __ctxmgr_p::Some({ conn.one().await });
                        return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                    });
                });
            });
            __ctxmgr_p::poll_fn(|__ctxmgr_cx| __ctxmgr_p::poll_catching(
                    __ctxmgr_body.as_mut(),
                    __ctxmgr_cx,
                ))
                .await
        };
        match __ctxmgr_caught_0 {
            __ctxmgr_p::Ok(__ctxmgr_p::Ok(__ctxmgr_v)) => {
                let (__ctxmgr_m, __ctxmgr_s) = __ctxmgr_guard_0.__ctxmgr_split();
                if let __ctxmgr_p::Break(__ctxmgr_r) = __ctxmgr_kind_0
                    .exited(
                        __ctxmgr_s,
                        __ctxmgr_p::AsyncContextManager::exit(
                                __ctxmgr_m,
                                __ctxmgr_p::Outcome::Ok,
                            )
                            .await,
                    )
                {
                    return __ctxmgr_r;
                }
                __ctxmgr_guard_0 = { __ctxmgr_guard_0 };
                __ctxmgr_v
            }
            __ctxmgr_p::Ok(__ctxmgr_p::Err(__ctxmgr_site)) => {
                let __ctxmgr_outcome_0 = match &__ctxmgr_site {
                    __ctxmgr_p::Here(_) => {
                        match (&__ctxmgr_p::Probe(
                            __ctxmgr_p::taken_ref(&__ctxmgr_ret_0),
                        ))
                            .__ctxmgr_returned_err()
                        {
                            __ctxmgr_p::Some(__ctxmgr_e) => {
                                __ctxmgr_p::Outcome::Err(
                                    (&&&&__ctxmgr_p::Probe(__ctxmgr_e)).__ctxmgr_view(),
                                )
                            }
                            __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
                        }
                    }
                    __ctxmgr_p::Next(__ctxmgr_never) => match *__ctxmgr_never {}
                };
                let (__ctxmgr_m, __ctxmgr_s) = __ctxmgr_guard_0.__ctxmgr_split();
                if let __ctxmgr_p::Break(__ctxmgr_r) = __ctxmgr_kind_0
                    .exited(
                        __ctxmgr_s,
                        __ctxmgr_p::AsyncContextManager::exit(
                                __ctxmgr_m,
                                __ctxmgr_outcome_0,
                            )
                            .await,
                    )
                {
                    return __ctxmgr_r;
                }
                __ctxmgr_guard_0 = { __ctxmgr_guard_0 };
                match __ctxmgr_site {
                    __ctxmgr_p::Here(_) => return __ctxmgr_p::taken(__ctxmgr_ret_0),
                    __ctxmgr_p::Next(__ctxmgr_never) => match __ctxmgr_never {}
                }
            }
            __ctxmgr_p::Err(__ctxmgr_panic) => {
                let (__ctxmgr_m, __ctxmgr_s) = __ctxmgr_guard_0.__ctxmgr_split();
                let mut __ctxmgr_exit = __ctxmgr_p::pin!(
                    __ctxmgr_p::AsyncContextManager::exit(
                        __ctxmgr_m,
                        __ctxmgr_p::Outcome::Panic,
                    ),
                );
                let __ctxmgr_exit = __ctxmgr_p::poll_fn(|__ctxmgr_cx| {
                        __ctxmgr_p::poll_catching(__ctxmgr_exit.as_mut(), __ctxmgr_cx)
                    })
                    .await;
                __ctxmgr_p::resume_after_exit(__ctxmgr_s, __ctxmgr_exit, __ctxmgr_panic)
            }
        }
    }
}
