//! `ctxmgr::chdir`. The working directory belongs to the process, so this
//! binary holds a single test: no other test thread can see the changes.

use std::io;
use std::path::{Path, PathBuf};

use ctxmgr::with;

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap()
}

#[test]
fn chdir_changes_the_directory_for_the_body_and_restores_it_on_every_path() {
    let start = cwd();
    let root = std::fs::canonicalize(std::env::temp_dir())
        .unwrap()
        .join(format!("ctxmgr-chdir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("a/b")).unwrap();

    // Normal end: the value is the new directory, absolute; restored after.
    let seen = (|| -> io::Result<PathBuf> {
        Ok(with!(ctxmgr::chdir(&root) as here, {
            assert_eq!(here, root.as_path());
            assert_eq!(cwd(), root);
            here.to_path_buf()
        }))
    })()
    .unwrap();
    assert_eq!(seen, root);
    assert_eq!(cwd(), start);

    // A relative path: the value is absolute, so it still means the same
    // directory inside the body. Nested chdirs restore in order.
    (|| -> io::Result<()> {
        with!(ctxmgr::chdir(&root), {
            with!(ctxmgr::chdir("a/b") as here, {
                assert!(here.is_absolute());
                assert_eq!(std::fs::canonicalize(here)?, root.join("a/b"));
                assert_eq!(cwd(), root.join("a/b"));
            });
            assert_eq!(cwd(), root);
        });
        Ok(())
    })()
    .unwrap();
    assert_eq!(cwd(), start);

    // `?` in the body: restored, the body's error propagates.
    let err = (|| -> io::Result<()> {
        with!(ctxmgr::chdir(&root), {
            std::fs::read(Path::new("no-such-file"))?;
        });
        Ok(())
    })()
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert_eq!(cwd(), start);

    // A panic in the body: restored while unwinding.
    let panicked = std::panic::catch_unwind(|| {
        let _ = (|| -> io::Result<()> {
            with!(ctxmgr::chdir(std::env::temp_dir()), {
                panic!("in the body");
            });
        })();
    });
    assert!(panicked.is_err());
    assert_eq!(cwd(), start);

    // Enter fails on a missing directory: nothing changes, the body never runs.
    let mut ran = false;
    let err = (|| -> io::Result<()> {
        with!(ctxmgr::chdir(root.join("missing")), {
            ran = true;
        });
        Ok(())
    })()
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(!ran);
    assert_eq!(cwd(), start);
    // The error names the directory; the OS error is its source, printed once.
    let missing = root.join("missing");
    assert_eq!(
        err.to_string(),
        format!(
            "could not change the working directory to '{}'",
            missing.display()
        )
    );
    let os = std::error::Error::source(&err)
        .and_then(|e| e.downcast_ref::<io::Error>())
        .expect("the OS error as the source");
    assert_eq!(os.raw_os_error(), Some(2)); // ENOENT
    assert_eq!(
        format!("{:#}", anyhow::Error::from(err)),
        format!(
            "could not change the working directory to '{}': No such file or directory (os error 2)",
            missing.display()
        )
    );

    // The old directory vanished during the body: exit cannot go back, and
    // says so, naming it.
    let doomed = root.join("doomed");
    std::fs::create_dir(&doomed).unwrap();
    let err = (|| -> io::Result<()> {
        with!(ctxmgr::chdir(&doomed), {
            with!(ctxmgr::chdir(&root), {
                std::fs::remove_dir(&doomed)?;
            });
        });
        Ok(())
    })()
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound, "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "could not change the working directory back to '{}'",
            doomed.display()
        )
    );
    let os = std::error::Error::source(&err)
        .and_then(|e| e.downcast_ref::<io::Error>())
        .expect("the OS error as the source");
    assert_eq!(os.raw_os_error(), Some(2)); // ENOENT
                                            // The inner chdir failed to restore `doomed`; the outer one still
                                            // restored the start.
    assert_eq!(cwd(), start);

    std::fs::remove_dir_all(&root).unwrap();
}
