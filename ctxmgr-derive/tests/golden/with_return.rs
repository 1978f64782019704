// Golden expansion `with_return`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(lock(&m) as g, { if g.is_empty() { return Err(Empty); } g.len() })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let g = __ctxmgr_p::Kind { m: lock(&m) };
        let mut g = {
            let kind = (&g).__ctxmgr_kind();
            (kind, kind.guard((g.m,).0), __ctxmgr_p::tie())
        };
        #[allow(unreachable_code)]
        if false {
            return g.2.get();
        }
        let result = '__ctxmgr_with_0: {
            let ret = '__ctxmgr_site1_0: {
                let g = match g.0.enter(&mut g.1) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(
                    unused_braces,
                    unreachable_code,
                    clippy::diverging_sub_expression
                )]
                break '__ctxmgr_with_0 {
                    if g.is_empty() {
                        break '__ctxmgr_site1_0 g.2.put(Err(Empty));
                    }
                    g.len()
                };
            };
            let outcome = (&&&__ctxmgr_p::Returned(&ret)).__ctxmgr_returned_outcome();
            if let __ctxmgr_p::Break(ret) = g.0.finish(&mut g.1, outcome) {
                return ret;
            }
            return ret;
        };
        #[allow(unreachable_code)]
        let exit = g.0.finish(&mut g.1, __ctxmgr_p::Outcome::Ok);
        g.1 = { g.1 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        result
    }
}
