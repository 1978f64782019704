use ctxmgr::{with, ContextManager, Outcome};

#[derive(ContextManager)]
struct File;

impl File {
    fn open(&mut self) -> &mut Self {
        self
    }

    fn close(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {
    with!(File as f => {
        let _ = f;
    });
}
