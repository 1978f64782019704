// Golden expansion `with_no_binding`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(Timer::new("t"), { work(); })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let __ctxmgr_0 = __ctxmgr_p::Kind {
            m: Timer::new("t"),
        };
        let mut __ctxmgr_0 = {
            let kind = (&__ctxmgr_0).__ctxmgr_kind();
            (kind, kind.guard((__ctxmgr_0.m,).0))
        };
        #[allow(unused_braces)]
        let result = {
            let __ctxmgr_0 = match __ctxmgr_0.0.enter(&mut __ctxmgr_0.1) {
                __ctxmgr_p::Continue(val) => val,
                __ctxmgr_p::Break(ret) => return ret,
            };
            {
                work();
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
