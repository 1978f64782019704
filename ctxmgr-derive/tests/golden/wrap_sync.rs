// Golden expansion `wrap_sync`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: #[wrap(Timer::new("f") as t)] fn f(x: u8) -> Result<u8, E> { if x == 0 { return Err(E); } Ok(x + t.n()) }
// Output:

fn f(x: u8) -> Result<u8, E> {
    {
        use ::ctxmgr::__private::{self as __ctxmgr_p, probes::*};
        let t = __ctxmgr_p::Kind {
            m: Timer::new("f"),
        };
        let mut t = {
            let kind = (&t).__ctxmgr_kind();
            (kind, kind.guard((t.m,).0), __ctxmgr_p::tie())
        };
        #[allow(unreachable_code)]
        if false {
            return t.2.get();
        }
        let result = '__ctxmgr_with_0: {
            let ret = '__ctxmgr_site1_0: {
                let t = match t.0.enter(&mut t.1) {
                    __ctxmgr_p::Continue(val) => val,
                    __ctxmgr_p::Break(ret) => return ret,
                };
                #[allow(
                    unused_braces,
                    unreachable_code,
                    clippy::diverging_sub_expression
                )]
                break '__ctxmgr_with_0 {
                    break '__ctxmgr_site1_0 t
                        .2
                        .put({
                            if x == 0 {
                                break '__ctxmgr_site1_0 t.2.put(Err(E));
                            }
                            Ok(x + t.n())
                        });
                };
            };
            let outcome = (&&&__ctxmgr_p::Returned(&ret)).__ctxmgr_returned_outcome();
            if let __ctxmgr_p::Break(ret) = t.0.finish(&mut t.1, outcome) {
                return ret;
            }
            return ret;
        };
        #[allow(unreachable_code)]
        let exit = t.0.finish(&mut t.1, __ctxmgr_p::Outcome::Ok);
        t.1 = { t.1 };
        if let __ctxmgr_p::Break(ret) = exit {
            return ret;
        }
        result
    }
}
