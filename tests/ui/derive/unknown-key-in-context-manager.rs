use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager(async = true)]
impl File {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) {}
}

fn main() {}
