//! The `std` half of the MSRV check: `check()` run for real, `open`,
//! `ExitStack`, a small manager, `#[contextmanager]` (sync and async),
//! `with!(async ..)` over a derived async manager, and (feature `tempfile`)
//! `tempdir`.

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

/// `with!(async ..)`, the async derive and the async generator, polled by
/// hand (`Waker::noop` is newer than the MSRV).
mod async_check {
    use std::future::Future;
    use std::sync::{Arc, Mutex};
    use std::task::{Context, Poll, Wake, Waker};

    use ctxmgr::{with, ContextManager, Outcome};

    #[derive(ContextManager)]
    pub struct Conn<'l>(&'l Mutex<Vec<String>>);

    #[ctxmgr::context_manager]
    impl Conn<'_> {
        #[enter]
        async fn open(&mut self) -> Result<usize, String> {
            self.0.lock().unwrap().push("open".into());
            Ok(1)
        }
        #[exit]
        async fn close(&mut self, outcome: Outcome<'_>) -> Result<(), String> {
            self.0
                .lock()
                .unwrap()
                .push(format!("close ok={}", outcome.is_ok()));
            Ok(())
        }
    }

    #[ctxmgr::contextmanager]
    async fn span(log: &Mutex<Vec<String>>) -> Result<usize, String> {
        log.lock().unwrap().push("<span>".into());
        let outcome = yield_!(2);
        log.lock().unwrap().push(format!("</span> ok={}", outcome.is_ok()));
    }

    async fn run(log: &Mutex<Vec<String>>, fail: bool) -> Result<usize, String> {
        let n = with!(async Conn(log) as a, async span(log) as b => {
            if fail {
                Err("failed".to_string())?;
            }
            a + b
        });
        Ok(n)
    }

    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    pub fn check() {
        let waker = Waker::from(Arc::new(Noop));
        let mut cx = Context::from_waker(&waker);
        let log = Mutex::new(Vec::new());
        let mut ok = Box::pin(run(&log, false));
        assert_eq!(ok.as_mut().poll(&mut cx), Poll::Ready(Ok(3)));
        let mut failed = Box::pin(run(&log, true));
        assert!(matches!(failed.as_mut().poll(&mut cx), Poll::Ready(Err(_))));
        assert_eq!(
            *log.lock().unwrap(),
            [
                "open", "<span>", "</span> ok=true", "close ok=true",
                "open", "<span>", "</span> ok=false", "close ok=false",
            ]
        );
    }
}

fn main() -> std::io::Result<()> {
    assert!(ctxmgr_msrv_check::check());
    async_check::check();
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
    println!("ctxmgr works on this toolchain");
    Ok(())
}
