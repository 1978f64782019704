// Golden expansion `with_return_and_question`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(open(path) as f, { if f.is_empty() { return Ok(0); } parse(f)? + 1 })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let f = __ctxmgr_p::Kind { m: open(path) };
        let mut f = {
            let kind = (&f).__ctxmgr_kind();
            (kind, kind.guard((f.m,).0), __ctxmgr_p::tie())
        };
        #[allow(unreachable_code)]
        if false {
            return f.2.get();
        }
        let result = '__ctxmgr_with_0: {
            let ret = '__ctxmgr_site1_0: {
                let residual = '__ctxmgr_site2_0: {
                    let f = match f.0.enter(&mut f.1) {
                        __ctxmgr_p::Continue(val) => val,
                        __ctxmgr_p::Break(ret) => return ret,
                    };
                    #[allow(
                        unused_braces,
                        unreachable_code,
                        clippy::diverging_sub_expression
                    )]
                    break '__ctxmgr_with_0 {
                        if f.is_empty() {
                            break '__ctxmgr_site1_0 f.2.put(Ok(0));
                        }
                        (match __ctxmgr_p::branch(parse(f)) {
                            __ctxmgr_p::Continue(val) => val,
                            __ctxmgr_p::Break(ret) => (break '__ctxmgr_site2_0 ret),
                        }) + 1
                    };
                };
                let outcome = __ctxmgr_p::Outcome::Err(
                    (&&__ctxmgr_p::Residual(&residual)).__ctxmgr_view(),
                );
                if let __ctxmgr_p::Break(ret) = f.0.finish(&mut f.1, outcome) {
                    return ret;
                }
                #[allow(unreachable_code)]
                break '__ctxmgr_with_0 (__ctxmgr_p::SuppressProbe(&f.1)
                    .__ctxmgr_suppress_kind()
                    .check(&mut f.1, outcome)
                    .resume(residual))?;
            };
            let outcome = (&&&__ctxmgr_p::Returned(&ret)).__ctxmgr_returned_outcome();
            if let __ctxmgr_p::Break(ret) = f.0.finish(&mut f.1, outcome) {
                return ret;
            }
            return ret;
        };
        #[allow(unreachable_code)]
        let exit = f.0.finish(&mut f.1, __ctxmgr_p::Outcome::Ok);
        f.1 = { f.1 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        result
    }
}
