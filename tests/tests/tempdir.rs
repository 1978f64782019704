//! `ctxmgr::tempdir()` (feature `tempfile`) against a real directory tree:
//! removed on every path, and a failure to remove it reaches the caller.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use ctxmgr::{with, ContextManager, Guard, Outcome};
use ctxmgr_tests::{panic_message, TestError};

/// A parent directory of our own per test, so leftovers are ours to see
/// and to clean.
struct Parent(PathBuf);
impl Parent {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ctxmgr-tempdir-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Parent(dir)
    }
    fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}
impl Drop for Parent {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A tree with nested directories, files, and a symlink to a file outside.
fn fill(dir: &Path, outside: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir.join("a/b/c"))?;
    std::fs::write(dir.join("top.txt"), "top")?;
    std::fs::write(dir.join("a/b/c/deep.txt"), "deep")?;
    #[cfg(unix)]
    std::os::unix::fs::symlink(outside, dir.join("a/link"))?;
    let _ = outside;
    Ok(())
}

#[test]
fn the_body_gets_a_fresh_empty_directory_and_exit_removes_the_tree() -> io::Result<()> {
    let parent = Parent::new();
    let outside = parent.0.join("outside.txt");
    std::fs::write(&outside, "must survive")?;
    let path = with!(ctxmgr::tempdir().in_dir(&parent.0).prefix("t-") as dir, {
        assert!(dir.is_absolute() && dir.is_dir());
        assert_eq!(std::fs::read_dir(dir)?.count(), 0);
        assert_eq!(dir.parent(), Some(parent.0.as_path()));
        fill(dir, &outside)?;
        dir.to_path_buf()
    });
    assert!(!path.exists());
    assert!(path
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("t-"));
    // The symlink was removed, not followed.
    assert_eq!(std::fs::read_to_string(&outside)?, "must survive");
    assert_eq!(parent.entries(), ["outside.txt"]);
    Ok(())
}

#[test]
fn the_tree_is_removed_when_the_body_fails_and_the_body_error_propagates() {
    let parent = Parent::new();
    let run = || -> Result<(), Box<dyn std::error::Error>> {
        with!(ctxmgr::tempdir().in_dir(&parent.0) as dir, {
            fill(dir, dir)?;
            Err(TestError::Body("b"))?;
        });
        Ok(())
    };
    let err = run().unwrap_err();
    assert_eq!(err.downcast_ref::<TestError>(), Some(&TestError::Body("b")));
    assert!(parent.entries().is_empty());
}

#[test]
fn the_tree_is_removed_while_a_panic_unwinds() {
    let parent = Parent::new();
    let msg = panic_message(std::panic::AssertUnwindSafe(|| {
        let _ = (|| -> io::Result<()> {
            with!(ctxmgr::tempdir().in_dir(&parent.0) as dir, {
                fill(dir, dir)?;
                panic!("body panicked");
            });
        })();
    }));
    assert_eq!(msg, "body panicked");
    assert!(parent.entries().is_empty());
}

/// Nothing is created before enter, and a failed enter runs no body.
#[test]
fn enter_creates_the_directory_and_its_failure_skips_the_body() {
    let parent = Parent::new();
    let manager = ctxmgr::tempdir().in_dir(&parent.0);
    assert!(manager.path().is_none());
    assert!(parent.entries().is_empty());
    let mut ran = false;
    let err = (|| -> io::Result<()> {
        with!(ctxmgr::tempdir().in_dir(parent.0.join("missing")), {
            ran = true;
        });
        Ok(())
    })()
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotFound);
    assert!(!ran);
}

/// Python's rule too: a body that removed the directory itself is fine;
/// what exit wants is that nothing is left.
#[test]
fn a_directory_the_body_removed_itself_is_not_an_error() -> io::Result<()> {
    let parent = Parent::new();
    with!(ctxmgr::tempdir().in_dir(&parent.0) as dir, {
        fill(dir, dir)?;
        std::fs::remove_dir_all(dir)?;
    });
    assert!(parent.entries().is_empty());
    Ok(())
}

/// A failure that happens as root too: the body put a file where the
/// directory was. Exit will not remove what is not a directory; it reports
/// it, naming the path, and leaves the file.
#[test]
fn a_failed_removal_is_the_error_with_returns_and_names_the_directory() {
    let parent = Parent::new();
    let path = std::cell::RefCell::new(PathBuf::new());
    let run = || -> io::Result<&'static str> {
        with!(ctxmgr::tempdir().in_dir(&parent.0) as dir, {
            *path.borrow_mut() = dir.to_path_buf();
            std::fs::remove_dir(dir)?;
            std::fs::write(dir, "a file now")?;
        });
        Ok("unreached")
    };
    let err = run().unwrap_err();
    let path = path.into_inner();
    assert_eq!(err.kind(), io::ErrorKind::NotADirectory, "{err}");
    assert!(
        err.to_string().starts_with(&format!(
            "could not remove the temporary directory {}: ",
            path.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "a file now");
}

/// When the body was failing too, exit's error wins (the crate-wide rule)
/// and carries the body's error in its message, so neither is lost.
#[test]
fn a_failed_removal_after_a_failing_body_carries_the_body_error() {
    let parent = Parent::new();
    let run = || -> io::Result<()> {
        with!(ctxmgr::tempdir().in_dir(&parent.0) as dir, {
            std::fs::remove_dir(dir)?;
            std::fs::write(dir, "a file now")?;
            Err(io::Error::other("body failed"))?;
        });
        Ok(())
    };
    let err = run().unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotADirectory, "{err}");
    assert!(
        err.to_string()
            .ends_with("(while cleaning up after the body failed: body failed)"),
        "{err}"
    );
}

/// By hand with a `Guard`: `finish` returns exit's result.
#[test]
fn a_guard_reports_the_removal_error_from_finish() {
    let parent = Parent::new();
    let mut guard = Guard::new(ctxmgr::tempdir().in_dir(&parent.0));
    let dir = guard.enter().unwrap().to_path_buf();
    std::fs::remove_dir(&dir).unwrap();
    std::fs::write(&dir, "x").unwrap();
    let err = guard.finish(Outcome::Ok).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::NotADirectory);
}

/// The manager is reusable through `&mut`: a new directory each time.
#[test]
fn entering_again_makes_a_new_directory() -> io::Result<()> {
    let parent = Parent::new();
    let mut manager = ctxmgr::tempdir().in_dir(&parent.0);
    let first = with!(&mut manager as dir, { dir.to_path_buf() });
    let second = with!(&mut manager as dir, {
        assert!(dir.is_dir());
        dir.to_path_buf()
    });
    assert_ne!(first, second);
    assert!(!first.exists() && !second.exists());
    assert!(manager.path().is_none());
    let _ = manager.exit(Outcome::Ok); // exit without enter does nothing
    Ok(())
}
