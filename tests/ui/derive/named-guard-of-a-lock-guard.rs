use ctxmgr::ContextManager;
use std::sync::{Mutex, MutexGuard};

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

fn main() {
    let mut m = Locked(Mutex::new(0));
    let _guard = LockedGuard::enter(&mut m);
}
