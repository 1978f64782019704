use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter(mode = "w")]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) {}
}

fn main() {}
