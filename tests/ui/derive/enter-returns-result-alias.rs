// An alias of `Result` named otherwise: the derive cannot read it as
// fallible by its name, and must not make the whole `Result` the value (a
// failed enter would run the body with the `Err` bound).
use ctxmgr::{ContextManager, Outcome};

#[derive(Debug)]
struct DbError;
type Res<T> = Result<T, DbError>;

#[derive(ContextManager)]
struct Tx;

#[ctxmgr::context_manager]
impl Tx {
    #[enter]
    fn begin(&mut self) -> Res<u32> {
        Err(DbError)
    }

    #[exit]
    fn end(&mut self, _outcome: Outcome<'_>) {}
}

fn main() {}
