use ctxmgr::{with, ContextManager, Outcome};

#[derive(ContextManager)]
struct Connection;

#[ctxmgr::context_manager]
impl Connection {
    #[enter]
    async fn open(&mut self) {}

    #[exit]
    async fn close(&mut self, _outcome: Outcome<'_>) {}
}

async fn talk() {
    with!(Connection => {});
}

fn main() {
    drop(talk());
}
