use ctxmgr::{ContextManager, Outcome};

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self, outcome: &Outcome<'_>) {
        let _ = outcome;
    }
}

fn main() {}
