struct Pool {
    open: u32,
}

impl Pool {
    #[ctxmgr::contextmanager]
    fn connection(&mut self) -> Result<u32, String> {
        self.open += 1;
        yield_!(self.open);
        self.open -= 1;
    }
}

fn main() {}
