use ctxmgr::{ContextManager, Outcome};

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) -> std::io::Result<&mut Self> {
        Ok(self)
    }

    #[exit]
    fn close(&mut self, _outcome: Outcome<'_>) -> Result<(), String> {
        Ok(())
    }
}

fn main() {}
