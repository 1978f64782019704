use ctxmgr_hygiene_2018::{by_guard, ignoring, run, Ignoring, Recorder};

#[test]
fn with_and_guard_behave() {
    let mut r = Recorder { events: Vec::new() };
    assert_eq!(run(&mut r, false).unwrap(), 2);
    assert_eq!(run(&mut r, true).unwrap_err().to_string(), "no");
    by_guard(&mut r).unwrap();
    assert_eq!(
        r.events,
        [
            "enter",
            "body",
            "exit ok=true",
            "enter",
            "body",
            "exit ok=false",
            "enter",
            "guarded",
            "exit ok=true"
        ]
    );
}

#[test]
fn a_derived_suppress_swallows_its_error() {
    let mut m = Ignoring {
        ignored: "skip",
        asked: Vec::new(),
    };
    assert_eq!(ignoring(&mut m, "skip").unwrap(), None);
    assert_eq!(ignoring(&mut m, "keep").unwrap_err().to_string(), "keep");
    assert_eq!(m.asked, ["skip", "keep"]);
}
