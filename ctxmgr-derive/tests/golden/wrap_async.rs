// Golden expansion `wrap_async`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[wrap(span())] async fn run() -> Result<(), E> { thing().await?; Ok(()) }
// Output:

async fn run() -> Result<(), E> {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let guard_0 = span();
        let kind_0 = (&&&&__ctxmgr_p::Kind(&guard_0)).__ctxmgr_kind();
        let mut guard_0 = kind_0.guard((guard_0,).0);
        let suppress_0 = (&__ctxmgr_p::SuppressProbe(&guard_0)).__ctxmgr_suppress_kind();
        let mut ret_0 = __ctxmgr_p::None;
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(ret_0);
        }
        let mut slot1_0 = __ctxmgr_p::None;
        let result_0 = 'with_0: {
            let flow_0: u32 = 'body_0: {
                let unused_0 = match kind_0.enter(&mut guard_0) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break 'with_0 {
                    ({
                        ret_0 = __ctxmgr_p::Some({
                            (match __ctxmgr_p::branch(thing().await) {
                                __ctxmgr_p::Continue(val) => val,
                                __ctxmgr_p::Break(ret) => {
                                    ({
                                        slot1_0 = __ctxmgr_p::Some(ret);
                                        break 'body_0 1;
                                    })
                                }
                            });
                            Ok(())
                        });
                        break 'body_0 2;
                    });
                };
            };
            let outcome_0 = match flow_0 {
                1 => {
                    __ctxmgr_p::Outcome::Err(
                        (&&&&__ctxmgr_p::Residual(__ctxmgr_p::taken_ref(&slot1_0)))
                            .__ctxmgr_view(),
                    )
                }
                2 => {
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
                _ => __ctxmgr_p::Outcome::Ok,
            };
            if let __ctxmgr_p::Break(ret) = kind_0.finish(&mut guard_0, outcome_0) {
                return ret;
            }
            match flow_0 {
                #[allow(unreachable_code)]
                1 => {
                    break 'with_0 (suppress_0
                        .check(&mut guard_0, outcome_0)
                        .resume(__ctxmgr_p::taken(slot1_0)))?;
                }
                2 => return __ctxmgr_p::taken(ret_0),
                _ => __ctxmgr_p::unreachable_flow(),
            }
        };
        #[allow(unreachable_code)]
        let exit = kind_0.finish(&mut guard_0, __ctxmgr_p::Outcome::Ok);
        guard_0 = { guard_0 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        result_0
    }
}
