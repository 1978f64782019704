// Golden expansion `with_no_binding`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(Timer::new("t"), { work(); })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let guard_0 = Timer::new("t");
        let kind_0 = (&&&&__ctxmgr_p::Kind(&guard_0)).__ctxmgr_kind();
        let mut guard_0 = kind_0.guard((guard_0,).0);
        #[allow(unused_braces)]
        let result_0 = {
            let unused_0 = match kind_0.enter(&mut guard_0) {
                __ctxmgr_p::Continue(val) => val,
                __ctxmgr_p::Break(ret) => return ret,
            };
            {
                work();
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
