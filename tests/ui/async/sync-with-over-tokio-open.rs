// The async `open` under a sync `with!`: the error says to write `async`.
use ctxmgr::with;
use tokio::io::AsyncWriteExt;

async fn save(path: &str) -> std::io::Result<()> {
    with!(ctxmgr::tokio::open(path).mode("w") as f, {
        f.write_all(b"x").await?;
    });
    Ok(())
}

fn main() {
    drop(save("x.txt"));
}
