// A stack made by `AsyncExitStack::new()` is not `Send`: held across an
// `.await` inside `tokio::spawn`, the error names the stack and the remedy
// (`AsyncExitStack::new_send()`).
use ctxmgr::AsyncExitStack;

async fn work() {}

fn main() {
    tokio::spawn(async {
        let mut stack = AsyncExitStack::new();
        stack.callback(|| println!("closed"));
        work().await;
        stack.aclose().await.unwrap();
    });
}
