// A `?` whose error does not convert into the function's error type: the
// error points at that `?`, as it does outside `with!`.
use ctxmgr::{nullcontext, with};

#[derive(Debug)]
struct ParseError;

fn parse(_s: &str) -> Result<u32, ParseError> {
    Err(ParseError)
}

fn run() -> Result<u32, std::io::Error> {
    let n = with!(nullcontext(1) as one, {
        let n = parse("2")?;
        n + *one
    });
    Ok(n)
}

async fn run_async() -> Result<u32, std::io::Error> {
    let n = with!(async ctxmgr::tokio::open("x.txt") as _f, {
        let n = parse("2")?;
        n
    });
    Ok(n)
}

fn main() {
    let _ = run();
    drop(run_async());
}
