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
