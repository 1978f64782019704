use ctxmgr::{with, AsyncContextManager, Outcome};
use std::convert::Infallible;

struct Connection;

impl AsyncContextManager for Connection {
    type Value<'a> = ();
    type Error = Infallible;
    async fn enter(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
    async fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

fn talk() {
    with!(async Connection => {});
}

fn main() {
    talk();
}
