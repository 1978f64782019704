//! [`tempdir`]: Python's `tempfile.TemporaryDirectory()` as a context
//! manager whose cleanup errors are reported (feature `tempfile`).

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use crate::{ContextManager, Outcome};

/// A fresh temporary directory for the body, removed with everything in it
/// on exit — Python's `tempfile.TemporaryDirectory()`. Needs the `tempfile`
/// feature.
///
/// * Enter creates the directory (in [`std::env::temp_dir`], or
///   [`in_dir`](TemporaryDirectory::in_dir)) and binds its absolute `&Path`.
///   Nothing is created before enter.
/// * Exit removes the directory tree on every path — the body's end, `?`,
///   `return`, a panic — without following symbolic links out of it.
/// * A failure to remove it is **reported**: it is the error `with!`
///   returns (the `tempfile` crate's `TempDir` swallows it in `Drop`). The
///   error names the directory, and what could not be removed is left
///   in place. If the body was already failing, the cleanup error replaces
///   the body's, as every exit error does, and its message carries the
///   body's error.
/// * "Removed" means "nothing is left at the path": a body that removed the
///   directory itself is fine (as in Python); a body that put a file where
///   the directory was gets an error (`NotADirectory`), and the file stays.
/// * While a panic unwinds, the removal still runs; an error is dropped
///   (the panic is already the louder failure).
///
/// ```
/// use ctxmgr::with;
///
/// # fn main() -> std::io::Result<()> {
/// let kept = with!(ctxmgr::tempdir() as dir, {
///     std::fs::create_dir(dir.join("sub"))?;
///     std::fs::write(dir.join("sub/data.txt"), "scratch")?;
///     dir.to_path_buf()
/// });
/// assert!(!kept.exists()); // removed, tree and all
/// # Ok(()) }
/// ```
///
/// When the removal fails, the caller hears of it:
///
/// ```
/// use ctxmgr::with;
/// use std::{io, path::Path};
///
/// fn replace_with_file(parent: &Path) -> io::Result<()> {
///     with!(ctxmgr::tempdir().in_dir(parent) as dir, {
///         std::fs::remove_dir(dir)?;
///         std::fs::write(dir, "not a directory")?; // exit will not delete a file
///     });
///     Ok(())
/// }
/// # let parent = std::env::temp_dir().join(format!("ctxmgr-tempdir-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&parent).unwrap();
/// let err = replace_with_file(&parent).unwrap_err();
/// assert!(
///     err.to_string()
///         .starts_with("could not remove the temporary directory"),
///     "{err}"
/// );
/// # std::fs::remove_dir_all(&parent).unwrap();
/// ```
#[must_use = "`tempdir` does nothing until entered, e.g. with `with!`"]
pub fn tempdir() -> TemporaryDirectory {
    TemporaryDirectory {
        prefix: None,
        suffix: None,
        parent: None,
        dir: None,
    }
}

/// The manager returned by [`tempdir`]: options for the directory's name
/// and place, and the directory itself while entered.
///
/// ```
/// use ctxmgr::with;
///
/// # fn main() -> std::io::Result<()> {
/// let mut scratch = ctxmgr::tempdir().prefix("job-");
/// for job in ["a", "b"] {
///     // a fresh directory each time the manager is entered
///     with!(&mut scratch as dir, {
///         std::fs::write(dir.join(job), job)?;
///         assert_eq!(std::fs::read_dir(dir)?.count(), 1);
///     });
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TemporaryDirectory {
    prefix: Option<OsString>,
    suffix: Option<OsString>,
    parent: Option<PathBuf>,
    dir: Option<tempfile::TempDir>,
}

impl TemporaryDirectory {
    /// Starts the directory's name with `prefix` (default: `.tmp`).
    ///
    /// ```
    /// use ctxmgr::with;
    /// # fn main() -> std::io::Result<()> {
    /// with!(ctxmgr::tempdir().prefix("build-").suffix(".d") as dir, {
    ///     let name = dir.file_name().unwrap().to_str().unwrap();
    ///     assert!(name.starts_with("build-") && name.ends_with(".d"), "{name}");
    /// });
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<OsString>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Ends the directory's name with `suffix` (default: none).
    ///
    /// ```
    /// use ctxmgr::with;
    /// # fn main() -> std::io::Result<()> {
    /// with!(ctxmgr::tempdir().suffix(".cache") as dir, {
    ///     assert!(dir.to_str().unwrap().ends_with(".cache"));
    /// });
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn suffix(mut self, suffix: impl Into<OsString>) -> Self {
        self.suffix = Some(suffix.into());
        self
    }

    /// Creates the directory inside `parent` rather than
    /// [`std::env::temp_dir`] (Python's `dir=`).
    ///
    /// ```
    /// use ctxmgr::with;
    /// # fn main() -> std::io::Result<()> {
    /// let parent = std::env::temp_dir();
    /// with!(ctxmgr::tempdir().in_dir(&parent) as dir, {
    ///     assert_eq!(dir.parent(), Some(parent.as_path()));
    /// });
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn in_dir(mut self, parent: impl AsRef<Path>) -> Self {
        self.parent = Some(parent.as_ref().to_path_buf());
        self
    }

    /// The directory's path while entered.
    ///
    /// ```
    /// use ctxmgr::with;
    /// # fn main() -> std::io::Result<()> {
    /// let mut manager = ctxmgr::tempdir();
    /// assert!(manager.path().is_none()); // not entered: no directory yet
    /// let kept = with!(&mut manager as dir, { dir.to_path_buf() });
    /// assert!(manager.path().is_none() && !kept.exists()); // removed by exit
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn path(&self) -> Option<&Path> {
        self.dir.as_ref().map(tempfile::TempDir::path)
    }
}

impl ContextManager for TemporaryDirectory {
    type Value<'a> = &'a Path;
    type Error = io::Error;

    fn enter(&mut self) -> io::Result<&Path> {
        let mut builder = tempfile::Builder::new();
        if let Some(prefix) = &self.prefix {
            builder.prefix(prefix);
        }
        if let Some(suffix) = &self.suffix {
            builder.suffix(suffix);
        }
        let dir = match &self.parent {
            Some(parent) => builder.tempdir_in(parent)?,
            None => builder.tempdir()?,
        };
        Ok(self.dir.insert(dir).path())
    }

    fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        let Some(dir) = self.dir.take() else {
            return Ok(());
        };
        let path = dir.path().to_path_buf();
        let Err(e) = dir.close() else {
            return Ok(());
        };
        // The goal is that nothing is left at the path; a body that removed
        // the directory itself reached it already.
        if matches!(std::fs::symlink_metadata(&path), Err(gone) if gone.kind() == io::ErrorKind::NotFound)
        {
            return Ok(());
        }
        let message = match outcome.error() {
            Some(body) => std::format!(
                "could not remove the temporary directory {}: {e} (while cleaning up after the body failed: {body})",
                path.display()
            ),
            None => std::format!(
                "could not remove the temporary directory {}: {e}",
                path.display()
            ),
        };
        Err(io::Error::new(e.kind(), message))
    }
}
