//! `HostileServer`: a fake canvass API on a loopback port whose every string — survey names,
//! questions, choices, creators, times, e-mails, its version, its error messages and the
//! claims of the token it hands out — is `PAYLOAD`, a run of terminal escape sequences, other
//! control characters and bidi overrides. A real server stores whatever a survey's creator
//! typed; this one lets a test reach every string the client might print. Its `Drop` fails the
//! test if the serving thread panicked.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use canvass::protocol::paths;
use serde_json::{Value, json};

use super::token::{encode_segment, now};

/// What a hostile survey creator (or server) puts in every string: an OSC that retitles the
/// window, a screen clear, colour, an 8-bit CSI, a right-to-left override and isolate, a
/// backspace, DEL, NEL, a carriage return and newline that forge a line, and a line separator.
pub const PAYLOAD: &str = "Lunch\u{1b}]0;PWNED-TITLE\u{7}\u{1b}[2J\u{1b}[31mRED\u{9b}1m\
    \u{202e}DESREVER\u{2066}\u{8}\u{7f}\u{85}\r\nFORGED: line\u{2028}end";

/// Pieces of `PAYLOAD` that must never reach a terminal as they are, even where the terminal
/// itself legitimately carries escape sequences (a pseudo-terminal showing prompts).
pub const INJECTED: &[&str] = &[
    "\u{1b}]",
    "\u{7}",
    "\u{1b}[2J",
    "\u{1b}[31m",
    "\u{9b}",
    "\u{202e}",
    "\u{2066}",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
];

/// The id of a survey that answers everything (`1`); a response to `QUEUED` is dropped the
/// first time (the client sees an unreachable server and queues it) and refused after; the
/// others fail in the ways a client reports: 404, 401, 500 and a body it cannot read.
pub const SURVEY: i64 = 1;
pub const QUEUED: i64 = 2;
pub const MISSING: i64 = 3;
pub const REJECTED: i64 = 4;
pub const FAILING: i64 = 5;
pub const GARBLED: i64 = 6;

/// The id the server gives every response.
pub const RESPONSE_ID: i64 = 100_025;

/// How long a connection may take to send its request.
const READ_DEADLINE: Duration = Duration::from_secs(10);

pub struct HostileServer {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    serving: Option<JoinHandle<()>>,
}

impl HostileServer {
    pub fn start() -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let serving = thread::Builder::new()
            .name("hostile-server".into())
            .spawn(move || serve(&listener, &stopping))
            .unwrap();
        HostileServer {
            addr,
            stop,
            serving: Some(serving),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(serving) = self.serving.take()
            && serving.join().is_err()
            && !thread::panicking()
        {
            panic!("the hostile server's thread panicked");
        }
    }
}

/// A token whose header and claims carry `PAYLOAD`, valid for 30 minutes from now.
pub fn token() -> String {
    let now = now();
    let header = encode_segment(&json!({"alg": PAYLOAD, "typ": PAYLOAD}));
    let claims = encode_segment(&json!({
        "sub": PAYLOAD,
        "iat": now,
        "exp": now + 1800,
        "note": PAYLOAD,
    }));
    format!("{header}.{claims}.c2lnbmF0dXJl")
}

/// One request as the router sees it.
struct Request {
    method: String,
    path: String,
}

/// One reply: status, content type, body.
type Reply = (u16, &'static str, String);

fn serve(listener: &TcpListener, stop: &AtomicBool) {
    let queued_posts = AtomicUsize::new(0);
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let Some(request) = read_request(&stream) else {
            continue;
        };
        let is_queued_post = request.method == "POST" && request.path == paths::responses(QUEUED);
        if is_queued_post && queued_posts.fetch_add(1, Ordering::SeqCst) == 0 {
            // Closed without a reply: to the client, the server went away mid-request.
            continue;
        }
        write_reply(&stream, &route(&request));
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(READ_DEADLINE)).ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { method, path })
}

fn write_reply(mut stream: &TcpStream, (status, content_type, body): &Reply) {
    let head = format!(
        "HTTP/1.1 {status} Hostile\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    // A client that hung up is the test's to report, not the server's.
    let _ = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()));
}

fn route(request: &Request) -> Reply {
    let json_reply = |status: u16, body: Value| (status, "application/json", body.to_string());
    let refusal = |status: u16| json_reply(status, json!({"message": PAYLOAD}));
    let (path, query) = request
        .path
        .split_once('?')
        .unwrap_or((request.path.as_str(), ""));
    let id = path
        .strip_prefix(paths::SURVEYS)
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse::<i64>().ok());
    match (request.method.as_str(), path, id) {
        ("GET", paths::HEALTH, _) => json_reply(200, json!({"status": "ok", "version": PAYLOAD})),
        ("POST", paths::LOGIN | paths::TOKEN_REFRESH, _) => {
            json_reply(200, json!({"token": token()}))
        }
        ("POST", paths::REGISTER, _) => json_reply(201, json!({"id": 7, "email": PAYLOAD})),
        ("GET", paths::ME, _) => json_reply(
            200,
            json!({"id": 7, "email": PAYLOAD, "created_at": PAYLOAD}),
        ),
        ("POST", paths::LOGOUT_ALL, _) => json_reply(200, json!({"message": PAYLOAD})),
        ("GET", paths::SURVEYS, _) => json_reply(
            200,
            json!({"items": [survey(SURVEY)], "page": 1, "per_page": 50, "total": 1}),
        ),
        ("POST", paths::SURVEYS, _) => json_reply(201, survey(SURVEY)),
        (_, _, Some(MISSING)) => refusal(404),
        (_, _, Some(REJECTED)) => refusal(401),
        (_, _, Some(FAILING)) => refusal(500),
        (_, _, Some(GARBLED)) => json_reply(200, json!({"id": PAYLOAD})),
        ("POST", _, Some(QUEUED)) if path == paths::responses(QUEUED) => refusal(409),
        (method, _, Some(id)) => survey_route(method, path, query, id),
        _ => refusal(404),
    }
}

/// Routes under `/api/surveys/{id}/` for a survey that exists.
fn survey_route(method: &str, path: &str, query: &str, id: i64) -> Reply {
    let json_reply = |status: u16, body: Value| (status, "application/json", body.to_string());
    match method {
        "GET" if path == paths::survey(id) => json_reply(200, survey(id)),
        "DELETE" if path == paths::survey(id) => (204, "application/json", String::new()),
        "POST" if path == paths::close(id) => {
            let mut closed = survey(id);
            closed["status"] = json!("closed");
            json_reply(200, closed)
        }
        "POST" if path == paths::responses(id) => json_reply(201, json!({"id": RESPONSE_ID})),
        "GET" if path == paths::results(id) => json_reply(200, results(id)),
        "GET" if path == paths::responses(id) && query.contains("format=csv") => {
            (200, "text/csv", csv())
        }
        "GET" if path == paths::responses(id) => json_reply(200, export(id)),
        _ => json_reply(404, json!({"message": PAYLOAD})),
    }
}

/// A survey of three questions (single choice, multiple choice, optional text) written in
/// `PAYLOAD`.
pub fn survey(id: i64) -> Value {
    let choice = |choice: i64, question: i64| {
        json!({
            "id": choice,
            "text": format!("{choice} {PAYLOAD}"),
            "created_at": PAYLOAD,
            "question_id": question,
            "selected": 1,
        })
    };
    let question = |question: i64, kind: &str, choices: Vec<Value>| {
        json!({
            "id": question,
            "text": PAYLOAD,
            "created_at": PAYLOAD,
            "survey_id": id,
            "kind": kind,
            "required": kind != "text",
            "choices": choices,
        })
    };
    json!({
        "id": id,
        "name": PAYLOAD,
        "created_at": PAYLOAD,
        "creator": PAYLOAD,
        "status": "open",
        "one_response_per_user": false,
        "responses": 1,
        "questions": [
            question(11, "single", vec![choice(21, 11), choice(22, 11)]),
            question(12, "multiple", vec![choice(23, 12), choice(24, 12)]),
            question(13, "text", vec![]),
        ],
    })
}

fn results(id: i64) -> Value {
    json!({
        "survey_id": id,
        "name": PAYLOAD,
        "status": "open",
        "responses": 1,
        "questions": [
            {"id": 11, "text": PAYLOAD, "kind": "single", "answers": [],
             "choices": [{"id": 21, "text": PAYLOAD, "count": 1}, {"id": 22, "text": PAYLOAD, "count": 0}]},
            {"id": 12, "text": PAYLOAD, "kind": "multiple", "answers": [],
             "choices": [{"id": 23, "text": PAYLOAD, "count": 1}]},
            {"id": 13, "text": PAYLOAD, "kind": "text", "choices": [], "answers": [PAYLOAD]},
        ],
    })
}

fn export(id: i64) -> Value {
    json!({
        "survey_id": id,
        "name": PAYLOAD,
        "responses": [{
            "id": RESPONSE_ID,
            "created_at": PAYLOAD,
            "respondent": PAYLOAD,
            "answers": [{"question_id": 13, "text": PAYLOAD}],
        }],
    })
}

/// The export as CSV: a header and one response, every text field `PAYLOAD`.
pub fn csv() -> String {
    format!("response_id,respondent,\"{PAYLOAD}\"\r\n{RESPONSE_ID},\"{PAYLOAD}\",\"{PAYLOAD}\"\r\n")
}
