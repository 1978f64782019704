// Golden expansion `with_one`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(lock(&m) as g, { g.push(1); g.len() })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let g = __ctxmgr_p::Kind { m: lock(&m) };
        let mut g = {
            let kind = (&g).__ctxmgr_kind();
            (kind, kind.guard((g.m,).0))
        };
        #[allow(unused_braces)]
        let result = {
            let g = match g.0.enter(&mut g.1) {
                __ctxmgr_p::Continue(val) => val,
                __ctxmgr_p::Break(ret) => return ret,
            };
            {
                g.push(1);
                g.len()
            }
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
