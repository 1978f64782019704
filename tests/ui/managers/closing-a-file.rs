// A `std::fs::File` has no fallible close: `closing` says what to use instead.
fn main() -> std::io::Result<()> {
    let file = std::fs::File::open("Cargo.toml")?;
    let _manager = ctxmgr::closing(file);
    Ok(())
}
