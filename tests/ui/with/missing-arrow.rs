use ctxmgr::with;

fn main() {
    with!(ctxmgr::open("x.txt") as f { let _ = f; });
}
