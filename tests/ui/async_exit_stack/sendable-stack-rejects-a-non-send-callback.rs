// A `Sendable` stack holds only what can cross threads: a callback that
// owns an `Rc` is an error on the callback.
use ctxmgr::AsyncExitStack;
use std::rc::Rc;

fn main() {
    let stack = AsyncExitStack::new_send();
    let shared = Rc::new(1);
    stack.callback(move || drop(shared));
}
