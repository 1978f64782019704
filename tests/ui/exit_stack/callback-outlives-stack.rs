// An entry may not borrow something that dies before the stack exits it.
use ctxmgr::ExitStack;

fn main() {
    let stack = ExitStack::new();
    {
        let local = String::from("freed before the stack drops");
        stack.callback(|| println!("{local}"));
    }
    drop(stack);
}
