use ctxmgr::with;

fn main() -> std::io::Result<()> {
    with!(ctxmgr::open("x.txt") as => {});
    Ok(())
}
