use ctxmgr_hygiene_2021::{insert_all, insert_by_guard};

#[test]
fn with_and_guard_behave_through_the_renamed_dependency() {
    let mut log = Vec::new();
    insert_all(&mut log, &[1, 2]).unwrap();
    assert_eq!(
        insert_all(&mut log, &[3, -1]),
        Err("negative -1".to_string())
    );
    insert_by_guard(&mut log, 9).unwrap();
    assert_eq!(
        log,
        ["begin", "1", "2", "commit", "begin", "rollback", "begin", "9", "commit"]
    );
}

#[test]
fn generator_and_decorator_behave_through_the_renamed_dependency() {
    let mut log = Vec::new();
    assert_eq!(ctxmgr_hygiene_2021::double(&mut log, 4), Ok((1, 8)));
    assert_eq!(
        ctxmgr_hygiene_2021::double(&mut log, -1),
        Err("negative -1".to_string())
    );
    assert_eq!(
        log,
        [
            "<double>",
            "</double> ok=true",
            "<double>",
            "</double> ok=false"
        ]
    );
}

#[test]
fn an_early_return_macro_rolls_back() {
    let mut log = Vec::new();
    assert_eq!(
        ctxmgr_hygiene_2021::insert_nonzero(&mut log, 0),
        Err("zero".to_string())
    );
    ctxmgr_hygiene_2021::insert_nonzero(&mut log, 5).unwrap();
    assert_eq!(log, ["begin", "rollback", "begin", "5", "commit"]);
}

#[test]
fn async_with_behaves_through_the_renamed_dependency() {
    use std::future::Future;
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut conn = ctxmgr_hygiene_2021::Connection::default();
    let mut log = Vec::new();
    let mut run = |rows: &[i32]| {
        let fut = std::pin::pin!(ctxmgr_hygiene_2021::converse(&mut conn, &mut log, rows));
        match fut.poll(&mut cx) {
            std::task::Poll::Ready(r) => r,
            std::task::Poll::Pending => unreachable!("nothing here waits"),
        }
    };
    assert_eq!(run(&[1, 0, 2, 200, 3]), Ok(2));
    assert_eq!(run(&[5, -1]), Err("negative -1".to_string()));
    assert_eq!(run(&[7, 42, 8]), Ok(1));
    assert_eq!(
        conn.said,
        [
            "hello",
            "row 1",
            "goodbye ok=true", // 1
            "hello",
            "goodbye ok=true", // 0: continue
            "hello",
            "row 2",
            "goodbye ok=true", // 2
            "hello",
            "goodbye ok=true", // 200: break
            "hello",
            "row 5",
            "goodbye ok=true", // 5
            "hello",
            "goodbye ok=false", // -1: `?`
            "hello",
            "row 7",
            "goodbye ok=true", // 7
            "hello",
            "goodbye ok=true", // 42: return Ok
        ]
    );
    assert_eq!(
        log,
        [
            "begin", "1", "commit", "begin", "commit", "begin", "2", "commit", "begin", "commit",
            "begin", "5", "commit", "begin", "rollback", "begin", "7", "commit", "begin", "commit"
        ]
    );
}

#[test]
fn a_derived_suppress_swallows_through_the_renamed_dependency() {
    let mut log = Vec::new();
    assert_eq!(
        ctxmgr_hygiene_2021::tolerant(&mut log, "x", Some("x")),
        Ok(0)
    );
    assert_eq!(
        ctxmgr_hygiene_2021::tolerant(&mut log, "x", Some("y")),
        Err("y".to_string())
    );
    assert_eq!(ctxmgr_hygiene_2021::tolerant(&mut log, "x", None), Ok(5));
    assert_eq!(
        log,
        [
            "exit ok=false",
            "tolerated=true",
            "exit ok=false",
            "tolerated=false",
            "body",
            "exit ok=true"
        ]
    );
}
