// Golden expansion `wrap_async`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[wrap(span())] async fn run() -> Result<(), E> { thing().await?; Ok(()) }
// Output:

async fn run() -> Result<(), E> {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let __ctxmgr_0 = span();
        let mut __ctxmgr_0 = {
            let kind = (&__ctxmgr_p::Kind(&__ctxmgr_0)).__ctxmgr_kind();
            (kind, kind.guard((__ctxmgr_0,).0), __ctxmgr_p::None, (), __ctxmgr_p::None)
        };
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(__ctxmgr_0.2);
        }
        let result = '__ctxmgr_with_0: {
            let flow: u32 = '__ctxmgr_body_0: {
                let __ctxmgr_unused_0 = match __ctxmgr_0.0.enter(&mut __ctxmgr_0.1) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break '__ctxmgr_with_0 {
                    {
                        __ctxmgr_0.2 = __ctxmgr_p::Some({
                            match __ctxmgr_p::branch(thing().await) {
                                __ctxmgr_p::Continue(val) => val,
                                __ctxmgr_p::Break(ret) => {
                                    ({
                                        __ctxmgr_0.4 = __ctxmgr_p::Some(ret);
                                        break '__ctxmgr_body_0 1;
                                    })
                                }
                            };
                            Ok(())
                        });
                        break '__ctxmgr_body_0 2;
                    };
                };
            };
            let outcome = match flow {
                1 => {
                    __ctxmgr_p::Outcome::Err(
                        (&&__ctxmgr_p::Residual(__ctxmgr_p::taken_ref(&__ctxmgr_0.4)))
                            .__ctxmgr_view(),
                    )
                }
                2 => {
                    match (&__ctxmgr_p::Probe(__ctxmgr_p::taken_ref(&__ctxmgr_0.2)))
                        .__ctxmgr_returned_err()
                    {
                        __ctxmgr_p::Some(err) => {
                            __ctxmgr_p::Outcome::Err(
                                (&&__ctxmgr_p::Probe(err)).__ctxmgr_view(),
                            )
                        }
                        __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
                    }
                }
                _ => __ctxmgr_p::Outcome::Ok,
            };
            if let __ctxmgr_p::Break(ret) = __ctxmgr_0
                .0
                .finish(&mut __ctxmgr_0.1, outcome)
            {
                return ret;
            }
            match flow {
                #[allow(unreachable_code)]
                1 => {
                    break '__ctxmgr_with_0 (__ctxmgr_p::SuppressProbe(&__ctxmgr_0.1)
                        .__ctxmgr_suppress_kind()
                        .check(&mut __ctxmgr_0.1, outcome)
                        .resume(__ctxmgr_p::taken(__ctxmgr_0.4)))?;
                }
                2 => return __ctxmgr_p::taken(__ctxmgr_0.2),
                _ => __ctxmgr_p::unreachable_flow(),
            }
        };
        #[allow(unreachable_code)]
        let exit = __ctxmgr_0.0.finish(&mut __ctxmgr_0.1, __ctxmgr_p::Outcome::Ok);
        __ctxmgr_0.1 = { __ctxmgr_0.1 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        result
    }
}
