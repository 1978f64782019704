// Golden expansion `with_break`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(lock(&m) as mut g, { if *g > 3 { break; } if *g == 0 { break 'outer 7; } *g += 1; })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let __ctxmgr_guard_0 = lock(&m);
        let __ctxmgr_kind_0 = (&&&&__ctxmgr_p::Kind(&__ctxmgr_guard_0)).__ctxmgr_kind();
        let mut __ctxmgr_guard_0 = __ctxmgr_kind_0.guard((__ctxmgr_guard_0,).0);
        let mut __ctxmgr_slot2_0 = __ctxmgr_p::None;
        let mut __ctxmgr_flow_0: u32 = 0;
        let __ctxmgr_result_0 = '__ctxmgr_with_0: {
            __ctxmgr_flow_0 = '__ctxmgr_body_0: {
                let mut g = match __ctxmgr_kind_0.enter(&mut __ctxmgr_guard_0) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break '__ctxmgr_with_0 __ctxmgr_p::Some({
                    if *g > 3 {
                        {
                            break '__ctxmgr_body_0 1;
                        };
                    }
                    if *g == 0 {
                        {
                            __ctxmgr_slot2_0 = __ctxmgr_p::Some(7);
                            break '__ctxmgr_body_0 2;
                        };
                    }
                    *g += 1;
                });
            };
            let __ctxmgr_outcome_0 = __ctxmgr_p::Outcome::Ok;
            if let __ctxmgr_p::Break(ret) = __ctxmgr_kind_0
                .finish(&mut __ctxmgr_guard_0, __ctxmgr_outcome_0)
            {
                return ret;
            }
            match __ctxmgr_flow_0 {
                1 => {}
                2 => break 'outer __ctxmgr_p::taken(__ctxmgr_slot2_0),
                _ => __ctxmgr_p::unreachable_flow(),
            };
            __ctxmgr_p::None
        };
        #[allow(unreachable_code)]
        let exit = __ctxmgr_kind_0
            .finish(&mut __ctxmgr_guard_0, __ctxmgr_p::Outcome::Ok);
        __ctxmgr_guard_0 = { __ctxmgr_guard_0 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        match __ctxmgr_result_0 {
            __ctxmgr_p::Some(val) => val,
            __ctxmgr_p::None => {
                match __ctxmgr_flow_0 {
                    1 => break,
                    _ => __ctxmgr_p::unreachable_flow(),
                }
            }
        }
    }
}
