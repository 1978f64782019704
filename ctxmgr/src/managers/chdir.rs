//! [`chdir`]: Python's `contextlib.chdir`, the working directory changed for
//! the body (process-wide).

use std::io;
use std::path::{Path, PathBuf};

use crate::open::PathError;
use crate::{ContextManager, Outcome};

/// Python's `contextlib.chdir(path)`: changes the working directory on
/// enter and changes it back on exit, on every path.
///
/// The value is the new working directory as an absolute `&Path` (the
/// old one joined with `path`, so a relative `path` keeps its meaning
/// inside the body). Enter fails, changing nothing, if `path` is not a
/// directory one can enter; the error names it (`could not change the
/// working directory to 'x'`), with the OS error as its source. Exit
/// restores the old directory and reports a
/// failure to do so (say the body removed it) as the error `with!`
/// returns, naming the directory.
///
/// **Process-wide**, like Python's: the working directory belongs to the
/// process, not the thread, so every thread sees the change while the body
/// runs, and two threads using `chdir` (or relative paths) at once race.
/// Use it in single-threaded programs, tests that run alone, or prefer
/// absolute paths (`dir.join(..)`) and `Command::current_dir`.
///
/// ```
/// use ctxmgr::with;
///
/// # fn main() -> std::io::Result<()> {
/// let before = std::env::current_dir()?;
/// let tmp = std::env::temp_dir();
/// with!(ctxmgr::chdir(&tmp) as here, {
///     assert_eq!(std::env::current_dir()?, std::fs::canonicalize(&tmp)?);
///     assert!(here.is_absolute());
/// });
/// assert_eq!(std::env::current_dir()?, before);
/// # Ok(()) }
/// ```
#[must_use = "`chdir` does nothing until entered, e.g. with `with!`"]
pub fn chdir(path: impl AsRef<Path>) -> Chdir {
    Chdir {
        target: path.as_ref().to_path_buf(),
        entered: None,
    }
}

/// The manager returned by [`chdir`].
///
/// ```
/// use ctxmgr::with;
///
/// # fn main() -> std::io::Result<()> {
/// let tmp = std::env::temp_dir();
/// let mut into_tmp = ctxmgr::chdir(&tmp);
/// let before = std::env::current_dir()?;
/// for _ in 0..2 {
///     with!(&mut into_tmp as here, {
///         assert_eq!(std::fs::canonicalize(here)?, std::fs::canonicalize(&tmp)?);
///     });
///     assert_eq!(std::env::current_dir()?, before);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Chdir {
    target: PathBuf,
    /// (the old directory, the new one) while entered.
    entered: Option<(PathBuf, PathBuf)>,
}

impl ContextManager for Chdir {
    type Value<'a> = &'a Path;
    type Error = io::Error;

    #[inline]
    fn enter(&mut self) -> io::Result<&Path> {
        let old = std::env::current_dir()?;
        if let Err(error) = std::env::set_current_dir(&self.target) {
            let action = "change the working directory to";
            return Err(PathError::wrap(error, action, &self.target));
        }
        // `old` is what getcwd reported (no symlinks), so `old/target`
        // names the directory the kernel just resolved `target` to.
        let new = old.join(&self.target);
        let (_, new) = self.entered.insert((old, new));
        Ok(new)
    }

    #[inline]
    fn exit(&mut self, _outcome: Outcome<'_>) -> io::Result<()> {
        let Some((old, _)) = self.entered.take() else {
            return Ok(());
        };
        match std::env::set_current_dir(&old) {
            Ok(()) => Ok(()),
            Err(error) => Err(PathError::wrap(
                error,
                "change the working directory back to",
                &old,
            )),
        }
    }
}
