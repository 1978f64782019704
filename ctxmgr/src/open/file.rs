//! [`OpenFile`]: the buffered file `open` binds, switching between reading
//! and writing.

use std::fmt;
use std::fs::File;
use std::io::{
    self, BufRead, BufReader, BufWriter, IoSlice, IoSliceMut, Read, Seek, SeekFrom, Write,
};
use std::path::Path;

use super::error::PathError;

pub(super) enum Buffered {
    Read(BufReader<File>),
    Write(BufWriter<File>),
}

/// The file bound by `with!(ctxmgr::open(..) as f, ..)`: buffered
/// `Read + BufRead + Write + Seek`, switching between reading and writing as
/// needed (modes with `+`). Closed by the manager's exit.
///
/// Reads go through one buffer, so Python's `for line in f:` is
/// `for line in f.lines()` ([`BufRead`]), with no `BufReader` of your own:
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("ctxmgr-open-doc-{}-{}", line!(), std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// use ctxmgr::with;
/// use std::io::{BufRead, Write};
///
/// let path = dir.join("lines.txt");
/// with!(ctxmgr::open(&path).mode("w") as f, {
///     writeln!(f, "one")?;
///     writeln!(f, "two")?;
/// });
/// let mut lines = Vec::new();
/// with!(ctxmgr::open(&path) as f, {
///     for line in f.lines() {
///         lines.push(line?);
///     }
/// });
/// assert_eq!(lines, ["one", "two"]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct OpenFile {
    pub(super) inner: Option<Buffered>,
    pub(super) writable: bool,
}

impl fmt::Debug for OpenFile {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenFile")
            .field("file", &self.get_ref())
            .finish()
    }
}

/// A write to a file opened with mode `r`; shared with `crate::tokio`.
#[inline]
pub(crate) fn not_writable() -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        "file not open for writing (mode \"r\")",
    )
}

/// With `sync`, `file` synced to disk; an error names `path`.
#[inline]
fn synced(file: &File, sync: bool, path: &Path) -> io::Result<()> {
    if !sync {
        return Ok(());
    }
    match file.sync_all() {
        Ok(()) => Ok(()),
        Err(error) => Err(PathError::wrap(error, "sync", path)),
    }
}

#[inline]
fn closed() -> io::Error {
    io::Error::other("I/O operation on closed file")
}

impl OpenFile {
    /// The underlying file (e.g. for its metadata).
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("ctxmgr-open-doc-{}-{}", line!(), std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// use ctxmgr::with;
    /// use std::io::Write;
    ///
    /// let len = with!(ctxmgr::open(dir.join("sized.txt")).mode("w") as f, {
    ///     f.write_all(b"12345")?;
    ///     f.flush()?;
    ///     f.get_ref().expect("open while entered").metadata()?.len()
    /// });
    /// assert_eq!(len, 5);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), std::io::Error>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn get_ref(&self) -> Option<&File> {
        match &self.inner {
            Some(Buffered::Read(r)) => Some(r.get_ref()),
            Some(Buffered::Write(w)) => Some(w.get_ref()),
            None => None,
        }
    }

    #[inline]
    fn reader(&mut self) -> io::Result<&mut BufReader<File>> {
        if let Some(Buffered::Write(_)) = self.inner {
            let Some(Buffered::Write(w)) = self.inner.take() else {
                unreachable!()
            };
            let file = w.into_inner().map_err(io::IntoInnerError::into_error)?;
            self.inner = Some(Buffered::Read(BufReader::new(file)));
        }
        match &mut self.inner {
            Some(Buffered::Read(r)) => Ok(r),
            _ => Err(closed()),
        }
    }

    #[inline]
    fn writer(&mut self) -> io::Result<&mut BufWriter<File>> {
        if !self.writable {
            return Err(not_writable());
        }
        if let Some(Buffered::Read(_)) = self.inner {
            let Some(Buffered::Read(mut r)) = self.inner.take() else {
                unreachable!()
            };
            // Put the OS position back where the reader's caller is.
            let pos = r.stream_position();
            let mut file = r.into_inner();
            let pos = match pos {
                Ok(p) => file.seek(SeekFrom::Start(p)),
                Err(error) => Err(error),
            };
            self.inner = Some(Buffered::Write(BufWriter::new(file)));
            pos?;
        }
        match &mut self.inner {
            Some(Buffered::Write(w)) => Ok(w),
            _ => Err(closed()),
        }
    }

    /// Flushes (and with `sync`, syncs) and closes; an error names `path`.
    #[inline]
    pub(super) fn close(&mut self, sync: bool, path: &Path) -> io::Result<()> {
        match self.inner.take() {
            Some(Buffered::Write(w)) => match w.into_inner() {
                Ok(file) => synced(&file, sync, path),
                Err(error) => Err(PathError::wrap(error.into_error(), "flush", path)),
            },
            Some(Buffered::Read(r)) if self.writable => synced(r.get_ref(), sync, path),
            Some(Buffered::Read(_)) | None => Ok(()),
        }
    }
}

impl Read for OpenFile {
    #[inline]
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader()?.read(buf)
    }
    #[inline]
    fn read_vectored(&mut self, bufs: &mut [IoSliceMut<'_>]) -> io::Result<usize> {
        self.reader()?.read_vectored(bufs)
    }
}

/// Reading through the file's one buffer: `lines()`, `read_line`,
/// `read_until`, `split`. In a `+` mode, what was written is flushed first,
/// as for [`Read`].
impl BufRead for OpenFile {
    #[inline]
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.reader()?.fill_buf()
    }
    #[inline]
    fn consume(&mut self, amt: usize) {
        if let Some(Buffered::Read(r)) = &mut self.inner {
            r.consume(amt);
        }
    }
}

impl Write for OpenFile {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer()?.write(buf)
    }
    #[inline]
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.writer()?.write_vectored(bufs)
    }
    #[inline]
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Some(Buffered::Write(w)) => w.flush(),
            Some(Buffered::Read(_)) => Ok(()),
            None => Err(closed()),
        }
    }
}

impl Seek for OpenFile {
    #[inline]
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match &mut self.inner {
            Some(Buffered::Read(r)) => r.seek(pos),
            Some(Buffered::Write(w)) => w.seek(pos),
            None => Err(closed()),
        }
    }
    /// The position, without dropping what is buffered for reading.
    #[inline]
    fn stream_position(&mut self) -> io::Result<u64> {
        match &mut self.inner {
            Some(Buffered::Read(r)) => r.stream_position(),
            Some(Buffered::Write(w)) => w.stream_position(),
            None => Err(closed()),
        }
    }
}
