use ctxmgr::{ContextManager, ErrorRef};

#[derive(ContextManager)]
struct Quiet;

#[ctxmgr::context_manager]
impl Quiet {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) {}

    #[suppress]
    fn swallows(&mut self, error: ErrorRef<'_>, kind: std::io::ErrorKind) -> bool {
        error
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == kind)
    }
}

fn main() {}
