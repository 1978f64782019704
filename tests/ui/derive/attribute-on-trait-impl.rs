use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct File;

trait Open {
    fn open(&mut self);
}

#[ctxmgr::context_manager]
impl Open for File {
    #[enter]
    fn open(&mut self) {}
}

fn main() {}
