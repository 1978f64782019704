#[ctxmgr::wrap()]
fn work() -> u32 {
    1
}

fn main() {
    work();
}
