fn main() {
    ctxmgr::yield_!(1);
}
