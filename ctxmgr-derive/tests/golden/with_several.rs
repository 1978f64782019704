// Golden expansion `with_several`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(open(path) as f, Timer::new("t") as _t, pair() as (x, y), { f.write(x + y) })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let __ctxmgr_guard_2 = open(path);
        let __ctxmgr_kind_2 = (&&&&__ctxmgr_p::Kind(&__ctxmgr_guard_2)).__ctxmgr_kind();
        let mut __ctxmgr_guard_2 = __ctxmgr_kind_2.guard((__ctxmgr_guard_2,).0);
        let mut __ctxmgr_ret_2 = __ctxmgr_p::None;
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(__ctxmgr_ret_2);
        }
        let __ctxmgr_result_2 = '__ctxmgr_with_2: {
            '__ctxmgr_body_2: {
                let f = match __ctxmgr_kind_2.enter(&mut __ctxmgr_guard_2) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break '__ctxmgr_with_2 {
                    {
                        let __ctxmgr_guard_1 = Timer::new("t");
                        let __ctxmgr_kind_1 = (&&&&__ctxmgr_p::Kind(&__ctxmgr_guard_1))
                            .__ctxmgr_kind();
                        let mut __ctxmgr_guard_1 = __ctxmgr_kind_1
                            .guard((__ctxmgr_guard_1,).0);
                        let mut __ctxmgr_ret_1 = __ctxmgr_p::None;
                        #[allow(unreachable_code)]
                        if false {
                            {
                                __ctxmgr_ret_2 = __ctxmgr_p::Some(
                                    __ctxmgr_p::Option::unwrap(__ctxmgr_ret_1),
                                );
                                break '__ctxmgr_body_2 1;
                            };
                        }
                        let __ctxmgr_result_1 = '__ctxmgr_with_1: {
                            '__ctxmgr_body_1: {
                                #[allow(clippy::no_effect_underscore_binding)]
                                let _t = match __ctxmgr_kind_1.enter(&mut __ctxmgr_guard_1)
                                {
                                    __ctxmgr_p::Continue(val) => val,
                                    __ctxmgr_p::Break(ret) => {
                                        ({
                                            __ctxmgr_ret_2 = __ctxmgr_p::Some(ret);
                                            break '__ctxmgr_body_2 1;
                                        })
                                    }
                                };
                                #[allow(unused_braces, unreachable_code)]
                                break '__ctxmgr_with_1 {
                                    {
                                        let __ctxmgr_guard_0 = pair();
                                        let __ctxmgr_kind_0 = (&&&&__ctxmgr_p::Kind(
                                            &__ctxmgr_guard_0,
                                        ))
                                            .__ctxmgr_kind();
                                        let mut __ctxmgr_guard_0 = __ctxmgr_kind_0
                                            .guard((__ctxmgr_guard_0,).0);
                                        #[allow(unused_braces)]
                                        let __ctxmgr_result_0 = {
                                            let (x, y) = match __ctxmgr_kind_0
                                                .enter(&mut __ctxmgr_guard_0)
                                            {
                                                __ctxmgr_p::Continue(val) => val,
                                                __ctxmgr_p::Break(ret) => {
                                                    ({
                                                        __ctxmgr_ret_1 = __ctxmgr_p::Some(ret);
                                                        break '__ctxmgr_body_1 1;
                                                    })
                                                }
                                            };
                                            { f.write(x + y) }
                                        };
                                        #[allow(unreachable_code)]
                                        let exit = __ctxmgr_kind_0
                                            .finish(&mut __ctxmgr_guard_0, __ctxmgr_p::Outcome::Ok);
                                        __ctxmgr_guard_0 = { __ctxmgr_guard_0 };
                                        if let __ctxmgr_p::Break(ret) = exit {
                                            {
                                                __ctxmgr_ret_1 = __ctxmgr_p::Some(ret);
                                                break '__ctxmgr_body_1 1;
                                            };
                                        }
                                        __ctxmgr_result_0
                                    }
                                };
                            };
                            let __ctxmgr_outcome_1 = match (&__ctxmgr_p::Probe(
                                __ctxmgr_p::taken_ref(&__ctxmgr_ret_1),
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
                            if let __ctxmgr_p::Break(ret) = __ctxmgr_kind_1
                                .finish(&mut __ctxmgr_guard_1, __ctxmgr_outcome_1)
                            {
                                {
                                    __ctxmgr_ret_2 = __ctxmgr_p::Some(ret);
                                    break '__ctxmgr_body_2 1;
                                };
                            }
                            {
                                __ctxmgr_ret_2 = __ctxmgr_p::Some(
                                    __ctxmgr_p::taken(__ctxmgr_ret_1),
                                );
                                break '__ctxmgr_body_2 1;
                            };
                        };
                        #[allow(unreachable_code)]
                        let exit = __ctxmgr_kind_1
                            .finish(&mut __ctxmgr_guard_1, __ctxmgr_p::Outcome::Ok);
                        __ctxmgr_guard_1 = { __ctxmgr_guard_1 };
                        if let __ctxmgr_p::Break(ret) = exit {
                            {
                                __ctxmgr_ret_2 = __ctxmgr_p::Some(ret);
                                break '__ctxmgr_body_2 1;
                            };
                        }
                        __ctxmgr_result_1
                    }
                };
            };
            let __ctxmgr_outcome_2 = match (&__ctxmgr_p::Probe(
                __ctxmgr_p::taken_ref(&__ctxmgr_ret_2),
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
            if let __ctxmgr_p::Break(ret) = __ctxmgr_kind_2
                .finish(&mut __ctxmgr_guard_2, __ctxmgr_outcome_2)
            {
                return ret;
            }
            return __ctxmgr_p::taken(__ctxmgr_ret_2);
        };
        #[allow(unreachable_code)]
        let exit = __ctxmgr_kind_2
            .finish(&mut __ctxmgr_guard_2, __ctxmgr_p::Outcome::Ok);
        __ctxmgr_guard_2 = { __ctxmgr_guard_2 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        __ctxmgr_result_2
    }
}
