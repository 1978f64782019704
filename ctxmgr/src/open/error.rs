//! The errors of both `open`s: [`PathError`], which names the path, and the
//! close error that carries the body's along ([`with_body_error`]).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::string::{String, ToString};

use crate::Outcome;

/// A close error raised while the body was failing carries the body's error
/// along, since it replaces it (the crate docs' exit-error rule). Shared with
/// the async `open` (`crate::tokio`).
///
/// The close error keeps its kind, and its source chain (down to the OS
/// error, for `raw_os_error`): the wrapper displays the close error's
/// message with the body's, and skips the close error itself in the chain,
/// so that each fact is printed once.
#[inline]
pub(crate) fn with_body_error(result: io::Result<()>, outcome: &Outcome<'_>) -> io::Result<()> {
    match (result, outcome.error()) {
        (Err(close), Some(body)) => Err(io::Error::new(
            close.kind(),
            AfterBodyError {
                body: body.to_string(),
                close,
            },
        )),
        (result, _) => result,
    }
}

/// Exit's error when the body was failing too: see [`with_body_error`].
#[derive(Debug)]
struct AfterBodyError {
    close: io::Error,
    body: String,
}

impl fmt::Display for AfterBodyError {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (while closing after the body failed: {})",
            self.close, self.body
        )
    }
}

impl std::error::Error for AfterBodyError {
    /// The close error's own source: its message is already in ours.
    #[inline]
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.close)
    }
}

/// An error of doing `action` on `path` (`could not open 'notes.txt'`),
/// whose source is the OS error.
///
/// The kind is the original's. The original is the source, so that
/// `raw_os_error()` is reachable down the chain and a chain printer
/// (anyhow's `{:#}`, `Caused by:`) prints the OS message once:
/// `could not open 'notes.txt': No such file or directory (os error 2)`.
#[derive(Debug)]
pub(crate) struct PathError {
    action: &'static str,
    error: io::Error,
    path: PathBuf,
}

impl PathError {
    #[inline]
    pub(crate) fn wrap(error: io::Error, action: &'static str, path: &Path) -> io::Error {
        io::Error::new(
            error.kind(),
            PathError {
                action,
                error,
                path: path.to_path_buf(),
            },
        )
    }
}

impl fmt::Display for PathError {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not {} '{}'", self.action, self.path.display())
    }
}

impl std::error::Error for PathError {
    #[inline]
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}
