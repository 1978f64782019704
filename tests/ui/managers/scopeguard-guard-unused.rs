// `scopeguard::guard(..)` as a statement drops the guard at once (its
// closure runs there): the functions are `#[must_use]`, as in scopeguard.
#![deny(unused_must_use)]

fn main() {
    ctxmgr::scopeguard::guard((), |()| println!("runs at once"));
}
