// Golden expansion `with_async_mixed`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(async { pool.get() } as conn, Timer::new("q") as _t, async { conn.begin() } as tx, { if tx.is_empty() { return Ok(0); } tx.run().await })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let (kind_2, mut guard_2) = {
            let guard_2 = pool.get();
            let kind_2 = (&&&&__ctxmgr_p::AsyncKind(&guard_2)).__ctxmgr_kind();
            (kind_2, kind_2.async_guard((guard_2,).0))
        };
        let mut ret_2 = __ctxmgr_p::None;
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(ret_2);
        }
        let caught_2 = {
            let value_2 = match ({
                let (mgr, state) = (&mut guard_2).__ctxmgr_split();
                kind_2.entered(state, __ctxmgr_p::AsyncContextManager::enter(mgr).await)
            }) {
                __ctxmgr_p::Continue(val) => val,
                __ctxmgr_p::Break(ret) => return ret,
            };
            let mut body = __ctxmgr_p::pin!(async {
                let conn = value_2;
                #[allow(unused_braces, unreachable_code)]
                if false {
                    return __ctxmgr_p::Err(__ctxmgr_p::Next(__ctxmgr_p::no_site()));
                }
                #[allow(unreachable_code, clippy::needless_return)]
                return __ctxmgr_p::Ok({
                    {
                        let guard_1 = Timer::new("q");
                        let kind_1 = (&&&&__ctxmgr_p::Kind(&guard_1)).__ctxmgr_kind();
                        let mut guard_1 = kind_1.guard((guard_1,).0);
                        let mut ret_1 = __ctxmgr_p::None;
                        #[allow(unreachable_code)]
                        if false {
                            ({
                                ret_2 = __ctxmgr_p::Some(__ctxmgr_p::Option::unwrap(ret_1));
                                return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                            });
                        }
                        let result_1 = 'with_1: {
                            'body_1: {
                                #[allow(clippy::no_effect_underscore_binding)]
                                let _t = match kind_1.enter(&mut guard_1) {
                                    __ctxmgr_p::Continue(val) => val,
                                    __ctxmgr_p::Break(ret) => {
                                        ({
                                            ret_2 = __ctxmgr_p::Some(ret);
                                            return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                                        })
                                    }
                                };
                                #[allow(unused_braces, unreachable_code)]
                                break 'with_1 {
                                    {
                                        let (kind_0, mut guard_0) = {
                                            let guard_0 = conn.begin();
                                            let kind_0 = (&&&&__ctxmgr_p::AsyncKind(&guard_0))
                                                .__ctxmgr_kind();
                                            (kind_0, kind_0.async_guard((guard_0,).0))
                                        };
                                        let mut ret_0 = __ctxmgr_p::None;
                                        #[allow(unreachable_code)]
                                        if false {
                                            ({
                                                ret_1 = __ctxmgr_p::Some(__ctxmgr_p::Option::unwrap(ret_0));
                                                break 'body_1 1;
                                            });
                                        }
                                        let caught_0 = {
                                            let value_0 = match ({
                                                let (mgr, state) = (&mut guard_0).__ctxmgr_split();
                                                kind_0
                                                    .entered(
                                                        state,
                                                        __ctxmgr_p::AsyncContextManager::enter(mgr).await,
                                                    )
                                            }) {
                                                __ctxmgr_p::Continue(val) => val,
                                                __ctxmgr_p::Break(ret) => {
                                                    ({
                                                        ret_1 = __ctxmgr_p::Some(ret);
                                                        break 'body_1 1;
                                                    })
                                                }
                                            };
                                            let mut body = __ctxmgr_p::pin!(async {
                                                let tx = value_0;
                                                #[allow(unused_braces, unreachable_code)]
                                                if false {
                                                    return __ctxmgr_p::Err(
                                                        __ctxmgr_p::Next(__ctxmgr_p::no_site()),
                                                    );
                                                }
                                                #[allow(unreachable_code, clippy::needless_return)]
                                                return __ctxmgr_p::Ok({
                                                    if tx.is_empty() {
                                                        ({
                                                            ret_0 = __ctxmgr_p::Some(Ok(0));
                                                            return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                                                        });
                                                    }
                                                    tx.run().await
                                                });
                                            });
                                            __ctxmgr_p::poll_fn(|cx| __ctxmgr_p::poll_catching(
                                                    body.as_mut(),
                                                    cx,
                                                ))
                                                .await
                                        };
                                        match caught_0 {
                                            __ctxmgr_p::Ok(__ctxmgr_p::Ok(val)) => {
                                                let (mgr, state) = guard_0.__ctxmgr_split();
                                                if let __ctxmgr_p::Break(ret) = kind_0
                                                    .exited(
                                                        state,
                                                        __ctxmgr_p::AsyncContextManager::exit(
                                                                mgr,
                                                                __ctxmgr_p::Outcome::Ok,
                                                            )
                                                            .await,
                                                    )
                                                {
                                                    ({
                                                        ret_1 = __ctxmgr_p::Some(ret);
                                                        break 'body_1 1;
                                                    });
                                                }
                                                guard_0 = { guard_0 };
                                                val
                                            }
                                            __ctxmgr_p::Ok(__ctxmgr_p::Err(site)) => {
                                                let outcome_0 = match &site {
                                                    __ctxmgr_p::Here(_) => {
                                                        match (&__ctxmgr_p::Probe(__ctxmgr_p::taken_ref(&ret_0)))
                                                            .__ctxmgr_returned_err()
                                                        {
                                                            __ctxmgr_p::Some(err) => {
                                                                __ctxmgr_p::Outcome::Err(
                                                                    (&&&&__ctxmgr_p::Probe(err)).__ctxmgr_view(),
                                                                )
                                                            }
                                                            __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
                                                        }
                                                    }
                                                    __ctxmgr_p::Next(never) => match *never {}
                                                };
                                                let (mgr, state) = guard_0.__ctxmgr_split();
                                                if let __ctxmgr_p::Break(ret) = kind_0
                                                    .exited(
                                                        state,
                                                        __ctxmgr_p::AsyncContextManager::exit(mgr, outcome_0).await,
                                                    )
                                                {
                                                    ({
                                                        ret_1 = __ctxmgr_p::Some(ret);
                                                        break 'body_1 1;
                                                    });
                                                }
                                                guard_0 = { guard_0 };
                                                match site {
                                                    __ctxmgr_p::Here(_) => {
                                                        ({
                                                            ret_1 = __ctxmgr_p::Some(__ctxmgr_p::taken(ret_0));
                                                            break 'body_1 1;
                                                        })
                                                    }
                                                    __ctxmgr_p::Next(never) => match never {}
                                                }
                                            }
                                            __ctxmgr_p::Err(panic) => {
                                                let (mgr, state) = guard_0.__ctxmgr_split();
                                                let mut exit = __ctxmgr_p::pin!(
                                                    __ctxmgr_p::AsyncContextManager::exit(
                                                        mgr,
                                                        __ctxmgr_p::Outcome::Panic,
                                                    ),
                                                );
                                                let exit = __ctxmgr_p::poll_fn(|cx| {
                                                        __ctxmgr_p::poll_catching(exit.as_mut(), cx)
                                                    })
                                                    .await;
                                                __ctxmgr_p::resume_after_exit(state, exit, panic)
                                            }
                                        }
                                    }
                                };
                            };
                            let outcome_1 = match (&__ctxmgr_p::Probe(
                                __ctxmgr_p::taken_ref(&ret_1),
                            ))
                                .__ctxmgr_returned_err()
                            {
                                __ctxmgr_p::Some(err) => {
                                    __ctxmgr_p::Outcome::Err(
                                        (&&&&__ctxmgr_p::Probe(err)).__ctxmgr_view(),
                                    )
                                }
                                __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
                            };
                            if let __ctxmgr_p::Break(ret) = kind_1
                                .finish(&mut guard_1, outcome_1)
                            {
                                ({
                                    ret_2 = __ctxmgr_p::Some(ret);
                                    return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                                });
                            }
                            ({
                                ret_2 = __ctxmgr_p::Some(__ctxmgr_p::taken(ret_1));
                                return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                            });
                        };
                        #[allow(unreachable_code)]
                        let exit = kind_1.finish(&mut guard_1, __ctxmgr_p::Outcome::Ok);
                        guard_1 = { guard_1 };
                        if let __ctxmgr_p::Break(ret) = exit {
                            ({
                                ret_2 = __ctxmgr_p::Some(ret);
                                return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                            });
                        }
                        result_1
                    }
                });
            });
            __ctxmgr_p::poll_fn(|cx| __ctxmgr_p::poll_catching(body.as_mut(), cx)).await
        };
        match caught_2 {
            __ctxmgr_p::Ok(__ctxmgr_p::Ok(val)) => {
                let (mgr, state) = guard_2.__ctxmgr_split();
                if let __ctxmgr_p::Break(ret) = kind_2
                    .exited(
                        state,
                        __ctxmgr_p::AsyncContextManager::exit(
                                mgr,
                                __ctxmgr_p::Outcome::Ok,
                            )
                            .await,
                    )
                {
                    return ret;
                }
                guard_2 = { guard_2 };
                val
            }
            __ctxmgr_p::Ok(__ctxmgr_p::Err(site)) => {
                let outcome_2 = match &site {
                    __ctxmgr_p::Here(_) => {
                        match (&__ctxmgr_p::Probe(__ctxmgr_p::taken_ref(&ret_2)))
                            .__ctxmgr_returned_err()
                        {
                            __ctxmgr_p::Some(err) => {
                                __ctxmgr_p::Outcome::Err(
                                    (&&&&__ctxmgr_p::Probe(err)).__ctxmgr_view(),
                                )
                            }
                            __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
                        }
                    }
                    __ctxmgr_p::Next(never) => match *never {}
                };
                let (mgr, state) = guard_2.__ctxmgr_split();
                if let __ctxmgr_p::Break(ret) = kind_2
                    .exited(
                        state,
                        __ctxmgr_p::AsyncContextManager::exit(mgr, outcome_2).await,
                    )
                {
                    return ret;
                }
                guard_2 = { guard_2 };
                match site {
                    __ctxmgr_p::Here(_) => return __ctxmgr_p::taken(ret_2),
                    __ctxmgr_p::Next(never) => match never {}
                }
            }
            __ctxmgr_p::Err(panic) => {
                let (mgr, state) = guard_2.__ctxmgr_split();
                let mut exit = __ctxmgr_p::pin!(
                    __ctxmgr_p::AsyncContextManager::exit(
                        mgr,
                        __ctxmgr_p::Outcome::Panic,
                    ),
                );
                let exit = __ctxmgr_p::poll_fn(|cx| {
                        __ctxmgr_p::poll_catching(exit.as_mut(), cx)
                    })
                    .await;
                __ctxmgr_p::resume_after_exit(state, exit, panic)
            }
        }
    }
}
