use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct Lines(Vec<String>);

#[ctxmgr::context_manager]
impl Lines {
    #[enter]
    fn open(&mut self) -> impl Iterator<Item = &String> {
        self.0.iter()
    }

    #[exit]
    fn close(&mut self) {}
}

fn main() {}
