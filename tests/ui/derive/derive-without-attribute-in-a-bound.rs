use ctxmgr::{ContextManager, Outcome};

#[derive(ContextManager)]
struct File;

impl File {
    fn open(&mut self) -> &mut Self {
        self
    }

    fn close(&mut self, _outcome: Outcome<'_>) {}
}

fn manage<M: ContextManager>(_manager: M) {}

fn main() {
    manage(File);
}
