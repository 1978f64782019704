use std::rc::Rc;

#[ctxmgr::contextmanager]
async fn counted(count: Rc<u32>) {
    ctxmgr::yield_!(());
    let held = Rc::clone(&count);
    std::future::ready(()).await;
    drop(held);
}

fn main() {
    drop(counted(Rc::new(0)));
}
