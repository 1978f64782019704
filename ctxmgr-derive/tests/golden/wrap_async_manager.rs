// Golden expansion `wrap_async_manager`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[wrap(async { pool.get() } as conn)] async fn query(pool: &Pool) -> Result<u8, E> { conn.one().await }
// Output:

async fn query(pool: &Pool) -> Result<u8, E> {
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
                        __ctxmgr_ret_0 = __ctxmgr_p::Some({ conn.one().await });
                        return __ctxmgr_p::Err(__ctxmgr_p::Here(()));
                    };
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
