//! What a dropped transaction reports: [`Dropped`], [`CancelRequest`],
//! [`CancelTarget`].

use core::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::string::String;
use std::time::Duration;

/// What happened when the `with!` future was dropped before exit ended,
/// passed to the [`on_drop`](super::Transaction::on_drop) callback.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Dropped {
    /// Dropped mid-body: the cancel request went as `cancel` says, then
    /// `ROLLBACK` (`ROLLBACK TO`) was queued. Nothing of the body commits.
    RolledBack {
        /// What became of the cancel request.
        cancel: CancelRequest,
    },
    /// Dropped while `COMMIT` (`RELEASE`) was in flight: the server may or
    /// may not have committed. The connection is left outside the
    /// transaction either way.
    CommitUnknown,
    /// Dropped while exit's `ROLLBACK` (`ROLLBACK TO`) was in flight: it runs
    /// to its end on its own; nothing commits.
    RollbackInFlight,
}

/// What became of the cancel request sent when the future was dropped
/// mid-body (see [`Dropped::RolledBack`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelRequest {
    /// The server received it and signalled the backend before the
    /// `ROLLBACK` was queued: it could only hit a statement of the dropped
    /// body (or nothing, if the backend was idle).
    Confirmed {
        /// How long the exchange blocked `drop_exit`.
        took: Duration,
    },
    /// Not sent: the server named no address to send it to. A statement in
    /// flight runs to its end; the `ROLLBACK` follows it.
    NoAddress,
    /// Not sent: connecting to `address` failed (the message says why). A
    /// statement in flight runs to its end; the `ROLLBACK` follows it.
    Failed {
        /// Where it was sent.
        address: CancelTarget,
        /// The I/O error.
        error: String,
    },
    /// Sent, but the server did not confirm it in time, so it could still
    /// land later: the session was ended with
    /// `pg_terminate_backend(pg_backend_pid())` queued before the `ROLLBACK`,
    /// so that it cannot hit a later statement. The connection is closed.
    Unconfirmed {
        /// Where it was sent.
        address: CancelTarget,
    },
}

/// Where a cancel request goes: the server's TCP address, or its Unix
/// socket.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelTarget {
    /// A TCP address.
    Tcp(SocketAddr),
    /// The path of a Unix socket (`<dir>/.s.PGSQL.<port>`).
    Unix(PathBuf),
}

impl fmt::Display for CancelTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelTarget::Tcp(a) => a.fmt(f),
            CancelTarget::Unix(p) => p.display().fmt(f),
        }
    }
}

impl From<SocketAddr> for CancelTarget {
    fn from(address: SocketAddr) -> Self {
        CancelTarget::Tcp(address)
    }
}
