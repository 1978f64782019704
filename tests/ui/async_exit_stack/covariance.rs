// An `AsyncExitStack` must be invariant in `'m`: if `&AsyncExitStack<'long>`
// could shrink to `&AsyncExitStack<'short>`, it could accept a callback
// borrowing a `'short` local and run it at close, after the local died.
use ctxmgr::AsyncExitStack;

fn shrink<'short, 'long: 'short>(
    stack: &'short AsyncExitStack<'long>,
) -> &'short AsyncExitStack<'short> {
    stack
}

fn main() {
    let stack: AsyncExitStack<'static> = AsyncExitStack::new();
    {
        let local = String::from("freed before the stack drops");
        shrink(&stack).callback(|| println!("{local}"));
    }
    drop(stack);
}
