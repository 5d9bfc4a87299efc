// canvass patch: new file. `DeadlineReader` enforces the per-request deadline (slowloris
// defence, hazard 3) under the connection's BufReader; `DeadlineWriter` enforces the
// per-response send budget (slow readers, hazard 8); `SharedWriter` is the response sink of a
// connection (see PATCHES.md). All of them share the connection's one socket through an
// `Arc<TcpStream>` (`&TcpStream` reads and writes) instead of `try_clone`: a connection costs
// one file descriptor, not three.

use std::convert::TryFrom;
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
    stream: Arc<TcpStream>,
    read_timeout: Option<Duration>,
    deadline: Option<Instant>,
    // true while the socket's read timeout is set shorter than `read_timeout`
    shortened: bool,
}

impl DeadlineReader {
    pub fn new(stream: Arc<TcpStream>, read_timeout: Option<Duration>) -> DeadlineReader {
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
        (&*self.stream).read(buf)
    }
}

/// How long one response may take to leave: `base`, plus one second per `min_rate` bytes
/// of the response. The bytes counted are the larger of the announced body length and what
/// was written so far, so a body of unknown length earns its time as it goes out.
#[derive(Debug, Clone, Copy)]
pub struct SendBudget {
    start: Instant,
    base: Duration,
    min_rate: usize,
    expected: usize,
    written: usize,
}

impl SendBudget {
    /// `None` (no budget) when `base` is zero.
    pub fn new(base: Duration, min_rate: usize, expected: usize) -> Option<SendBudget> {
        (!base.is_zero()).then(|| SendBudget {
            start: Instant::now(),
            base,
            min_rate,
            expected,
            written: 0,
        })
    }

    fn deadline(&self) -> Option<Instant> {
        let bytes = self.expected.max(self.written) as u128;
        let extra = match self.min_rate {
            0 => Duration::ZERO,
            rate => {
                let nanos = bytes.saturating_mul(1_000_000_000) / rate as u128;
                Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
            }
        };
        self.start.checked_add(self.base.saturating_add(extra))
    }
}

/// Writes to a socket, failing with `TimedOut` once the current response's `SendBudget` is
/// spent. Like `DeadlineReader`, it shortens the socket's write timeout near the deadline:
/// the write timeout alone bounds each `write()`, and a client that reads a little before
/// every timeout would otherwise keep a response going for ever.
pub struct DeadlineWriter {
    stream: Arc<TcpStream>,
    write_timeout: Option<Duration>,
    budget: Option<SendBudget>,
    // true while the socket's write timeout is set shorter than `write_timeout`
    shortened: bool,
}

impl DeadlineWriter {
    pub fn new(stream: Arc<TcpStream>, write_timeout: Option<Duration>) -> DeadlineWriter {
        DeadlineWriter {
            stream,
            write_timeout,
            budget: None,
            shortened: false,
        }
    }

    fn set_budget(&mut self, budget: Option<SendBudget>) {
        self.budget = budget;
        self.restore_timeout();
    }

    fn restore_timeout(&mut self) {
        if self.shortened {
            self.shortened = false;
            // best effort: if this fails the next write merely times out earlier
            let _ = self.stream.set_write_timeout(self.write_timeout);
        }
    }
}

impl Write for DeadlineWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(deadline) = self.budget.as_ref().and_then(SendBudget::deadline) {
            let left = match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left,
                _ => {
                    return Err(io::Error::new(
                        ErrorKind::TimedOut,
                        "response send budget exceeded",
                    ))
                }
            };
            if self.write_timeout.is_none_or(|t| left < t) {
                self.stream.set_write_timeout(Some(left))?;
                self.shortened = true;
            } else {
                self.restore_timeout();
            }
        }
        let written = (&*self.stream).write(buf)?;
        if let Some(budget) = self.budget.as_mut() {
            budget.written = budget.written.saturating_add(written);
        }
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        (&*self.stream).flush()
    }
}

/// The write half of a connection, shared by the connection thread (which writes every
/// response) and the `Request` being answered (`into_writer`, `upgrade`).
#[derive(Clone)]
pub struct SharedWriter {
    inner: Arc<Mutex<BufWriter<DeadlineWriter>>>,
}

impl SharedWriter {
    pub fn new(stream: Arc<TcpStream>, write_timeout: Option<Duration>) -> SharedWriter {
        SharedWriter {
            // A response body is copied through this buffer; at 8 KiB a 64 KiB body took
            // eight write syscalls (and, with TCP_NODELAY, eight bursts). Pages are only
            // touched as far as a response fills them.
            inner: Arc::new(Mutex::new(BufWriter::with_capacity(
                64 * 1024,
                DeadlineWriter::new(stream, write_timeout),
            ))),
        }
    }

    /// Sets (or clears) the budget the writes and flushes that follow must keep within.
    pub fn set_budget(&self, budget: Option<SendBudget>) {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_mut()
            .set_budget(budget);
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

#[cfg(test)]
mod tests {
    use super::SendBudget;
    use std::time::Duration;

    #[test]
    fn a_send_budget_grows_with_the_response() {
        let base = Duration::from_secs(2);
        assert!(SendBudget::new(Duration::ZERO, 1000, 10).is_none());

        let mut budget = SendBudget::new(base, 1000, 3000).unwrap();
        assert_eq!(
            budget.deadline().unwrap() - budget.start,
            Duration::from_secs(5)
        );
        // what was written beyond the announced length earns time too
        budget.written = 5000;
        assert_eq!(
            budget.deadline().unwrap() - budget.start,
            Duration::from_secs(7)
        );

        let budget = SendBudget::new(base, 0, 1 << 40).unwrap();
        assert_eq!(budget.deadline().unwrap() - budget.start, base);
    }
}
