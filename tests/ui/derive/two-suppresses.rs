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
    fn not_found(&mut self, error: ErrorRef<'_>) -> bool {
        error.is::<std::io::Error>()
    }

    #[suppress]
    fn parse_errors(&mut self, error: ErrorRef<'_>) -> bool {
        error.is::<std::num::ParseIntError>()
    }
}

fn main() {}
