// An `ExitStack` must be invariant in `'m`: if `&ExitStack<'long>` could
// shrink to `&ExitStack<'short>`, it could accept a callback borrowing a
// `'short` local and run it at close, after the local died.
use ctxmgr::ExitStack;

fn shrink<'short, 'long: 'short>(stack: &'short ExitStack<'long>) -> &'short ExitStack<'short> {
    stack
}

fn main() {
    let mut stack: ExitStack<'static> = ExitStack::new();
    {
        let local = String::from("freed before close");
        shrink(&stack).callback(|| println!("{local}"));
    }
    stack.close().unwrap();
}
