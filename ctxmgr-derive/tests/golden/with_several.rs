// Golden expansion `with_several`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(open(path) as f, Timer::new("t") as _t, pair() as (x, y), { f.write(x + y) })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let f = __ctxmgr_p::Kind { m: open(path) };
        let mut f = {
            let kind = (&f).__ctxmgr_kind();
            (kind, kind.guard((f.m,).0), __ctxmgr_p::tie())
        };
        #[allow(unreachable_code)]
        if false {
            return f.2.get();
        }
        let result = '__ctxmgr_with_0: {
            let ret = '__ctxmgr_site1_0: {
                let ret = '__ctxmgr_site2_0: {
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
                            let _t = __ctxmgr_p::Kind {
                                m: Timer::new("t"),
                            };
                            let mut _t = {
                                let kind = (&_t).__ctxmgr_kind();
                                (kind, kind.guard((_t.m,).0), __ctxmgr_p::tie())
                            };
                            #[allow(unreachable_code)]
                            if false {
                                (break '__ctxmgr_site2_0 f.2.put(_t.2.get()));
                            }
                            let result = '__ctxmgr_with_1: {
                                let ret = '__ctxmgr_site1_1: {
                                    #[allow(clippy::no_effect_underscore_binding)]
                                    let _t = match _t.0.enter(&mut _t.1) {
                                        __ctxmgr_p::Continue(val) => val,
                                        __ctxmgr_p::Break(__ctxmgr_err) => {
                                            (break '__ctxmgr_site1_0 __ctxmgr_err)
                                        }
                                    };
                                    #[allow(
                                        unused_braces,
                                        unreachable_code,
                                        clippy::diverging_sub_expression
                                    )]
                                    break '__ctxmgr_with_1 {
                                        {
                                            let x = __ctxmgr_p::Kind { m: pair() };
                                            let mut x = {
                                                let kind = (&x).__ctxmgr_kind();
                                                (kind, kind.guard((x.m,).0))
                                            };
                                            #[allow(unused_braces)]
                                            let result = {
                                                let (x, y) = match x.0.enter(&mut x.1) {
                                                    __ctxmgr_p::Continue(val) => val,
                                                    __ctxmgr_p::Break(__ctxmgr_err) => {
                                                        (break '__ctxmgr_site1_1 _t.2.put(__ctxmgr_err))
                                                    }
                                                };
                                                { f.write(x + y) }
                                            };
                                            #[allow(unreachable_code)]
                                            let exit = x.0.finish(&mut x.1, __ctxmgr_p::Outcome::Ok);
                                            x.1 = { x.1 };
                                            if let __ctxmgr_p::Break(__ctxmgr_err) = exit {
                                                (break '__ctxmgr_site1_1 _t.2.put(__ctxmgr_err));
                                            }
                                            result
                                        }
                                    };
                                };
                                let outcome = (&&&__ctxmgr_p::Returned(&ret))
                                    .__ctxmgr_returned_outcome();
                                if let __ctxmgr_p::Break(__ctxmgr_err) = _t
                                    .0
                                    .finish(&mut _t.1, outcome)
                                {
                                    (break '__ctxmgr_site1_0 __ctxmgr_err);
                                }
                                (break '__ctxmgr_site2_0 f.2.put(ret));
                            };
                            #[allow(unreachable_code)]
                            let exit = _t.0.finish(&mut _t.1, __ctxmgr_p::Outcome::Ok);
                            _t.1 = { _t.1 };
                            if let __ctxmgr_p::Break(__ctxmgr_err) = exit {
                                (break '__ctxmgr_site1_0 __ctxmgr_err);
                            }
                            result
                        }
                    };
                };
                let outcome = (&&&__ctxmgr_p::Returned(&ret))
                    .__ctxmgr_returned_outcome();
                if let __ctxmgr_p::Break(ret) = f.0.finish(&mut f.1, outcome) {
                    return ret;
                }
                return ret;
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
