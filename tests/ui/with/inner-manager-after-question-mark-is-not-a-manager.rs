// An inner manager whose expression uses `?`: the enclosing level rewrites
// that `?`, and the error still points at the expression as written.
use ctxmgr::with;

struct Config {
    verbose: bool,
}

fn load() -> Result<Config, std::io::Error> {
    Ok(Config { verbose: true })
}

fn run() -> Result<(), std::io::Error> {
    with!(ctxmgr::nullcontext(()), load()? as c, {
        let _ = c.verbose;
    });
    Ok(())
}

fn main() {
    let _ = run();
}
