//! The cancel request, sent and confirmed synchronously, and the address it
//! goes to.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::io::{self, Read as _, Write as _};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::string::{String, ToString};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use std::vec::Vec;

use tokio_postgres::tls::{ChannelBinding, TlsConnect, TlsStream};
use tokio_postgres::{CancelToken, Client};

use super::report::{CancelRequest, CancelTarget};

/// The one query [`Core::locate`] needs, from a client or a transaction.
pub(super) trait AsyncAsk {
    fn ask(self) -> impl Future<Output = Result<Option<CancelTarget>, tokio_postgres::Error>>;
}

/// The connection's server address; over a Unix socket (no address), the
/// server's first socket folder and port.
const ASK_ADDRESS: &str = "SELECT host(inet_server_addr()), inet_server_port(), \
     current_setting('unix_socket_directories'), current_setting('port')";

fn parse_address(row: &tokio_postgres::Row) -> Option<CancelTarget> {
    let host: Option<String> = row.get(0);
    let port: Option<i32> = row.get(1);
    if let (Some(host), Some(port)) = (host, port) {
        let ip: IpAddr = host.parse().ok()?;
        return Some(CancelTarget::Tcp(SocketAddr::new(
            ip,
            u16::try_from(port).ok()?,
        )));
    }
    // A Unix socket: the first folder that is a path (not `@abstract`).
    let dirs: String = row.get(2);
    let port: String = row.get(3);
    let dir = dirs
        .split(',')
        .map(str::trim)
        .find(|d| d.starts_with('/'))?;
    Some(CancelTarget::Unix(
        PathBuf::from(dir).join(std::format!(".s.PGSQL.{}", port.trim())),
    ))
}

impl AsyncAsk for &Client {
    async fn ask(self) -> Result<Option<CancelTarget>, tokio_postgres::Error> {
        Ok(parse_address(&self.query_one(ASK_ADDRESS, &[]).await?))
    }
}

impl AsyncAsk for &tokio_postgres::Transaction<'_> {
    async fn ask(self) -> Result<Option<CancelTarget>, tokio_postgres::Error> {
        Ok(parse_address(&self.query_one(ASK_ADDRESS, &[]).await?))
    }
}

/// A backend's cancel key: its process id and secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Key {
    packet: [u8; 16],
}

impl Key {
    /// The key inside `token`: the driver writes its cancel request into a
    /// stream held in memory (no I/O; the future is ready at its first
    /// poll), whose last 16 bytes are the request.
    pub(super) fn of(token: &CancelToken) -> Option<Key> {
        let capture = Capture::default();
        let request = token.cancel_query_raw(capture.clone(), Capture::default());
        let mut request = core::pin::pin!(request);
        match request
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(Ok(())) => {}
            _ => return None,
        }
        let written = capture.0.lock().ok()?;
        let tail = written.get(written.len().checked_sub(16)?..)?;
        // Int32 16, Int32 80877102, Int32 pid, Int32 secret.
        if tail[..8] != [0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e] {
            return None;
        }
        let mut packet = [0; 16];
        packet.copy_from_slice(tail);
        Some(Key { packet })
    }

    /// Sends the cancel request to `address` and waits until the server
    /// closes the connection, which it does after signalling the backend.
    pub(super) fn cancel(&self, address: &CancelTarget) -> CancelRequest {
        const CONNECT: Duration = Duration::from_millis(500);
        const CONFIRM: Duration = Duration::from_millis(500);
        let began = Instant::now();
        let failed = |e: io::Error| CancelRequest::Failed {
            address: address.clone(),
            error: e.to_string(),
        };
        let unconfirmed = || CancelRequest::Unconfirmed {
            address: address.clone(),
        };
        let mut stream = match address {
            CancelTarget::Tcp(a) => match TcpStream::connect_timeout(a, CONNECT) {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    Stream::Tcp(s)
                }
                Err(e) => return failed(e),
            },
            #[cfg(unix)]
            CancelTarget::Unix(path) => match std::os::unix::net::UnixStream::connect(path) {
                Ok(s) => Stream::Unix(s),
                Err(e) => return failed(e),
            },
            #[cfg(not(unix))]
            CancelTarget::Unix(_) => {
                return failed(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "no Unix sockets on this platform",
                ))
            }
        };
        if stream.write_all(&self.packet).is_err() {
            // Perhaps partly written: treat as sent.
            return unconfirmed();
        }
        stream.shutdown_write();
        let deadline = Instant::now() + CONFIRM;
        let mut buf = [0u8; 64];
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || stream.set_read_timeout(left).is_err() {
                return unconfirmed();
            }
            match stream.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // Reset by the server: closed, as well.
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break,
                Err(_) => return unconfirmed(),
            }
        }
        CancelRequest::Confirmed {
            took: began.elapsed(),
        }
    }
}

/// The cancel request's connection.
enum Stream {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(std::os::unix::net::UnixStream),
}

impl Stream {
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.write_all(data),
            #[cfg(unix)]
            Stream::Unix(s) => s.write_all(data),
        }
    }
    fn shutdown_write(&self) {
        let _ = match self {
            Stream::Tcp(s) => s.shutdown(Shutdown::Write),
            #[cfg(unix)]
            Stream::Unix(s) => s.shutdown(Shutdown::Write),
        };
    }
    fn set_read_timeout(&self, timeout: Duration) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.set_read_timeout(Some(timeout)),
            #[cfg(unix)]
            Stream::Unix(s) => s.set_read_timeout(Some(timeout)),
        }
    }
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            #[cfg(unix)]
            Stream::Unix(s) => s.read(buf),
        }
    }
}

/// Where the cancel request of a backend goes, by key: asked once per
/// connection. A few dozen entries; the oldest go first.
static ADDRESSES: Mutex<Vec<(Key, Option<CancelTarget>)>> = Mutex::new(Vec::new());

pub(super) fn cached_address(key: Key) -> Option<Option<CancelTarget>> {
    let cache = ADDRESSES.lock().ok()?;
    cache
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, a)| a.clone())
}

pub(super) fn remember_address(key: Key, address: Option<CancelTarget>) {
    if let Ok(mut cache) = ADDRESSES.lock() {
        if cache.len() >= 64 {
            cache.remove(0);
        }
        cache.push((key, address.clone()));
    }
}

/// An in-memory stream that keeps what is written and answers `S` to the
/// TLS request, and a "TLS" connector that returns it unchanged: the driver
/// then writes its cancel request in the clear into it, whatever the
/// connection's `sslmode`.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl ::tokio::io::AsyncRead for Capture {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ::tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if buf.remaining() > 0 {
            buf.put_slice(b"S");
        }
        Poll::Ready(Ok(()))
    }
}

impl ::tokio::io::AsyncWrite for Capture {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Ok(mut written) = self.0.lock() {
            written.extend_from_slice(data);
        }
        Poll::Ready(Ok(data.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

impl TlsStream for Capture {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl TlsConnect<Capture> for Capture {
    type Stream = Capture;
    type Error = io::Error;
    type Future = core::future::Ready<io::Result<Capture>>;
    fn connect(self, stream: Capture) -> Self::Future {
        core::future::ready(Ok(stream))
    }
}
