// A two-parameter alias named `Result` that does not pass its `T` through
// unchanged: the derive takes `Result<V, E>` to mean the value `V`, so the
// alias is rejected where the impl names `V`, not silently misread.
use ctxmgr::ContextManager;

mod wrap {
    pub type Result<T, E> = std::result::Result<Box<T>, E>;
}

#[derive(ContextManager)]
struct Boxing;

#[ctxmgr::context_manager]
impl Boxing {
    #[enter]
    fn start(&mut self) -> wrap::Result<u32, std::io::Error> {
        Ok(Box::new(7))
    }

    #[exit]
    fn stop(&mut self) {}
}

fn main() {}
