// A body the user is still typing: the error is the body's own syntax error,
// on the user's tokens, and nothing else (the managers and the bindings are
// expanded as for a valid body, so rust-analyzer keeps completing in it).
use ctxmgr::{nullcontext, with};

fn main() {
    with!(nullcontext(1) as one, {
        let two = *one + 1;
        two.
    });
}

// A missing `;` between two statements: syn's error, once.
fn missing_semicolon() {
    with!(nullcontext(1) as one, {
        let two = *one + 1;
        two
        println!("{two}");
    });
}
