// A closure's `return Err(..into())` whose error type is known only after
// the body, and is neither an `Error` nor a box of one: exit's view cannot
// be chosen. One error, saying what to write.
use ctxmgr::{nullcontext, with};

#[derive(Debug)]
struct Code(u16);
impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "code {}", self.0)
    }
}
impl From<u16> for Code {
    fn from(n: u16) -> Code {
        Code(n)
    }
}

fn main() {
    let r: Result<(), Code> = (|| {
        with!(nullcontext(()) => {
            return Err(503.into());
        });
        Ok(())
    })();
    drop(r);
}
