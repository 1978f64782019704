use ctxmgr::Outcome;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open(&mut self) -> &mut Self {
        self
    }

    #[exit]
    fn close(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
