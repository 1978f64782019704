// `crate = ..` must be a plain path: it is written into `use` items, types
// and expressions. A reserved word as a segment is one error, on the path.
use ctxmgr::ContextManager;

#[derive(ContextManager)]
struct Light;

#[ctxmgr::context_manager(crate = try::ctxmgr)]
impl Light {
    #[enter]
    fn on(&mut self) -> u8 {
        100
    }

    #[exit]
    fn off(&mut self) {}
}

fn main() {}
