// The async form of `enter-returns-result-alias.rs`.
use ctxmgr::{ContextManager, Outcome};

#[derive(Debug)]
struct DbError;
type Res<T> = Result<T, DbError>;

#[derive(ContextManager)]
struct Tx;

#[ctxmgr::context_manager]
impl Tx {
    #[enter]
    async fn begin(&mut self) -> Res<&mut Self> {
        Ok(self)
    }

    #[exit]
    async fn end(&mut self, _outcome: Outcome<'_>) -> Res<()> {
        Ok(())
    }
}

fn main() {}
