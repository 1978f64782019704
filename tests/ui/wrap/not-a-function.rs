#[ctxmgr::wrap(ctxmgr::nothing())]
struct Config {
    verbose: bool,
}

fn main() {}
