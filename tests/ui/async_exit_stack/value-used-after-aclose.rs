// A value handed out by `enter_async_context` borrows the stack: `aclose`
// (which frees the manager) cannot run while it is alive.
use ctxmgr::{AsyncContextManager, AsyncExitStack, Outcome};
use std::convert::Infallible;

struct Buffer(String);
impl AsyncContextManager for Buffer {
    type Value<'a> = &'a mut String;
    type Error = Infallible;
    async fn enter(&mut self) -> Result<&mut String, Infallible> {
        Ok(&mut self.0)
    }
    async fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

async fn run() {
    let mut stack = AsyncExitStack::new();
    let text = stack.enter_async_context(Buffer(String::new())).await.unwrap();
    stack.aclose().await.unwrap();
    text.push_str("use after free");
}

fn main() {
    let _ = run();
}
