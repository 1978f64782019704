// Golden expansion `with_question`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(open(path) as f, { f.write_all(b"x")?; Ok(()) })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let guard_0 = open(path);
        let kind_0 = (&&&&__ctxmgr_p::Kind(&guard_0)).__ctxmgr_kind();
        let mut guard_0 = kind_0.guard((guard_0,).0);
        let suppress_0 = (&__ctxmgr_p::SuppressProbe(&guard_0)).__ctxmgr_suppress_kind();
        let mut slot1_0 = __ctxmgr_p::None;
        let result_0 = 'with_0: {
            'body_0: {
                let f = match kind_0.enter(&mut guard_0) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break 'with_0 {
                    (match __ctxmgr_p::branch(f.write_all(b"x")) {
                        __ctxmgr_p::Continue(val) => val,
                        __ctxmgr_p::Break(ret) => {
                            ({
                                slot1_0 = __ctxmgr_p::Some(ret);
                                break 'body_0 1;
                            })
                        }
                    });
                    Ok(())
                };
            };
            let outcome_0 = __ctxmgr_p::Outcome::Err(
                (&&&&__ctxmgr_p::Residual(__ctxmgr_p::taken_ref(&slot1_0)))
                    .__ctxmgr_view(),
            );
            if let __ctxmgr_p::Break(ret) = kind_0.finish(&mut guard_0, outcome_0) {
                return ret;
            }
            #[allow(unreachable_code)]
            break 'with_0 (suppress_0
                .check(&mut guard_0, outcome_0)
                .resume(__ctxmgr_p::taken(slot1_0)))?;
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
