//! `with!(async ..)`: a TCP session that says goodbye on every path, and the
//! async `open` (feature `tokio`).
//!
//! ```sh
//! cargo run --example async_tour --features tokio
//! ```
//!
//! Python's
//!
//! ```python
//! async with Session(addr) as conn:
//!     answer = await conn.ask("hello")
//! ```
//!
//! in Rust. Rust has no async `Drop`: a connection dropped mid-task cannot
//! await its goodbye. Here the session's exit *awaits* it — "bye", the
//! write half shut down, the server's ack and close — whether the body
//! succeeded, failed with `?` or panicked, and prints what it saw.
//!
//! Everything runs on 127.0.0.1 (an ephemeral port) under timeouts, and the
//! whole tour stops itself within a few seconds.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use ctxmgr::{with, AsyncContextManager, Outcome};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

/// No network step of the tour may take longer.
const STEP: Duration = Duration::from_secs(2);

fn timed_out(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        format!("{what} took over {STEP:?}"),
    )
}

/// The echo server: answers each line with itself; to "bye" it answers
/// "ack bye" and closes the connection.
async fn serve(listener: TcpListener) {
    while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(async move {
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let (answer, last) = match line.as_str() {
                    "bye" => ("ack bye".to_string(), true),
                    _ => (line, false),
                };
                if write
                    .write_all(format!("{answer}\n").as_bytes())
                    .await
                    .is_err()
                    || last
                {
                    break;
                }
            }
        }); // dropping the halves closes the connection
    }
}

/// A client session: enter connects, exit says goodbye and waits for the
/// server to acknowledge and close.
struct Session {
    name: &'static str,
    addr: SocketAddr,
    conn: Option<Conn>,
}

/// What the body gets: a connection to ask things on.
struct Conn {
    stream: BufReader<TcpStream>,
}

impl Conn {
    /// Sends `line`, awaits the server's answer.
    async fn ask(&mut self, line: &str) -> io::Result<String> {
        self.stream
            .write_all(format!("{line}\n").as_bytes())
            .await?;
        let mut answer = String::new();
        timeout(STEP, self.stream.read_line(&mut answer))
            .await
            .map_err(|_| timed_out("an answer"))??;
        Ok(answer.trim_end().to_string())
    }
}

impl Session {
    fn new(name: &'static str, addr: SocketAddr) -> Self {
        Session {
            name,
            addr,
            conn: None,
        }
    }
}

fn describe(outcome: &Outcome<'_>) -> String {
    match outcome {
        Outcome::Ok => "Ok".to_string(),
        Outcome::Err(e) => format!("Err({e})"),
        Outcome::Panic => "Panic".to_string(),
        Outcome::Unseen => "Unseen".to_string(),
    }
}

impl AsyncContextManager for Session {
    type Value<'a> = &'a mut Conn;
    type Error = io::Error;

    async fn enter(&mut self) -> io::Result<&mut Conn> {
        let stream = timeout(STEP, TcpStream::connect(self.addr))
            .await
            .map_err(|_| timed_out("connecting"))??;
        println!("  [{}] connected", self.name);
        Ok(self.conn.insert(Conn {
            stream: BufReader::new(stream),
        }))
    }

    async fn exit(&mut self, outcome: Outcome<'_>) -> io::Result<()> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        println!(
            "  [{}] exit sees {}: saying bye",
            self.name,
            describe(&outcome)
        );
        let goodbye = async {
            conn.stream.write_all(b"bye\n").await?;
            conn.stream.shutdown().await?; // our half closed: the server sees EOF
            let mut rest = String::new();
            conn.stream.read_to_string(&mut rest).await?; // until the server closes
            Ok::<_, io::Error>(rest)
        };
        let rest = timeout(STEP, goodbye)
            .await
            .map_err(|_| timed_out("the goodbye"))??;
        println!(
            "  [{}] server answered {:?} and closed: a clean goodbye",
            self.name,
            rest.trim_end()
        );
        Ok(())
    }

    fn drop_exit(&mut self, outcome: Outcome<'_>) {
        // Cancelled: nothing can be awaited, the connection is just dropped.
        if self.conn.take().is_some() {
            println!(
                "  [{}] dropped ({}): no goodbye",
                self.name,
                describe(&outcome)
            );
        }
    }
}

/// Path 1: The body succeeds.
async fn greet(addr: SocketAddr) -> io::Result<String> {
    Ok(with!(async { Session::new("ok", addr) } as conn, {
        conn.ask("hello").await?
    }))
}

/// Path 2: The body fails with `?`: exit sees the error, says goodbye, and the
/// error propagates.
async fn parse_answer(addr: SocketAddr) -> io::Result<u32> {
    Ok(with!(async { Session::new("error", addr) } as conn, {
        let answer = conn.ask("forty-two").await?;
        answer.parse::<u32>().map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{answer:?} is not a number: {e}"),
            )
        })?
    }))
}

/// Path 3: The body panics: exit is awaited with `Outcome::Panic`, then the panic
/// resumes (and ends the task).
async fn crash(addr: SocketAddr) -> io::Result<()> {
    with!(async { Session::new("panic", addr) } as conn, {
        let answer = conn.ask("boom").await?;
        panic!("the body panicked after hearing {answer:?}");
    });
    #[allow(unreachable_code)]
    Ok(())
}

/// Path 4: Cancelled by a timeout mid-body: exit cannot be awaited, `drop_exit` runs.
async fn dawdle(addr: SocketAddr) -> io::Result<()> {
    with!(async { Session::new("cancelled", addr) } as conn, {
        conn.ask("wait for me").await?;
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
    Ok(())
}

/// Path 5: The async `open`: exit awaits the flush and `sync_all`.
async fn save(path: &std::path::Path, text: &str) -> io::Result<()> {
    with!(async { ctxmgr::tokio::open(path).mode("w") } as f, {
        f.write_all(text.as_bytes()).await?; // buffered
    }); // flushed and synced here, or the error returned
    Ok(())
}

async fn tour() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(serve(listener));
    println!("echo server on {addr}");

    println!("\n1. the body succeeds");
    let answer = greet(addr).await?;
    println!("  with! returned Ok({answer:?})");

    println!("\n2. the body fails with `?`");
    let error = parse_answer(addr).await.unwrap_err();
    println!("  with! returned Err({error})");

    println!("\n3. the body panics (in a spawned task)");
    let joined = tokio::spawn(crash(addr)).await;
    let panicked = joined.as_ref().is_err_and(|e| e.is_panic());
    assert!(panicked, "the task was meant to panic: {joined:?}");
    println!("  the task ended in a panic, after exit said goodbye");

    println!("\n4. the body is cancelled by a timeout");
    let cancelled = timeout(Duration::from_millis(100), dawdle(addr)).await;
    assert!(cancelled.is_err(), "the body was meant to time out");
    println!("  the timeout dropped the future");

    server.abort();

    println!("\n5. an async file: ctxmgr::tokio::open");
    let dir = std::env::temp_dir().join(format!("ctxmgr-async-tour-{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await?;
    let path = dir.join("answer.txt");
    save(&path, &format!("{answer}\n")).await?;
    let on_disk = tokio::fs::read_to_string(&path).await?;
    println!(
        "  answer.txt holds {:?} as soon as the with! ends",
        on_disk.trim_end()
    );
    tokio::fs::remove_dir_all(&dir).await?;
    if cfg!(target_os = "linux") {
        let full = save("/dev/full".as_ref(), "lost?").await.unwrap_err();
        println!("  /dev/full: the write was buffered, exit's flush returned Err({full})");
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    // A one-line panic message instead of the default report, to keep the
    // transcript short.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map_or("(a panic)", String::as_str);
        println!("  [body] panicked: {message}");
    }));
    timeout(Duration::from_secs(10), tour())
        .await
        .map_err(|_| timed_out("the tour"))?
}
