use ctxmgr::{ContextManager, ErrorRef};

#[derive(ContextManager)]
struct Quiet;

#[ctxmgr::context_manager]
impl Quiet {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) {}

    #[suppress]
    fn swallows(&mut self, _error: ErrorRef<'_>) {}
}

fn main() {}
