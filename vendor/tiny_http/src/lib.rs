// canvass patch: `Limits` and `Server::with_limits`; an accept loop that survives errors,
// caps live connections and answers 503 beyond the cap; read/write timeouts on every
// socket; `num_connections()`; TLS and unix sockets removed (hazards 3, 4, 5 and 6; see
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

use std::error::Error;
use std::io::Error as IoError;
use std::io::ErrorKind as IoErrorKind;
use std::io::Result as IoResult;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use client::ClientConnection;
use util::MessagesQueue;

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
    /// Write timeout set on every accepted socket.
    pub write_timeout: Duration,
    /// The whole head and body of one request must arrive within this time after its
    /// first byte (defeats slowloris clients that trickle a byte every few seconds).
    pub request_deadline: Duration,
    /// Most connections served at once; beyond that a new connection is answered
    /// `503 Service Unavailable` and closed right away.
    pub max_connections: usize,
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
            max_connections: 1024,
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
        let listener = listener.into();
        let local_addr = listener.local_addr()?;
        log::debug!("Server listening on {}", local_addr);

        let close = Arc::new(AtomicBool::new(false));
        let messages = MessagesQueue::with_capacity(8);
        let connections = Arc::new(AtomicUsize::new(0));
        let (wake_sender, wake_receiver) = mpsc::channel();

        let acceptor = Acceptor {
            listener,
            limits,
            close: close.clone(),
            messages: messages.clone(),
            connections: connections.clone(),
            wake: wake_receiver,
        };
        thread::Builder::new()
            .name("tiny-http-accept".to_owned())
            .spawn(move || acceptor.run())?;

        Ok(Server {
            messages,
            close,
            listening_addr: local_addr,
            connections,
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
    wake: Receiver<()>,
}

/// Counts one live connection; the count drops with it.
struct ConnectionGuard(Arc<AtomicUsize>);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// How long the accept loop pauses after an accept error such as EMFILE, which would
/// otherwise repeat at once.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(10);

impl Acceptor {
    fn run(self) {
        log::debug!("Running accept thread");
        while !self.close.load(Relaxed) {
            match self.listener.accept() {
                Ok((stream, remote_addr)) => {
                    if self.close.load(Relaxed) {
                        break;
                    }
                    self.handle(stream, remote_addr);
                }
                Err(e) => {
                    // an accept error never stops the server
                    log::error!("Error accepting new client: {}", e);
                    if !matches!(
                        e.kind(),
                        IoErrorKind::ConnectionAborted
                            | IoErrorKind::ConnectionReset
                            | IoErrorKind::Interrupted
                    ) {
                        // e.g. EMFILE/ENFILE: give connections time to finish; returns
                        // at once when the server is dropped
                        match self.wake.recv_timeout(ACCEPT_BACKOFF) {
                            Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                            Err(RecvTimeoutError::Disconnected) => break,
                        }
                    }
                }
            }
        }
        log::debug!("Terminating accept thread");
    }

    fn handle(&self, stream: TcpStream, remote_addr: SocketAddr) {
        if self.connections.load(Relaxed) >= self.limits.max_connections {
            log::warn!(
                "Refusing connection from {}: {} connections already",
                remote_addr,
                self.limits.max_connections
            );
            reject_overloaded(stream);
            return;
        }

        self.connections.fetch_add(1, Relaxed);
        let guard = ConnectionGuard(self.connections.clone());

        if let Err(e) = configure(&stream, &self.limits) {
            log::warn!("Cannot configure connection from {}: {}", remote_addr, e);
            return;
        }
        let client = match ClientConnection::new(stream, remote_addr, self.limits.clone()) {
            Ok(client) => client,
            Err(e) => {
                log::warn!("Cannot set up connection from {}: {}", remote_addr, e);
                return;
            }
        };

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
            log::error!("Cannot spawn a thread for {}: {}", remote_addr, e);
        }
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

/// Answers 503 on a connection over the cap and closes it, without ever blocking the
/// accept thread.
fn reject_overloaded(mut stream: TcpStream) {
    if stream.set_nonblocking(true).is_err() {
        return;
    }
    let mut response = Vec::with_capacity(256);
    if response::write_json_error(&mut response, StatusCode(503), "Too many connections").is_ok() {
        // a fresh socket's send buffer takes this at once; if not, give up
        let _ = stream.write_all(&response);
    }
    let _ = stream.shutdown(Shutdown::Write);
    // throw away what already arrived, so that closing does not reset the connection
    let mut scratch = [0u8; 4096];
    let _ = stream.read(&mut scratch);
}
