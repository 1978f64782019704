use ctxmgr::with;

struct Config {
    verbose: bool,
}

fn main() {
    with!(Config { verbose: true } as c => {
        let _ = c;
    });
}
