// Golden expansion `with_async_one`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(async { open(path) } as f, { f.write_all(b"x").await?; Ok(()) })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let mut f = {
            let f = open(path);
            let kind = (&__ctxmgr_p::AsyncKind(&f)).__ctxmgr_kind();
            (kind, kind.async_guard((f,).0))
        };
        let caught = {
            let f = match ({
                let entered = __ctxmgr_p::AsyncContextManager::enter(
                        &mut f.1.__ctxmgr_manager,
                    )
                    .await;
                f.0.entered(f.1.__ctxmgr_state.__ctxmgr_ref(), entered)
            }) {
                __ctxmgr_p::Continue(val) => val,
                __ctxmgr_p::Break(ret) => return ret,
            };
            let mut body = __ctxmgr_p::pin!(async {
                let f = f;
                #[allow(unused_braces, unreachable_code)]
                if false {
                    return __ctxmgr_p::Err(__ctxmgr_p::Next(__ctxmgr_p::no_site()));
                }
                #[allow(unreachable_code, clippy::needless_return)]
                return __ctxmgr_p::Ok({
                    match __ctxmgr_p::branch(f.write_all(b"x").await) {
                        __ctxmgr_p::Continue(val) => val,
                        __ctxmgr_p::Break(ret) => {
                            ({
                                return __ctxmgr_p::Err(__ctxmgr_p::Here(ret));
                            })
                        }
                    };
                    Ok(())
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
                            __ctxmgr_p::Here(carried) => {
                                __ctxmgr_p::Outcome::Err(
                                    (&&__ctxmgr_p::Residual(carried)).__ctxmgr_view(),
                                )
                            }
                            __ctxmgr_p::Next(never) => match *never {}
                        }
                    }
                };
                let exit = __ctxmgr_p::AsyncContextManager::exit(
                        f.1.__ctxmgr_split().0,
                        outcome,
                    )
                    .await;
                if let __ctxmgr_p::Break(ret) = f.0.exited(f.1.__ctxmgr_split().1, exit)
                {
                    return ret;
                }
                f.1 = { f.1 };
                let swallowed = match &ended {
                    __ctxmgr_p::Ok(_) => __ctxmgr_p::Swallowed::none(),
                    __ctxmgr_p::Err(site) => {
                        let swallowed = match &site {
                            __ctxmgr_p::Here(_) => {
                                __ctxmgr_p::SuppressProbe(&f.1)
                                    .__ctxmgr_suppress_kind()
                                    .check(&mut f.1, outcome)
                            }
                            _ => __ctxmgr_p::Swallowed::none(),
                        };
                        swallowed
                    }
                };
                match ended {
                    __ctxmgr_p::Ok(val) => val,
                    __ctxmgr_p::Err(site) => {
                        match site {
                            __ctxmgr_p::Here(carried) => (swallowed.resume(carried))?,
                            __ctxmgr_p::Next(never) => match never {}
                        }
                    }
                }
            }
            __ctxmgr_p::Err(panic) => {
                let (mgr, state) = f.1.__ctxmgr_split();
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
