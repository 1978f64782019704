use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) -> &mut Self {
        self
    }

    fn close(&mut self) {}
}

// The impl block is still emitted next to the error (rust-analyzer keeps
// completing in it): these calls add no error.
fn main() {
    let mut file = File;
    file.open().close();
}
