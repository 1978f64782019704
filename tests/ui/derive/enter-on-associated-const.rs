use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    const MODE: &'static str = "r";

    #[exit]
    fn close(&mut self) {}
}

fn main() {}
