// Golden expansion `with_async_mixed`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(async { pool.get() } as conn, Timer::new("q") as _t, async { conn.begin() } as tx, { if tx.is_empty() { return Ok(0); } tx.run().await })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let mut conn = {
            let conn = pool.get();
            let kind = (&__ctxmgr_p::AsyncKind(&conn)).__ctxmgr_kind();
            (kind, kind.async_guard((conn,).0))
        };
        let mut __ctxmgr_ret_0 = __ctxmgr_p::None;
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(__ctxmgr_ret_0);
        }
        let caught = {
            let conn = match ({
                let entered = __ctxmgr_p::AsyncContextManager::enter(
                        &mut conn.1.__ctxmgr_manager,
                    )
                    .await;
                conn.0.entered(conn.1.__ctxmgr_state.__ctxmgr_ref(), entered)
            }) {
                __ctxmgr_p::Continue(val) => val,
                __ctxmgr_p::Break(ret) => return ret,
            };
            let mut body = __ctxmgr_p::pin!(async {
                let conn = conn;
                #[allow(unused_braces, unreachable_code)]
                if false {
                    return __ctxmgr_p::Err(__ctxmgr_p::Next(__ctxmgr_p::no_site()));
                }
                #[allow(unreachable_code, clippy::needless_return)]
                return __ctxmgr_p::Ok({
                    {
                        let _t = __ctxmgr_p::Kind {
                            m: Timer::new("q"),
                        };
                        let mut _t = {
                            let kind = (&_t).__ctxmgr_kind();
                            (kind, kind.guard((_t.m,).0), __ctxmgr_p::tie())
                        };
                        #[allow(unreachable_code)]
                        if false {
                            ({
                                __ctxmgr_ret_0 = __ctxmgr_p::Some(_t.2.get());
                                return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                            });
                        }
                        let result = '__ctxmgr_with_1: {
                            let ret = '__ctxmgr_site1_1: {
                                #[allow(clippy::no_effect_underscore_binding)]
                                let _t = match _t.0.enter(&mut _t.1) {
                                    __ctxmgr_p::Continue(val) => val,
                                    __ctxmgr_p::Break(__ctxmgr_err) => {
                                        ({
                                            __ctxmgr_ret_0 = __ctxmgr_p::Some(__ctxmgr_err);
                                            return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                                        })
                                    }
                                };
                                #[allow(
                                    unused_braces,
                                    unreachable_code,
                                    clippy::diverging_sub_expression
                                )]
                                break '__ctxmgr_with_1 {
                                    {
                                        let mut tx = {
                                            let tx = conn.begin();
                                            let kind = (&__ctxmgr_p::AsyncKind(&tx)).__ctxmgr_kind();
                                            (kind, kind.async_guard((tx,).0))
                                        };
                                        let mut __ctxmgr_ret_2 = __ctxmgr_p::None;
                                        #[allow(unreachable_code)]
                                        if false {
                                            (break '__ctxmgr_site1_1 _t
                                                .2
                                                .put(__ctxmgr_p::Option::unwrap(__ctxmgr_ret_2)));
                                        }
                                        let caught = {
                                            let tx = match ({
                                                let entered = __ctxmgr_p::AsyncContextManager::enter(
                                                        &mut tx.1.__ctxmgr_manager,
                                                    )
                                                    .await;
                                                tx.0.entered(tx.1.__ctxmgr_state.__ctxmgr_ref(), entered)
                                            }) {
                                                __ctxmgr_p::Continue(val) => val,
                                                __ctxmgr_p::Break(__ctxmgr_err) => {
                                                    (break '__ctxmgr_site1_1 _t.2.put(__ctxmgr_err))
                                                }
                                            };
                                            let mut body = __ctxmgr_p::pin!(async {
                                                let tx = tx;
                                                #[allow(unused_braces, unreachable_code)]
                                                if false {
                                                    return __ctxmgr_p::Err(
                                                        __ctxmgr_p::Next(__ctxmgr_p::no_site()),
                                                    );
                                                }
                                                #[allow(unreachable_code, clippy::needless_return)]
                                                return __ctxmgr_p::Ok({
                                                    if tx.is_empty() {
                                                        {
                                                            __ctxmgr_ret_2 = __ctxmgr_p::Some(Ok(0));
                                                            return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                                                        };
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
                                        match caught {
                                            __ctxmgr_p::Ok(ended) => {
                                                let outcome = match &ended {
                                                    __ctxmgr_p::Ok(_) => __ctxmgr_p::Outcome::Ok,
                                                    __ctxmgr_p::Err(site) => {
                                                        match site {
                                                            __ctxmgr_p::Here(_) => {
                                                                (&&&__ctxmgr_p::Returned(
                                                                    __ctxmgr_p::taken_ref(&__ctxmgr_ret_2),
                                                                ))
                                                                    .__ctxmgr_returned_outcome()
                                                            }
                                                            __ctxmgr_p::Next(never) => match *never {}
                                                        }
                                                    }
                                                };
                                                let exit = __ctxmgr_p::AsyncContextManager::exit(
                                                        tx.1.__ctxmgr_split().0,
                                                        outcome,
                                                    )
                                                    .await;
                                                if let __ctxmgr_p::Break(ret) = tx
                                                    .0
                                                    .exited(tx.1.__ctxmgr_split().1, exit)
                                                {
                                                    (break '__ctxmgr_site1_1 _t.2.put(ret));
                                                }
                                                tx.1 = { tx.1 };
                                                match ended {
                                                    __ctxmgr_p::Ok(val) => val,
                                                    __ctxmgr_p::Err(site) => {
                                                        match site {
                                                            __ctxmgr_p::Here(_) => {
                                                                (break '__ctxmgr_site1_1 _t
                                                                    .2
                                                                    .put(__ctxmgr_p::taken(__ctxmgr_ret_2)))
                                                            }
                                                            __ctxmgr_p::Next(never) => match never {}
                                                        }
                                                    }
                                                }
                                            }
                                            __ctxmgr_p::Err(panic) => {
                                                let (mgr, state) = tx.1.__ctxmgr_split();
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
                            let outcome = (&&&__ctxmgr_p::Returned(&ret))
                                .__ctxmgr_returned_outcome();
                            if let __ctxmgr_p::Break(__ctxmgr_err) = _t
                                .0
                                .finish(&mut _t.1, outcome)
                            {
                                ({
                                    __ctxmgr_ret_0 = __ctxmgr_p::Some(__ctxmgr_err);
                                    return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                                });
                            }
                            ({
                                __ctxmgr_ret_0 = __ctxmgr_p::Some(ret);
                                return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                            });
                        };
                        #[allow(unreachable_code)]
                        let exit = _t.0.finish(&mut _t.1, __ctxmgr_p::Outcome::Ok);
                        _t.1 = { _t.1 };
                        if let __ctxmgr_p::Break(__ctxmgr_err) = exit {
                            ({
                                __ctxmgr_ret_0 = __ctxmgr_p::Some(__ctxmgr_err);
                                return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                            });
                        }
                        result
                    }
                });
            });
            __ctxmgr_p::poll_fn(|cx| __ctxmgr_p::poll_catching(body.as_mut(), cx)).await
        };
        match caught {
            __ctxmgr_p::Ok(ended) => {
                let outcome = match &ended {
                    __ctxmgr_p::Ok(_) => __ctxmgr_p::Outcome::Ok,
                    __ctxmgr_p::Err(site) => {
                        match site {
                            __ctxmgr_p::Here(_) => {
                                (&&&__ctxmgr_p::Returned(
                                    __ctxmgr_p::taken_ref(&__ctxmgr_ret_0),
                                ))
                                    .__ctxmgr_returned_outcome()
                            }
                            __ctxmgr_p::Next(never) => match *never {}
                        }
                    }
                };
                let exit = __ctxmgr_p::AsyncContextManager::exit(
                        conn.1.__ctxmgr_split().0,
                        outcome,
                    )
                    .await;
                if let __ctxmgr_p::Break(ret) = conn
                    .0
                    .exited(conn.1.__ctxmgr_split().1, exit)
                {
                    return ret;
                }
                conn.1 = { conn.1 };
                match ended {
                    __ctxmgr_p::Ok(val) => val,
                    __ctxmgr_p::Err(site) => {
                        match site {
                            __ctxmgr_p::Here(_) => {
                                return __ctxmgr_p::taken(__ctxmgr_ret_0);
                            }
                            __ctxmgr_p::Next(never) => match never {}
                        }
                    }
                }
            }
            __ctxmgr_p::Err(panic) => {
                let (mgr, state) = conn.1.__ctxmgr_split();
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
