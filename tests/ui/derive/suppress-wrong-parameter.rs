use ctxmgr::{ContextManager, Outcome};

#[derive(ContextManager)]
struct Quiet;

#[ctxmgr::context_manager]
impl Quiet {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) {}

    #[suppress]
    fn swallows(&mut self, outcome: Outcome<'_>) -> bool {
        outcome.is_err()
    }
}

fn main() {}
