use ctxmgr::{with, ContextManager, Outcome};

#[derive(ContextManager)]
struct Connection;

#[ctxmgr::context_manager]
impl Connection {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self, _outcome: Outcome<'_>) {}
}

async fn talk() {
    with!(async Connection => {});
}

fn main() {
    drop(talk());
}
