// Golden expansion `wrap_async`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[wrap(span())] async fn run() -> Result<(), E> { thing().await?; Ok(()) }
// Output:

async fn run() -> Result<(), E> {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let __ctxmgr_0 = __ctxmgr_p::Kind { m: span() };
        let mut __ctxmgr_0 = {
            let kind = (&__ctxmgr_0).__ctxmgr_kind();
            (kind, kind.guard((__ctxmgr_0.m,).0), __ctxmgr_p::tie())
        };
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_0.2.get();
        }
        let result = '__ctxmgr_with_0: {
            let residual = '__ctxmgr_site1_0: {
                let ret = '__ctxmgr_site2_0: {
                    let __ctxmgr_unused_0 = match __ctxmgr_0.0.enter(&mut __ctxmgr_0.1) {
                        __ctxmgr_p::Continue(val) => val,
                        __ctxmgr_p::Break(ret) => return ret,
                    };
                    #[allow(
                        unused_braces,
                        unreachable_code,
                        clippy::diverging_sub_expression
                    )]
                    break '__ctxmgr_with_0 {
                        break '__ctxmgr_site2_0 __ctxmgr_0
                            .2
                            .put({
                                match __ctxmgr_p::branch(thing().await) {
                                    __ctxmgr_p::Continue(val) => val,
                                    __ctxmgr_p::Break(ret) => (break '__ctxmgr_site1_0 ret),
                                };
                                Ok(())
                            });
                    };
                };
                let outcome = (&&&__ctxmgr_p::Returned(&ret))
                    .__ctxmgr_returned_outcome();
                if let __ctxmgr_p::Break(ret) = __ctxmgr_0
                    .0
                    .finish(&mut __ctxmgr_0.1, outcome)
                {
                    return ret;
                }
                return ret;
            };
            let outcome = __ctxmgr_p::Outcome::Err(
                (&&__ctxmgr_p::Residual(&residual)).__ctxmgr_view(),
            );
            if let __ctxmgr_p::Break(ret) = __ctxmgr_0
                .0
                .finish(&mut __ctxmgr_0.1, outcome)
            {
                return ret;
            }
            #[allow(unreachable_code)]
            break '__ctxmgr_with_0 (__ctxmgr_p::SuppressProbe(&__ctxmgr_0.1)
                .__ctxmgr_suppress_kind()
                .check(&mut __ctxmgr_0.1, outcome)
                .resume(residual))?;
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
