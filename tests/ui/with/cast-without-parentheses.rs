use ctxmgr::{with, ContextManager, Outcome};
use std::convert::Infallible;

struct Counter(u32);

impl ContextManager for Counter {
    type Value<'a> = &'a mut u32;
    type Error = Infallible;
    fn enter(&mut self) -> Result<&mut u32, Infallible> {
        Ok(&mut self.0)
    }
    fn exit(&mut self, _: Outcome<'_>) -> Result<(), Infallible> {
        Ok(())
    }
}

fn main() {
    let mut c = Counter(0);
    let r = &mut c;
    with!(r as &mut Counter as n => {
        *n += 1;
    });
}
