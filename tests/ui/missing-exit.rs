use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) -> &mut Self {
        self
    }

    fn close(&mut self) {}
}

fn main() {}
