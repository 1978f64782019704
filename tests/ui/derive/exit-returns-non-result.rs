use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) -> bool {
        true
    }
}

fn main() {}
