// Golden expansion `with_question`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(open(path) as f, { f.write_all(b"x")?; Ok(()) })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let __ctxmgr_guard_0 = open(path);
        let __ctxmgr_kind_0 = (&&&&__ctxmgr_p::Kind(&__ctxmgr_guard_0)).__ctxmgr_kind();
        let mut __ctxmgr_guard_0 = __ctxmgr_kind_0.guard((__ctxmgr_guard_0,).0);
        let __ctxmgr_suppress_0 = (&__ctxmgr_p::SuppressProbe(&__ctxmgr_guard_0))
            .__ctxmgr_suppress_kind();
        let mut __ctxmgr_slot1_0 = __ctxmgr_p::None;
        let __ctxmgr_result_0 = '__ctxmgr_with_0: {
            '__ctxmgr_body_0: {
                let f = match __ctxmgr_kind_0.enter(&mut __ctxmgr_guard_0) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break '__ctxmgr_with_0 {
                    match __ctxmgr_p::branch(f.write_all(b"x")) {
                        __ctxmgr_p::Continue(val) => val,
                        __ctxmgr_p::Break(ret) => {
                            ({
                                __ctxmgr_slot1_0 = __ctxmgr_p::Some(ret);
                                break '__ctxmgr_body_0 1;
                            })
                        }
                    };
                    Ok(())
                };
            };
            let __ctxmgr_outcome_0 = __ctxmgr_p::Outcome::Err(
                (&&&&__ctxmgr_p::Residual(__ctxmgr_p::taken_ref(&__ctxmgr_slot1_0)))
                    .__ctxmgr_view(),
            );
            if let __ctxmgr_p::Break(ret) = __ctxmgr_kind_0
                .finish(&mut __ctxmgr_guard_0, __ctxmgr_outcome_0)
            {
                return ret;
            }
            #[allow(unreachable_code)]
            break '__ctxmgr_with_0 (__ctxmgr_suppress_0
                .check(&mut __ctxmgr_guard_0, __ctxmgr_outcome_0)
                .resume(__ctxmgr_p::taken(__ctxmgr_slot1_0)))?;
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
