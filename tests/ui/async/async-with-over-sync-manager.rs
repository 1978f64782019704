use ctxmgr::{with, nullcontext};

async fn talk() {
    with!(async nullcontext(1) as one => {
        let _ = one;
    });
}

fn main() {
    drop(talk());
}
