// Golden expansion `with_break`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(lock(&m) as mut g, { if *g > 3 { break; } if *g == 0 { break 'outer 7; } *g += 1; })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let g = __ctxmgr_p::Kind { m: lock(&m) };
        let mut g = {
            let kind = (&g).__ctxmgr_kind();
            (kind, kind.guard((g.m,).0))
        };
        let result = '__ctxmgr_with_0: {
            '__ctxmgr_site1_0: {
                let carried = '__ctxmgr_site2_0: {
                    let mut g = match g.0.enter(&mut g.1) {
                        __ctxmgr_p::Continue(val) => val,
                        __ctxmgr_p::Break(ret) => return ret,
                    };
                    #[allow(
                        unused_braces,
                        unreachable_code,
                        clippy::diverging_sub_expression
                    )]
                    break '__ctxmgr_with_0 __ctxmgr_p::Some({
                        if *g > 3 {
                            break '__ctxmgr_site1_0;
                        }
                        if *g == 0 {
                            break '__ctxmgr_site2_0 7;
                        }
                        *g += 1;
                    });
                };
                let outcome = __ctxmgr_p::Outcome::Ok;
                if let __ctxmgr_p::Break(ret) = g.0.finish(&mut g.1, outcome) {
                    return ret;
                }
                break 'outer carried;
            };
            let outcome = __ctxmgr_p::Outcome::Ok;
            if let __ctxmgr_p::Break(ret) = g.0.finish(&mut g.1, outcome) {
                return ret;
            }
            break '__ctxmgr_with_0 __ctxmgr_p::None;
        };
        #[allow(unreachable_code)]
        let exit = g.0.finish(&mut g.1, __ctxmgr_p::Outcome::Ok);
        g.1 = { g.1 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        match result {
            __ctxmgr_p::Some(val) => val,
            __ctxmgr_p::None => {
                break;
            }
        }
    }
}
