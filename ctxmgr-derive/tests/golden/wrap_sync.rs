// Golden expansion `wrap_sync`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[wrap(Timer::new("f") as t)] fn f(x: u8) -> Result<u8, E> { if x == 0 { return Err(E); } Ok(x + t.n()) }
// Output:

fn f(x: u8) -> Result<u8, E> {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let __ctxmgr_guard_0 = Timer::new("f");
        let __ctxmgr_kind_0 = (&&&&__ctxmgr_p::Kind(&__ctxmgr_guard_0)).__ctxmgr_kind();
        let mut __ctxmgr_guard_0 = __ctxmgr_kind_0.guard((__ctxmgr_guard_0,).0);
        let mut __ctxmgr_ret_0 = __ctxmgr_p::None;
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(__ctxmgr_ret_0);
        }
        let __ctxmgr_result_0 = '__ctxmgr_with_0: {
            '__ctxmgr_body_0: {
                let t = match __ctxmgr_kind_0.enter(&mut __ctxmgr_guard_0) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break '__ctxmgr_with_0 {
                    {
                        __ctxmgr_ret_0 = __ctxmgr_p::Some({
                            if x == 0 {
                                {
                                    __ctxmgr_ret_0 = __ctxmgr_p::Some(Err(E));
                                    break '__ctxmgr_body_0 1;
                                };
                            }
                            Ok(x + t.n())
                        });
                        break '__ctxmgr_body_0 1;
                    };
                };
            };
            let __ctxmgr_outcome_0 = match (&__ctxmgr_p::Probe(
                __ctxmgr_p::taken_ref(&__ctxmgr_ret_0),
            ))
                .__ctxmgr_returned_err()
            {
                __ctxmgr_p::Some(err) => {
                    __ctxmgr_p::Outcome::Err(
                        (&&&&__ctxmgr_p::Probe(err)).__ctxmgr_view(),
                    )
                }
                __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
            };
            if let __ctxmgr_p::Break(ret) = __ctxmgr_kind_0
                .finish(&mut __ctxmgr_guard_0, __ctxmgr_outcome_0)
            {
                return ret;
            }
            return __ctxmgr_p::taken(__ctxmgr_ret_0);
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
