// Golden expansion `with_async_one`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(async { open(path) } as f, { f.write_all(b"x").await?; Ok(()) })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let (__ctxmgr_kind_0, mut __ctxmgr_guard_0) = {
            let __ctxmgr_guard_0 = open(path);
            let __ctxmgr_kind_0 = (&&&&__ctxmgr_p::AsyncKind(&__ctxmgr_guard_0))
                .__ctxmgr_kind();
            (__ctxmgr_kind_0, __ctxmgr_kind_0.async_guard((__ctxmgr_guard_0,).0))
        };
        let __ctxmgr_suppress_0 = (&__ctxmgr_p::SuppressProbe(&__ctxmgr_guard_0))
            .__ctxmgr_suppress_kind();
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
                let f = __ctxmgr_value_0;
                #[allow(unused_braces, unreachable_code)]
                if false {
                    return __ctxmgr_p::Err(__ctxmgr_p::Next(__ctxmgr_p::no_site()));
                }
                #[allow(unreachable_code, clippy::needless_return)]
                return __ctxmgr_p::Ok({
                    (match __ctxmgr_p::branch(f.write_all(b"x").await) {
                        __ctxmgr_p::Continue(__ctxmgr_v) => __ctxmgr_v,
                        __ctxmgr_p::Break(__ctxmgr_r) => {
                            ({
                                return __ctxmgr_p::Err(__ctxmgr_p::Here(__ctxmgr_r));
                            })
                        }
                    });
                    Ok(())
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
                    __ctxmgr_p::Here(__ctxmgr_x) => {
                        __ctxmgr_p::Outcome::Err(
                            (&&&&__ctxmgr_p::Residual(__ctxmgr_x)).__ctxmgr_view(),
                        )
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
                #[allow(unreachable_code)]
                if let __ctxmgr_p::Some(__ctxmgr_default) = match &__ctxmgr_site {
                    __ctxmgr_p::Here(_) => {
                        __ctxmgr_suppress_0
                            .check(&mut __ctxmgr_guard_0, __ctxmgr_outcome_0)
                    }
                    _ => __ctxmgr_p::None,
                } {
                    __ctxmgr_default
                } else {
                    match __ctxmgr_site {
                        __ctxmgr_p::Here(__ctxmgr_x) => match (__ctxmgr_x)? {}
                        __ctxmgr_p::Next(__ctxmgr_never) => match __ctxmgr_never {}
                    }
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
