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
        let mut __ctxmgr_flow_2: u32 = 0;
        let __ctxmgr_result_2 = '__ctxmgr_with_2: {
            '__ctxmgr_body_2: {
                let __ctxmgr_value_2 = match __ctxmgr_kind_2.enter(&mut __ctxmgr_guard_2)
                {
                    __ctxmgr_p::Continue(__ctxmgr_v) => __ctxmgr_v,
                    __ctxmgr_p::Break(__ctxmgr_r) => return __ctxmgr_r,
                };
                let f = __ctxmgr_value_2;
                #[allow(unused_braces, unreachable_code)]
                break '__ctxmgr_with_2 {
                    {
                        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
                        let __ctxmgr_guard_1 = Timer::new("t");
                        let __ctxmgr_kind_1 = (&&&&__ctxmgr_p::Kind(&__ctxmgr_guard_1))
                            .__ctxmgr_kind();
                        let mut __ctxmgr_guard_1 = __ctxmgr_kind_1
                            .guard((__ctxmgr_guard_1,).0);
                        let mut __ctxmgr_ret_1 = __ctxmgr_p::None;
                        #[allow(unreachable_code)]
                        if false {
                            ({
                                __ctxmgr_ret_2 = __ctxmgr_p::Some(
                                    __ctxmgr_p::Option::unwrap(__ctxmgr_ret_1),
                                );
                                __ctxmgr_flow_2 = 1u32;
                                break '__ctxmgr_body_2;
                            });
                        }
                        let mut __ctxmgr_flow_1: u32 = 0;
                        let __ctxmgr_result_1 = '__ctxmgr_with_1: {
                            '__ctxmgr_body_1: {
                                let __ctxmgr_value_1 = match __ctxmgr_kind_1
                                    .enter(&mut __ctxmgr_guard_1)
                                {
                                    __ctxmgr_p::Continue(__ctxmgr_v) => __ctxmgr_v,
                                    __ctxmgr_p::Break(__ctxmgr_r) => {
                                        ({
                                            __ctxmgr_ret_2 = __ctxmgr_p::Some(__ctxmgr_r);
                                            __ctxmgr_flow_2 = 1u32;
                                            break '__ctxmgr_body_2;
                                        })
                                    }
                                };
                                #[allow(clippy::no_effect_underscore_binding)]
                                let _t = __ctxmgr_value_1;
                                #[allow(unused_braces, unreachable_code)]
                                break '__ctxmgr_with_1 {
                                    {
                                        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
                                        let __ctxmgr_guard_0 = pair();
                                        let __ctxmgr_kind_0 = (&&&&__ctxmgr_p::Kind(
                                            &__ctxmgr_guard_0,
                                        ))
                                            .__ctxmgr_kind();
                                        let mut __ctxmgr_guard_0 = __ctxmgr_kind_0
                                            .guard((__ctxmgr_guard_0,).0);
                                        #[allow(unused_braces)]
                                        let __ctxmgr_result_0 = {
                                            let __ctxmgr_value_0 = match __ctxmgr_kind_0
                                                .enter(&mut __ctxmgr_guard_0)
                                            {
                                                __ctxmgr_p::Continue(__ctxmgr_v) => __ctxmgr_v,
                                                __ctxmgr_p::Break(__ctxmgr_r) => {
                                                    ({
                                                        __ctxmgr_ret_1 = __ctxmgr_p::Some(__ctxmgr_r);
                                                        __ctxmgr_flow_1 = 1u32;
                                                        break '__ctxmgr_body_1;
                                                    })
                                                }
                                            };
                                            let (x, y) = __ctxmgr_value_0;
                                            { f.write(x + y) }
                                        };
                                        #[allow(unreachable_code)]
                                        let __ctxmgr_exit = __ctxmgr_kind_0
                                            .finish(&mut __ctxmgr_guard_0, __ctxmgr_p::Outcome::Ok);
                                        __ctxmgr_guard_0 = { __ctxmgr_guard_0 };
                                        if let __ctxmgr_p::Break(__ctxmgr_r) = __ctxmgr_exit {
                                            ({
                                                __ctxmgr_ret_1 = __ctxmgr_p::Some(__ctxmgr_r);
                                                __ctxmgr_flow_1 = 1u32;
                                                break '__ctxmgr_body_1;
                                            });
                                        }
                                        __ctxmgr_result_0
                                    }
                                };
                            }
                            let __ctxmgr_outcome_1 = match __ctxmgr_flow_1 {
                                1u32 => {
                                    match (&__ctxmgr_p::Probe(
                                        __ctxmgr_p::taken_ref(&__ctxmgr_ret_1),
                                    ))
                                        .__ctxmgr_returned_err()
                                    {
                                        __ctxmgr_p::Some(__ctxmgr_e) => {
                                            __ctxmgr_p::Outcome::Err(
                                                (&&&&__ctxmgr_p::Probe(__ctxmgr_e)).__ctxmgr_view(),
                                            )
                                        }
                                        __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
                                    }
                                }
                                _ => __ctxmgr_p::Outcome::Ok,
                            };
                            if let __ctxmgr_p::Break(__ctxmgr_r) = __ctxmgr_kind_1
                                .finish(&mut __ctxmgr_guard_1, __ctxmgr_outcome_1)
                            {
                                ({
                                    __ctxmgr_ret_2 = __ctxmgr_p::Some(__ctxmgr_r);
                                    __ctxmgr_flow_2 = 1u32;
                                    break '__ctxmgr_body_2;
                                });
                            }
                            match __ctxmgr_flow_1 {
                                1u32 => {
                                    ({
                                        __ctxmgr_ret_2 = __ctxmgr_p::Some(
                                            __ctxmgr_p::taken(__ctxmgr_ret_1),
                                        );
                                        __ctxmgr_flow_2 = 1u32;
                                        break '__ctxmgr_body_2;
                                    })
                                }
                                _ => __ctxmgr_p::unreachable_flow(),
                            }
                        };
                        #[allow(unreachable_code)]
                        let __ctxmgr_exit = __ctxmgr_kind_1
                            .finish(&mut __ctxmgr_guard_1, __ctxmgr_p::Outcome::Ok);
                        __ctxmgr_guard_1 = { __ctxmgr_guard_1 };
                        if let __ctxmgr_p::Break(__ctxmgr_r) = __ctxmgr_exit {
                            ({
                                __ctxmgr_ret_2 = __ctxmgr_p::Some(__ctxmgr_r);
                                __ctxmgr_flow_2 = 1u32;
                                break '__ctxmgr_body_2;
                            });
                        }
                        __ctxmgr_result_1
                    }
                };
            }
            let __ctxmgr_outcome_2 = match __ctxmgr_flow_2 {
                1u32 => {
                    match (&__ctxmgr_p::Probe(__ctxmgr_p::taken_ref(&__ctxmgr_ret_2)))
                        .__ctxmgr_returned_err()
                    {
                        __ctxmgr_p::Some(__ctxmgr_e) => {
                            __ctxmgr_p::Outcome::Err(
                                (&&&&__ctxmgr_p::Probe(__ctxmgr_e)).__ctxmgr_view(),
                            )
                        }
                        __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
                    }
                }
                _ => __ctxmgr_p::Outcome::Ok,
            };
            if let __ctxmgr_p::Break(__ctxmgr_r) = __ctxmgr_kind_2
                .finish(&mut __ctxmgr_guard_2, __ctxmgr_outcome_2)
            {
                return __ctxmgr_r;
            }
            match __ctxmgr_flow_2 {
                1u32 => return __ctxmgr_p::taken(__ctxmgr_ret_2),
                _ => __ctxmgr_p::unreachable_flow(),
            }
        };
        #[allow(unreachable_code)]
        let __ctxmgr_exit = __ctxmgr_kind_2
            .finish(&mut __ctxmgr_guard_2, __ctxmgr_p::Outcome::Ok);
        __ctxmgr_guard_2 = { __ctxmgr_guard_2 };
        if let __ctxmgr_p::Break(__ctxmgr_r) = __ctxmgr_exit {
            return __ctxmgr_r;
        }
        __ctxmgr_result_2
    }
}
