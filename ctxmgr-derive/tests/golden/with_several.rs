// Golden expansion `with_several`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(open(path) as f, Timer::new("t") as _t, pair() as (x, y), { f.write(x + y) })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let guard_2 = open(path);
        let kind_2 = (&&&&__ctxmgr_p::Kind(&guard_2)).__ctxmgr_kind();
        let mut guard_2 = kind_2.guard((guard_2,).0);
        let mut ret_2 = __ctxmgr_p::None;
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(ret_2);
        }
        let result_2 = 'with_2: {
            'body_2: {
                let f = match kind_2.enter(&mut guard_2) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break 'with_2 {
                    {
                        let guard_1 = Timer::new("t");
                        let kind_1 = (&&&&__ctxmgr_p::Kind(&guard_1)).__ctxmgr_kind();
                        let mut guard_1 = kind_1.guard((guard_1,).0);
                        let mut ret_1 = __ctxmgr_p::None;
                        #[allow(unreachable_code)]
                        if false {
                            ({
                                ret_2 = __ctxmgr_p::Some(__ctxmgr_p::Option::unwrap(ret_1));
                                break 'body_2 1;
                            });
                        }
                        let result_1 = 'with_1: {
                            'body_1: {
                                #[allow(clippy::no_effect_underscore_binding)]
                                let _t = match kind_1.enter(&mut guard_1) {
                                    __ctxmgr_p::Continue(val) => val,
                                    __ctxmgr_p::Break(ret) => {
                                        ({
                                            ret_2 = __ctxmgr_p::Some(ret);
                                            break 'body_2 1;
                                        })
                                    }
                                };
                                #[allow(unused_braces, unreachable_code)]
                                break 'with_1 {
                                    {
                                        let guard_0 = pair();
                                        let kind_0 = (&&&&__ctxmgr_p::Kind(&guard_0))
                                            .__ctxmgr_kind();
                                        let mut guard_0 = kind_0.guard((guard_0,).0);
                                        #[allow(unused_braces)]
                                        let result_0 = {
                                            let (x, y) = match kind_0.enter(&mut guard_0) {
                                                __ctxmgr_p::Continue(val) => val,
                                                __ctxmgr_p::Break(ret) => {
                                                    ({
                                                        ret_1 = __ctxmgr_p::Some(ret);
                                                        break 'body_1 1;
                                                    })
                                                }
                                            };
                                            { f.write(x + y) }
                                        };
                                        #[allow(unreachable_code)]
                                        let exit = kind_0
                                            .finish(&mut guard_0, __ctxmgr_p::Outcome::Ok);
                                        guard_0 = { guard_0 };
                                        if let __ctxmgr_p::Break(ret) = exit {
                                            ({
                                                ret_1 = __ctxmgr_p::Some(ret);
                                                break 'body_1 1;
                                            });
                                        }
                                        result_0
                                    }
                                };
                            };
                            let outcome_1 = match (&__ctxmgr_p::Probe(
                                __ctxmgr_p::taken_ref(&ret_1),
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
                            if let __ctxmgr_p::Break(ret) = kind_1
                                .finish(&mut guard_1, outcome_1)
                            {
                                ({
                                    ret_2 = __ctxmgr_p::Some(ret);
                                    break 'body_2 1;
                                });
                            }
                            ({
                                ret_2 = __ctxmgr_p::Some(__ctxmgr_p::taken(ret_1));
                                break 'body_2 1;
                            });
                        };
                        #[allow(unreachable_code)]
                        let exit = kind_1.finish(&mut guard_1, __ctxmgr_p::Outcome::Ok);
                        guard_1 = { guard_1 };
                        if let __ctxmgr_p::Break(ret) = exit {
                            ({
                                ret_2 = __ctxmgr_p::Some(ret);
                                break 'body_2 1;
                            });
                        }
                        result_1
                    }
                };
            };
            let outcome_2 = match (&__ctxmgr_p::Probe(__ctxmgr_p::taken_ref(&ret_2)))
                .__ctxmgr_returned_err()
            {
                __ctxmgr_p::Some(err) => {
                    __ctxmgr_p::Outcome::Err(
                        (&&&&__ctxmgr_p::Probe(err)).__ctxmgr_view(),
                    )
                }
                __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
            };
            if let __ctxmgr_p::Break(ret) = kind_2.finish(&mut guard_2, outcome_2) {
                return ret;
            }
            return __ctxmgr_p::taken(ret_2);
        };
        #[allow(unreachable_code)]
        let exit = kind_2.finish(&mut guard_2, __ctxmgr_p::Outcome::Ok);
        guard_2 = { guard_2 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        result_2
    }
}
