//! A raw HTTP/1.1 client on std's `TcpStream`: the tests send exactly the bytes they mean,
//! including requests no client library would produce, and read back one `Response`.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use serde_json::Value;

/// How long one exchange may wait for the server before the test fails.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// One HTTP response as it came off the wire.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// Parses a full reply: status line, headers, then the body, honouring
    /// `Content-Length` or `Transfer-Encoding: chunked`.
    pub fn parse(raw: &[u8]) -> Result<Response, String> {
        let (mut response, head_end) = Response::parse_head(raw)?;
        let rest = &raw[head_end + 4..];
        response.body = if response.is_chunked() {
            dechunk(rest)?
        } else if let Some(length) = response.content_length() {
            rest.get(..length)
                .ok_or_else(|| format!("body shorter than Content-Length {length}"))?
                .to_vec()
        } else {
            rest.to_vec()
        };
        Ok(response)
    }

    /// The status and headers, with an empty body, and where the head ends.
    fn parse_head(raw: &[u8]) -> Result<(Response, usize), String> {
        let head_end = find(raw, b"\r\n\r\n").ok_or("no end of head")?;
        let head = std::str::from_utf8(&raw[..head_end]).map_err(|e| e.to_string())?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().ok_or("no status line")?;
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        if !version.starts_with("HTTP/1.") {
            return Err(format!("bad status line {status_line:?}"));
        }
        let status = parts
            .next()
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| format!("bad status line {status_line:?}"))?;
        let mut headers = Vec::new();
        for line in lines {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("bad header line {line:?}"))?;
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        let response = Response {
            status,
            headers,
            body: Vec::new(),
        };
        Ok((response, head_end))
    }

    /// Every response in `raw`, as pipelined requests get them on one connection.
    pub fn parse_all(mut raw: &[u8]) -> Result<Vec<Response>, String> {
        let mut responses = Vec::new();
        while !raw.is_empty() {
            let (_, head_end) = Response::parse_head(raw)?;
            let response = Response::parse(raw)?;
            if response.is_chunked() {
                return Err("a chunked reply among pipelined ones".to_owned());
            }
            let length = response.content_length().unwrap_or(0);
            raw = &raw[head_end + 4 + length..];
            responses.push(response);
        }
        Ok(responses)
    }

    /// The first header of that name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; fails the test (showing the body) when it is not JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response {} is not JSON ({e}): {:?}",
                self.status,
                self.text()
            )
        })
    }

    /// Asserts the status and returns the JSON body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status,
            status,
            "expected {status}, got {} with body {:?}",
            self.status,
            self.text()
        );
        self.json()
    }

    /// Asserts an error reply in canvass's one shape: the status, a JSON content type and
    /// an object with a non-empty `message`; every 401 also says `"authenticated": false`.
    /// Returns the body.
    #[track_caller]
    pub fn error(&self, status: u16) -> Value {
        let body = self.expect(status);
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "error {status} has Content-Type {content_type:?}, body {body}"
        );
        let message = body["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "error {status} has no message: {body}");
        if status == 401 {
            assert_eq!(
                body["authenticated"],
                Value::Bool(false),
                "a 401 without \"authenticated\": false: {body}"
            );
        }
        body
    }

    /// Asserts a 400 that names `field`, in its `field` key or in its message.
    #[track_caller]
    pub fn error_naming(&self, field: &str) -> Value {
        let body = self.error(400);
        let named = body["field"]
            .as_str()
            .is_some_and(|named| named.contains(field))
            || body["message"]
                .as_str()
                .is_some_and(|message| message.contains(field));
        assert!(named, "the 400 does not name {field:?}: {body}");
        body
    }

    fn is_chunked(&self) -> bool {
        self.header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    }

    fn content_length(&self) -> Option<usize> {
        self.header("content-length").and_then(|v| v.parse().ok())
    }
}

/// Where reading stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Until {
    /// The final reply (interim 1xx heads skipped) is complete by its `Content-Length` or
    /// chunking, or the server closes. A close before any byte is an error.
    Reply,
    /// As `Reply`, but a close before any byte is an empty reply: the request was one the
    /// server may drop without a word.
    ReplyOrClose,
    /// The server closes the connection; every byte, as pipelined requests get them.
    Close,
}

/// Sends `request` on a new connection and returns every byte of the reply after any 1xx
/// interim heads, or why there is none (no connection, the server closed without a byte,
/// no complete reply within `timeout`). The request is written by its own thread while
/// this one reads, so a server that answers (413, say) before reading a large body is
/// heard. With `close_write` the client half-closes after sending, as a client that gave
/// up mid-body would.
pub fn try_exchange(
    addr: SocketAddr,
    request: &[u8],
    close_write: bool,
    timeout: Duration,
) -> Result<Vec<u8>, String> {
    exchange_until(addr, request, close_write, timeout, Until::Reply)
}

/// `try_exchange` within `READ_TIMEOUT` that fails the test instead of reporting; a server
/// that closes without a byte gives an empty reply.
pub fn exchange(addr: SocketAddr, request: &[u8], close_write: bool) -> Vec<u8> {
    exchange_until(
        addr,
        request,
        close_write,
        READ_TIMEOUT,
        Until::ReplyOrClose,
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Sends `request` (which may hold several pipelined requests) and reads until the server
/// closes the connection.
pub fn exchange_until_close(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
    exchange_until(addr, request, false, READ_TIMEOUT, Until::Close)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn exchange_until(
    addr: SocketAddr,
    request: &[u8],
    close_write: bool,
    timeout: Duration,
    until: Until,
) -> Result<Vec<u8>, String> {
    let stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let request = request.to_vec();
    let writing = thread::spawn(move || {
        // The server may answer and close before taking the whole request; that is not
        // this side's failure, the reply says what happened.
        let _ = writer.write_all(&request);
        let _ = writer.flush();
        if close_write {
            let _ = writer.shutdown(Shutdown::Write);
        }
    });
    let reply = read_until(&stream, until);
    let _ = stream.shutdown(Shutdown::Both);
    let _ = writing.join();
    reply
}

/// Reads one reply from a connection the test keeps open, within `READ_TIMEOUT`.
#[track_caller]
pub fn read_response(stream: &TcpStream) -> Response {
    stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    let reply = read_reply(stream).unwrap_or_else(|e| panic!("{e}"));
    Response::parse(&reply)
        .unwrap_or_else(|e| panic!("unparsable reply ({e}): {}", preview(&reply)))
}

/// Reads one reply (interim 1xx heads skipped) from a connection the test keeps open, until
/// it is complete by its `Content-Length` or chunking, or the server closes. A reset after
/// some bytes still returns them; a close or reset before any byte, or the socket's read
/// timeout, is an error.
pub fn read_reply(stream: &TcpStream) -> Result<Vec<u8>, String> {
    read_until(stream, Until::Reply)
}

/// Reads from `stream` until `until` says the reply is over; the one reading loop behind
/// every exchange here.
fn read_until(mut stream: &TcpStream, until: Until) -> Result<Vec<u8>, String> {
    let seen = |reply: &[u8]| -> Vec<u8> {
        if until == Until::Close {
            reply.to_vec()
        } else {
            final_reply(reply).to_vec()
        }
    };
    let mut reply = Vec::new();
    let mut chunk = [0_u8; 16 * 1024];
    loop {
        if until != Until::Close && is_complete(final_reply(&reply)) {
            return Ok(seen(&reply));
        }
        match stream.read(&mut chunk) {
            Ok(0) if reply.is_empty() && until == Until::Reply => {
                return Err("the server closed the connection without a reply".into());
            }
            Ok(0) => return Ok(seen(&reply)),
            Ok(n) => reply.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted
                ) && !reply.is_empty() =>
            {
                return Ok(seen(&reply));
            }
            Err(e) => {
                let within = match stream.read_timeout() {
                    Ok(Some(timeout)) => format!(" within {timeout:?}"),
                    _ => String::new(),
                };
                return Err(format!(
                    "no complete reply{within} ({e}); got {}",
                    preview(&reply)
                ));
            }
        }
    }
}

/// The reply after any 1xx interim responses.
fn final_reply(mut reply: &[u8]) -> &[u8] {
    while reply.starts_with(b"HTTP/1.1 1") || reply.starts_with(b"HTTP/1.0 1") {
        match find(reply, b"\r\n\r\n") {
            Some(end) => reply = &reply[end + 4..],
            None => break,
        }
    }
    reply
}

/// Whether `reply`, a final one, is all there by its `Content-Length` or chunking.
fn is_complete(reply: &[u8]) -> bool {
    let Ok((head, head_end)) = Response::parse_head(reply) else {
        return false;
    };
    if head.status < 200 {
        return false;
    }
    if head.is_chunked() {
        return reply.ends_with(b"\r\n0\r\n\r\n")
            || reply[head_end + 4..].starts_with(b"0\r\n\r\n");
    }
    match head.content_length() {
        Some(length) => reply.len() >= head_end + 4 + length,
        // 204 and 304 carry no body; anything else without a length ends at EOF.
        None => head.status == 204 || head.status == 304,
    }
}

/// The first bytes of `bytes`, for a failure message.
pub fn preview(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(300)]).into_owned();
    if bytes.len() > 300 {
        format!("{text:?}… ({} bytes)", bytes.len())
    } else {
        format!("{text:?}")
    }
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = find(rest, b"\r\n").ok_or("unterminated chunk size")?;
        let size_line = std::str::from_utf8(&rest[..line_end]).map_err(|e| e.to_string())?;
        let size_hex = size_line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|e| e.to_string())?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(rest.get(..size).ok_or("chunk shorter than its size")?);
        rest = rest.get(size + 2..).ok_or("chunk without its CRLF")?;
    }
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
