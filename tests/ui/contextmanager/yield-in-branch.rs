#[ctxmgr::contextmanager]
fn setup(fast: bool) -> Result<u32, String> {
    if fast {
        yield_!(1);
    } else {
        let _outcome = yield_!(2);
    }
}

fn main() {}
