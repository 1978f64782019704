// A value handed out by `enter_context` borrows the stack: `close` (which
// frees the manager) cannot run while it is alive.
use ctxmgr::{ContextManager, ExitStack, Outcome};
use std::convert::Infallible;

struct Buffer(String);
impl ContextManager for Buffer {
    type Value<'a> = &'a mut String;
    type Error = Infallible;
    fn enter(&mut self) -> Result<&mut String, Infallible> {
        Ok(&mut self.0)
    }
    fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

fn main() {
    let mut stack = ExitStack::new();
    let text = stack.enter_context(Buffer(String::new())).unwrap();
    stack.close().unwrap();
    text.push_str("use after free");
}
