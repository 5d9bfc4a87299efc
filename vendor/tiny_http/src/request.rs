// canvass patch: the body is read by the connection thread before the Request exists
// (hazard 7); `respond()` hands the response to the connection thread, which sends it, so
// the application's thread never waits on a slow reader (hazard 8); a Request carries the
// in-memory body, `close_connection` (its response then says `Connection: close`), and no
// client-triggerable `unwrap()`s (see PATCHES.md).

use std::io::Error as IoError;
use std::io::{self, ErrorKind, Read, Write};

use std::fmt;
use std::net::SocketAddr;

use std::sync::mpsc::Sender;
use std::sync::Arc;

use crate::util::{InFlight, InFlightGuard};
use crate::{HTTPVersion, Header, Method, Response};

/// Represents an HTTP request made by a client.
///
/// A `Request` object is what is produced by the server, and is your what
/// your code must analyse and answer.
///
/// This object implements the `Send` trait, therefore you can dispatch your requests to
/// worker threads.
///
/// # Pipelining
///
/// A client may send several requests in a row without waiting for the responses
/// (*requests pipelining*). canvass patch: a connection hands out one `Request` at a time;
/// the next request on the same connection is only read once this one was answered (or
/// dropped), so responses are always in order and one connection never holds more than
/// one body in memory.
///
/// # Automatic cleanup
///
/// If a `Request` object is destroyed without `into_writer` or `respond` being called,
/// an empty response with a 500 status code (internal server error) will automatically be
/// sent back to the client.
/// This means that if your code fails during the handling of a request, this "internal server
/// error" response will automatically be sent during the stack unwinding.
///
/// # Testing
///
/// If you want to build fake requests to test your server, use [`TestRequest`](crate::test::TestRequest).
pub struct Request {
    // where to read the body from (already in memory)
    data_reader: Box<dyn Read + Send + 'static>,

    // for `Connection: upgrade` requests: the rest of the connection's byte stream
    upgrade_stream: Option<Box<dyn Read + Send + 'static>>,

    // if this writer is empty, then the request has been answered
    response_writer: Option<Box<dyn Write + Send + 'static>>,

    remote_addr: Option<SocketAddr>,

    // true if HTTPS, false if HTTP
    secure: bool,

    method: Method,

    path: String,

    http_version: HTTPVersion,

    headers: Vec<Header>,

    body_length: Option<usize>,

    // true if the connection closes after this request's response
    close_connection: bool,

    // If Some, the connection thread waits for the response (or word that the application
    // wrote to the connection itself) through it
    notify_when_responded: Option<Responder>,
}

/// What a connection thread learns once the application dealt with its request.
pub(crate) enum Outcome {
    /// Send this response, then go on with the connection.
    Respond(ResponseJob),
    /// The application wrote to the connection itself (`into_writer`, `upgrade`).
    Done,
}

/// Prints a response (head and body) into the connection's writer.
type Print = Box<dyn FnOnce(&mut dyn Write) -> io::Result<()> + Send>;

/// A response for the connection thread to print: rendering it needs only the request's
/// version, headers and method, all moved in here.
pub(crate) struct ResponseJob {
    print: Print,
    /// The body's announced length (0 when unknown), for the send budget.
    pub(crate) length: usize,
    in_flight: InFlightGuard,
}

impl ResponseJob {
    /// Prints the response into `writer` and flushes it. The response stops being in
    /// flight once this returns.
    pub(crate) fn send<W: Write>(self, writer: &mut W) -> io::Result<()> {
        let ResponseJob {
            print, in_flight, ..
        } = self;
        let result = print(writer).and_then(|()| writer.flush());
        drop(in_flight);
        result
    }
}

/// The way back to the connection thread that is waiting for a request's outcome.
pub(crate) struct Responder {
    sender: Sender<Outcome>,
    in_flight: Arc<InFlight>,
}

impl Responder {
    pub(crate) fn new(sender: Sender<Outcome>, in_flight: Arc<InFlight>) -> Responder {
        Responder { sender, in_flight }
    }

    fn send(self, outcome: Outcome) {
        // the connection thread may be gone already; nothing to tell then
        let _ = self.sender.send(outcome);
    }
}

struct NotifyOnDrop<R> {
    responder: Option<Responder>,
    inner: R,
}

impl<R: Read> Read for NotifyOnDrop<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}
impl<R: Write> Write for NotifyOnDrop<R> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
impl<R> Drop for NotifyOnDrop<R> {
    fn drop(&mut self) {
        if let Some(responder) = self.responder.take() {
            responder.send(Outcome::Done);
        }
    }
}

/// Everything a connection thread knows about a request once its head and body were read.
pub(crate) struct RequestParts {
    /// Always false for real connections (TLS support was removed); `TestRequest` sets it.
    pub secure: bool,
    pub method: Method,
    pub path: String,
    pub version: HTTPVersion,
    pub headers: Vec<Header>,
    pub remote_addr: Option<SocketAddr>,
    /// The body, already in memory (or empty when it was too large to read).
    pub body: Box<dyn Read + Send + 'static>,
    pub body_length: Option<usize>,
    /// For `Connection: upgrade`: the rest of the connection's byte stream.
    pub upgrade_stream: Option<Box<dyn Read + Send + 'static>>,
    pub writer: Box<dyn Write + Send + 'static>,
    /// The connection closes after this request: the response says `Connection: close`.
    pub close_connection: bool,
}

/// Builds a new request from its parts.
///
/// canvass patch: the body is no longer a reader over the socket. The connection thread
/// reads it (bounded by `Limits::max_body` and the request deadline) before the request
/// is handed to a worker, so workers never block on a slow client.
pub(crate) fn new_request(parts: RequestParts) -> Request {
    Request {
        data_reader: parts.body,
        upgrade_stream: parts.upgrade_stream,
        response_writer: Some(parts.writer),
        remote_addr: parts.remote_addr,
        secure: parts.secure,
        method: parts.method,
        path: parts.path,
        http_version: parts.version,
        headers: parts.headers,
        body_length: parts.body_length,
        close_connection: parts.close_connection,
        notify_when_responded: None,
    }
}

impl Request {
    /// Returns true if the request was made through HTTPS.
    #[inline]
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// Returns the method requested by the client (eg. `GET`, `POST`, etc.).
    #[inline]
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// Returns the resource requested by the client.
    #[inline]
    pub fn url(&self) -> &str {
        &self.path
    }

    /// Returns a list of all headers sent by the client.
    #[inline]
    pub fn headers(&self) -> &[Header] {
        &self.headers
    }

    /// Returns the HTTP version of the request.
    #[inline]
    pub fn http_version(&self) -> &HTTPVersion {
        &self.http_version
    }

    /// Returns the length of the body in bytes.
    ///
    /// Returns `None` if the length is unknown.
    #[inline]
    pub fn body_length(&self) -> Option<usize> {
        self.body_length
    }

    /// Returns the address of the client that sent this request.
    ///
    /// The address is always `Some` for TCP listeners, but always `None` for UNIX listeners
    /// (as the remote address of a UNIX client is almost always unnamed).
    ///
    /// Note that this is gathered from the socket. If you receive the request from a proxy,
    /// this function will return the address of the proxy and not the address of the actual
    /// user.
    #[inline]
    pub fn remote_addr(&self) -> Option<&SocketAddr> {
        self.remote_addr.as_ref()
    }

    /// Sends a response with a `Connection: upgrade` header, then turns the `Request` into a `Stream`.
    ///
    /// The main purpose of this function is to support websockets.
    /// If you detect that the request wants to use some kind of protocol upgrade, you can
    ///  call this function to obtain full control of the socket stream.
    ///
    /// If you call this on a non-websocket request, tiny-http will wait until this `Stream` object
    ///  is destroyed before continuing to read or write on the socket. Therefore you should always
    ///  destroy it as soon as possible.
    ///
    /// canvass patch: the raw stream is only available for requests that carried a
    /// `Connection: upgrade` header; for any other request the read side yields the
    /// (already buffered) body and then EOF. The socket's read timeout still applies.
    pub fn upgrade<R: Read>(
        mut self,
        protocol: &str,
        response: Response<R>,
    ) -> Box<dyn ReadWrite + Send> {
        use crate::util::CustomStream;

        let mut writer = self.extract_writer_impl();
        response
            .raw_print(
                writer.by_ref(),
                self.http_version.clone(),
                &self.headers,
                false,
                Some(protocol),
            )
            .ok(); // TODO: unused result

        writer.flush().ok(); // TODO: unused result

        let reader: Box<dyn Read + Send + 'static> = match self.upgrade_stream.take() {
            Some(stream) => Box::new(self.extract_reader_impl().chain(stream)),
            None => self.extract_reader_impl(),
        };
        let stream = CustomStream::new(reader, writer);
        if let Some(responder) = self.notify_when_responded.take() {
            let stream = NotifyOnDrop {
                responder: Some(responder),
                inner: stream,
            };
            Box::new(stream) as Box<dyn ReadWrite + Send>
        } else {
            Box::new(stream) as Box<dyn ReadWrite + Send>
        }
    }

    /// Allows to read the body of the request.
    ///
    /// # Example
    ///
    /// ```no_run
    /// # use std::io::Read;
    /// # fn get_content_type(_: &tiny_http::Request) -> &'static str { "" }
    /// # let server = tiny_http::Server::http("0.0.0.0:0").unwrap();
    /// let mut request = server.recv().unwrap();
    ///
    /// if get_content_type(&request) == "application/json" {
    ///     let mut content = String::new();
    ///     request.as_reader().read_to_string(&mut content).unwrap();
    /// }
    /// ```
    ///
    /// canvass patch: the body was already read into memory by the connection thread
    /// (`100 Continue` was sent then, if the client asked for it), so reading never blocks
    /// on the client. When the declared `Content-Length` exceeds `Limits::max_body` the
    /// body is not read at all: this reader is empty while `body_length()` still reports
    /// the declared length. A chunked body is decoded up to `max_body + 1` bytes.
    #[inline]
    pub fn as_reader(&mut self) -> &mut dyn Read {
        &mut self.data_reader
    }

    /// Turns the `Request` into a writer.
    ///
    /// The writer has a raw access to the stream to the user.
    /// This function is useful for things like CGI.
    ///
    /// Note that the destruction of the `Writer` object may trigger
    /// some events. For exemple if a client has sent multiple requests and the requests
    /// have been processed in parallel, the destruction of a writer will trigger
    /// the writing of the next response.
    /// Therefore you should always destroy the `Writer` as soon as possible.
    #[inline]
    pub fn into_writer(mut self) -> Box<dyn Write + Send + 'static> {
        let writer = self.extract_writer_impl();
        if let Some(responder) = self.notify_when_responded.take() {
            let writer = NotifyOnDrop {
                responder: Some(responder),
                inner: writer,
            };
            Box::new(writer) as Box<dyn Write + Send + 'static>
        } else {
            writer
        }
    }

    /// Extract the response `Writer` object from the Request, dropping this `Writer` has the same side effects
    /// as the object returned by `into_writer` above.
    ///
    /// This may only be called once on a single request.
    fn extract_writer_impl(&mut self) -> Box<dyn Write + Send + 'static> {
        // only ever `None` after a consuming method took it, so the sink is unreachable
        self.response_writer
            .take()
            .unwrap_or_else(|| Box::new(io::sink()))
    }

    /// Extract the body `Reader` object from the Request.
    ///
    /// This may only be called once on a single request.
    fn extract_reader_impl(&mut self) -> Box<dyn Read + Send + 'static> {
        std::mem::replace(&mut self.data_reader, Box::new(io::empty()))
    }

    /// Sends a response to this request.
    ///
    /// canvass patch: for a request that came from a connection, the response is handed to
    /// that connection's thread, which writes it (within `Limits::response_deadline` and
    /// `Limits::min_send_rate`) while this returns at once: a client that reads slowly
    /// holds its own connection, never the caller. So errors writing it are not returned
    /// here (a connection that fails is closed), and the body must be `Send + 'static`.
    /// A `TestRequest` is still answered in place.
    #[inline]
    pub fn respond<R>(mut self, response: Response<R>) -> Result<(), IoError>
    where
        R: Read + Send + 'static,
    {
        match self.notify_when_responded.take() {
            Some(responder) => {
                // the connection thread writes through its own handle to the same socket
                self.response_writer = None;
                let job = self.response_job(response, &responder.in_flight);
                responder.send(Outcome::Respond(job));
                Ok(())
            }
            None => self.respond_impl(response),
        }
    }

    /// The response as a job for the connection thread.
    fn response_job<R>(&mut self, response: Response<R>, in_flight: &Arc<InFlight>) -> ResponseJob
    where
        R: Read + Send + 'static,
    {
        let version = self.http_version.clone();
        let headers = std::mem::take(&mut self.headers);
        let head = self.method == Method::Head;
        let close = self.close_connection;
        let length = if head {
            0
        } else {
            response.data_length().unwrap_or(0)
        };
        ResponseJob {
            print: Box::new(move |writer: &mut dyn Write| {
                response.raw_print_impl(writer, version, &headers, head, None, close)
            }),
            length,
            in_flight: InFlight::start(in_flight),
        }
    }

    fn respond_impl<R>(&mut self, response: Response<R>) -> Result<(), IoError>
    where
        R: Read,
    {
        let mut writer = self.extract_writer_impl();

        let do_not_send_body = self.method == Method::Head;

        Self::ignore_client_closing_errors(response.raw_print_impl(
            writer.by_ref(),
            self.http_version.clone(),
            &self.headers,
            do_not_send_body,
            None,
            self.close_connection,
        ))?;

        Self::ignore_client_closing_errors(writer.flush())
    }

    fn ignore_client_closing_errors(result: io::Result<()>) -> io::Result<()> {
        result.or_else(|err| match err.kind() {
            ErrorKind::BrokenPipe => Ok(()),
            ErrorKind::ConnectionAborted => Ok(()),
            ErrorKind::ConnectionRefused => Ok(()),
            ErrorKind::ConnectionReset => Ok(()),
            _ => Err(err),
        })
    }

    pub(crate) fn with_responder(mut self, responder: Responder) -> Self {
        self.notify_when_responded = Some(responder);
        self
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> Result<(), fmt::Error> {
        write!(
            formatter,
            "Request({} {} from {:?})",
            self.method, self.path, self.remote_addr
        )
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        if self.response_writer.is_none() {
            return;
        }
        let response = Response::empty(500);
        match self.notify_when_responded.take() {
            Some(responder) => {
                self.response_writer = None;
                let job = self.response_job(response, &responder.in_flight);
                responder.send(Outcome::Respond(job));
            }
            None => {
                let _ = self.respond_impl(response); // ignoring any potential error
            }
        }
    }
}

/// Dummy trait that regroups the `Read` and `Write` traits.
///
/// Automatically implemented on all types that implement both `Read` and `Write`.
pub trait ReadWrite: Read + Write {}
impl<T> ReadWrite for T where T: Read + Write {}

#[cfg(test)]
mod tests {
    use super::Request;

    #[test]
    fn must_be_send() {
        #![allow(dead_code)]
        fn f<T: Send>(_: &T) {}
        fn bar(rq: &Request) {
            f(rq);
        }
    }
}
