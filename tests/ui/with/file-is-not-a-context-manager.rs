use ctxmgr::with;
use std::fs::File;
use std::io::Write;

fn save(path: &str) -> std::io::Result<()> {
    with!(File::create(path)? as f => {
        f.write_all(b"hello")?;
    });
    Ok(())
}

fn main() {
    let _ = save("notes.txt");
}
