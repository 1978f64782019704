//! The `std` half of the MSRV check: `open`, and `check()` run for real.

use std::io::{Read, Write};

use ctxmgr::with;

fn main() -> std::io::Result<()> {
    assert!(ctxmgr_msrv_check::check());
    let path = std::env::temp_dir().join(format!("ctxmgr-msrv-{}.txt", std::process::id()));
    with!(ctxmgr::open(&path).mode("w") as f => {
        f.write_all(b"some info")?;
    });
    let text = with!(ctxmgr::open(&path) as f => {
        let mut s = String::new();
        f.read_to_string(&mut s)?;
        s
    });
    std::fs::remove_file(&path)?;
    assert_eq!(text, "some info");
    println!("ctxmgr works on this toolchain");
    Ok(())
}
