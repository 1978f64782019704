// The bound value returned out of a body that also has a `?` site: still
// one error, reading as for a body without sites (the guard's release after
// exit runs on the normal end only; a site's path keeps no value that
// borrows the guard).
use ctxmgr::with;

fn open_unless(p: &str, fail: bool) -> std::io::Result<()> {
    let f = with!(ctxmgr::open(p) as f => {
        if fail {
            Err(std::io::Error::other("no"))?;
        }
        f
    });
    let _ = f;
    Ok(())
}

fn main() {
    let _ = open_unless("notes.txt", true);
}
