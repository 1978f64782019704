// `send` asks for `SendAsyncContextManager`, which only an async manager
// has: on a sync one it is an error on `send`.
use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct Lock;

#[ctxmgr::context_manager(send)]
impl Lock {
    #[enter]
    fn acquire(&mut self) {}

    #[exit]
    fn release(&mut self) {}
}

fn main() {}
