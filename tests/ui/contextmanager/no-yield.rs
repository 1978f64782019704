#[ctxmgr::contextmanager]
fn setup(log: &mut Vec<String>) -> Result<u32, String> {
    log.push("enter".into());
}

fn main() {}
