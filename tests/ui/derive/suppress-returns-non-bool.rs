use ctxmgr::{ContextManager, ErrorRef};

#[derive(ContextManager)]
struct Quiet;

#[ctxmgr::context_manager]
impl Quiet {
    #[enter]
    fn open(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    #[exit]
    fn close(&mut self) -> std::io::Result<()> {
        Ok(())
    }

    #[suppress]
    fn swallows(&mut self, error: ErrorRef<'_>) -> std::io::Result<bool> {
        Ok(error.is::<std::io::Error>())
    }
}

fn main() {}
