#[ctxmgr::contextmanager]
fn setup(items: &[u32]) -> Result<u32, String> {
    for item in items {
        yield_!(*item);
    }
}

fn main() {}
