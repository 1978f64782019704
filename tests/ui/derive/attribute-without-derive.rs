use ctxmgr::with;

struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) -> &mut Self {
        self
    }

    #[exit]
    fn close(&mut self) {}
}

fn main() {
    with!(File as f => {
        let _ = f;
    });
}
