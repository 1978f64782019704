#[ctxmgr::wrap(std::fs::File::open("log.txt") as f)]
fn work() -> std::io::Result<u32> {
    Ok(1)
}

fn main() {
    let _ = work();
}
