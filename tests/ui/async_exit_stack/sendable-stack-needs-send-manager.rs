// A `Sendable` stack (`AsyncExitStack::new_send()`) enters only async
// managers whose futures are declared `Send` (`SendAsyncContextManager`):
// one error, which says how to add the impl.
use ctxmgr::{AsyncContextManager, AsyncExitStack, Outcome};
use std::convert::Infallible;

struct Conn;
impl AsyncContextManager for Conn {
    type Value<'a> = ();
    type Error = Infallible;
    async fn enter(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
    async fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

async fn run() -> Result<(), ctxmgr::BoxError> {
    let mut stack = AsyncExitStack::new_send();
    stack.enter_async_context(Conn).await?;
    stack.aclose().await
}

fn main() {
    let _ = run();
}
