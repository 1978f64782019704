use ctxmgr::{with, AsyncContextManager, Outcome};
use std::convert::Infallible;

// A connection whose entered value, its buffer, borrows it.
struct Connection {
    buffer: String,
}

impl AsyncContextManager for Connection {
    type Value<'a> = &'a mut String;
    type Error = Infallible;
    async fn enter(&mut self) -> Result<&mut String, Infallible> {
        Ok(&mut self.buffer)
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

async fn talk() {
    let buffer = with!(async Connection { buffer: String::new() } as b => {
        b.push_str("hello");
        b
    });
    buffer.push('!');
}

fn main() {
    drop(talk());
}
