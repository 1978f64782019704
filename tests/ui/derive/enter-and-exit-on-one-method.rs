use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    #[exit]
    fn toggle(&mut self) {}
}

fn main() {}
