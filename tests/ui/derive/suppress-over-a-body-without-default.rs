use ctxmgr::{with, ContextManager, ErrorRef};

#[derive(ContextManager)]
struct Quiet;

#[ctxmgr::context_manager]
impl Quiet {
    #[enter]
    fn open(&mut self) {}

    #[exit]
    fn close(&mut self) {}

    #[suppress]
    fn swallows(&mut self, error: ErrorRef<'_>) -> bool {
        error.is::<std::num::ParseIntError>()
    }
}

struct Port(u16);

fn port(text: &str) -> Result<Port, std::num::ParseIntError> {
    let port = with!(Quiet => { Port(text.parse()?) });
    Ok(port)
}

fn main() {
    let _ = port("80");
}
