// The attribute found no `#[enter]`: that is the one error, and the body
// that uses the bound value adds none (the value's type is an error type).
use ctxmgr::{with, ContextManager};

#[derive(ContextManager)]
struct Counter(u32);

#[ctxmgr::context_manager]
impl Counter {
    fn start(&mut self) -> u32 {
        self.0
    }

    #[exit]
    fn stop(&mut self) {}
}

fn main() {
    let n = with!(Counter(1) as n, { n + 1 });
    let _ = n;
}
