use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self, path: &str) -> usize {
        path.len()
    }

    #[exit]
    fn close(&mut self) {}
}

fn main() {}
