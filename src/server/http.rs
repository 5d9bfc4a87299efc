//! All of tiny_http lives here: bind, a bounded pool of workers, an owned copy of each
//! request, CORS, one log line per request, and a `catch_unwind` net so a panicking handler
//! becomes a 500 instead of a dropped connection.
//!
//! Design note: tiny_http 0.12 alone falls over on hostile input (a huge declared
//! Content-Length aborts the process, heads and idle time are unbounded, an accept error
//! stops the server). canvass keeps it as the engine but patches it (`vendor/tiny_http`,
//! see its PATCHES.md): the connection thread reads each body up to the limit before a
//! worker sees it and sends each response after the worker handed it over, so workers never
//! wait on a slow client; connections are capped per client address; everything past the
//! limits is answered with JSON by tiny_http itself. This module only checks the declared
//! length, raises the open-files limit and hands the engine's warnings to the log.

use std::borrow::Cow;
use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::client_address::TrustedProxies;
use super::cors::cors_headers;
use super::error::{ApiError, retry_after_secs};
use super::fair_lane::FairLane;
use super::logging::RequestLine;
use super::metrics::Metrics;
use super::route_name::RouteName;
use crate::cli::LogFormat;
use crate::protocol::{RequestBody, check_body_objects};

/// An HTTP method, parsed once where tiny_http hands the request over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    Put,
    Patch,
    Delete,
    Options,
    Other(String),
}

impl Method {
    fn parse(method: &tiny_http::Method) -> Method {
        match method {
            tiny_http::Method::Get => Method::Get,
            tiny_http::Method::Head => Method::Head,
            tiny_http::Method::Post => Method::Post,
            tiny_http::Method::Put => Method::Put,
            tiny_http::Method::Patch => Method::Patch,
            tiny_http::Method::Delete => Method::Delete,
            tiny_http::Method::Options => Method::Options,
            other => Method::Other(other.as_str().to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Other(other) => other,
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request as handlers see it: owned, body already read.
#[derive(Debug)]
pub struct Request {
    pub method: Method,
    /// Without the query string.
    pub path: String,
    query: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The client's address as far as it can be told (`TrustedProxies::client`), for the
    /// limits kept per address.
    pub remote: Option<IpAddr>,
}

impl Request {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A query parameter's value, percent-decoded (`?page=%32` is page 2, `+` a space); the
    /// first if it is given twice.
    pub fn query(&self, key: &str) -> Option<Cow<'_, str>> {
        form_urlencoded::parse(self.query.as_bytes()).find_map(|(k, v)| (k == key).then_some(v))
    }

    /// The body as `application/x-www-form-urlencoded` pairs, percent-decoded, in order (a
    /// checkbox group repeats its name). Bytes that are not UTF-8 become U+FFFD, as browsers
    /// only send UTF-8 to a page that declares it.
    pub fn form(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// The body as JSON of type `T`. A wrong type names its field (`questions[0].choices`).
    pub fn json<T: RequestBody>(&self) -> Result<T, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "the request body must be JSON, and it is empty",
            ));
        }
        check_body_objects::<T>(&self.body).map_err(|e| {
            ApiError::bad_request(format!("the request body is not valid JSON: {e}"))
        })??;
        // serde_path_to_error tracks the path of every value it reads, which costs on every
        // request; it runs only to name the field of a body already known to be wrong.
        let plain = match serde_json::from_slice::<T>(&self.body) {
            Ok(body) => return Ok(body),
            Err(e) => e,
        };
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let Err(error) = serde_path_to_error::deserialize::<_, T>(&mut de) else {
            return Err(ApiError::bad_request(plain.to_string()));
        };
        let path = error.path().to_string();
        let inner = error.into_inner();
        Err(if path == "." {
            ApiError::bad_request(inner.to_string())
        } else {
            let message = format!("{path}: {inner}");
            ApiError::BadRequest {
                message,
                field: Some(path),
            }
        })
    }
}

/// A response about to be sent.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    content_type: &'static str,
    /// Shared, so a cached answer is sent without copying it.
    body: Arc<Vec<u8>>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply::shared(status, content_type, Arc::new(body))
    }

    fn shared(status: u16, content_type: &'static str, body: Arc<Vec<u8>>) -> Reply {
        Reply {
            status,
            content_type,
            body,
            headers: Vec::new(),
        }
    }

    pub fn json<T: Serialize>(status: u16, value: &T) -> Reply {
        match Reply::encode(value) {
            Ok(body) => Reply::new(status, "application/json", body),
            Err(error) => Reply::error(&error),
        }
    }

    /// JSON already encoded, e.g. from the reply cache.
    pub fn json_bytes(status: u16, body: Arc<Vec<u8>>) -> Reply {
        Reply::shared(status, "application/json", body)
    }

    /// `value` as JSON bytes, for callers that keep them.
    pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
        serde_json::to_vec(value).map_err(|e| ApiError::Internal(e.to_string()))
    }

    pub fn ok<T: Serialize>(value: &T) -> Reply {
        Reply::json(200, value)
    }

    pub fn created<T: Serialize>(value: &T) -> Reply {
        Reply::json(201, value)
    }

    pub fn no_content() -> Reply {
        Reply::new(204, "application/json", Vec::new())
    }

    pub fn csv(text: String) -> Reply {
        Reply::new(200, "text/csv; charset=utf-8", text.into_bytes())
    }

    /// A web page (`server::web`), UTF-8.
    pub fn html(status: u16, page: String) -> Reply {
        Reply::new(status, "text/html; charset=utf-8", page.into_bytes())
    }

    /// A static file of `content_type`, compiled in.
    pub fn asset(content_type: &'static str, bytes: &'static [u8]) -> Reply {
        Reply::new(200, content_type, bytes.to_vec())
    }

    /// 303 See Other to `location`: after a form post, the browser GETs it, so reloading
    /// the page it lands on never posts the form again.
    pub fn see_other(location: &str) -> Reply {
        Reply::new(303, "text/plain; charset=utf-8", Vec::new()).with_header("Location", location)
    }

    /// The same reply with one more header.
    #[must_use]
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    pub fn error(error: &ApiError) -> Reply {
        let body = serde_json::to_vec(&error.body()).unwrap_or_else(|_| b"{}".to_vec());
        let mut reply = Reply::new(error.status(), "application/json", body);
        match error {
            ApiError::TooManyRequests { retry_after }
            | ApiError::SurveyQuota { retry_after }
            | ApiError::RegistrationQuota { retry_after } => {
                let secs = retry_after_secs(*retry_after);
                reply.headers.push(("Retry-After", secs.to_string()));
            }
            ApiError::Busy => reply.headers.push(("Retry-After", "1".to_owned())),
            // RFC 9110 §15.5.6: a 405 lists what the resource does allow.
            ApiError::MethodNotAllowed { allowed, .. } => {
                reply.headers.push(("Allow", allowed.clone()));
            }
            _ => {}
        }
        reply
    }
}

/// What the HTTP layer needs to know.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    pub threads: usize,
    pub max_body: usize,
    /// `*`, or the exact origins that may call from a browser.
    pub origins: Vec<String>,
    /// Requests that do slow work (password hashing): they run on `slow_threads` workers of
    /// their own, so a burst of logins never occupies the workers that serve everything else;
    /// past `slow_queue` waiting, they get 503.
    pub is_slow: fn(method: &Method, path: &str) -> bool,
    /// Every method some route answers, for CORS pre-flight's `Access-Control-Allow-Methods`.
    pub methods: String,
    pub slow_threads: usize,
    pub slow_queue: usize,
    /// Most connections one client address may hold open (503 past it); trusted proxies
    /// are exempt.
    pub max_connections_per_address: usize,
    /// Whose `X-Forwarded-For` names the client (`client_address`).
    pub trusted_proxies: TrustedProxies,
    /// Names a request the handler never saw (a body too large, a busy login lane) for
    /// metrics and logs; the handler names the others itself, having routed them.
    pub route_of: fn(method: &Method, path: &str) -> RouteName,
    pub metrics: Metrics,
    pub log_format: LogFormat,
}

/// Answers a request, and names the route it matched (its template, for metrics and logs).
pub type Handler = dyn Fn(&Request) -> (RouteName, Result<Reply, ApiError>) + Send + Sync;

pub struct HttpServer {
    server: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    slow_workers: Vec<JoinHandle<()>>,
    slow_lane: Arc<SlowLane>,
    stopping: Arc<AtomicBool>,
}

/// Requests waiting for a slow worker, with the client address they count against.
type SlowLane = FairLane<(tiny_http::Request, Option<IpAddr>)>;

/// What every worker shares.
struct Shared {
    server: Arc<tiny_http::Server>,
    stopping: Arc<AtomicBool>,
    config: HttpConfig,
    handler: Arc<Handler>,
    next_id: AtomicU64,
}

/// Binds `addr` and returns the address actually bound (port 0 resolved).
pub fn bind(addr: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}

impl HttpServer {
    /// Starts `config.threads` workers answering requests with `handler`.
    pub fn start(
        listener: TcpListener,
        config: HttpConfig,
        handler: &Arc<Handler>,
    ) -> std::io::Result<Self> {
        forward_engine_log();
        let limits = tiny_http::Limits {
            max_body: config.max_body,
            max_connections_per_address: config.max_connections_per_address,
            uncapped_addresses: config.trusted_proxies.addresses().to_vec(),
            ..tiny_http::Limits::default()
        };
        raise_open_files_limit(limits.max_connections);
        let server = tiny_http::Server::with_limits(listener, limits)
            .map(Arc::new)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let stopping = Arc::new(AtomicBool::new(false));
        let slow_lane = Arc::new(SlowLane::new(config.slow_queue));
        let shared = Arc::new(Shared {
            server: Arc::clone(&server),
            stopping: Arc::clone(&stopping),
            config,
            handler: Arc::clone(handler),
            next_id: AtomicU64::new(1),
        });
        let workers = (0..shared.config.threads)
            .map(|n| {
                let (shared, slow_lane) = (Arc::clone(&shared), Arc::clone(&slow_lane));
                std::thread::Builder::new()
                    .name(format!("canvass-worker-{n}"))
                    .spawn(move || work(&shared, &slow_lane))
            })
            .collect::<std::io::Result<_>>()?;
        let slow_workers = (0..shared.config.slow_threads)
            .map(|n| {
                let (shared, slow_lane) = (Arc::clone(&shared), Arc::clone(&slow_lane));
                std::thread::Builder::new()
                    .name(format!("canvass-slow-{n}"))
                    .spawn(move || work_slow(&shared, &slow_lane))
            })
            .collect::<std::io::Result<_>>()?;
        Ok(HttpServer {
            server,
            workers,
            slow_workers,
            slow_lane,
            stopping,
        })
    }

    /// A view of the connections and queues, for the metrics to read when scraped.
    pub fn load(&self) -> Load {
        Load {
            server: Arc::clone(&self.server),
            slow_lane: Arc::clone(&self.slow_lane),
        }
    }

    /// Lets queued requests finish, then stops every worker and waits (boundedly) for the
    /// last responses to leave.
    pub fn shutdown(self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in &self.workers {
            self.server.unblock();
        }
        // Once the workers are gone nothing more joins the slow lane: the slow workers drain
        // what is queued and stop.
        for worker in self.workers {
            let _ = worker.join();
        }
        self.slow_lane.close();
        for worker in self.slow_workers {
            let _ = worker.join();
        }
        // Connection threads send the responses the workers handed them; the process exits
        // right after this, which would cut them off.
        if !self.server.wait_for_responses(RESPONSE_DRAIN) {
            tracing::warn!(
                "responses still being sent after {RESPONSE_DRAIN:?} are cut off by the exit"
            );
        }
    }
}

/// What the HTTP server holds now, read on demand (`HttpServer::load`).
pub struct Load {
    server: Arc<tiny_http::Server>,
    slow_lane: Arc<SlowLane>,
}

impl Load {
    /// Connections accepted and not yet closed, idle keep-alive ones included.
    pub fn open_connections(&self) -> usize {
        self.server.num_connections()
    }

    /// Requests read in full that no worker has taken yet: in tiny_http's queue, plus those
    /// waiting in the slow lane for a login worker.
    pub fn queued_requests(&self) -> usize {
        self.server.queued_requests() + self.slow_lane.len()
    }
}

impl std::fmt::Debug for Load {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Load")
    }
}

/// How long shutdown waits for responses still being sent (to slow readers, say).
const RESPONSE_DRAIN: Duration = Duration::from_secs(10);

/// Each connection holds an open file. Systems often start processes with a soft limit of
/// 1,024 open files under a far higher hard one; issue 13 saw new clients hang at about 350
/// connections under `ulimit -n 1024`. A server may raise its soft limit to the hard one, so
/// it does, and says so when even that leaves less than the connection cap needs (past the
/// limit, new clients are answered 503).
fn raise_open_files_limit(max_connections: usize) {
    // the connections, plus the database's files, the listener and a reserve
    let wanted = u64::try_from(max_connections)
        .unwrap_or(u64::MAX)
        .saturating_add(64);
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < wanted => tracing::warn!(
            "at most {limit} open files are allowed (ulimit -Hn); past about that many \
             connections, new clients get 503"
        ),
        Ok(_) => {}
        Err(e) => tracing::warn!("cannot raise the open files limit: {e}"),
    }
}

/// tiny_http reports what goes wrong outside any request (an accept error, connections
/// refused over a cap, running out of file descriptors) through the `log` crate, which
/// nothing here listened to: issue 13 ran out of descriptors with nothing logged. Its
/// warnings and errors go to tracing with everything else; tiny_http logs each kind once
/// per burst, not once per refused client.
struct EngineLog;

impl log::Log for EngineLog {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Warn && metadata.target().starts_with("tiny_http")
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        if record.level() == log::Level::Error {
            tracing::error!("{}", record.args());
        } else {
            tracing::warn!("{}", record.args());
        }
    }

    fn flush(&self) {}
}

static ENGINE_LOG: EngineLog = EngineLog;

fn forward_engine_log() {
    // Fails only when a logger is already set (a second server in one process): keep it.
    if log::set_logger(&ENGINE_LOG).is_ok() {
        log::set_max_level(log::LevelFilter::Warn);
    }
}

fn work(shared: &Shared, slow_lane: &SlowLane) {
    loop {
        match shared.server.recv() {
            Ok(rq) => {
                let client = client(&rq, &shared.config.trusted_proxies);
                let path = rq.url().split('?').next().unwrap_or_default();
                if (shared.config.is_slow)(&Method::parse(rq.method()), path) {
                    if let Err((rq, client)) = slow_lane.push(client, (rq, client)) {
                        serve_one(rq, client, shared, Some(ApiError::Busy));
                    }
                } else {
                    serve_one(rq, client, shared, None);
                }
            }
            Err(_) if shared.stopping.load(Ordering::SeqCst) => break,
            Err(_) => {}
        }
    }
}

fn work_slow(shared: &Shared, lane: &SlowLane) {
    lower_priority();
    while let Some((rq, client)) = lane.pop() {
        serve_one(rq, client, shared, None);
    }
}

/// The address the request counts against (`TrustedProxies::client`).
fn client(rq: &tiny_http::Request, proxies: &TrustedProxies) -> Option<IpAddr> {
    let forwarded: Vec<&str> = rq
        .headers()
        .iter()
        .filter(|h| h.field.equiv("X-Forwarded-For"))
        .map(|h| h.value.as_str())
        .collect();
    proxies.client(rq.remote_addr().map(SocketAddr::ip), &forwarded)
}

/// Slow work waits for the CPU while anything else wants it: with the hashing threads at the
/// same priority as the workers, a 2-core machine showed read p99 tripling while 20 logins/s
/// ran. A niceness of about 10 weighs them ~1:10 against the workers; never refused, as
/// lowering one's own priority needs no privilege.
fn lower_priority() {
    let lowered = thread_priority::ThreadPriorityValue::try_from(25u8).and_then(|value| {
        let priority = thread_priority::ThreadPriority::Crossplatform(value);
        thread_priority::set_current_thread_priority(priority).map_err(|e| e.to_string())
    });
    if let Err(e) = lowered {
        tracing::warn!("cannot lower the priority of a login worker: {e}");
    }
}

/// Answers one request: `refuse` answers it with that error without running the handler.
fn serve_one(
    mut rq: tiny_http::Request,
    client: Option<IpAddr>,
    shared: &Shared,
    refuse: Option<ApiError>,
) {
    let started = Instant::now();
    let config = &shared.config;
    let in_flight = config.metrics.in_flight();
    let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
    let method = Method::parse(rq.method());
    let (path, query) = match rq.url().split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (rq.url().to_owned(), String::new()),
    };
    let origin = rq
        .headers()
        .iter()
        .find(|h| h.field.equiv("Origin"))
        .map(|h| h.value.as_str().to_owned());

    // Only the handler routes a request; the rest (and a handler that panicked) are named
    // here, once.
    let (route, reply) = match refuse {
        Some(error) => ((config.route_of)(&method, &path), Reply::error(&error)),
        None if method == Method::Options => (RouteName::PREFLIGHT, Reply::no_content()),
        None => match read_request(
            &mut rq,
            method.clone(),
            path.clone(),
            query,
            client,
            config.max_body,
        ) {
            Ok(request) => match run_handler(shared.handler.as_ref(), &request, id) {
                (Some(route), reply) => (route, reply),
                (None, reply) => ((config.route_of)(&method, &path), reply),
            },
            Err(error) => ((config.route_of)(&method, &path), Reply::error(&error)),
        },
    };

    let status = reply.status;
    let length = reply.body.len();
    let mut response = tiny_http::Response::new(
        tiny_http::StatusCode(status),
        Vec::new(),
        std::io::Cursor::new(SharedBytes(reply.body)),
        Some(length),
        None,
    );
    let mut headers = vec![("Content-Type", reply.content_type.to_owned())];
    headers.extend(reply.headers);
    let preflight = method == Method::Options;
    headers.extend(cors_headers(
        &config.origins,
        origin.as_deref(),
        preflight.then_some(config.methods.as_str()),
    ));
    for (name, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    // Counted before the hand-off, so a client that has its response finds it counted.
    let elapsed = started.elapsed();
    config.metrics.request(route, &method, status, elapsed);
    drop(in_flight);
    // A client that hung up is no error of ours.
    let _ = rq.respond(response);
    RequestLine {
        id,
        method: &method,
        path: &path,
        route,
        status,
        elapsed,
    }
    .log(config.log_format);
}

/// The owned copy handlers see, body read up to `max_body` (413 past it).
fn read_request(
    rq: &mut tiny_http::Request,
    method: Method,
    path: String,
    query: String,
    remote: Option<IpAddr>,
    max_body: usize,
) -> Result<Request, ApiError> {
    let too_large = || ApiError::PayloadTooLarge { limit: max_body };
    if rq.body_length().is_some_and(|n| n > max_body) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    let limit = u64::try_from(max_body)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    rq.as_reader()
        .take(limit)
        .read_to_end(&mut body)
        .map_err(|e| ApiError::bad_request(format!("could not read the body: {e}")))?;
    if body.len() > max_body {
        return Err(too_large());
    }
    let headers = rq
        .headers()
        .iter()
        .map(|h| {
            (
                h.field.as_str().as_str().to_owned(),
                h.value.as_str().to_owned(),
            )
        })
        .collect();
    Ok(Request {
        method,
        path,
        query,
        headers,
        body,
        remote,
    })
}

/// Runs the handler; an internal error is logged under the request id, and a panic becomes a
/// 500 instead of a dropped connection. The route the handler named; none when it panicked.
fn run_handler(handler: &Handler, request: &Request, id: u64) -> (Option<RouteName>, Reply) {
    match catch_unwind(AssertUnwindSafe(|| handler(request))) {
        Ok((route, Ok(reply))) => (Some(route), reply),
        Ok((route, Err(error))) => {
            if let ApiError::Internal(detail) = &error {
                tracing::error!("request {id}: {detail}");
            }
            (Some(route), Reply::error(&error))
        }
        Err(_) => {
            tracing::error!("request {id}: handler panicked");
            let error = ApiError::Internal("handler panicked".into());
            (None, Reply::error(&error))
        }
    }
}

/// A shared body, readable as a byte slice by tiny_http's `Cursor`.
struct SharedBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::net::TcpStream;
    use std::sync::Mutex;
    use std::sync::mpsc::channel;
    use std::time::Duration;

    use super::*;

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        reply
    }

    /// One general worker and one slow one, `/slow` being slow.
    fn start(handler: &Arc<Handler>, metrics: Metrics) -> (HttpServer, SocketAddr) {
        let (listener, addr) = bind("127.0.0.1:0").unwrap();
        let config = HttpConfig {
            threads: 1,
            max_body: 1024,
            origins: vec!["*".into()],
            is_slow: |_, path| path == "/slow",
            methods: "GET, OPTIONS".into(),
            slow_threads: 1,
            slow_queue: 4,
            max_connections_per_address: 64,
            trusted_proxies: TrustedProxies::default(),
            route_of: RouteName::resolve,
            metrics,
            log_format: LogFormat::Text,
        };
        (HttpServer::start(listener, config, handler).unwrap(), addr)
    }

    #[test]
    fn a_panicking_handler_answers_500_json_and_the_server_keeps_serving() {
        let handler: Arc<Handler> = Arc::new(|req: &Request| {
            assert!(req.path != "/api/health/", "handler bug");
            (RouteName::UNMATCHED, Ok(Reply::ok(&req.path)))
        });
        let metrics = Metrics::on();
        let (server, addr) = start(&handler, metrics.clone());
        let boom = get(addr, "/api/health/");
        assert!(boom.starts_with("HTTP/1.1 500"), "{boom}");
        assert!(boom.ends_with(r#"{"message":"internal error"}"#), "{boom}");
        // The same, only worker survived the panic.
        assert!(get(addr, "/after").contains("\"/after\""));
        // The handler never named its route: the HTTP layer did.
        let counted =
            r#"canvass_http_requests_total{route="/api/health/",method="GET",status="500"} 1"#;
        assert!(
            metrics.encode().lines().any(|l| l == counted),
            "{}",
            metrics.encode()
        );
        server.shutdown();
    }

    #[test]
    fn slow_requests_never_hold_the_workers_that_serve_the_rest() {
        let (entered_tx, entered) = channel();
        let (release, release_rx) = channel::<()>();
        let (entered_tx, release_rx) = (Mutex::new(entered_tx), Mutex::new(release_rx));
        let handler: Arc<Handler> = Arc::new(move |req: &Request| {
            if req.path == "/slow" {
                entered_tx.lock().unwrap().send(()).unwrap();
                let _ = release_rx.lock().unwrap().recv();
            }
            (RouteName::UNMATCHED, Ok(Reply::ok(&req.path)))
        });
        let (server, addr) = start(&handler, Metrics::off());
        let slow = std::thread::spawn(move || get(addr, "/slow"));
        entered.recv_timeout(Duration::from_secs(10)).unwrap();
        // The only slow worker is stuck; the only general worker must still answer.
        assert!(get(addr, "/fast").contains("\"/fast\""));
        release.send(()).unwrap();
        assert!(slow.join().unwrap().contains("\"/slow\""));
        server.shutdown();
    }
}
