use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct Quiet;

#[ctxmgr::context_manager]
impl Quiet {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) {}

    #[suppress]
    fn swallows(&mut self) -> bool {
        true
    }
}

fn main() {}
