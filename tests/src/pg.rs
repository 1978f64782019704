//! A throwaway PostgreSQL server for the tests: one per test binary, started
//! on first use by [`server`], stopped when the test process ends.
//!
//! ```ignore
//! let Some(pg) = ctxmgr_tests::pg::server() else { return }; // skipped, said loudly
//! let url = pg.fresh_database("commit"); // postgres://postgres@127.0.0.1:PORT/commit_1
//! ```
//!
//! How it runs the server:
//!
//! * The binaries (`initdb`, `pg_ctl`, `postgres`, `createdb`) come from
//!   `$PG_BINDIR`, else the folder of the `initdb` on `PATH`, else the newest
//!   `/usr/lib/postgresql/*/bin`, else `/usr/local/pgsql/bin`.
//! * A fresh cluster in a new folder under `/dev/shm` (RAM: initdb takes about
//!   0.35 s there), else `$TMPDIR` or `/tmp`; trust authentication, superuser
//!   `postgres`, listening on a free port of 127.0.0.1 only (no Unix socket),
//!   `fsync`, `synchronous_commit` and `full_page_writes` off.
//! * initdb and postgres refuse to run as root: under root they run as the
//!   `postgres` user if there is one, else `nobody` (or `$PG_SCRATCH_USER`),
//!   through `runuser` or `setpriv`.
//! * The server does not outlive the test process: a watchdog (`sh`, in its own
//!   process group, deaf to Ctrl-C) reads a pipe whose only writer is the
//!   test process. When the test process ends, however it ends (normal exit,
//!   panic, SIGKILL), the pipe closes, and the watchdog stops the server
//!   (immediate shutdown), waits for it, and deletes the folder. (Killed
//!   while `pg_ctl start` runs, a server may come up after the folder is gone;
//!   PostgreSQL then shuts itself down when it finds its lock file missing,
//!   within a minute.)
//!
//! When the binaries are missing, or the server does not start, [`server`]
//! prints a loud message naming the test that is skipped and returns `None`.
//! With `CTXMGR_REQUIRE_PG=1` in the environment (`.ci/run` sets it) it
//! panics instead, so CI cannot pass without running the PostgreSQL tests.
//!
//! Nothing here depends on files outside this repository.

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running throwaway server. See the [module docs](self).
pub struct PgServer {
    url: String,
    port: u16,
    bindir: PathBuf,
    dir: PathBuf,
    /// The write end of the watchdog's pipe: never closed while the process
    /// lives (the value sits in a `static`), closed by the kernel when it ends.
    _watchdog: Mutex<ChildStdin>,
    databases: AtomicU32,
}

impl std::fmt::Debug for PgServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgServer")
            .field("url", &self.url)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

static SERVER: OnceLock<Result<PgServer, String>> = OnceLock::new();

/// The server of this test binary, started on the first call (about half a
/// second), or `None` when PostgreSQL is not available: then a message says
/// loudly which test is skipped and why.
///
/// # Panics
///
/// When the server is not available and `CTXMGR_REQUIRE_PG=1` is set.
#[track_caller]
pub fn server() -> Option<&'static PgServer> {
    let caller = std::panic::Location::caller();
    match SERVER.get_or_init(start) {
        Ok(server) => Some(server),
        Err(why) => {
            let require = std::env::var("CTXMGR_REQUIRE_PG").is_ok_and(|v| v == "1");
            assert!(
                !require,
                "CTXMGR_REQUIRE_PG=1 but PostgreSQL is not available: {why}"
            );
            eprintln!(
                "\n*** SKIPPED: the PostgreSQL test at {caller} did not run: {why}\n\
                 *** (install the server: Debian `apt-get install -y postgresql`, or set \
                 PG_BINDIR; CTXMGR_REQUIRE_PG=1 makes this a failure)\n"
            );
            None
        }
    }
}

impl PgServer {
    /// The URL of the server's `postgres` database, as superuser `postgres`:
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The TCP port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Creates a new empty database named after `hint` (letters, digits and
    /// `_` kept, lowercased) and a counter, and returns its URL.
    ///
    /// # Panics
    ///
    /// When `createdb` fails.
    pub fn fresh_database(&self, hint: &str) -> String {
        let n = self.databases.fetch_add(1, Ordering::Relaxed);
        let mut name: String = hint
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(40)
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
            name.insert(0, 'd');
        }
        write!(name, "_{n}").unwrap();
        let out = Command::new(self.bindir.join("createdb"))
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .arg(&name)
            .stdin(Stdio::null())
            .output()
            .expect("pg: could not run createdb");
        assert!(
            out.status.success(),
            "pg: createdb {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

fn start() -> Result<PgServer, String> {
    if !cfg!(unix) {
        return Err("the test server runs on Unix only".into());
    }
    let bindir = find_bindir()?;
    let user = run_as_user()?;
    let dir = make_dir(user.as_deref())?;
    // From here on the watchdog owns the folder: it deletes it when the pipe
    // closes, whether start succeeds or not.
    let (watchdog, stdin) = spawn_watchdog(&dir)?;
    match init_and_start(&bindir, user.as_deref(), &dir) {
        Ok(port) => Ok(PgServer {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            port,
            bindir,
            dir,
            _watchdog: Mutex::new(stdin),
            databases: AtomicU32::new(0),
        }),
        Err(e) => {
            drop(stdin);
            let mut watchdog = watchdog;
            let _ = watchdog.wait();
            Err(e)
        }
    }
}

fn has_server_binaries(dir: &Path) -> bool {
    ["initdb", "pg_ctl", "postgres", "createdb"]
        .iter()
        .all(|b| dir.join(b).is_file())
}

fn find_bindir() -> Result<PathBuf, String> {
    let mut candidates = Vec::new();
    if let Some(d) = std::env::var_os("PG_BINDIR") {
        candidates.push(PathBuf::from(d));
    }
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            let initdb = d.join("initdb");
            if initdb.is_file() {
                // /usr/local/bin/initdb is often a link into the real folder.
                if let Some(real) = std::fs::canonicalize(&initdb)
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                {
                    candidates.push(real);
                }
                candidates.push(d);
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let v = e.file_name().to_str()?.parse::<u32>().ok()?;
                Some((v, e.path().join("bin")))
            })
            .collect();
        versions.sort_by_key(|v| std::cmp::Reverse(v.0));
        candidates.extend(versions.into_iter().map(|(_, p)| p));
    }
    candidates.push(PathBuf::from("/usr/local/pgsql/bin"));
    candidates
        .into_iter()
        .find(|d| has_server_binaries(d))
        .ok_or_else(|| {
            "the PostgreSQL server binaries (initdb, pg_ctl, postgres, createdb) were not found \
             in $PG_BINDIR, on PATH, in /usr/lib/postgresql/*/bin or /usr/local/pgsql/bin"
                .to_string()
        })
}

fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `None` when we are not root; else the user initdb and postgres run as.
fn run_as_user() -> Result<Option<String>, String> {
    let uid = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|e| format!("could not run `id -u`: {e}"))?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Ok(None);
    }
    let exists = |u: &str| {
        Command::new("id")
            .args(["-u", u])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let user = match std::env::var("PG_SCRATCH_USER") {
        Ok(u) => u,
        Err(_) if exists("postgres") => "postgres".into(),
        Err(_) => "nobody".into(),
    };
    if !exists(&user) {
        return Err(format!(
            "running as root, and user `{user}` to run PostgreSQL as does not exist"
        ));
    }
    Ok(Some(user))
}

/// A command that runs `program` as `user` (directly when `None`), from `/`.
fn as_user(user: Option<&str>, program: &Path) -> Command {
    let mut cmd = match user {
        None => Command::new(program),
        Some(user) if which("runuser") => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        Some(user) => {
            let gid = Command::new("id")
                .args(["-g", user])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default();
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={user}"))
                .arg(format!("--regid={gid}"))
                .args(["--init-groups", "--"])
                .arg(program);
            c
        }
    };
    cmd.current_dir("/").stdin(Stdio::null());
    cmd
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(program).is_file()))
}

fn make_dir(user: Option<&str>) -> Result<PathBuf, String> {
    let mut bases = vec![PathBuf::from("/dev/shm")];
    if let Some(t) = std::env::var_os("TMPDIR") {
        bases.push(PathBuf::from(t));
    }
    bases.push(PathBuf::from("/tmp"));
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for base in bases {
        let dir = base.join(format!("ctxmgr-pg.{}.{stamp}", std::process::id()));
        if std::fs::create_dir(&dir).is_err() {
            continue;
        }
        if let Some(user) = user {
            let chown = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&dir)
                .status();
            // The user must be able to reach the folder too (/tmp is fine;
            // a private $TMPDIR may not be).
            let reachable = as_user(Some(user), Path::new("test"))
                .arg("-w")
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            if !chown.is_ok_and(|s| s.success()) || !reachable {
                let _ = std::fs::remove_dir_all(&dir);
                continue;
            }
        }
        return Ok(dir);
    }
    Err("no temporary folder usable for the server's data (tried /dev/shm, $TMPDIR, /tmp)".into())
}

/// The watchdog: waits for its stdin to close (the test process ended, or
/// start failed), then stops the server and deletes `dir`.
const WATCHDOG: &str = r#"
trap '' INT TERM HUP
cat >/dev/null
pidfile="$1/data/postmaster.pid"
if [ -f "$pidfile" ]; then
  pid=$(head -n 1 "$pidfile")
  if [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null; then
    i=0
    # Gone when its lock file is (a zombie nobody reaps still answers kill -0).
    while [ -f "$pidfile" ] && kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
      sleep 0.05; i=$((i + 1))
    done
    kill -KILL "$pid" 2>/dev/null
  fi
fi
rm -rf "$1"
"#;

fn spawn_watchdog(dir: &Path) -> Result<(Child, ChildStdin), String> {
    use std::os::unix::process::CommandExt as _;
    let mut child = Command::new("sh")
        .args(["-c", WATCHDOG, "ctxmgr-pg-watchdog"])
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .current_dir("/")
        // Its own process group: a Ctrl-C on the terminal does not reach it.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("could not start the watchdog (sh): {e}"))?;
    let stdin = child.stdin.take().expect("piped stdin");
    Ok((child, stdin))
}

fn init_and_start(bindir: &Path, user: Option<&str>, dir: &Path) -> Result<u16, String> {
    let began = Instant::now();
    let data = dir.join("data");
    let out = as_user(user, &bindir.join("initdb"))
        .arg("-D")
        .arg(&data)
        .args([
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "-N",
        ])
        .output()
        .map_err(|e| format!("could not run initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb failed:\n{}", output_text(&out)));
    }
    let mut conf = std::fs::OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .map_err(|e| format!("could not open postgresql.conf: {e}"))?;
    conf.write_all(
        b"\n# ctxmgr-tests\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n\
          fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n\
          max_connections = 200\n",
    )
    .map_err(|e| format!("could not write postgresql.conf: {e}"))?;
    drop(conf);
    let log = dir.join("server.log");
    let mut last = String::new();
    for _ in 0..5 {
        let port = free_port()?;
        let out = as_user(user, &bindir.join("pg_ctl"))
            .arg("-D")
            .arg(&data)
            .arg("-l")
            .arg(&log)
            .args(["-o", &format!("-p {port}"), "-w", "-t", "30", "start"])
            .output()
            .map_err(|e| format!("could not run pg_ctl: {e}"))?;
        if out.status.success() {
            eprintln!(
                "ctxmgr-tests: PostgreSQL ({}) up on 127.0.0.1:{port} in {:.2} s, data in {}",
                bindir.display(),
                began.elapsed().as_secs_f64(),
                dir.display()
            );
            return Ok(port);
        }
        let server_log = std::fs::read_to_string(&log).unwrap_or_default();
        last = format!("{}\n{server_log}", output_text(&out));
        if !(server_log.contains("could not bind") || server_log.contains("already in use")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("the server did not start:\n{last}"))
}

/// A port nobody listens on now, below Linux's ephemeral range (so that no
/// outgoing connection takes it meanwhile).
fn free_port() -> Result<u16, String> {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos())
        ^ std::process::id().wrapping_mul(2_654_435_761);
    for i in 0..50u32 {
        let port = 15000 + (seed.wrapping_add(i.wrapping_mul(7919)) % 17000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return Ok(port);
        }
    }
    Err("no free port found for the server".into())
}

#[cfg(test)]
mod tests {
    use std::net::TcpStream;

    #[test]
    fn the_server_listens_and_makes_databases() {
        let Some(pg) = super::server() else { return };
        assert!(pg.url().starts_with("postgres://postgres@127.0.0.1:"));
        TcpStream::connect(("127.0.0.1", pg.port())).expect("the server listens");
        let a = pg.fresh_database("Some test!");
        let b = pg.fresh_database("Some test!");
        assert_ne!(a, b);
        assert!(a.contains("/some_test__"), "{a}");
        // The same server for every caller in this process.
        assert!(std::ptr::eq(pg, super::server().unwrap()));
    }
}
