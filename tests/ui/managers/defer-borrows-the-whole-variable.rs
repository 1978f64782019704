// `defer!`'s closure captures whole variables, as scopeguard's does (its
// closure is written by an edition-2015 crate): a block that uses
// `job.log` borrows all of `job` until the scope ends. With an
// edition-2021 closure this would compile.
struct Job {
    log: Vec<&'static str>,
    name: String,
}

fn main() {
    let mut job = Job { log: Vec::new(), name: "build".into() };
    ctxmgr::defer! { job.log.push("done"); }
    let name = std::mem::take(&mut job.name);
    assert_eq!(name, "build");
}
