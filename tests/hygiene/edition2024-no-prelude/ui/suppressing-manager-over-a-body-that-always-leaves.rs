// Edition 2024: a body that always leaves has type `!`, which has no
// default for a suppressed error. One error, on the manager, that says why.
use ctxmgr::with;

fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    s.parse()
}

fn run() -> Result<(), std::num::ParseIntError> {
    with!(ctxmgr::suppress(|_e| true), {
        let n = parse("x")?;
        println!("{n}");
        return Ok(());
    });
    Ok(())
}

fn main() {
    let _ = run();
}
