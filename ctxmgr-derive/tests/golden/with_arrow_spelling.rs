// Golden expansion `with_arrow_spelling`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(lock(&m) as g => { g.push(1); g.len() })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let __ctxmgr_guard_0 = lock(&m);
        let __ctxmgr_kind_0 = (&&&&__ctxmgr_p::Kind(&__ctxmgr_guard_0)).__ctxmgr_kind();
        let mut __ctxmgr_guard_0 = __ctxmgr_kind_0.guard((__ctxmgr_guard_0,).0);
        #[allow(unused_braces)]
        let __ctxmgr_result_0 = {
            let g = match __ctxmgr_kind_0.enter(&mut __ctxmgr_guard_0) {
                __ctxmgr_p::Continue(val) => val,
                __ctxmgr_p::Break(ret) => return ret,
            };
            {
                g.push(1);
                g.len()
            }
        };
        #[allow(unreachable_code)]
        let exit = __ctxmgr_kind_0
            .finish(&mut __ctxmgr_guard_0, __ctxmgr_p::Outcome::Ok);
        __ctxmgr_guard_0 = { __ctxmgr_guard_0 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        __ctxmgr_result_0
    }
}
