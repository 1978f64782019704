// Golden expansion `with_two`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(open(a) as f, open(b) as g, { f.copy_to(g) })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let f = __ctxmgr_p::Kind { m: open(a) };
        let mut f = {
            let kind = (&f).__ctxmgr_kind();
            (kind, kind.guard((f.m,).0))
        };
        let result = '__ctxmgr_with_0: {
            let ret = '__ctxmgr_site1_0: {
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
                    {
                        let g = __ctxmgr_p::Kind { m: open(b) };
                        let mut g = {
                            let kind = (&g).__ctxmgr_kind();
                            (kind, kind.guard((g.m,).0))
                        };
                        #[allow(unused_braces)]
                        let result = {
                            let g = match g.0.enter(&mut g.1) {
                                __ctxmgr_p::Continue(val) => val,
                                __ctxmgr_p::Break(__ctxmgr_err) => {
                                    (break '__ctxmgr_site1_0 __ctxmgr_err)
                                }
                            };
                            { f.copy_to(g) }
                        };
                        #[allow(unreachable_code)]
                        let exit = g.0.finish(&mut g.1, __ctxmgr_p::Outcome::Ok);
                        g.1 = { g.1 };
                        if let __ctxmgr_p::Break(__ctxmgr_err) = exit {
                            (break '__ctxmgr_site1_0 __ctxmgr_err);
                        }
                        result
                    }
                };
            };
            #[allow(unreachable_code)]
            if false {
                return ret;
            }
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
