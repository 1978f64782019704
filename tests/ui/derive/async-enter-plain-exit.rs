use ctxmgr::{ContextManager, Outcome};

#[derive(ContextManager)]
struct Connection;

#[ctxmgr::context_manager]
impl Connection {
    #[enter]
    async fn open(&mut self) {}

    #[exit]
    fn close(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
