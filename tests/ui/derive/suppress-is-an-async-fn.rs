use ctxmgr::{ContextManager, ErrorRef};

#[derive(ContextManager)]
struct Quiet;

#[ctxmgr::context_manager]
impl Quiet {
    #[enter]
    async fn open(&mut self) {}

    #[exit]
    async fn close(&mut self) {}

    #[suppress]
    async fn swallows(&mut self, error: ErrorRef<'_>) -> bool {
        error.is::<std::io::Error>()
    }
}

fn main() {}
