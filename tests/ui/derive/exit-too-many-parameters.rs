use ctxmgr::{ContextManager, Outcome};

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self, outcome: Outcome<'_>, retries: u32) {
        let _ = (outcome, retries);
    }
}

fn main() {}
