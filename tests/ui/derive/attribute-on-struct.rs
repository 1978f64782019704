#[ctxmgr::context_manager]
struct File;

fn main() {}
