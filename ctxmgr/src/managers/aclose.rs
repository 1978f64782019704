//! [`aclosing`] with the [`AsyncClose`] trait: Python's
//! `contextlib.aclosing`, for `with!(async ..)`.

use core::future::Future;

use crate::{AsyncContextManager, Outcome};

/// Something with a fallible close that is awaited: flush what is buffered,
/// shut down what is connected. Used by [`aclosing`]; the async twin of
/// [`Close`](crate::Close).
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

impl<T: AsyncClose + ?Sized> AsyncClose for &mut T {
    type Error = T::Error;
    #[inline]
    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> {
        (**self).close()
    }
}

#[cfg(feature = "alloc")]
impl<T: AsyncClose + ?Sized> AsyncClose for alloc::boxed::Box<T> {
    type Error = T::Error;
    #[inline]
    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> {
        (**self).close()
    }
}

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
