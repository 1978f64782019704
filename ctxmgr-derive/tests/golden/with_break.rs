// Golden expansion `with_break`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(lock(&m) as mut g, { if *g > 3 { break; } if *g == 0 { break 'outer 7; } *g += 1; })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let guard_0 = lock(&m);
        let kind_0 = (&&&&__ctxmgr_p::Kind(&guard_0)).__ctxmgr_kind();
        let mut guard_0 = kind_0.guard((guard_0,).0);
        let mut slot2_0 = __ctxmgr_p::None;
        let mut flow_0: u32 = 0;
        let result_0 = 'with_0: {
            flow_0 = 'body_0: {
                let mut g = match kind_0.enter(&mut guard_0) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break 'with_0 __ctxmgr_p::Some({
                    if *g > 3 {
                        ({
                            break 'body_0 1;
                        });
                    }
                    if *g == 0 {
                        ({
                            slot2_0 = __ctxmgr_p::Some(7);
                            break 'body_0 2;
                        });
                    }
                    *g += 1;
                });
            };
            let outcome_0 = __ctxmgr_p::Outcome::Ok;
            if let __ctxmgr_p::Break(ret) = kind_0.finish(&mut guard_0, outcome_0) {
                return ret;
            }
            match flow_0 {
                1 => {}
                2 => break 'outer __ctxmgr_p::taken(slot2_0),
                _ => __ctxmgr_p::unreachable_flow(),
            };
            __ctxmgr_p::None
        };
        #[allow(unreachable_code)]
        let exit = kind_0.finish(&mut guard_0, __ctxmgr_p::Outcome::Ok);
        guard_0 = { guard_0 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        match result_0 {
            __ctxmgr_p::Some(val) => val,
            __ctxmgr_p::None => {
                match flow_0 {
                    1 => break,
                    _ => __ctxmgr_p::unreachable_flow(),
                }
            }
        }
    }
}
