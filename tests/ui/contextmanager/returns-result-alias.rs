// An alias of `Result` named otherwise: `#[contextmanager]` cannot read it
// as fallible by its name, and must not make the whole `Result` the value.
#[derive(Debug)]
struct DbError;
type Res<T> = Result<T, DbError>;

#[ctxmgr::contextmanager]
fn connect(fail: bool) -> Res<u32> {
    if fail {
        return Err(DbError);
    }
    ctxmgr::yield_!(Ok(1));
}

#[ctxmgr::contextmanager]
async fn connect_async() -> Res<u32> {
    ctxmgr::yield_!(Ok(1));
}

fn main() {}
