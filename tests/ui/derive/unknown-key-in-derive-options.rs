use ctxmgr::ContextManager;

#[derive(ContextManager)]
#[ctxmgr(gaurd = FileGuard)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) {}
}

fn main() {}
