//! The `std` half of the MSRV check: `check()` run for real, `open`,
//! `ExitStack`, a small manager, `#[contextmanager]`, (feature `tempfile`)
//! `tempdir` and (feature `tokio`) the async `open` in `with!(async ..)`.

use std::cell::RefCell;
use std::io::{Read, Write};

use ctxmgr::{with, BoxError, ExitStack};

#[ctxmgr::contextmanager]
fn tag(log: &RefCell<Vec<String>>, name: &str) -> Result<usize, String> {
    log.borrow_mut().push(format!("<{name}>"));
    let outcome = yield_!(name.len());
    log.borrow_mut()
        .push(format!("</{name}> ok={}", outcome.is_ok()));
}

fn stacked(log: &RefCell<Vec<String>>) -> Result<usize, BoxError> {
    let n = with!(ExitStack::new() as stack => {
        let a = stack.enter_context(tag(log, "a"))?;
        let b = stack.enter_context(ctxmgr::nullcontext(2))?;
        a + *b
    });
    Ok(n)
}

fn main() -> std::io::Result<()> {
    assert!(ctxmgr_msrv_check::check());
    let path = std::env::temp_dir().join(format!("ctxmgr-msrv-{}.txt", std::process::id()));
    with!(ctxmgr::open(&path).mode("w") as f => {
        f.write_all(b"some info")?;
    });
    let text = with!(ctxmgr::open(&path) as f => {
        let mut s = String::new();
        f.read_to_string(&mut s)?;
        s
    });
    std::fs::remove_file(&path)?;
    assert_eq!(text, "some info");

    let log = RefCell::new(Vec::new());
    assert_eq!(stacked(&log).ok(), Some(3));
    assert_eq!(*log.borrow(), ["<a>", "</a> ok=true"]);

    #[cfg(feature = "tempfile")]
    {
        let kept = with!(ctxmgr::tempdir() as dir => {
            std::fs::write(dir.join("a.txt"), "alpha")?;
            dir.to_path_buf()
        });
        assert!(!kept.exists());
    }
    #[cfg(feature = "tokio")]
    {
        use tokio::io::AsyncWriteExt;
        let path = path.with_extension("async.txt");
        let save = async {
            with!(async ctxmgr::tokio::open(&path).mode("w") as f => {
                f.write_all(b"awaited").await?;
            });
            Ok::<(), std::io::Error>(())
        };
        tokio::runtime::Builder::new_current_thread()
            .build()?
            .block_on(save)?;
        assert_eq!(std::fs::read(&path)?, b"awaited");
        std::fs::remove_file(&path)?;
    }
    println!("ctxmgr works on this toolchain");
    Ok(())
}
