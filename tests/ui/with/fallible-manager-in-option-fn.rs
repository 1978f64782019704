use ctxmgr::with;
use std::io::Read;

fn first_byte(path: &str) -> Option<u8> {
    let mut buf = [0u8; 1];
    with!(ctxmgr::open(path) as f => {
        f.read_exact(&mut buf).ok()?;
    });
    Some(buf[0])
}

fn main() {
    let _ = first_byte("notes.txt");
}
