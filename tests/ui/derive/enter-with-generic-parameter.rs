use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

#[ctxmgr::context_manager]
impl File {
    #[enter]
    fn open<T: Default>(&mut self) -> T {
        T::default()
    }

    #[exit]
    fn close(&mut self) {}
}

fn main() {}
