// A `?` whose error does not convert into the function's error type: the
// error points at that `?`, as it does outside `with!`.
use ctxmgr::{nullcontext, with};

#[derive(Debug)]
struct ParseError;

/// The function's error: it converts from `std::io::Error` only, so rustc's
/// list of conversions is short and does not depend on the dependency tree.
#[derive(Debug)]
struct AppError;

impl From<std::io::Error> for AppError {
    fn from(_: std::io::Error) -> Self {
        AppError
    }
}

fn parse(_s: &str) -> Result<u32, ParseError> {
    Err(ParseError)
}

fn run() -> Result<u32, AppError> {
    let n = with!(nullcontext(1) as one, {
        let n = parse("2")?;
        n + *one
    });
    Ok(n)
}

async fn run_async() -> Result<u32, AppError> {
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
