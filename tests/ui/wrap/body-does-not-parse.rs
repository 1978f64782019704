// A body the user is still typing: rustc's own syntax error, then syn's on
// the same tokens, and nothing else. The body is read statement by statement
// as `with!` reads one, so the binding `f` is still bound: no "cannot find
// value `f`" for every use of it.
use std::io::Write;

#[ctxmgr::wrap(ctxmgr::open(path).mode("w") as f)]
fn save(path: &std::path::Path) -> std::io::Result<()> {
    f.write_all(b"a")?;
    placeholder
    f.flush()?;
    Ok(())
}

fn main() {
    let _ = save(std::path::Path::new("unused"));
}
