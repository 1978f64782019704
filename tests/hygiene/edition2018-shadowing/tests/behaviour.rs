use ctxmgr_hygiene_2018::{by_guard, run, Recorder};

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
