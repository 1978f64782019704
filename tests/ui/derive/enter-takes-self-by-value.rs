use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(self) -> Self {
        self
    }

    #[exit]
    fn close(&mut self) {}
}

fn main() {}
