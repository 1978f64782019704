use ctxmgr::{with, ContextManager};
use std::sync::{Mutex, MutexGuard};

// The example: `open`'s file borrows the manager, which exit needs
// at the end of the `with!`.
fn first_line(p: &str) -> std::io::Result<()> {
    let f = with!(ctxmgr::open(p) as f => { f });
    let _ = f;
    Ok(())
}

// A lock guard: enter's `MutexGuard` borrows the manager.
#[derive(ContextManager)]
struct Locked(Mutex<u32>);

#[ctxmgr::context_manager]
impl Locked {
    #[enter]
    fn lock(&mut self) -> MutexGuard<'_, u32> {
        self.0.lock().unwrap()
    }

    #[exit]
    fn unlock(&mut self) {}
}

fn bump() {
    let guard = with!(Locked(Mutex::new(0)) as mut g => {
        *g += 1;
        g
    });
    drop(guard);
}

// A `with!` nested in another's body: the labels point at the inner one.
fn nested(p: &str, q: &str) -> std::io::Result<()> {
    with!(ctxmgr::open(p) as _outer => {
        let f = with!(ctxmgr::open(q) as f => { f });
        let _ = f;
    });
    Ok(())
}

fn main() {
    let _ = first_line("x");
    bump();
    let _ = nested("x", "y");
}
