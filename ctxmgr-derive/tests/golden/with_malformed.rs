// Golden expansion `with_malformed`: GOLDEN_BLESS=1 cargo test -p ctxmgr-derive golden
//
// Input: with!(lock(&m) as, { g.push(1); })
// Output:

fn __golden() {
    {
        ::core::compile_error! {
            "expected a pattern after `as`, e.g. `as f`, `as (a, b)` or `as _`"
        };
        use ::ctxmgr::__private::probes::*;
        #[allow(unreachable_code, unused_variables)]
        {
            g.push(1);
        }
    }
}
