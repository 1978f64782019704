// A path type that is no `Result` from `#[exit]`: the type system says so
// (any alias of `Result` is accepted, so the name alone cannot reject it).
use ctxmgr::ContextManager;

struct Done;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) -> Done {
        Done
    }
}

fn main() {}
