// Golden expansion `with_return`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(lock(&m) as g, { if g.is_empty() { return Err(Empty); } g.len() })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let guard_0 = lock(&m);
        let kind_0 = (&&&&__ctxmgr_p::Kind(&guard_0)).__ctxmgr_kind();
        let mut guard_0 = kind_0.guard((guard_0,).0);
        let mut ret_0 = __ctxmgr_p::None;
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(ret_0);
        }
        let result_0 = 'with_0: {
            'body_0: {
                let g = match kind_0.enter(&mut guard_0) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break 'with_0 {
                    if g.is_empty() {
                        ({
                            ret_0 = __ctxmgr_p::Some(Err(Empty));
                            break 'body_0 1;
                        });
                    }
                    g.len()
                };
            };
            let outcome_0 = match (&__ctxmgr_p::Probe(__ctxmgr_p::taken_ref(&ret_0)))
                .__ctxmgr_returned_err()
            {
                __ctxmgr_p::Some(err) => {
                    __ctxmgr_p::Outcome::Err(
                        (&&&&__ctxmgr_p::Probe(err)).__ctxmgr_view(),
                    )
                }
                __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
            };
            if let __ctxmgr_p::Break(ret) = kind_0.finish(&mut guard_0, outcome_0) {
                return ret;
            }
            return __ctxmgr_p::taken(ret_0);
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
