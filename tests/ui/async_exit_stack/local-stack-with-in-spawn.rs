// The same mistake through `with!(async ..)`: a stack made by
// `AsyncExitStack::new()` whose body awaits, inside `tokio::spawn`.
use ctxmgr::{with, AsyncExitStack, BoxError};

async fn work() {}

async fn task() -> Result<(), BoxError> {
    with!(async { AsyncExitStack::new() } as stack, {
        stack.callback(|| println!("closed"));
        work().await;
    });
    Ok(())
}

fn main() {
    tokio::spawn(task());
}
