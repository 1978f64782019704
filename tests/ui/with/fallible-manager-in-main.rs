use ctxmgr::with;
use std::io::Write;

fn main() {
    with!(ctxmgr::open("notes.txt").mode("w") as f => {
        let _ = f.write_all(b"hello");
    });
}
