// Golden expansion `with_no_binding`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(Timer::new("t"), { work(); })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let __ctxmgr_guard_0 = Timer::new("t");
        let __ctxmgr_kind_0 = (&&&&__ctxmgr_p::Kind(&__ctxmgr_guard_0)).__ctxmgr_kind();
        let mut __ctxmgr_guard_0 = __ctxmgr_kind_0.guard((__ctxmgr_guard_0,).0);
        #[allow(unused_braces)]
        let __ctxmgr_result_0 = {
            let __ctxmgr_value_0 = match __ctxmgr_kind_0.enter(&mut __ctxmgr_guard_0) {
                __ctxmgr_p::Continue(__ctxmgr_v) => __ctxmgr_v,
                __ctxmgr_p::Break(__ctxmgr_r) => return __ctxmgr_r,
            };
            let __ctxmgr_unused_0 = __ctxmgr_value_0;
            {
                work();
            }
        };
        #[allow(unreachable_code)]
        let __ctxmgr_exit = __ctxmgr_kind_0
            .finish(&mut __ctxmgr_guard_0, __ctxmgr_p::Outcome::Ok);
        __ctxmgr_guard_0 = { __ctxmgr_guard_0 };
        if let __ctxmgr_p::Break(__ctxmgr_r) = __ctxmgr_exit {
            return __ctxmgr_r;
        }
        __ctxmgr_result_0
    }
}
