use ctxmgr::with;
use std::io::Write;

fn save(text: &str) -> Result<(), String> {
    with!(ctxmgr::open("notes.txt").mode("w") as f => {
        f.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    });
    Ok(())
}

fn main() {
    let _ = save("hello");
}
