// Golden expansion `with_return_and_question`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(open(path) as f, { if f.is_empty() { return Ok(0); } parse(f)? + 1 })
// Output:

fn __golden() {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let f = open(path);
        let mut f = {
            let kind = (&__ctxmgr_p::Kind(&f)).__ctxmgr_kind();
            (kind, kind.guard((f,).0), __ctxmgr_p::None, (), (), __ctxmgr_p::None)
        };
        #[allow(unreachable_code)]
        if false {
            return __ctxmgr_p::Option::unwrap(f.2);
        }
        let result = '__ctxmgr_with_0: {
            let flow: u32 = '__ctxmgr_body_0: {
                let f = match f.0.enter(&mut f.1) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(unused_braces, unreachable_code)]
                break '__ctxmgr_with_0 {
                    if f.is_empty() {
                        {
                            f.2 = __ctxmgr_p::Some(Ok(0));
                            break '__ctxmgr_body_0 1;
                        };
                    }
                    (match __ctxmgr_p::branch(parse(f)) {
                        __ctxmgr_p::Continue(val) => val,
                        __ctxmgr_p::Break(ret) => {
                            ({
                                f.5 = __ctxmgr_p::Some(ret);
                                break '__ctxmgr_body_0 2;
                            })
                        }
                    }) + 1
                };
            };
            let outcome = match flow {
                1 => {
                    match (&__ctxmgr_p::Probe(__ctxmgr_p::taken_ref(&f.2)))
                        .__ctxmgr_returned_err()
                    {
                        __ctxmgr_p::Some(err) => {
                            __ctxmgr_p::Outcome::Err(
                                (&&__ctxmgr_p::Probe(err)).__ctxmgr_view(),
                            )
                        }
                        __ctxmgr_p::None => __ctxmgr_p::Outcome::Ok,
                    }
                }
                2 => {
                    __ctxmgr_p::Outcome::Err(
                        (&&__ctxmgr_p::Residual(__ctxmgr_p::taken_ref(&f.5)))
                            .__ctxmgr_view(),
                    )
                }
                _ => __ctxmgr_p::Outcome::Ok,
            };
            if let __ctxmgr_p::Break(ret) = f.0.finish(&mut f.1, outcome) {
                return ret;
            }
            match flow {
                1 => return __ctxmgr_p::taken(f.2),
                #[allow(unreachable_code)]
                2 => {
                    break '__ctxmgr_with_0 (__ctxmgr_p::SuppressProbe(&f.1)
                        .__ctxmgr_suppress_kind()
                        .check(&mut f.1, outcome)
                        .resume(__ctxmgr_p::taken(f.5)))?;
                }
                _ => __ctxmgr_p::unreachable_flow(),
            }
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
