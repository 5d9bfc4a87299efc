// canvass patch: `Limits` and `Server::with_limits`; an accept loop that survives errors
// (running out of file descriptors included), caps live connections in all and per client
// address and answers 503 beyond the caps, logging each kind of trouble once per burst;
// read/write timeouts on every socket; `num_connections()`, `queued_requests()`,
// `wait_for_responses()`; TLS and unix sockets removed (hazards 3, 4, 5, 6, 8 and 9; see
// PATCHES.md).

//! # Simple usage
//!
//! ## Creating the server
//!
//! The easiest way to create a server is to call `Server::http()`.
//!
//! The `http()` function returns an `IoResult<Server>` which will return an error
//! in the case where the server creation fails (for example if the listening port is already
//! occupied).
//!
//! ```no_run
//! let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
//! ```
//!
//! A newly-created `Server` will immediately start listening for incoming connections and HTTP
//! requests.
//!
//! ## Receiving requests
//!
//! Calling `server.recv()` will block until the next request is available.
//! This function returns an `IoResult<Request>`, so you need to handle the possible errors.
//!
//! ```no_run
//! # let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
//!
//! loop {
//!     // blocks until the next request is received
//!     let request = match server.recv() {
//!         Ok(rq) => rq,
//!         Err(e) => { println!("error: {}", e); break }
//!     };
//!
//!     // do something with the request
//!     // ...
//! }
//! ```
//!
//! In a real-case scenario, you will probably want to spawn multiple worker tasks and call
//! `server.recv()` on all of them. Like this:
//!
//! ```no_run
//! # use std::sync::Arc;
//! # use std::thread;
//! # let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
//! let server = Arc::new(server);
//! let mut guards = Vec::with_capacity(4);
//!
//! for _ in (0 .. 4) {
//!     let server = server.clone();
//!
//!     let guard = thread::spawn(move || {
//!         loop {
//!             let rq = server.recv().unwrap();
//!
//!             // ...
//!         }
//!     });
//!
//!     guards.push(guard);
//! }
//! ```
//!
//! If you don't want to block, you can call `server.try_recv()` instead.
//!
//! ## Handling requests
//!
//! The `Request` object returned by `server.recv()` contains informations about the client's request.
//! The most useful methods are probably `request.method()` and `request.url()` which return
//! the requested method (`GET`, `POST`, etc.) and url.
//!
//! To handle a request, you need to create a `Response` object. See the docs of this object for
//! more infos. Here is an example of creating a `Response` from a file:
//!
//! ```no_run
//! # use std::fs::File;
//! # use std::path::Path;
//! let response = tiny_http::Response::from_file(File::open(&Path::new("image.png")).unwrap());
//! ```
//!
//! All that remains to do is call `request.respond()`:
//!
//! ```no_run
//! # use std::fs::File;
//! # use std::path::Path;
//! # let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
//! # let request = server.recv().unwrap();
//! # let response = tiny_http::Response::from_file(File::open(&Path::new("image.png")).unwrap());
//! let _ = request.respond(response);
//! ```
//!
//! ## Limits
//!
//! This copy of tiny_http (patched for canvass, see `PATCHES.md`) protects itself from
//! hostile or slow clients according to [`Limits`]; use [`Server::with_limits`] to choose
//! them. Request bodies are read by the connection's thread before the request is handed
//! out by `recv()`, so reading a body never blocks on the client.
#![forbid(unsafe_code)]
#![deny(rust_2018_idioms)]
// upstream style, not bugs
#![allow(clippy::match_like_matches_macro)]
#![cfg_attr(test, allow(clippy::needless_borrow))]

use std::collections::HashMap;
use std::error::Error;
use std::fs::File;
use std::io::Error as IoError;
use std::io::ErrorKind as IoErrorKind;
use std::io::Result as IoResult;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv6Addr, Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use client::ClientConnection;
use util::{InFlight, MessagesQueue};

pub use common::{HTTPVersion, Header, HeaderField, Method, StatusCode};
pub use connection::{ConfigListenAddr, ListenAddr, Listener};
pub use request::{ReadWrite, Request};
pub use response::{Response, ResponseBox};
pub use test::TestRequest;

mod client;
mod common;
mod connection;
mod request;
mod response;
mod test;
mod util;

/// Limits that protect the server from hostile or slow clients.
///
/// A zero `read_timeout`, `write_timeout` or `request_deadline` disables that timeout.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Longest request line or header line, in bytes, without its CRLF. A longer request
    /// line is answered `414 URI Too Long`, a longer header line `431`.
    pub max_header_line: usize,
    /// Largest request head (request line and headers, with their CRLFs) → `431`.
    pub max_header_bytes: usize,
    /// Most header fields in one request → `431`.
    pub max_headers: usize,
    /// Largest body read into memory. A request declaring a longer `Content-Length` is
    /// still handed to the application, with an empty body and its declared
    /// `body_length()`, so that the application can answer 413; its connection is then
    /// closed. A chunked body is decoded up to `max_body + 1` bytes.
    pub max_body: usize,
    /// Read timeout set on every accepted socket: an idle keep-alive connection is closed
    /// quietly after it; a stall in the middle of a request is answered 408.
    pub read_timeout: Duration,
    /// Write timeout set on every accepted socket: it bounds each `write()`, so a client
    /// that reads nothing for this long is cut.
    pub write_timeout: Duration,
    /// The whole head and body of one request must arrive within this time after its
    /// first byte (defeats slowloris clients that trickle a byte every few seconds).
    pub request_deadline: Duration,
    /// Each response must be sent within this time plus one second per `min_send_rate`
    /// bytes of it; a client reading slower is cut (the connection is reset). This bounds
    /// what `write_timeout` cannot: a client that reads a little before every timeout.
    /// Responses are sent by the connection's thread, so a slow reader only ever holds its
    /// own connection, never the threads calling `recv()`.
    pub response_deadline: Duration,
    /// The slowest transfer rate, in bytes per second, that `response_deadline` allows
    /// for on top of its base time; zero allows no extra time.
    pub min_send_rate: usize,
    /// Most connections served at once; beyond that a new connection is answered
    /// `503 Service Unavailable` and closed right away.
    pub max_connections: usize,
    /// Most connections from one client address at once (IPv6 addresses count per /64,
    /// the block one site usually gets); beyond that a new connection from that address is
    /// answered `503` and closed, so one client cannot take every connection. Behind a
    /// reverse proxy every client has the proxy's address.
    pub max_connections_per_address: usize,
    /// Peers `max_connections_per_address` does not apply to: reverse proxies, whose
    /// connections carry many clients. `max_connections` still does.
    pub uncapped_addresses: Vec<IpAddr>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_header_line: 8 * 1024,
            max_header_bytes: 32 * 1024,
            max_headers: 100,
            max_body: 1024 * 1024,
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            request_deadline: Duration::from_secs(30),
            response_deadline: Duration::from_secs(10),
            // 256 kbit/s: a 4 MB response may take 10 s + 2 min
            min_send_rate: 32 * 1024,
            max_connections: 1024,
            // no cap of its own by default: the application knows whether its clients sit
            // behind one address (a proxy, a NAT) and sets it
            max_connections_per_address: 1024,
            uncapped_addresses: Vec::new(),
        }
    }
}

/// The main class of this library.
///
/// Destroying this object will immediately close the listening socket. Connections stop
/// after their current request; requests that were queued but not yet returned by
/// `recv()` are answered `500`. Requests that have already been returned by the `recv()`
/// function will not close and the responses will be transferred to the client.
pub struct Server {
    // should be false as long as the server exists
    // when set to true, the accept thread and the connection threads stop
    close: Arc<AtomicBool>,

    // queue for requests received by connection threads
    messages: Arc<MessagesQueue<Request>>,

    // result of TcpListener::local_addr()
    listening_addr: ListenAddr,

    // number of live connections
    connections: Arc<AtomicUsize>,

    // responses handed to connection threads and not sent yet
    in_flight: Arc<InFlight>,

    // dropped with the server: wakes the accept thread if it is backing off
    _wake_accept_thread: Sender<()>,
}

// makes sure that Server implements Sync and Send
const _: fn() = || {
    fn must_be_sync_and_send<T: Sync + Send>() {}
    must_be_sync_and_send::<Server>();
};

pub struct IncomingRequests<'a> {
    server: &'a Server,
}

/// Represents the parameters required to create a server.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The addresses to try to listen to.
    pub addr: ConfigListenAddr,

    /// Must be `None`: TLS support was removed from this copy of tiny_http.
    pub ssl: Option<SslConfig>,
}

/// Configuration of the server for SSL. Kept for API compatibility only: this copy of
/// tiny_http has no TLS support, and a server given an `SslConfig` fails to start.
#[derive(Debug, Clone)]
pub struct SslConfig {
    /// Contains the public certificate to send to clients.
    pub certificate: Vec<u8>,
    /// Contains the ultra-secret private key used to decode communications.
    pub private_key: Vec<u8>,
}

impl Server {
    /// Shortcut for a simple server on a specific address.
    #[inline]
    pub fn http<A>(addr: A) -> Result<Server, Box<dyn Error + Send + Sync + 'static>>
    where
        A: ToSocketAddrs,
    {
        Server::new(ServerConfig {
            addr: ConfigListenAddr::from_socket_addrs(addr)?,
            ssl: None,
        })
    }

    /// Builds a new server that listens on the specified address.
    pub fn new(config: ServerConfig) -> Result<Server, Box<dyn Error + Send + Sync + 'static>> {
        if config.ssl.is_some() {
            return Err(NO_TLS.into());
        }
        let listener = config.addr.bind()?;
        Self::with_limits(listener, Limits::default())
    }

    /// Builds a new server using the specified TCP listener, with the default [`Limits`].
    ///
    /// This is useful if you've constructed TcpListener using some less usual method
    /// such as from systemd. For other cases, you probably want the `new()` function.
    pub fn from_listener<L: Into<Listener>>(
        listener: L,
        ssl_config: Option<SslConfig>,
    ) -> Result<Server, Box<dyn Error + Send + Sync + 'static>> {
        if ssl_config.is_some() {
            return Err(NO_TLS.into());
        }
        Self::with_limits(listener, Limits::default())
    }

    /// Builds a new server using the specified TCP listener and limits.
    pub fn with_limits<L: Into<Listener>>(
        listener: L,
        limits: Limits,
    ) -> Result<Server, Box<dyn Error + Send + Sync + 'static>> {
        if limits.max_connections == 0 {
            return Err("Limits::max_connections must be at least 1".into());
        }
        if limits.max_connections_per_address == 0 {
            return Err("Limits::max_connections_per_address must be at least 1".into());
        }
        let listener = listener.into();
        let local_addr = listener.local_addr()?;
        log::debug!("Server listening on {}", local_addr);

        let close = Arc::new(AtomicBool::new(false));
        let messages = MessagesQueue::with_capacity(8);
        let connections = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(InFlight::default());
        let (wake_sender, wake_receiver) = mpsc::channel();

        let acceptor = Acceptor {
            listener,
            limits,
            close: close.clone(),
            messages: messages.clone(),
            connections: connections.clone(),
            per_address: Arc::new(Mutex::new(HashMap::new())),
            in_flight: in_flight.clone(),
            wake: wake_receiver,
            reserve: open_reserve(),
            accept_failures: Burst::default(),
            over_cap: Burst::default(),
            over_address_cap: Burst::default(),
            spawn_failures: Burst::default(),
        };
        thread::Builder::new()
            .name("tiny-http-accept".to_owned())
            .spawn(move || acceptor.run())?;

        Ok(Server {
            messages,
            close,
            listening_addr: local_addr,
            connections,
            in_flight,
            _wake_accept_thread: wake_sender,
        })
    }

    /// Returns an iterator for all the incoming requests.
    ///
    /// The iterator will return `None` if the server socket is shutdown.
    #[inline]
    pub fn incoming_requests(&self) -> IncomingRequests<'_> {
        IncomingRequests { server: self }
    }

    /// Returns the address the server is listening to.
    #[inline]
    pub fn server_addr(&self) -> ListenAddr {
        self.listening_addr.clone()
    }

    /// Returns the number of clients currently connected to the server.
    pub fn num_connections(&self) -> usize {
        self.connections.load(Relaxed)
    }

    /// Returns the number of requests read in full and waiting for `recv()`: a server's
    /// queue length, for its metrics. Takes the queue's lock, so call it now and then (when
    /// scraped), not per request.
    pub fn queued_requests(&self) -> usize {
        self.messages.len()
    }

    /// Waits, at most `timeout`, until every response given to `Request::respond` was
    /// sent (or its connection failed); true if none is left. Connection threads send
    /// responses after `respond` returned: a server that is about to exit calls this once
    /// its workers stopped, so that the last answers are not lost.
    pub fn wait_for_responses(&self, timeout: Duration) -> bool {
        self.in_flight.wait_idle(timeout)
    }

    /// Blocks until an HTTP request has been submitted and returns it.
    pub fn recv(&self) -> IoResult<Request> {
        match self.messages.pop() {
            Some(rq) => Ok(rq),
            None => Err(IoError::other("thread unblocked")),
        }
    }

    /// Same as `recv()` but doesn't block longer than timeout
    pub fn recv_timeout(&self, timeout: Duration) -> IoResult<Option<Request>> {
        Ok(self.messages.pop_timeout(timeout))
    }

    /// Same as `recv()` but doesn't block.
    pub fn try_recv(&self) -> IoResult<Option<Request>> {
        Ok(self.messages.try_pop())
    }

    /// Unblock thread stuck in recv() or incoming_requests().
    /// If there are several such threads, only one is unblocked.
    /// This method allows graceful shutdown of server.
    pub fn unblock(&self) {
        self.messages.unblock();
    }
}

const NO_TLS: &str = "TLS support was removed from this copy of tiny_http";

impl Iterator for IncomingRequests<'_> {
    type Item = Request;
    fn next(&mut self) -> Option<Request> {
        self.server.recv().ok()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.close.store(true, Relaxed);
        // Connect briefly to ourselves to unblock the accept thread
        let ListenAddr::IP(mut addr) = self.listening_addr;
        if addr.ip().is_unspecified() {
            let loopback: std::net::IpAddr = if addr.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            };
            addr.set_ip(loopback);
        }
        if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        // queued requests are answered 500 and their connections released
        self.messages.close();
    }
}

/// Everything the accept thread owns.
struct Acceptor {
    listener: Listener,
    limits: Limits,
    close: Arc<AtomicBool>,
    messages: Arc<MessagesQueue<Request>>,
    connections: Arc<AtomicUsize>,
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    in_flight: Arc<InFlight>,
    wake: Receiver<()>,
    // a file descriptor kept free for answering 503 when the process has no other left
    reserve: Option<File>,
    accept_failures: Burst,
    over_cap: Burst,
    over_address_cap: Burst,
    spawn_failures: Burst,
}

/// Counts one live connection, in all and for its client's address; the counts drop
/// with it.
struct ConnectionGuard {
    connections: Arc<AtomicUsize>,
    per_address: Arc<Mutex<HashMap<IpAddr, usize>>>,
    address: IpAddr,
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.connections.fetch_sub(1, Relaxed);
        let mut per_address = self
            .per_address
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = per_address.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                per_address.remove(&self.address);
            }
        }
    }
}

/// How long the accept loop pauses after an accept error such as EMFILE, which would
/// otherwise repeat at once.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

const TOO_MANY_CONNECTIONS: &str = "Too many connections";
const TOO_MANY_FROM_ADDRESS: &str = "Too many connections from your address";

impl Acceptor {
    fn run(mut self) {
        log::debug!("Running accept thread");
        while !self.close.load(Relaxed) {
            match self.listener.accept() {
                Ok((stream, remote_addr)) => {
                    if self.close.load(Relaxed) {
                        break;
                    }
                    self.accepted(stream, remote_addr);
                }
                Err(e) => {
                    if !self.accept_failed(&e) {
                        break;
                    }
                }
            }
        }
        log::debug!("Terminating accept thread");
    }

    /// Deals with an accept error; false when the server is gone.
    fn accept_failed(&mut self, e: &IoError) -> bool {
        if matches!(
            e.kind(),
            IoErrorKind::ConnectionAborted
                | IoErrorKind::ConnectionReset
                | IoErrorKind::Interrupted
        ) {
            // the client gave up before we took its connection: no trouble of ours
            log::debug!("Error accepting new client: {}", e);
            return true;
        }
        let out_of_fds = is_out_of_fds(e);
        // An accept error never stops the server, and is logged once per burst: out of
        // file descriptors it repeats for every waiting client.
        if let Some(unreported) = self.accept_failures.hit() {
            if out_of_fds {
                log::error!(
                    "Cannot accept connections: {} (the file descriptor limit, `ulimit -n`, is \
                     reached); new clients are answered 503 until connections close{}",
                    e,
                    and_more(unreported)
                );
            } else {
                log::error!("Cannot accept connections: {}{}", e, and_more(unreported));
            }
        }
        if out_of_fds && self.shed_with_reserve() {
            return true;
        }
        // give connections time to finish; returns at once when the server is dropped
        match self.wake.recv_timeout(ACCEPT_BACKOFF) {
            Ok(()) | Err(RecvTimeoutError::Timeout) => true,
            Err(RecvTimeoutError::Disconnected) => false,
        }
    }

    /// Out of file descriptors, a waiting client would hang in the listen backlog: frees
    /// the reserve descriptor, takes the next connection with it and answers it 503, or
    /// serves it if descriptors were freed meanwhile. False without a reserve.
    fn shed_with_reserve(&mut self) -> bool {
        let Some(reserve) = self.reserve.take() else {
            self.reserve = open_reserve();
            return false;
        };
        drop(reserve);
        // blocks until a client comes (dropping the server connects to wake it)
        let accepted = self.listener.accept();
        self.reserve = open_reserve();
        match accepted {
            Ok(_) if self.close.load(Relaxed) => {}
            Ok((stream, remote_addr)) if self.reserve.is_some() => {
                self.accepted(stream, remote_addr);
            }
            Ok((stream, _)) => {
                let _ = self.accept_failures.hit();
                reject_overloaded(stream, TOO_MANY_CONNECTIONS);
                self.reserve = open_reserve();
            }
            Err(_) => return false,
        }
        true
    }

    /// A connection was accepted: a burst of accept errors, if any, is over.
    fn accepted(&mut self, stream: TcpStream, remote_addr: SocketAddr) {
        if let Some((failures, lasted)) = self.accept_failures.end() {
            log::warn!(
                "Accepting connections again, after {} failed attempts in {:.1?}",
                failures,
                lasted
            );
        }
        self.handle(stream, remote_addr);
    }

    fn handle(&mut self, stream: TcpStream, remote_addr: SocketAddr) {
        let live = self.connections.load(Relaxed);
        if live >= self.limits.max_connections {
            if let Some(unreported) = self.over_cap.hit() {
                log::warn!(
                    "Refusing connections: {} open, the most allowed (max_connections){}",
                    live,
                    and_more(unreported)
                );
            }
            reject_overloaded(stream, TOO_MANY_CONNECTIONS);
            return;
        }

        let address = client_address(remote_addr.ip());
        {
            let mut per_address = self
                .per_address
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let peer = match remote_addr.ip() {
                IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(remote_addr.ip(), IpAddr::V4),
                v4 @ IpAddr::V4(_) => v4,
            };
            let uncapped = self.limits.uncapped_addresses.contains(&peer);
            let count = per_address.entry(address).or_insert(0);
            if *count >= self.limits.max_connections_per_address && !uncapped {
                let count = *count;
                drop(per_address);
                if let Some(unreported) = self.over_address_cap.hit() {
                    log::warn!(
                        "Refusing connections from {}: {} open, the most allowed for one \
                         address (max_connections_per_address){}",
                        address,
                        count,
                        and_more(unreported)
                    );
                }
                reject_overloaded(stream, TOO_MANY_FROM_ADDRESS);
                return;
            }
            *count += 1;
        }
        self.connections.fetch_add(1, Relaxed);
        let guard = ConnectionGuard {
            connections: self.connections.clone(),
            per_address: self.per_address.clone(),
            address,
        };

        if let Err(e) = configure(&stream, &self.limits) {
            log::warn!("Cannot configure connection from {}: {}", remote_addr, e);
            return;
        }
        let client = ClientConnection::new(
            stream,
            remote_addr,
            self.limits.clone(),
            self.in_flight.clone(),
        );

        let messages = self.messages.clone();
        let close = self.close.clone();
        let spawned = thread::Builder::new()
            .name("tiny-http-conn".to_owned())
            .spawn(move || {
                let _guard = guard;
                client.serve(&messages, &close);
            });
        if let Err(e) = spawned {
            // the closure, with the socket and the guard, was dropped
            if let Some(unreported) = self.spawn_failures.hit() {
                log::error!(
                    "Cannot spawn a thread for {}: {}{}",
                    remote_addr,
                    e,
                    and_more(unreported)
                );
            }
        }
    }
}

/// The address a client's connections are counted under: IPv4 as it is (IPv4-mapped IPv6
/// too, as a dual-stack listener sees IPv4 clients), IPv6 by its /64 prefix, since one host
/// can pick any address of its /64.
fn client_address(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// EMFILE (this process) or ENFILE (the whole system): 24 and 23 on Linux, macOS and the
/// BSDs. std has no `ErrorKind` for them.
fn is_out_of_fds(e: &IoError) -> bool {
    cfg!(unix) && matches!(e.raw_os_error(), Some(23 | 24))
}

/// The descriptor kept in reserve for `shed_with_reserve`.
fn open_reserve() -> Option<File> {
    if cfg!(unix) {
        File::open("/dev/null").ok()
    } else {
        None
    }
}

/// A kind of trouble that comes in bursts (every waiting client hits it again), logged
/// when a burst starts and then at most once a minute, with the count left unreported.
#[derive(Default)]
struct Burst {
    first: Option<Instant>,
    last: Option<Instant>,
    last_report: Option<Instant>,
    count: u64,
    unreported: u64,
}

/// A burst ends after this long without the trouble.
const BURST_QUIET: Duration = Duration::from_secs(5);
/// While a burst goes on, it is logged again this often.
const BURST_REMINDER: Duration = Duration::from_secs(60);

impl Burst {
    /// Counts one occurrence. `Some(n)` when it should be logged now, `n` being the
    /// occurrences since the last report (0 for the first of a burst).
    fn hit(&mut self) -> Option<u64> {
        let now = Instant::now();
        if self
            .last
            .is_none_or(|last| now.duration_since(last) >= BURST_QUIET)
        {
            self.first = Some(now);
            self.count = 0;
            self.last_report = None;
            self.unreported = 0;
        }
        self.last = Some(now);
        self.count += 1;
        match self.last_report {
            Some(at) if now.duration_since(at) < BURST_REMINDER => {
                self.unreported += 1;
                None
            }
            _ => {
                self.last_report = Some(now);
                Some(std::mem::take(&mut self.unreported))
            }
        }
    }

    /// Ends the burst going on, if any: how many occurrences it had and how long it lasted.
    fn end(&mut self) -> Option<(u64, Duration)> {
        let first = self.first.take()?;
        self.last = None;
        self.last_report = None;
        self.unreported = 0;
        Some((std::mem::take(&mut self.count), first.elapsed()))
    }
}

/// ` (and N more since the last report)`, or nothing for none.
fn and_more(unreported: u64) -> String {
    if unreported == 0 {
        String::new()
    } else {
        format!(" ({} more since the last report)", unreported)
    }
}

fn configure(stream: &TcpStream, limits: &Limits) -> IoResult<()> {
    let timeout = |d: Duration| Some(d).filter(|d| !d.is_zero());
    stream.set_read_timeout(timeout(limits.read_timeout))?;
    stream.set_write_timeout(timeout(limits.write_timeout))?;
    // canvass patch: a response goes out in more than one write (head, then body); with
    // Nagle's algorithm on, the second write waits for the client's delayed ACK, ~40 ms per
    // response on Linux (measured: 64 KiB listings at p50 44 ms).
    stream.set_nodelay(true)?;
    Ok(())
}

/// Answers 503 on a connection over a cap and closes it, without ever blocking the
/// accept thread.
fn reject_overloaded(mut stream: TcpStream, message: &str) {
    if stream.set_nonblocking(true).is_err() {
        return;
    }
    let mut response = Vec::with_capacity(256);
    if response::write_json_error(&mut response, StatusCode(503), message).is_ok() {
        // a fresh socket's send buffer takes this at once; if not, give up
        let _ = stream.write_all(&response);
    }
    let _ = stream.shutdown(Shutdown::Write);
    // throw away what already arrived, so that closing does not reset the connection
    let mut scratch = [0u8; 4096];
    let _ = stream.read(&mut scratch);
}
