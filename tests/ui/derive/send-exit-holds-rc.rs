// `#[context_manager(send)]` declares the manager's futures `Send`: an exit
// that holds an `Rc` across an `.await` is an error on `send`.
use ctxmgr::{ContextManager, Outcome};
use std::rc::Rc;

async fn flush() {}

#[derive(ContextManager)]
struct Conn;

#[ctxmgr::context_manager(send)]
impl Conn {
    #[enter]
    async fn open(&mut self) {}

    #[exit]
    async fn close(&mut self, _outcome: Outcome<'_>) {
        let shared = Rc::new(1);
        flush().await;
        drop(shared);
    }
}

fn main() {}
