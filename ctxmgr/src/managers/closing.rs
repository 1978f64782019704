//! The closing family: [`closing`] with the [`Close`] trait, Python's
//! `contextlib.closing`, whose close error is reported; and its async twin
//! [`aclosing`] with [`AsyncClose`], for `with!(async ..)`.

use core::future::Future;

use crate::{AsyncContextManager, ContextManager, Outcome};

/// Something with a fallible close: flush what is buffered, wait for what is
/// running, shut down what is connected. Used by [`closing`].
///
/// Implemented (with the `std` feature) for:
///
/// | type | `close` does | error |
/// | --- | --- | --- |
/// | [`BufWriter<W>`](std::io::BufWriter), [`LineWriter<W>`](std::io::LineWriter) | flushes the buffer into `W` (`W` itself closes when dropped) | [`io::Error`](std::io::Error) |
/// | [`Stdout`](std::io::Stdout), [`Stderr`](std::io::Stderr) and their locks | flushes | `io::Error` |
/// | [`Child`](std::process::Child) | closes its stdin (if piped) and waits for it to exit; the exit *status* is not checked (call `child.wait()` in the body to read it: a second wait returns the same status) | `io::Error` |
/// | [`TcpStream`](std::net::TcpStream), [`UnixStream`](std::os::unix::net::UnixStream) (unix) | `shutdown(Shutdown::Both)`; a stream the peer already disconnected (`NotConnected`) counts as closed | `io::Error` |
/// | `&mut T`, `Box<T>` where `T: Close` | closes the `T` | `T::Error` |
///
/// Left out on purpose: [`File`](std::fs::File). Python's `close()` on a
/// file flushes Python's buffer and closes the descriptor; a Rust `File` has
/// no buffer (`flush` does nothing), and std offers no fallible close of the
/// descriptor. Its `Drop` closes it. What *can* report that written data did
/// not reach the disk is `sync_all` (an fsync: a durability choice, not a
/// close). Use [`open`](crate::open) (which buffers, flushes on exit, and
/// fsyncs with `sync_on_exit(true)`), wrap the file in a `BufWriter`, or
/// implement `Close` on your own wrapper.
///
/// ```
/// use ctxmgr::Close;
///
/// struct Connection {
///     open: bool,
/// }
/// impl Close for Connection {
///     type Error = String;
///     fn close(&mut self) -> Result<(), String> {
///         if !self.open {
///             return Err("already closed".into());
///         }
///         self.open = false;
///         Ok(())
///     }
/// }
/// let mut c = Connection { open: true };
/// assert!(c.close().is_ok());
/// assert!(c.close().is_err());
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `ctxmgr::Close`",
    label = "`closing` needs a value with a fallible close",
    note = "`Close` is implemented for BufWriter, LineWriter, Stdout, Stderr, Child, TcpStream, UnixStream, and `&mut T`/`Box<T>` of those; implement it for your own type",
    note = "a `std::fs::File` has no fallible close: use `ctxmgr::open`, or a `BufWriter<File>`"
)]
pub trait Close {
    /// The error of a failed close.
    type Error;

    /// Closes the resource. Called by [`closing`]'s exit on every path out
    /// of the body.
    fn close(&mut self) -> Result<(), Self::Error>;
}

// `&mut T` and `Box<T>` close the `T`: the forwarding impls of both
// traits, `Close` and `AsyncClose`, written once.
macro_rules! close_through_pointers {
    ($Close:ident -> $Ret:ty) => {
        impl<T: $Close + ?Sized> $Close for &mut T {
            type Error = T::Error;
            #[inline]
            fn close(&mut self) -> $Ret {
                (**self).close()
            }
        }

        #[cfg(feature = "alloc")]
        impl<T: $Close + ?Sized> $Close for alloc::boxed::Box<T> {
            type Error = T::Error;
            #[inline]
            fn close(&mut self) -> $Ret {
                (**self).close()
            }
        }
    };
}

close_through_pointers!(Close -> Result<(), Self::Error>);

#[cfg(feature = "std")]
mod std_close {
    use super::Close;
    use std::io::{self, Write};

    macro_rules! flush_on_close {
        ($(impl $(<$W:ident: $bound:path>)? Close for $t:ty;)*) => {$(
            impl $(<$W: $bound>)? Close for $t {
                type Error = io::Error;
                #[inline]
                fn close(&mut self) -> io::Result<()> {
                    self.flush()
                }
            }
        )*};
    }
    flush_on_close! {
        impl<W: Write> Close for io::BufWriter<W>;
        impl<W: Write> Close for io::LineWriter<W>;
        impl Close for io::Stdout;
        impl Close for io::Stderr;
        impl Close for io::StdoutLock<'_>;
        impl Close for io::StderrLock<'_>;
    }

    impl Close for std::process::Child {
        type Error = io::Error;
        #[inline]
        fn close(&mut self) -> io::Result<()> {
            // `wait` closes the child's stdin first, so a child reading it
            // to the end does not deadlock us.
            self.wait().map(drop)
        }
    }

    #[inline]
    fn shut_down(result: io::Result<()>) -> io::Result<()> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::NotConnected => Ok(()),
            other => other,
        }
    }

    impl Close for std::net::TcpStream {
        type Error = io::Error;
        #[inline]
        fn close(&mut self) -> io::Result<()> {
            shut_down(self.shutdown(std::net::Shutdown::Both))
        }
    }

    #[cfg(unix)]
    impl Close for std::os::unix::net::UnixStream {
        type Error = io::Error;
        #[inline]
        fn close(&mut self) -> io::Result<()> {
            shut_down(self.shutdown(std::net::Shutdown::Both))
        }
    }
}

/// Python's `contextlib.closing(x)`: lends `&mut x` to the body and calls
/// [`Close::close`] on exit, on every path (also when the body failed or
/// panicked, as Python does). A failed close is the error `with!` returns;
/// when the body was already failing, the close error replaces the body's
/// (the crate-wide rule).
///
/// Pass `&mut x` to keep `x` after the block, or get it back with
/// [`Closing::into_inner`].
///
/// ```
/// use ctxmgr::with;
/// use std::io::{self, BufWriter, Write};
///
/// fn save(out: &mut Vec<u8>) -> io::Result<()> {
///     with!(ctxmgr::closing(BufWriter::new(out)) as w, {
///         w.write_all(b"flushed at exit")?;
///     });
///     Ok(())
/// }
/// let mut out = Vec::new();
/// save(&mut out)?;
/// assert_eq!(out, b"flushed at exit");
/// # Ok::<(), io::Error>(())
/// ```
///
/// A flush that fails is an error, not silence (a `BufWriter` dropped at
/// the end of a block would have lost the data and said nothing):
///
/// ```
/// # #[cfg(target_os = "linux")] {
/// use ctxmgr::with;
/// use std::io::{self, BufWriter, Write};
///
/// fn save() -> io::Result<()> {
///     let full = std::fs::OpenOptions::new().write(true).open("/dev/full")?;
///     with!(ctxmgr::closing(BufWriter::new(full)) as w, {
///         w.write_all(b"lost?")?; // buffered: succeeds
///     }); // the flush in close fails
///     Ok(())
/// }
/// assert_eq!(save().unwrap_err().raw_os_error(), Some(28)); // ENOSPC
/// # }
/// ```
#[must_use = "`closing` does nothing until entered, e.g. with `with!`"]
#[inline]
pub fn closing<T: Close>(x: T) -> Closing<T> {
    Closing(x)
}

/// The manager returned by [`closing`].
///
/// ```
/// use ctxmgr::with;
/// use std::io::{BufWriter, Write};
///
/// fn fill(buf: &mut Vec<u8>) -> std::io::Result<()> {
///     with!(ctxmgr::closing(BufWriter::new(&mut *buf)) as w, {
///         w.write_all(b"flushed by exit")?;
///     });
///     Ok(())
/// }
/// let mut buf = Vec::new();
/// fill(&mut buf).unwrap();
/// assert_eq!(buf, b"flushed by exit");
/// ```
#[derive(Debug)]
pub struct Closing<T>(T);

impl<T> Closing<T> {
    /// The wrapped value, without closing it.
    ///
    /// ```
    /// use std::io::{BufWriter, Write};
    ///
    /// let mut manager = ctxmgr::closing(BufWriter::new(Vec::new()));
    /// let mut w = manager.into_inner(); // not closed: flush or close it yourself
    /// w.write_all(b"x").unwrap();
    /// assert_eq!(w.into_inner().unwrap(), b"x");
    /// ```
    #[inline]
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: Close> ContextManager for Closing<T> {
    type Value<'a>
        = &'a mut T
    where
        Self: 'a;
    type Error = T::Error;

    #[inline]
    fn enter(&mut self) -> Result<&mut T, T::Error> {
        Ok(&mut self.0)
    }

    #[inline]
    fn exit(&mut self, _outcome: Outcome<'_>) -> Result<(), T::Error> {
        self.0.close()
    }
}

// ---------------------------------------------------------------------------
// aclosing

/// Something with a fallible close that is awaited: flush what is buffered,
/// shut down what is connected. Used by [`aclosing`]; the async twin of
/// [`Close`].
///
/// Implemented for `&mut T` and (with `alloc`) `Box<T>` where `T:
/// AsyncClose`, and with the `tokio` feature for:
///
/// | type | `close` does | error |
/// | --- | --- | --- |
/// | [`tokio::net::TcpStream`](::tokio::net::TcpStream), [`tokio::net::UnixStream`](::tokio::net::UnixStream) (unix) | flushes and shuts down the writing half (`AsyncWriteExt::shutdown`: the peer reads the end of the stream); a stream the peer already disconnected (`NotConnected`) counts as closed | [`io::Error`](std::io::Error) |
/// | [`tokio::fs::File`](::tokio::fs::File) | `flush().await`: waits for the write tokio runs in the background and reports its error (a full disk); the descriptor closes when dropped | `io::Error` |
/// | [`tokio::io::BufWriter<W>`](::tokio::io::BufWriter), [`BufStream<RW>`](::tokio::io::BufStream) | flushes the buffer into `W` (`W` itself closes when dropped; wrap it in `aclosing` too to shut it down) | `io::Error` |
/// | [`tokio::io::Stdout`](::tokio::io::Stdout), [`Stderr`](::tokio::io::Stderr) | flushes | `io::Error` |
///
/// Left out on purpose: `tokio::process::Child` (waiting for it needs
/// tokio's `process` feature and its signal handling; await `child.wait()`
/// in the body).
///
/// ```
/// use ctxmgr::AsyncClose;
///
/// struct Session {
///     open: bool,
/// }
/// impl AsyncClose for Session {
///     type Error = String;
///     async fn close(&mut self) -> Result<(), String> {
///         if !self.open {
///             return Err("already closed".into());
///         }
///         self.open = false; // say goodbye to the server here
///         Ok(())
///     }
/// }
/// # use std::future::Future;
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let mut s = Session { open: true };
/// assert!(matches!(
///     std::pin::pin!(s.close()).poll(&mut cx),
///     std::task::Poll::Ready(Ok(()))
/// ));
/// assert!(matches!(
///     std::pin::pin!(s.close()).poll(&mut cx),
///     std::task::Poll::Ready(Err(_))
/// ));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` does not implement `ctxmgr::AsyncClose`",
    label = "`aclosing` needs a value with an awaited, fallible close",
    note = "`AsyncClose` is implemented, with the `tokio` feature, for tokio's TcpStream, UnixStream, File, BufWriter, BufStream, Stdout and Stderr, and for `&mut T`/`Box<T>` of those; implement it for your own type",
    note = "for a value whose close is not awaited, use `ctxmgr::closing` and `ctxmgr::Close`"
)]
pub trait AsyncClose {
    /// The error of a failed close.
    type Error;

    /// Closes the resource. Awaited by [`aclosing`]'s exit on every path
    /// out of the body that `with!(async ..)` sees.
    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>>;
}

close_through_pointers!(AsyncClose -> impl Future<Output = Result<(), Self::Error>>);

/// Python's `contextlib.aclosing(x)` (3.10): lends `&mut x` to the body of a
/// `with!(async ..)` and awaits [`AsyncClose::close`] on exit, on every path
/// it sees (also when the body failed or panicked). A failed close is the
/// error `with!` returns; when the body was already failing, the close
/// error replaces the body's (the crate-wide rule).
///
/// When the future is dropped mid-body (cancelled), the close cannot be
/// awaited: nothing runs, and `x` is dropped as it would be without
/// `aclosing` (a `TcpStream` is then closed without a shutdown).
///
/// ```
/// use ctxmgr::with;
/// # #[cfg(feature = "tokio")]
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// # #[cfg(not(feature = "tokio"))] fn main() {}
/// # #[cfg(feature = "tokio")]
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let mut client = tokio::net::TcpStream::connect(listener.local_addr()?).await?;
/// let (mut server, _) = listener.accept().await?;
/// with!(async { ctxmgr::aclosing(&mut client) } as c, {
///     c.write_all(b"bye").await?;
/// }); // shut down here: the server reads the end of the stream
/// let mut got = Vec::new();
/// server.read_to_end(&mut got).await?;
/// assert_eq!(got, b"bye");
/// # Ok(()) }
/// ```
#[must_use = "`aclosing` does nothing until entered, e.g. with `with!(async ..)`"]
#[inline]
pub fn aclosing<T: AsyncClose>(x: T) -> AClosing<T> {
    AClosing(x)
}

/// The manager returned by [`aclosing`]: an [`AsyncContextManager`] whose
/// value is `&mut T`.
///
/// ```
/// use ctxmgr::{with, AsyncClose};
///
/// /// Counts its closes.
/// struct Counted(u32);
/// impl AsyncClose for Counted {
///     type Error = std::convert::Infallible;
///     async fn close(&mut self) -> Result<(), Self::Error> {
///         self.0 += 1;
///         Ok(())
///     }
/// }
///
/// async fn twice(c: &mut Counted) {
///     for _ in 0..2 {
///         with!(async { ctxmgr::aclosing(&mut *c) } as c, {
///             assert!(c.0 < 2)
///         });
///     }
/// }
/// # use std::future::Future;
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// let mut c = Counted(0);
/// assert!(std::pin::pin!(twice(&mut c)).poll(&mut cx).is_ready());
/// assert_eq!(c.0, 2);
/// ```
#[derive(Debug)]
pub struct AClosing<T>(T);

impl<T> AClosing<T> {
    /// The wrapped value, without closing it.
    ///
    /// ```
    /// # struct Noop;
    /// # impl ctxmgr::AsyncClose for Noop {
    /// #     type Error = std::convert::Infallible;
    /// #     async fn close(&mut self) -> Result<(), Self::Error> { Ok(()) }
    /// # }
    /// let manager = ctxmgr::aclosing(Noop);
    /// let _noop: Noop = manager.into_inner(); // not closed
    /// ```
    #[inline]
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: AsyncClose> AsyncContextManager for AClosing<T> {
    type Value<'a>
        = &'a mut T
    where
        Self: 'a;
    type Error = T::Error;

    #[inline]
    fn enter(&mut self) -> impl Future<Output = Result<&mut T, T::Error>> {
        core::future::ready(Ok(&mut self.0))
    }

    #[inline]
    fn exit(&mut self, _outcome: Outcome<'_>) -> impl Future<Output = Result<(), T::Error>> {
        self.0.close()
    }
}
