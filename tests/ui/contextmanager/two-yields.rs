#[ctxmgr::contextmanager]
fn setup(log: &mut Vec<String>) -> Result<u32, String> {
    log.push("enter".into());
    yield_!(1);
    log.push("between".into());
    yield_!(2);
}

fn main() {}
