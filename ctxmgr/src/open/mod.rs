//! [`open`]: Python's built-in `open()` as a context manager.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::string::{String, ToString};

use crate::{ContextManager, Outcome};

mod error;
mod file;

pub(crate) use error::{with_body_error, PathError};
#[cfg(feature = "tokio")]
pub(crate) use file::not_writable;
use file::Buffered;
pub use file::OpenFile;

/// Opens a file as a context manager, like Python's `open(path, mode)`.
///
/// The mode defaults to `"r"`; set another with [`Open::mode`]. Entering
/// opens the file and binds a buffered [`OpenFile`] (`Read + BufRead + Write + Seek`);
/// exiting flushes and closes it on every path — also when the body failed,
/// as Python does — and a flush error propagates: writing to a full disk is an
/// error, never silence.
///
/// ```
/// use ctxmgr::with;
/// use std::io::{Read, Write};
///
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("ctxmgr-open-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let path = dir.join("notes.txt");
/// with!(ctxmgr::open(&path).mode("w") as f, {
///     f.write_all(b"some info")?;
/// });
/// let text = with!(ctxmgr::open(&path) as f, {
///     let mut s = String::new();
///     f.read_to_string(&mut s)?;
///     s
/// });
/// assert_eq!(text, "some info");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
///
/// On a full disk the error reaches the caller:
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use ctxmgr::with;
/// use std::io::Write;
///
/// fn save() -> std::io::Result<()> {
///     with!(ctxmgr::open("/dev/full").mode("w") as f, {
///         f.write_all(b"lost?")?; // buffered: succeeds
///     }); // the flush in exit fails
///     Ok(())
/// }
/// assert!(save().is_err());
/// # }
/// ```
///
/// # Errors
///
/// Enter's error of opening, and exit's of flushing or syncing, name the
/// path and what failed; the OS error is their [`source`](std::error::Error::source),
/// so a chain printer (anyhow's `{:#}` or `Caused by:`) prints each fact
/// once, and `raw_os_error()` is there. The error's `kind()` is the OS
/// error's:
///
/// ```
/// use ctxmgr::with;
/// use std::io::Read;
///
/// fn read(path: &str) -> std::io::Result<String> {
///     Ok(with!(ctxmgr::open(path) as f, {
///         let mut s = String::new();
///         f.read_to_string(&mut s)?;
///         s
///     }))
/// }
/// let e = read("/surely/not/here.txt").unwrap_err();
/// assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
/// assert_eq!(e.to_string(), "could not open '/surely/not/here.txt'");
/// let os = std::error::Error::source(&e)
///     .unwrap()
///     .downcast_ref::<std::io::Error>()
///     .unwrap();
/// # #[cfg(unix)]
/// assert_eq!(os.raw_os_error(), Some(2)); // ENOENT
/// ```
///
/// A flush or sync error raised while the body was failing replaces the
/// body's error and carries its message: `could not flush 'out.txt' (while
/// closing after the body failed: ..)`, the OS error still its source.
#[must_use = "`open` does nothing until entered, e.g. with `with!`"]
pub fn open(path: impl AsRef<Path>) -> Open {
    Open {
        path: path.as_ref().to_path_buf(),
        mode: String::from("r"),
        sync: false,
        file: None,
    }
}

/// The context manager returned by [`open`].
///
/// It can be entered more than once (one file at a time): each enter opens
/// the file afresh, each exit closes it.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("ctxmgr-open-doc-{}-{}", line!(), std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// use ctxmgr::with;
/// use std::io::Write;
///
/// let mut log = ctxmgr::open(dir.join("log.txt")).mode("a");
/// for line in ["first\n", "second\n"] {
///     with!(&mut log as f, {
///         f.write_all(line.as_bytes())?;
///     });
/// }
/// assert_eq!(std::fs::read_to_string(log.path())?, "first\nsecond\n");
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Open {
    path: PathBuf,
    mode: String,
    sync: bool,
    file: Option<OpenFile>,
}

impl Open {
    path_and_mode! {
        /// Sets Python's mode string: one of `r` (read, the default), `w`
        /// (truncate or create), `a` (append or create), `x` (create, failing if
        /// the file exists); optionally `+` (read and write) and one of `b` or
        /// `t` (accepted; Rust files are bytes either way).
        ///
        /// A mode that is not one of these makes enter fail with
        /// [`io::ErrorKind::InvalidInput`] naming the mode.
        ///
        /// # Examples
        ///
        /// ```
        /// # let dir = std::env::temp_dir().join(format!("ctxmgr-open-doc-{}-{}", line!(), std::process::id()));
        /// # std::fs::create_dir_all(&dir)?;
        /// use ctxmgr::with;
        /// use std::io::{Read, Seek, SeekFrom, Write};
        ///
        /// let path = dir.join("data.txt");
        /// let text = with!(ctxmgr::open(&path).mode("w+") as f, {
        ///     f.write_all(b"written, then read back")?;
        ///     f.seek(SeekFrom::Start(0))?;
        ///     let mut s = String::new();
        ///     f.read_to_string(&mut s)?;
        ///     s
        /// });
        /// assert_eq!(text, "written, then read back");
        ///
        /// fn enter_with(path: &std::path::Path, mode: &str) -> std::io::Result<()> {
        ///     with!(ctxmgr::open(path).mode(mode), {});
        ///     Ok(())
        /// }
        /// let e = enter_with(&path, "rw").unwrap_err();
        /// assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        /// assert!(e.to_string().contains("\"rw\""));
        /// assert_eq!(
        ///     enter_with(&path, "x").unwrap_err().kind(),
        ///     std::io::ErrorKind::AlreadyExists
        /// );
        /// # std::fs::remove_dir_all(&dir)?;
        /// # Ok::<(), std::io::Error>(())
        /// ```
        fn mode;

        /// The path this manager opens.
        ///
        /// ```
        /// let manager = ctxmgr::open("notes.txt").mode("w");
        /// assert_eq!(manager.path(), std::path::Path::new("notes.txt"));
        /// ```
        fn path;
    }

    /// With `true`, exit also calls [`File::sync_all`](std::fs::File::sync_all) on a writable file,
    /// so errors the OS reports only at write-back time (NFS, quota, some
    /// full disks) reach the caller. Off by default (Python does not fsync
    /// on close either).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("ctxmgr-open-doc-{}-{}", line!(), std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use ctxmgr::with;
    /// use std::io::Write;
    ///
    /// with!(
    ///     ctxmgr::open(dir.join("ledger.txt"))
    ///         .mode("a")
    ///         .sync_on_exit(true) as f,
    ///     {
    ///         f.write_all(b"paid\n")?;
    ///     }
    /// ); // flushed and on disk here, or an error
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn sync_on_exit(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }
}

impl fmt::Debug for Open {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Open")
            .field("path", &self.path)
            .field("mode", &self.mode)
            .field("open", &self.file.is_some())
            .finish()
    }
}

/// Parsed Python mode string, shared with the async `open` (`crate::tokio`).
#[derive(Clone, Copy)]
#[cfg_attr(test, derive(Debug))]
pub(crate) struct Mode {
    base: u8,
    plus: bool,
}

#[inline]
fn invalid_mode(mode: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        std::format!(
            "invalid mode: {mode:?} (expected one of r, w, a, x, optionally followed by + and b or t, as in Python)"
        ),
    )
}

#[inline]
pub(crate) fn parse_mode(mode: &str) -> io::Result<Mode> {
    let mut base = None;
    let mut plus = false;
    let mut kind = None;
    for c in mode.chars() {
        match c {
            'r' | 'w' | 'a' | 'x' if base.is_none() => base = Some(c as u8),
            '+' if !plus => plus = true,
            'b' | 't' if kind.is_none() => kind = Some(c),
            _ => return Err(invalid_mode(mode)),
        }
    }
    Ok(Mode {
        base: match base {
            Some(base) => base,
            None => return Err(invalid_mode(mode)),
        },
        plus,
    })
}

impl Mode {
    #[inline]
    pub(crate) fn options(self) -> OpenOptions {
        let mut o = OpenOptions::new();
        match self.base {
            b'r' => o.read(true),
            b'w' => o.write(true).create(true).truncate(true),
            b'a' => o.append(true).create(true),
            _ => o.write(true).create_new(true),
        };
        if self.plus {
            o.read(true).write(true);
        }
        o
    }

    #[inline]
    pub(crate) fn writable(self) -> bool {
        self.base != b'r' || self.plus
    }
}

/// The builder methods both `open` managers have, over their `path` and
/// `mode` fields: written once, each manager giving its own docs (their
/// examples are sync or awaited).
macro_rules! path_and_mode {
    ($(#[$mode_doc:meta])* fn mode; $(#[$path_doc:meta])* fn path;) => {
        $(#[$mode_doc])*
        #[must_use]
        #[inline]
        pub fn mode(mut self, mode: &str) -> Self {
            self.mode = mode.to_string();
            self
        }

        $(#[$path_doc])*
        #[must_use]
        #[inline]
        pub fn path(&self) -> &Path {
            &self.path
        }
    };
}
pub(crate) use path_and_mode;

/// Both `open` managers' enter up to the file: the mode string parsed (an
/// [`io::ErrorKind::InvalidInput`] error naming it) and the options it
/// opens with.
#[inline]
pub(crate) fn open_options(mode: &str) -> io::Result<(Mode, OpenOptions)> {
    let mode = parse_mode(mode)?;
    Ok((mode, mode.options()))
}

/// Both `open` managers' error when the file does not open: it names the
/// path.
#[inline]
pub(crate) fn open_failed(path: &Path) -> impl FnOnce(io::Error) -> io::Error + '_ {
    move |error| PathError::wrap(error, "open", path)
}

impl ContextManager for Open {
    type Value<'a> = &'a mut OpenFile;
    type Error = io::Error;

    #[inline]
    fn enter(&mut self) -> io::Result<&mut OpenFile> {
        let (mode, options) = open_options(&self.mode)?;
        let file = options.open(&self.path).map_err(open_failed(&self.path))?;
        let file = if mode.writable() && mode.base != b'r' {
            Buffered::Write(BufWriter::new(file))
        } else {
            Buffered::Read(BufReader::new(file))
        };
        Ok(self.file.insert(OpenFile {
            inner: Some(file),
            writable: mode.writable(),
        }))
    }

    #[inline]
    fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        let Some(mut file) = self.file.take() else {
            return Ok(());
        };
        with_body_error(file.close(self.sync, &self.path), &outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_like_python() {
        for ok in [
            "r", "w", "a", "x", "r+", "w+", "rb", "wb+", "w+b", "at", "xt",
        ] {
            assert!(parse_mode(ok).is_ok(), "{ok}");
        }
        for bad in ["", "q", "rw", "r++", "bt", "rbt", "+", "b", "wx"] {
            let e = parse_mode(bad).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{bad}");
            assert!(e.to_string().contains(&std::format!("{bad:?}")), "{e}");
        }
    }
}
