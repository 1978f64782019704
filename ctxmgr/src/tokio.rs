//! [`open`]: the async twin of [`ctxmgr::open`](crate::open), on tokio's
//! files (feature `tokio`).
//!
//! A `tokio::fs::File` dropped with unflushed data loses it, and nothing can
//! await a flush in `Drop`. As an [`AsyncContextManager`], `open`'s exit
//! *awaits* the flush and an `fsync` (`sync_all`) on every path out of the
//! body — also when the body failed, as Python does — and a failure of
//! either is the error the caller gets: writing to a full disk is an error,
//! never silence.
//!
//! ```
//! use ctxmgr::with;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! async fn save(path: &std::path::Path) -> std::io::Result<()> {
//!     with!(async { ctxmgr::tokio::open(path).mode("w") } as f, {
//!         f.write_all(b"some info").await?;
//!     }); // flushed and synced here, or the error returned
//!     Ok(())
//! }
//!
//! async fn load(path: &std::path::Path) -> std::io::Result<String> {
//!     Ok(with!(async { ctxmgr::tokio::open(path) } as f, {
//!         let mut text = String::new();
//!         f.read_to_string(&mut text).await?;
//!         text
//!     }))
//! }
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> std::io::Result<()> {
//! # let dir = std::env::temp_dir().join(format!("ctxmgr-tokio-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir)?;
//!     let path = dir.join("notes.txt");
//!     save(&path).await?;
//!     assert_eq!(load(&path).await?, "some info");
//! # std::fs::remove_dir_all(&dir)?;
//!     Ok(())
//! }
//! ```
//!
//! For a file opened for writing (any mode but `r`):
//!
//! | how the body ends | exit | what `with!(async ..)` returns |
//! | --- | --- | --- |
//! | normally, `return`, `break`, `continue` | awaits flush, then `sync_all` | the body's value, or the flush/sync error (naming the path) |
//! | `?` with an error | awaits flush, then `sync_all` | the body's error, or the flush/sync error naming both |
//! | a panic | awaits flush, then `sync_all` | the panic resumes |
//! | the future is dropped (cancelled) | cannot await: [`drop_exit`](AsyncContextManager::drop_exit), best effort, see [`Open`] | |
//!
//! The mode strings, the open errors and the exit-error rule are the sync
//! [`open`](crate::open)'s. The rest of the crate stays executor-agnostic:
//! this module needs tokio's `fs` and `io-util` only, and whichever runtime
//! you run it on must be tokio's (its files run on tokio's blocking pool).

use std::fmt;
use std::io::{self, SeekFrom};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::string::{String, ToString};
use std::task::{ready, Context, Poll};
use std::vec::Vec;

use ::tokio::fs::{File, OpenOptions};
use ::tokio::io::{
    AsyncBufRead, AsyncRead, AsyncSeek, AsyncWrite, AsyncWriteExt, BufReader, BufWriter, ReadBuf,
};

use crate::open::{
    not_writable, open_failed, open_options, path_and_mode, with_body_error, PathError,
};
use crate::{AsyncContextManager, Outcome};

/// Opens a file as an async context manager, like Python's `open(path,
/// mode)` in an `async with`.
///
/// The mode defaults to `"r"`; set another with [`Open::mode`]. Entering
/// opens the file with [`tokio::fs::OpenOptions`]
/// and binds a buffered [`OpenFile`] (`AsyncRead + AsyncBufRead +
/// AsyncWrite + AsyncSeek`); exiting a writable file awaits its flush and
/// `sync_all` on every path.
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use ctxmgr::with;
/// use tokio::io::AsyncWriteExt;
///
/// async fn save() -> std::io::Result<()> {
///     with!(async { ctxmgr::tokio::open("/dev/full").mode("w") } as f, {
///         f.write_all(b"lost?").await?; // buffered: succeeds
///     }); // the flush in exit fails
///     Ok(())
/// }
///
/// let runtime = tokio::runtime::Builder::new_current_thread().build()?;
/// let e = runtime.block_on(save()).unwrap_err();
/// assert_eq!(e.kind(), std::io::ErrorKind::StorageFull);
/// assert_eq!(e.to_string(), "could not flush '/dev/full'"); // the OS error is its source
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
#[must_use = "`open` does nothing until entered, e.g. with `with!(async ..)`"]
pub fn open(path: impl AsRef<Path>) -> Open {
    Open {
        path: path.as_ref().to_path_buf(),
        mode: String::from("r"),
        file: None,
    }
}

/// The async context manager returned by [`open`].
///
/// It can be entered more than once (one file at a time): each enter opens
/// the file afresh, each exit flushes, syncs and closes it.
///
/// ```
/// use ctxmgr::with;
/// use tokio::io::AsyncWriteExt;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("ctxmgr-tokio-doc-{}-{}", line!(), std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let mut log = ctxmgr::tokio::open(dir.join("log.txt")).mode("a");
/// for line in ["first\n", "second\n"] {
///     with!(async { &mut log } as f, {
///         f.write_all(line.as_bytes()).await?;
///     }); // on disk here, line by line
/// }
/// assert_eq!(
///     tokio::fs::read_to_string(log.path()).await?,
///     "first\nsecond\n"
/// );
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
///
/// # Cancellation
///
/// When the future running the body is dropped before the end (a timeout, a
/// `select!` that lost), exit cannot be awaited and
/// [`drop_exit`](AsyncContextManager::drop_exit) runs instead. It does what
/// sync code can, best effort, like a `std::io::BufWriter` dropped unflushed:
///
/// * bytes still in `OpenFile`'s write buffer (at most 8 KiB) are written with
///   one *blocking* write — unless a write of the file is in flight on
///   tokio's blocking pool, in which case they are lost (writing them after
///   it could reorder the file);
/// * bytes already handed to tokio's `File` are written by the blocking pool
///   after the drop (tokio's `File` behaves so), their errors unseen;
/// * nothing is synced, and no error can reach anyone.
///
/// Await the body to its end (or call `flush().await`) when the data must
/// not be lost.
#[derive(Debug)]
pub struct Open {
    path: PathBuf,
    mode: String,
    file: Option<OpenFile>,
}

impl Open {
    path_and_mode! {
        /// Sets Python's mode string (`"r"` by default). The modes, and the
        /// [`io::ErrorKind::InvalidInput`] error of enter for one that is not
        /// valid, are [`ctxmgr::Open::mode`](crate::Open::mode)'s; every mode
        /// but `r` makes exit await a flush and `sync_all`.
        ///
        /// ```
        /// use ctxmgr::with;
        /// use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
        ///
        /// # #[tokio::main(flavor = "current_thread")]
        /// # async fn main() -> std::io::Result<()> {
        /// # let dir = std::env::temp_dir().join(format!("ctxmgr-tokio-doc-{}-{}", line!(), std::process::id()));
        /// # std::fs::create_dir_all(&dir)?;
        /// let path = dir.join("counter.txt");
        /// let seen = with!(async { ctxmgr::tokio::open(&path).mode("x+") } as f, {
        ///     f.write_all(b"1").await?;
        ///     f.rewind().await?;
        ///     let mut s = String::new();
        ///     f.read_to_string(&mut s).await?;
        ///     s
        /// });
        /// assert_eq!(seen, "1");
        /// let again = async {
        ///     with!(async { ctxmgr::tokio::open(&path).mode("x") }, {});
        ///     Ok::<(), std::io::Error>(())
        /// };
        /// assert_eq!(
        ///     again.await.unwrap_err().kind(),
        ///     std::io::ErrorKind::AlreadyExists
        /// );
        /// # std::fs::remove_dir_all(&dir)?;
        /// # Ok(()) }
        /// ```
        fn mode;

        /// The path this manager opens.
        ///
        /// ```
        /// let manager = ctxmgr::tokio::open("notes.txt").mode("w");
        /// assert_eq!(manager.path(), std::path::Path::new("notes.txt"));
        /// ```
        fn path;
    }
}

impl AsyncContextManager for Open {
    type Value<'a> = &'a mut OpenFile;
    type Error = io::Error;

    async fn enter(&mut self) -> io::Result<&mut OpenFile> {
        let (mode, options) = open_options(&self.mode)?;
        let file = OpenOptions::from(options)
            .open(&self.path)
            .await
            .map_err(open_failed(&self.path))?;
        Ok(self.file.insert(OpenFile {
            inner: BufReader::new(BufWriter::new(file)),
            writable: mode.writable(),
            last: Last::None,
            discarding: false,
        }))
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        let Some(file) = &mut self.file else {
            return Ok(());
        };
        // The file stays in `self` until the sync ends: if this future is
        // dropped halfway, `drop_exit` still finds it.
        let result = file.close(&self.path).await;
        self.file = None;
        with_body_error(result, &outcome)
    }

    fn drop_exit(&mut self, _: Outcome<'_>) {
        if let Some(file) = self.file.take() {
            file.abandon();
        }
    }
}

/// What the file last did, to switch between reading and writing as the
/// sync `OpenFile` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Last {
    None,
    Read,
    Write,
}

/// The file bound by `with!(async { ctxmgr::tokio::open(..) } as f, ..)`:
/// buffered `AsyncRead + AsyncBufRead + AsyncWrite + AsyncSeek` (use
/// tokio's `AsyncReadExt`, `AsyncWriteExt`, ... on it), switching between
/// reading and writing as needed (modes with `+`): a read flushes what was
/// written, a write after a read starts where the reader's caller is.
/// Flushed, synced and closed by the manager's exit.
///
/// ```
/// use ctxmgr::with;
/// use tokio::io::{AsyncBufReadExt, AsyncSeekExt, AsyncWriteExt};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("ctxmgr-tokio-doc-{}-{}", line!(), std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let lines = with!(
///     async { ctxmgr::tokio::open(dir.join("lines.txt")).mode("w+") } as f,
///     {
///         f.write_all(b"one\ntwo\n").await?;
///         f.rewind().await?;
///         let mut lines = Vec::new();
///         let mut reader = f.lines();
///         while let Some(line) = reader.next_line().await? {
///             lines.push(line);
///         }
///         lines
///     }
/// );
/// assert_eq!(lines, ["one", "two"]);
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
pub struct OpenFile {
    inner: BufReader<BufWriter<File>>,
    writable: bool,
    last: Last,
    /// A seek that drops the read buffer before a write is under way.
    discarding: bool,
}

impl fmt::Debug for OpenFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenFile")
            .field("file", self.get_ref())
            .field("writable", &self.writable)
            .finish()
    }
}

impl OpenFile {
    /// The underlying tokio file (e.g. for its metadata).
    ///
    /// ```
    /// use ctxmgr::with;
    /// use tokio::io::AsyncWriteExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// # let dir = std::env::temp_dir().join(format!("ctxmgr-tokio-doc-{}-{}", line!(), std::process::id()));
    /// # std::fs::create_dir_all(&dir)?;
    /// let len = with!(
    ///     async { ctxmgr::tokio::open(dir.join("sized.txt")).mode("w") } as f,
    ///     {
    ///         f.write_all(b"12345").await?;
    ///         f.flush().await?;
    ///         f.get_ref().metadata().await?.len()
    ///     }
    /// );
    /// assert_eq!(len, 5);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn get_ref(&self) -> &File {
        self.inner.get_ref().get_ref()
    }

    /// Awaits the flush and the sync of a writable file; an error names
    /// `path`.
    async fn close(&mut self, path: &Path) -> io::Result<()> {
        if !self.writable {
            return Ok(());
        }
        self.flush()
            .await
            .map_err(|error| PathError::wrap(error, "flush", path))?;
        self.get_ref()
            .sync_all()
            .await
            .map_err(|error| PathError::wrap(error, "sync", path))
    }

    /// `drop_exit`'s best effort: the buffered bytes written with one
    /// blocking write when no write is in flight (see [`Open`]).
    fn abandon(self) {
        let writer = self.inner.into_inner();
        if writer.buffer().is_empty() {
            return;
        }
        let pending: Vec<u8> = writer.buffer().to_vec();
        if let Ok(mut file) = writer.into_inner().try_into_std() {
            let _ = std::io::Write::write_all(&mut file, &pending);
        }
    }

    /// Finishes the switch from reading to writing, if one is under way.
    fn poll_discard(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.discarding {
            let result = ready!(Pin::new(&mut self.inner).poll_complete(cx));
            self.discarding = false;
            result?;
        }
        Poll::Ready(Ok(()))
    }

    /// Before a read: a finished switch, and what was written flushed.
    fn poll_to_read(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_discard(cx))?;
        if self.last == Last::Write {
            ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
        }
        self.last = Last::Read;
        Poll::Ready(Ok(()))
    }

    /// Before a write: the read-ahead dropped, so the write starts where the
    /// reader's caller is.
    fn poll_to_write(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.writable {
            return Poll::Ready(Err(not_writable()));
        }
        if self.last == Last::Read && !self.inner.buffer().is_empty() && !self.discarding {
            Pin::new(&mut self.inner).start_seek(SeekFrom::Current(0))?;
            self.discarding = true;
        }
        ready!(self.poll_discard(cx))?;
        self.last = Last::Write;
        Poll::Ready(Ok(()))
    }
}

impl AsyncRead for OpenFile {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_to_read(cx))?;
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl AsyncBufRead for OpenFile {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        ready!(this.poll_to_read(cx))?;
        Pin::new(&mut this.inner).poll_fill_buf(cx)
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        Pin::new(&mut self.get_mut().inner).consume(amt);
    }
}

impl AsyncWrite for OpenFile {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_to_write(cx))?;
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

impl AsyncSeek for OpenFile {
    fn start_seek(self: Pin<&mut Self>, position: SeekFrom) -> io::Result<()> {
        let this = self.get_mut();
        // A seek supersedes an unfinished switch; it drops the read-ahead
        // and flushes the writes itself.
        this.discarding = false;
        this.last = Last::None;
        Pin::new(&mut this.inner).start_seek(position)
    }

    fn poll_complete(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<u64>> {
        Pin::new(&mut self.get_mut().inner).poll_complete(cx)
    }
}

// ---------------------------------------------------------------------------
// `AsyncClose` for tokio's types (see `ctxmgr::aclosing`).

mod aclose {
    use std::io;

    use ::tokio::io::{AsyncWrite, AsyncWriteExt};

    use crate::AsyncClose;

    /// A stream the peer already disconnected is closed.
    fn shut_down(result: io::Result<()>) -> io::Result<()> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }

    impl AsyncClose for ::tokio::net::TcpStream {
        type Error = io::Error;
        async fn close(&mut self) -> io::Result<()> {
            shut_down(self.shutdown().await)
        }
    }

    #[cfg(unix)]
    impl AsyncClose for ::tokio::net::UnixStream {
        type Error = io::Error;
        async fn close(&mut self) -> io::Result<()> {
            shut_down(self.shutdown().await)
        }
    }

    impl AsyncClose for ::tokio::fs::File {
        type Error = io::Error;
        async fn close(&mut self) -> io::Result<()> {
            self.flush().await
        }
    }

    impl<W: AsyncWrite + Unpin> AsyncClose for ::tokio::io::BufWriter<W> {
        type Error = io::Error;
        async fn close(&mut self) -> io::Result<()> {
            self.flush().await
        }
    }

    impl<RW: ::tokio::io::AsyncRead + AsyncWrite + Unpin> AsyncClose for ::tokio::io::BufStream<RW> {
        type Error = io::Error;
        async fn close(&mut self) -> io::Result<()> {
            self.flush().await
        }
    }

    impl AsyncClose for ::tokio::io::Stdout {
        type Error = io::Error;
        async fn close(&mut self) -> io::Result<()> {
            self.flush().await
        }
    }

    impl AsyncClose for ::tokio::io::Stderr {
        type Error = io::Error;
        async fn close(&mut self) -> io::Result<()> {
            self.flush().await
        }
    }
}
