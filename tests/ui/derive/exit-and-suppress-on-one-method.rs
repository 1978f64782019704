use ctxmgr::{ContextManager, ErrorRef};

#[derive(ContextManager)]
struct Quiet;

#[ctxmgr::context_manager]
impl Quiet {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    #[suppress]
    fn close(&mut self, error: ErrorRef<'_>) -> bool {
        error.is::<std::io::Error>()
    }
}

fn main() {}
