use ctxmgr::{with, ErrorRef};

struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) -> &mut Self {
        self
    }

    #[exit]
    fn close(&mut self) {}

    #[suppress]
    fn not_found(&mut self, error: ErrorRef<'_>) -> bool {
        error.is::<std::io::Error>()
    }
}

fn main() -> Result<(), std::io::Error> {
    with!(File as f => {
        let _ = f;
        std::fs::remove_file("/surely/not/here")?;
    });
    Ok(())
}
