// canvass patch: new file. `DeadlineReader` enforces the per-request deadline (slowloris
// defence, hazard 3) under the connection's BufReader; `SharedWriter` is the response sink
// shared by a connection thread and the Request it is serving (see PATCHES.md).

use std::io::{self, BufWriter, ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// True for the errors a socket read timeout or an expired deadline produce. On Linux a
/// `SO_RCVTIMEO` timeout surfaces as `WouldBlock` (EAGAIN), elsewhere as `TimedOut`.
pub fn is_timeout(err: &io::Error) -> bool {
    matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Reads from a socket, failing with `TimedOut` once the current deadline has passed.
///
/// The deadline is only checked when the BufReader above actually reads from the socket,
/// so the per-byte path stays cheap. Near the deadline the socket's read timeout is
/// shortened to the time left, so that a single blocked read cannot outlive it.
pub struct DeadlineReader {
    stream: TcpStream,
    read_timeout: Option<Duration>,
    deadline: Option<Instant>,
    // true while the socket's read timeout is set shorter than `read_timeout`
    shortened: bool,
}

impl DeadlineReader {
    pub fn new(stream: TcpStream, read_timeout: Option<Duration>) -> DeadlineReader {
        DeadlineReader {
            stream,
            read_timeout,
            deadline: None,
            shortened: false,
        }
    }

    /// Sets (or clears) the instant after which reads fail.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
        if self.shortened {
            self.shortened = false;
            // best effort: if this fails the next read merely times out earlier
            let _ = self.stream.set_read_timeout(self.read_timeout);
        }
    }
}

impl Read for DeadlineReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(deadline) = self.deadline {
            let left = match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left,
                _ => {
                    return Err(io::Error::new(
                        ErrorKind::TimedOut,
                        "request deadline exceeded",
                    ))
                }
            };
            if self.read_timeout.is_none_or(|t| left < t) {
                self.stream.set_read_timeout(Some(left))?;
                self.shortened = true;
            }
        }
        self.stream.read(buf)
    }
}

/// The write half of a connection, shared by the connection thread (for the error
/// responses tiny_http writes itself) and the `Request` being answered.
#[derive(Clone)]
pub struct SharedWriter {
    inner: Arc<Mutex<BufWriter<TcpStream>>>,
}

impl SharedWriter {
    pub fn new(stream: TcpStream) -> SharedWriter {
        SharedWriter {
            // A response body is copied through this buffer; at 8 KiB a 64 KiB body took
            // eight write syscalls (and, with TCP_NODELAY, eight bursts). Pages are only
            // touched as far as a response fills them.
            inner: Arc::new(Mutex::new(BufWriter::with_capacity(64 * 1024, stream))),
        }
    }
}

impl Write for SharedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .flush()
    }
}
