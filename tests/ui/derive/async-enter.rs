use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    async fn open(&mut self) {}

    #[exit]
    fn close(&mut self) {}
}

fn main() {}
