//! canvass patch: what the tests of the hardening (PATCHES.md) share: a server with one
//! application worker, and a raw HTTP/1.1 client over loopback TCP.
//!
//! Every wait is bounded: clients use socket timeouts and waits on channels use
//! `recv_timeout`. No test asserts on timing.

// each test binary uses its own part of this
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use tiny_http::{Header, Limits, Response, Server};

/// Bound on every client-side wait.
pub const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// A server with one application worker thread: `/echo` answers the body it got, `/big/N`
/// N bytes, any other path answers `ok`; a body over `max_body` is answered 413 with its
/// length.
pub struct TestServer {
    pub server: Arc<Server>,
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    worker: Option<JoinHandle<()>>,
}

impl TestServer {
    pub fn start(limits: Limits) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let max_body = limits.max_body;
        let server = Arc::new(Server::with_limits(listener, limits).unwrap());
        let addr = server.server_addr().to_ip().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let worker = {
            let server = server.clone();
            let log = log.clone();
            thread::spawn(move || app(&server, max_body, &log))
        };
        TestServer {
            server,
            addr,
            log,
            worker: Some(worker),
        }
    }

    pub fn seen(&self, what: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l == what)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(worker) = self.worker.take() {
            worker.join().unwrap();
        }
    }
}

fn app(server: &Server, max_body: usize, log: &Mutex<Vec<String>>) {
    while let Ok(mut rq) = server.recv() {
        log.lock()
            .unwrap()
            .push(format!("{} {}", rq.method(), rq.url()));
        let declared = rq.body_length();
        if declared.is_some_and(|l| l > max_body) {
            let _ = rq.respond(too_large(declared));
            continue;
        }
        let mut body = Vec::new();
        if rq
            .as_reader()
            .take(max_body as u64 + 1)
            .read_to_end(&mut body)
            .is_err()
        {
            let _ = rq.respond(Response::from_string("read error").with_status_code(500));
            continue;
        }
        if body.len() > max_body {
            let _ = rq.respond(too_large(declared));
            continue;
        }
        let length = Header::from_bytes("X-Body-Length", format!("{:?}", declared)).unwrap();
        let big = rq.url().strip_prefix("/big/").and_then(|n| n.parse().ok());
        let response = if rq.url() == "/echo" {
            Response::from_data(body)
        } else if let Some(size) = big {
            Response::from_data(vec![b'x'; size])
        } else {
            Response::from_data(&b"ok"[..])
        };
        let _ = rq.respond(response.with_header(length));
    }
}

fn too_large(length: Option<usize>) -> Response<io::Cursor<Vec<u8>>> {
    Response::from_string(format!(
        "{{\"message\":\"Payload too large\",\"body_length\":{}}}",
        length.unwrap_or(0)
    ))
    .with_status_code(413)
}

pub fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Checks that this is one of tiny_http's own JSON errors and returns its message.
    pub fn json_error(&self, status: u16) -> String {
        assert_eq!(self.status, status, "{:?} {}", self, self.text());
        assert_eq!(self.header("Content-Type"), Some("application/json"));
        assert_eq!(self.header("Connection"), Some("close"));
        let text = self.text();
        text.strip_prefix("{\"message\":\"")
            .and_then(|t| t.strip_suffix("\"}"))
            .unwrap_or_else(|| panic!("not a JSON error: {}", text))
            .to_owned()
    }
}

pub fn read_response<R: BufRead>(reader: &mut R) -> io::Result<Resp> {
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(ErrorKind::InvalidData, format!("status line {:?}", line)))?;
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':').unwrap();
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let mut resp = Resp {
        status,
        headers,
        body: Vec::new(),
    };
    if status < 200 {
        return Ok(resp);
    }
    if resp.header("Transfer-Encoding") == Some("chunked") {
        chunked_transfer::Decoder::new(reader).read_to_end(&mut resp.body)?;
    } else {
        let length: usize = resp
            .header("Content-Length")
            .expect("a response without Transfer-Encoding has a Content-Length here")
            .parse()
            .unwrap();
        resp.body = vec![0; length];
        reader.read_exact(&mut resp.body)?;
    }
    Ok(resp)
}

/// Waits (boundedly) for the server to close the connection, expecting no more data.
pub fn expect_closed<R: Read>(reader: &mut R) {
    let mut buf = [0u8; 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => panic!("unexpected data: {:?}", String::from_utf8_lossy(&buf[..n])),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => panic!("connection not closed by the server: {}", e),
        }
    }
}

pub fn get(addr: SocketAddr, path: &str) -> Resp {
    let mut stream = connect(addr);
    write!(stream, "GET {} HTTP/1.1\r\nHost: test\r\n\r\n", path).unwrap();
    read_response(&mut BufReader::new(stream)).unwrap()
}

/// Sends `request` on a new connection, reads the response, and checks that the server
/// then closes the connection.
pub fn exchange_then_closed(addr: SocketAddr, request: &[u8]) -> Resp {
    let mut stream = connect(addr);
    stream.write_all(request).unwrap();
    let mut reader = BufReader::new(stream);
    let resp = read_response(&mut reader).unwrap();
    expect_closed(&mut reader);
    resp
}

/// A connection from `local` (another loopback address, say), as a second client would
/// make it.
pub fn connect_from(local: IpAddr, addr: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )
    .unwrap();
    socket
        .bind(&SocketAddr::new(local, 0).into())
        .unwrap_or_else(|e| panic!("cannot bind {}: {}", local, e));
    socket.connect(&addr.into()).unwrap();
    let stream = TcpStream::from(socket);
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    stream
}
