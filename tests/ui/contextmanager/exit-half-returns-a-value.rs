#[ctxmgr::contextmanager]
fn setup(log: &mut Vec<String>) -> Result<u32, String> {
    log.push("enter".into());
    yield_!(1);
    log.len()
}

fn main() {}
