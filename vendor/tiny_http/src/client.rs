// canvass patch: rewritten. The connection thread reads each request head under size
// limits and strictly (RFC 9112: CRLF only, one Host, no Transfer-Encoding in HTTP/1.0), its
// body eagerly (bounded by `Limits::max_body`) within a per-request deadline, answers
// malformed or hostile input with JSON errors itself, serves one request at a time, and
// sends each response within a budget (hazards 1, 2, 3, 5, 7, 8 and 10; see PATCHES.md).

use std::convert::TryFrom;
use std::io::{self, BufRead, BufReader, Cursor, ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use crate::common::{HTTPVersion, Header, Method, StatusCode};
use crate::request::{new_request, Outcome, RequestParts, Responder, ResponseJob};
use crate::response::write_json_error;
use crate::util::{
    is_timeout, DeadlineReader, EqualReader, InFlight, MessagesQueue, SendBudget, SharedWriter,
    MAX_DRAIN,
};
use crate::{Limits, Request};

/// Capacity of a connection's read buffer.
const READ_BUFFER: usize = 8 * 1024;

/// After an error response, or when a request body was left unread, the connection stops
/// sending and reads (and throws away) at most `MAX_DRAIN` bytes during at most this long
/// before closing, so that the client is not reset before it read the response.
const LINGER: Duration = Duration::from_secs(2);

const HEAD_TOO_LARGE: &str = "Request header fields too large";
const REQUEST_TIMEOUT: &str = "Request timeout";
const BARE_LF: &str = "Line not ending in CRLF";
const MALFORMED_CHUNKED: &str = "Malformed chunked body";

type Source = BufReader<DeadlineReader>;

/// A connection to one client; `serve` turns what it sends into `Request`s.
pub(crate) struct ClientConnection {
    remote_addr: SocketAddr,

    // the socket, shared with the reader and the writer
    stream: Arc<TcpStream>,

    // `None` once the raw stream was handed to a `Connection: upgrade` request
    reader: Option<Source>,

    writer: SharedWriter,

    limits: Limits,

    // responses handed to this thread and not sent yet, server-wide
    in_flight: Arc<InFlight>,

    // set to true if we know that the previous request is the last one
    no_more_requests: bool,

    // set to true if the last request's body was left (partly) unread
    out_of_sync: bool,
}

/// Why no request could be delivered.
#[derive(Debug, PartialEq)]
enum Failure {
    /// Close without answering: the peer went away or the connection failed.
    Quiet,
    /// Answer with this status and a JSON message, then close.
    Respond(StatusCode, &'static str),
}

fn bad_request(message: &'static str) -> Failure {
    Failure::Respond(StatusCode(400), message)
}

/// Error while reading one CRLF-terminated line.
#[derive(Debug)]
enum LineError {
    /// The line is longer than allowed.
    TooLong,
    /// The line ends in a bare LF. RFC 9112 (section 2.2) lets a recipient accept it, but a
    /// proxy in front that does not would see different message boundaries.
    BareLf,
    /// The line does not fit in what is left of the head's byte budget.
    HeadTooLarge,
    Eof,
    Io(io::Error),
}

impl LineError {
    /// The failure for a line of the request head; `too_long` is used for an over-long line.
    fn in_head(self, too_long: Failure) -> Failure {
        match self {
            LineError::TooLong => too_long,
            LineError::BareLf => bad_request(BARE_LF),
            LineError::HeadTooLarge => Failure::Respond(StatusCode(431), HEAD_TOO_LARGE),
            LineError::Io(ref e) if is_timeout(e) => {
                Failure::Respond(StatusCode(408), REQUEST_TIMEOUT)
            }
            LineError::Eof | LineError::Io(_) => Failure::Quiet,
        }
    }

    /// The failure for a line of a chunked body.
    fn in_chunked_body(self) -> Failure {
        match self {
            LineError::TooLong | LineError::HeadTooLarge => bad_request(MALFORMED_CHUNKED),
            LineError::BareLf => bad_request(BARE_LF),
            LineError::Eof => bad_request("Incomplete chunked body"),
            LineError::Io(ref e) if is_timeout(e) => bad_request("Incomplete chunked body"),
            LineError::Io(_) => Failure::Quiet,
        }
    }
}

/// `Some(now + d)`, or `None` (no deadline) for a zero duration.
fn deadline_after(d: Duration) -> Option<Instant> {
    if d.is_zero() {
        None
    } else {
        Instant::now().checked_add(d)
    }
}

impl ClientConnection {
    /// Creates a new `ClientConnection` that takes ownership of the `TcpStream`, whose
    /// read and write timeouts must already be set.
    pub(crate) fn new(
        stream: TcpStream,
        remote_addr: SocketAddr,
        limits: Limits,
        in_flight: Arc<InFlight>,
    ) -> ClientConnection {
        let stream = Arc::new(stream);
        let read_timeout = Some(limits.read_timeout).filter(|t| !t.is_zero());
        let write_timeout = Some(limits.write_timeout).filter(|t| !t.is_zero());
        let reader = DeadlineReader::new(Arc::clone(&stream), read_timeout);
        let writer = SharedWriter::new(Arc::clone(&stream), write_timeout);
        ClientConnection {
            remote_addr,
            stream,
            reader: Some(BufReader::with_capacity(READ_BUFFER, reader)),
            writer,
            limits,
            in_flight,
            no_more_requests: false,
            out_of_sync: false,
        }
    }

    /// Reads requests and pushes them to `messages`, one at a time: the next request is
    /// only read once the previous one was answered (or dropped). Returns when the
    /// connection is done; dropping `self` then closes the socket.
    pub(crate) fn serve(mut self, messages: &MessagesQueue<Request>, close: &AtomicBool) {
        loop {
            if close.load(Ordering::Relaxed) {
                return;
            }

            // wait for the first byte of the next request: an idle connection is closed
            // quietly when the socket's read timeout expires
            match self.reader.as_mut() {
                Some(reader) => {
                    reader.get_mut().set_deadline(None);
                    if !wait_for_data(reader) {
                        return;
                    }
                    let deadline = deadline_after(self.limits.request_deadline);
                    reader.get_mut().set_deadline(deadline);
                }
                None => return,
            }

            match self.read_request() {
                Ok(request) => {
                    let (sender, receiver) = mpsc::channel();
                    let responder = Responder::new(sender, Arc::clone(&self.in_flight));
                    if let Err(request) = messages.push(request.with_responder(responder)) {
                        // the server is gone: its 500 would only reach a closing socket
                        drop(request);
                        return;
                    }
                    // Wait until the request was answered or dropped, then send the
                    // response from here. Serving one request at a time bounds the memory
                    // a single connection can pin (one body of at most `max_body`, one
                    // response) and keeps responses in order.
                    if let Ok(Outcome::Respond(job)) = receiver.recv() {
                        if let Err(e) = self.send_response(job) {
                            log::debug!("Cutting connection from {}: {}", self.remote_addr, e);
                            self.abort();
                            return;
                        }
                    }
                    if self.no_more_requests {
                        if self.out_of_sync {
                            self.linger();
                        }
                        return;
                    }
                }
                Err(Failure::Quiet) => return,
                Err(Failure::Respond(status, message)) => {
                    log::debug!(
                        "Rejecting request from {}: {} {}",
                        self.remote_addr,
                        status.0,
                        message
                    );
                    self.write_error(status, message);
                    self.linger();
                    return;
                }
            }
        }
    }

    /// Sends a response within its budget: `response_deadline` plus one second per
    /// `min_send_rate` bytes. The socket's write timeout bounds each write; only this
    /// bounds the whole, against a client that reads a little before every timeout.
    fn send_response(&mut self, job: ResponseJob) -> io::Result<()> {
        self.writer.set_budget(SendBudget::new(
            self.limits.response_deadline,
            self.limits.min_send_rate,
            job.length,
        ));
        let result = job.send(&mut self.writer);
        self.writer.set_budget(None);
        result
    }

    /// Ends the connection at once, throwing away what is still queued to be sent: closing
    /// normally would leave the kernel sending the rest of a large response to a slow
    /// reader, up to the whole send buffer (megabytes), after we let go of it. Writes that
    /// follow (the buffered writer's flush on drop) fail immediately.
    fn abort(&mut self) {
        let _ = socket2::SockRef::from(&*self.stream).set_linger(Some(Duration::ZERO));
        let _ = self.stream.shutdown(Shutdown::Both);
    }

    fn write_error(&mut self, status: StatusCode, message: &str) {
        let mut writer = self.writer.clone();
        let _ = write_json_error(&mut writer, status, message).and_then(|()| writer.flush());
    }

    /// Stops sending, then throws away a bounded amount of whatever the client still
    /// sends, so that closing does not reset the connection before the client read the
    /// response.
    fn linger(&mut self) {
        let _ = self.writer.flush();
        let _ = self.stream.shutdown(Shutdown::Write);
        if let Some(reader) = self.reader.as_mut() {
            let limit = match self.limits.request_deadline {
                d if d.is_zero() => LINGER,
                d => d.min(LINGER),
            };
            reader.get_mut().set_deadline(deadline_after(limit));
            drop(EqualReader::new(reader, MAX_DRAIN));
        }
    }

    /// Reads one request: head, then body. The first byte is already buffered.
    fn read_request(&mut self) -> Result<Request, Failure> {
        let limits = self.limits.clone();
        let mut writer = self.writer.clone();
        let reader = self.reader.as_mut().ok_or(Failure::Quiet)?;

        let mut budget = limits.max_header_bytes;
        let mut line = Vec::with_capacity(256);

        // the request line; empty lines before it are ignored (RFC 9112, section 2.2)
        loop {
            read_line(reader, limits.max_header_line, &mut budget, &mut line)
                .map_err(|e| e.in_head(Failure::Respond(StatusCode(414), "URI too long")))?;
            if !line.is_empty() {
                break;
            }
        }
        let (method, path, version) =
            parse_request_line_bytes(&line).map_err(|()| bad_request("Bad request line"))?;
        if version > (1, 1) {
            return Err(Failure::Respond(
                StatusCode(505),
                "HTTP version not supported",
            ));
        }

        // the headers
        let mut headers = Vec::new();
        loop {
            read_line(reader, limits.max_header_line, &mut budget, &mut line)
                .map_err(|e| e.in_head(Failure::Respond(StatusCode(431), HEAD_TOO_LARGE)))?;
            if line.is_empty() {
                break;
            }
            if headers.len() >= limits.max_headers {
                return Err(Failure::Respond(StatusCode(431), HEAD_TOO_LARGE));
            }
            headers.push(parse_header_line(&line).ok_or_else(|| bad_request("Malformed header"))?);
        }

        check_host(&headers, &version)?;

        let expects_continue = match find_header(&headers, "Expect") {
            None => false,
            Some(v) if v.trim().eq_ignore_ascii_case("100-continue") => true,
            Some(_) => {
                return Err(Failure::Respond(StatusCode(417), "Expectation failed"));
            }
        };
        let continue_allowed = expects_continue && version >= (1, 1);

        let chunked = match transfer_encoding(&headers) {
            Ok(chunked) => chunked,
            Err(()) => return Err(bad_request("Unsupported Transfer-Encoding")),
        };
        if chunked && version < (1, 1) {
            // RFC 9112, section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty
            // framing; a 1.0 proxy in front would not have decoded it the way we would
            return Err(bad_request("Transfer-Encoding in an HTTP/1.0 request"));
        }
        let content_length = match content_length(&headers) {
            Ok(length) => length,
            Err(()) => return Err(bad_request("Invalid Content-Length")),
        };

        // updating the status of the connection, from the options of every Connection
        // header (`keep-alive, close` closes; `notclose` is not `close`)
        let has_option = |option: &str| {
            headers
                .iter()
                .filter(|h| h.field.equiv("Connection"))
                .flat_map(|h| h.value.as_str().split(','))
                .any(|o| o.trim().eq_ignore_ascii_case(option))
        };
        let upgrade = has_option("upgrade");
        if has_option("close") || upgrade || (version < (1, 1) && !has_option("keep-alive")) {
            self.no_more_requests = true;
        }

        // the body
        let (body, body_length) = if chunked {
            if content_length.is_some() {
                // RFC 9112, section 6.3: Transfer-Encoding wins, and the connection closes
                self.no_more_requests = true;
            }
            if continue_allowed {
                send_continue(&mut writer)?;
            }
            let (body, complete) = read_chunked_body(reader, &limits)?;
            if !complete {
                // the rest of the body was not read: the stream is out of sync
                self.no_more_requests = true;
                self.out_of_sync = true;
            }
            let length = body.len();
            (body, Some(length))
        } else if let Some(length) = content_length {
            if length > limits.max_body {
                // never read it: the application answers 413 from `body_length()`
                self.no_more_requests = true;
                self.out_of_sync = true;
                (Vec::new(), Some(length))
            } else {
                if continue_allowed && length > 0 {
                    send_continue(&mut writer)?;
                }
                (read_exact_body(reader, length)?, Some(length))
            }
        } else {
            (Vec::new(), None)
        };

        let upgrade_stream: Option<Box<dyn Read + Send + 'static>> = if upgrade {
            self.no_more_requests = true;
            self.reader.take().map(|mut reader| {
                reader.get_mut().set_deadline(None);
                Box::new(reader) as Box<dyn Read + Send + 'static>
            })
        } else {
            None
        };

        Ok(new_request(RequestParts {
            secure: false,
            method,
            path,
            version,
            headers,
            remote_addr: Some(self.remote_addr),
            body: Box::new(Cursor::new(body)),
            body_length,
            upgrade_stream,
            writer: Box::new(writer),
            close_connection: self.no_more_requests,
        }))
    }
}

/// Blocks until data is available. False on EOF, timeout or error.
fn wait_for_data<R: BufRead>(reader: &mut R) -> bool {
    loop {
        match reader.fill_buf() {
            Ok(buf) => return !buf.is_empty(),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return false,
        }
    }
}

fn send_continue<W: Write>(writer: &mut W) -> Result<(), Failure> {
    writer
        .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
        .and_then(|()| writer.flush())
        .map_err(|_| Failure::Quiet)
}

/// Reads one line terminated by CRLF into `line`, without the terminator; a bare LF
/// gives `BareLf`.
///
/// Never buffers more than `max_line` (+ CR) bytes: reading stops with `TooLong` as soon
/// as the line is known to be longer, and with `HeadTooLarge` as soon as it would use
/// more than what is left of `budget`, which is decreased by the bytes consumed.
fn read_line<R: BufRead>(
    reader: &mut R,
    max_line: usize,
    budget: &mut usize,
    line: &mut Vec<u8>,
) -> Result<(), LineError> {
    line.clear();
    loop {
        let available = match reader.fill_buf() {
            Ok([]) => return Err(LineError::Eof),
            Ok(buf) => buf,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(LineError::Io(e)),
        };

        let newline = available.iter().position(|&b| b == b'\n');
        let take = newline.map_or(available.len(), |i| i + 1);
        let total = line.len() + take;
        match newline {
            Some(i) => {
                let ends_with_cr = if i > 0 {
                    available[i - 1] == b'\r'
                } else {
                    line.last() == Some(&b'\r')
                };
                let content = total - 1 - usize::from(ends_with_cr);
                if content > max_line {
                    return Err(LineError::TooLong);
                }
            }
            // a CR may still be dropped from the end
            None if total > max_line.saturating_add(1) => return Err(LineError::TooLong),
            None => {}
        }
        if take > *budget {
            return Err(LineError::HeadTooLarge);
        }
        *budget -= take;

        line.extend_from_slice(&available[..take]);
        reader.consume(take);

        if newline.is_some() {
            line.pop();
            if line.pop() != Some(b'\r') {
                return Err(LineError::BareLf);
            }
            return Ok(());
        }
    }
}

/// Reads exactly `length` bytes of body.
fn read_exact_body<R: Read>(reader: &mut R, length: usize) -> Result<Vec<u8>, Failure> {
    const SHORT: &str = "Body shorter than Content-Length";
    let mut body = Vec::with_capacity(length.min(64 * 1024));
    match EqualReader::new(reader, length).read_to_end(&mut body) {
        Ok(_) if body.len() == length => Ok(body),
        Ok(_) => Err(bad_request(SHORT)),
        Err(ref e) if is_timeout(e) => Err(bad_request(SHORT)),
        Err(_) => Err(Failure::Quiet),
    }
}

/// Decodes a chunked body, keeping at most `max_body + 1` bytes of it.
///
/// Returns the body and whether it was read to its end (false when it was larger than
/// `max_body`: the rest is left unread).
fn read_chunked_body<R: BufRead>(
    reader: &mut R,
    limits: &Limits,
) -> Result<(Vec<u8>, bool), Failure> {
    let cap = limits.max_body.saturating_add(1);
    let mut body = Vec::new();
    let mut line = Vec::new();
    // chunk-size lines are bounded one by one; their number is bounded by the body's size
    let mut unbounded = usize::MAX;

    loop {
        read_line(reader, limits.max_header_line, &mut unbounded, &mut line)
            .map_err(LineError::in_chunked_body)?;
        let size = parse_chunk_size(&line).ok_or_else(|| bad_request(MALFORMED_CHUNKED))?;

        if size == 0 {
            // trailer fields, up to an empty line; read under the head limits, checked like
            // header fields (a NUL or 0xFF a proxy passes on is refused), then ignored
            let mut budget = limits.max_header_bytes;
            let mut count = 0;
            loop {
                read_line(reader, limits.max_header_line, &mut budget, &mut line)
                    .map_err(LineError::in_chunked_body)?;
                if line.is_empty() {
                    return Ok((body, true));
                }
                count += 1;
                if count > limits.max_headers || parse_header_line(&line).is_none() {
                    return Err(bad_request(MALFORMED_CHUNKED));
                }
            }
        }

        let take = size.min(cap - body.len());
        let start = body.len();
        let read = EqualReader::new(&mut *reader, take).read_to_end(&mut body);
        match read {
            Ok(_) if body.len() - start == take => {}
            Ok(_) => return Err(bad_request("Incomplete chunked body")),
            Err(ref e) if is_timeout(e) => return Err(bad_request("Incomplete chunked body")),
            Err(_) => return Err(Failure::Quiet),
        }
        if take < size {
            return Ok((body, false));
        }

        // the CRLF closing the chunk's data
        read_line(reader, 0, &mut unbounded, &mut line).map_err(LineError::in_chunked_body)?;
    }
}

/// Parses a chunk-size line: hex digits, optionally followed by `;extensions` (ignored).
///
/// Stricter than RFC 9112's grammar, which allows whitespace (BWS) before the `;`: no
/// whitespace at all around the size, and no control or non-ASCII bytes in extensions, so
/// that no proxy can read a different size from the same line.
fn parse_chunk_size(line: &[u8]) -> Option<usize> {
    let end = line.iter().position(|&b| b == b';').unwrap_or(line.len());
    let (digits, extensions) = line.split_at(end);
    if digits.is_empty() || digits.len() > 16 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    if !extensions
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        return None;
    }
    let digits = std::str::from_utf8(digits).ok()?;
    u64::from_str_radix(digits, 16)
        .ok()
        .and_then(|size| usize::try_from(size).ok())
}

fn find_header<'a>(headers: &'a [Header], name: &'static str) -> Option<&'a str> {
    headers
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str())
}

/// The declared Content-Length. `Err` if a value is not a plain decimal number, or if
/// several Content-Length headers disagree (request smuggling).
fn content_length(headers: &[Header]) -> Result<Option<usize>, ()> {
    let mut found = None;
    for header in headers.iter().filter(|h| h.field.equiv("Content-Length")) {
        let value = header.value.as_str().trim();
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        let length: usize = value.parse().map_err(|_| ())?;
        match found {
            Some(previous) if previous != length => return Err(()),
            _ => found = Some(length),
        }
    }
    Ok(found)
}

/// Whether the body is chunked. `Err` unless the codings of every Transfer-Encoding header
/// together are exactly one `chunked`: with another coding the application would get
/// encoded bytes (nothing here decodes gzip), and `chunked, chunked` is forbidden.
fn transfer_encoding(headers: &[Header]) -> Result<bool, ()> {
    let mut codings = headers
        .iter()
        .filter(|h| h.field.equiv("Transfer-Encoding"))
        .flat_map(|h| h.value.as_str().split(','))
        .map(str::trim);
    match (codings.next(), codings.next()) {
        (None, _) => Ok(false),
        (Some(coding), None) if coding.eq_ignore_ascii_case("chunked") => Ok(true),
        _ => Err(()),
    }
}

/// RFC 9112, section 3.2: an HTTP/1.1 request has exactly one Host header, and a request
/// of any version at most one, with a valid value (empty is allowed, for targets without
/// an authority). A proxy and this server must not pick different hosts.
fn check_host(headers: &[Header], version: &HTTPVersion) -> Result<(), Failure> {
    let mut hosts = headers.iter().filter(|h| h.field.equiv("Host"));
    match (hosts.next(), hosts.next()) {
        (None, _) if *version >= (1, 1) => Err(bad_request("Missing Host header")),
        (None, _) => Ok(()),
        (Some(_), Some(_)) => Err(bad_request("More than one Host header")),
        (Some(host), None) if is_host(host.value.as_str()) => Ok(()),
        (Some(_), None) => Err(bad_request("Invalid Host header")),
    }
}

/// `uri-host [ ":" port ]`, loosely: the characters of a reg-name, an IP literal in
/// brackets, or an IPv4 address, and a port.
fn is_host(value: &str) -> bool {
    value.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'%'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'['
                    | b']'
            )
    })
}

/// A `tchar` of RFC 9110 (section 5.6.2): what field names and methods are made of.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'-'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        )
}

/// Parses a header line. Rejects non-ASCII bytes, control characters, obsolete line
/// folding, whitespace before the colon and empty or malformed field names.
fn parse_header_line(line: &[u8]) -> Option<Header> {
    let colon = line.iter().position(|&b| b == b':')?;
    if colon == 0 || !line[..colon].iter().copied().all(is_tchar) {
        return None;
    }
    if !line
        .iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?;
    Header::from_str(text).ok()
}

/// Parses the request line, e.g. `GET / HTTP/1.1`: printable ASCII, single spaces, a
/// token for the method, nothing before or after.
fn parse_request_line_bytes(line: &[u8]) -> Result<(Method, String, HTTPVersion), ()> {
    if !line.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        return Err(());
    }
    let method_end = line.iter().position(|&b| b == b' ').ok_or(())?;
    if method_end == 0 || !line[..method_end].iter().copied().all(is_tchar) {
        return Err(());
    }
    let text = std::str::from_utf8(line).map_err(|_| ())?;
    parse_request_line(text)
}

/// Parses a "HTTP/1.1" string.
fn parse_http_version(version: &str) -> Result<HTTPVersion, ()> {
    let (major, minor) = match version {
        "HTTP/0.9" => (0, 9),
        "HTTP/1.0" => (1, 0),
        "HTTP/1.1" => (1, 1),
        "HTTP/2.0" => (2, 0),
        "HTTP/3.0" => (3, 0),
        _ => return Err(()),
    };

    Ok(HTTPVersion(major, minor))
}

/// Parses the request line of the request.
/// eg. GET / HTTP/1.1
fn parse_request_line(line: &str) -> Result<(Method, String, HTTPVersion), ()> {
    let mut parts = line.split(' ');

    let method = parts.next().and_then(|w| w.parse().ok()).ok_or(())?;
    let path = parts.next().filter(|p| !p.is_empty()).ok_or(())?;
    let version = parts.next().ok_or(()).and_then(parse_http_version)?;
    if parts.next().is_some() {
        return Err(());
    }

    Ok((method, path.to_owned(), version))
}

#[cfg(test)]
mod test {
    use super::{parse_chunk_size, read_chunked_body, read_line, Failure, LineError};
    use crate::{Limits, StatusCode};
    use std::io::{BufReader, Cursor};

    #[test]
    fn test_parse_request_line() {
        let (method, path, ver) = super::parse_request_line("GET /hello HTTP/1.1").unwrap();

        assert!(method == crate::Method::Get);
        assert!(path == "/hello");
        assert!(ver == crate::common::HTTPVersion(1, 1));

        assert!(super::parse_request_line("GET /hello").is_err());
        assert!(super::parse_request_line("qsd qsd qsd").is_err());
        assert!(super::parse_request_line("GET /a b HTTP/1.1").is_err());
        assert!(super::parse_request_line_bytes(b"GET /\xc3\xa9 HTTP/1.1").is_err());
    }

    #[test]
    fn read_line_stops_at_the_limits() {
        let data = b"short\r\nbare lf\nxxxxxxxxxxxxxxxxxxxx\r\n";
        let mut reader = BufReader::with_capacity(4, Cursor::new(&data[..]));
        let mut budget = 100;
        let mut line = Vec::new();
        read_line(&mut reader, 10, &mut budget, &mut line).unwrap();
        assert_eq!(line, b"short");
        assert!(matches!(
            read_line(&mut reader, 10, &mut budget, &mut line),
            Err(LineError::BareLf)
        ));
        assert!(matches!(
            read_line(&mut reader, 10, &mut budget, &mut line),
            Err(LineError::TooLong)
        ));
        // stopped reading right after the limit, with a 4-byte buffer
        assert!(line.len() <= 12);

        let mut reader = Cursor::new(&b"0123456789\r\n"[..]);
        let mut budget = 11;
        assert!(matches!(
            read_line(&mut reader, 10, &mut budget, &mut line),
            Err(LineError::HeadTooLarge)
        ));

        let mut reader = Cursor::new(&b"0123456789\r\n"[..]);
        let mut budget = 12;
        read_line(&mut reader, 10, &mut budget, &mut line).unwrap();
        assert_eq!(budget, 0);
    }

    #[test]
    fn chunk_sizes() {
        assert_eq!(parse_chunk_size(b"1a"), Some(26));
        assert_eq!(parse_chunk_size(b"1A;name=value"), Some(26));
        assert_eq!(parse_chunk_size(b"0"), Some(0));
        assert_eq!(parse_chunk_size(b"+5"), None);
        assert_eq!(parse_chunk_size(b""), None);
        assert_eq!(parse_chunk_size(b"fffffffffffffffff"), None);
        // no whitespace around the size, no control bytes in extensions
        assert_eq!(parse_chunk_size(b" 5"), None);
        assert_eq!(parse_chunk_size(b"5 "), None);
        assert_eq!(parse_chunk_size(b"5\t;x"), None);
        assert_eq!(parse_chunk_size(b"5;x=\x00"), None);
        assert_eq!(parse_chunk_size(b"5;x=\xff"), None);
    }

    #[test]
    fn header_lines_are_parsed_strictly() {
        use super::parse_header_line;
        assert!(parse_header_line(b"Host: example.com").is_some());
        assert!(parse_header_line(b"X-Empty:").is_some());
        assert!(parse_header_line(b"Host : example.com").is_none());
        assert!(parse_header_line(b" Host: example.com").is_none());
        assert!(parse_header_line(b"X(y): 1").is_none());
        assert!(parse_header_line(b": 1").is_none());
        assert!(parse_header_line(b"X-Nul: a\x00b").is_none());
        assert!(parse_header_line(b"X-Ff: a\xffb").is_none());

        assert!(super::parse_request_line_bytes(b"GET / HTTP/1.1").is_ok());
        assert!(super::parse_request_line_bytes(b" GET / HTTP/1.1").is_err());
        assert!(super::parse_request_line_bytes(b"GET / HTTP/1.1 ").is_err());
        assert!(super::parse_request_line_bytes(b"GET  / HTTP/1.1").is_err());
        assert!(super::parse_request_line_bytes(b"G(T / HTTP/1.1").is_err());
    }

    fn limits(max_body: usize) -> Limits {
        Limits {
            max_body,
            ..Limits::default()
        }
    }

    #[test]
    fn chunked_body_within_and_over_the_limit() {
        let data = b"5\r\nhello\r\n6;ext\r\n world\r\n0\r\nTrailer: x\r\n\r\nNEXT";
        let mut reader = Cursor::new(&data[..]);
        let (body, complete) = read_chunked_body(&mut reader, &limits(100)).unwrap();
        assert_eq!(body, b"hello world");
        assert!(complete);
        assert_eq!(&data[reader.position() as usize..], b"NEXT");

        let mut reader = Cursor::new(&data[..]);
        let (body, complete) = read_chunked_body(&mut reader, &limits(7)).unwrap();
        // max_body + 1 bytes
        assert_eq!(body, b"hello wo");
        assert!(!complete);

        let mut reader = Cursor::new(&b"5\r\nhelloXX\r\n0\r\n\r\n"[..]);
        assert_eq!(
            read_chunked_body(&mut reader, &limits(100)),
            Err(Failure::Respond(StatusCode(400), "Malformed chunked body"))
        );

        let mut reader = Cursor::new(&b"5\r\nhel"[..]);
        assert_eq!(
            read_chunked_body(&mut reader, &limits(100)),
            Err(Failure::Respond(StatusCode(400), "Incomplete chunked body"))
        );
    }

    #[test]
    fn chunked_bodies_are_framed_strictly() {
        let malformed = Err(Failure::Respond(StatusCode(400), "Malformed chunked body"));
        let bare_lf = Err(Failure::Respond(StatusCode(400), "Line not ending in CRLF"));
        for (data, expected) in [
            (&b"5\nhello\r\n0\r\n\r\n"[..], &bare_lf),
            (&b"5\r\nhello\n0\r\n\r\n"[..], &bare_lf),
            (&b"5\r\nhello\r\n0\r\n\n"[..], &bare_lf),
            (&b" 5\r\nhello\r\n0\r\n\r\n"[..], &malformed),
            (&b"5 \r\nhello\r\n0\r\n\r\n"[..], &malformed),
            (&b"5\r\nhello\r\n0\r\nX-T: a\x00b\r\n\r\n"[..], &malformed),
            (&b"5\r\nhello\r\n0\r\nX-T: \xff\r\n\r\n"[..], &malformed),
            (&b"5\r\nhello\r\n0\r\nno colon\r\n\r\n"[..], &malformed),
        ] {
            let mut reader = Cursor::new(data);
            assert_eq!(
                &read_chunked_body(&mut reader, &limits(100)),
                expected,
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
    }
}
