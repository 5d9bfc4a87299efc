//! `TestServer`: a real `canvass serve` on a free loopback port with its own database (an SQLite
//! file in a temp dir, or a fresh PostgreSQL database when `CANVASS_TEST_BACKEND=postgres`),
//! spoken to over raw HTTP. Its `Drop` fails the test when the server panicked.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use canvass::protocol::paths;
use serde_json::{Value, json};
use tempfile::TempDir;

use super::http::{Response, exchange, exchange_until_close};
use super::postgres::TestDatabase;
use super::seed::AXIOS_HEADERS;

/// The signing key every `TestServer::start()` runs with, so tests can mint their own
/// tokens (expired, for unknown users) with `harness::token`.
pub const TEST_SECRET: &str = "canvass-integration-test-secret-not-for-production-0123456789abc";

/// The password `TestServer::user` registers everyone with.
pub const PASSWORD: &str = "correct horse battery staple";

const STARTUP_DEADLINE: Duration = Duration::from_secs(20);
const EXIT_DEADLINE: Duration = Duration::from_secs(20);
const LOG_DEADLINE: Duration = Duration::from_secs(10);
const STARTUP_PREFIX: &str = "canvass listening on http://";
/// The line before it when `--metrics-addr` is set.
const METRICS_PREFIX: &str = "canvass metrics on http://";
/// How many of the server's warnings and errors a failing test shows (a load test can log
/// thousands of the same one).
const TROUBLE_SHOWN: usize = 20;

/// `postgres` puts every `start()`/`start_with_env()` server on a fresh PostgreSQL database of
/// its own (needs `CANVASS_TEST_POSTGRES`); unset or `sqlite`, on an SQLite file.
pub const BACKEND: &str = "CANVASS_TEST_BACKEND";

/// The per-address connection cap every test server runs with unless the test sets
/// `CANVASS_MAX_CONNECTIONS_PER_ADDRESS` itself: every test client is 127.0.0.1, and tests
/// that play many clients at once (200 voters) would otherwise be one address over the
/// default cap of 64.
const TEST_MAX_CONNECTIONS_PER_ADDRESS: &str = "1024";

/// The open-files limits (`ulimit -n`) a server starts under.
#[derive(Clone, Copy, Debug)]
pub struct OpenFiles {
    pub soft: u32,
    /// `None` keeps the hard limit the tests run under.
    pub hard: Option<u32>,
}

pub struct TestServer {
    /// Always there: the SQLite file and `secret.key` live here when the backend is SQLite.
    dir: TempDir,
    db: Database,
    with_secret: bool,
    extra_env: Vec<(String, String)>,
    open_files: Option<OpenFiles>,
    running: Option<Running>,
    addr: SocketAddr,
    startup_line: String,
    /// From the `canvass metrics on` line, when the server serves metrics.
    metrics_addr: Option<SocketAddr>,
    stderr: Arc<Log>,
}

/// What `--db` names, for every run of the server.
enum Database {
    /// `canvass.db` in the server's temp dir.
    SqliteFile,
    /// A database made for this server; dropped after the process is reaped (field order in
    /// `TestServer` does not matter: its `Drop` reaps before any field is dropped).
    Owned(TestDatabase),
    /// A database the test made and may share between servers (`start_with_db`).
    Given(String),
}

/// One run of the process and the threads draining its pipes.
struct Running {
    child: Child,
    stdout_reader: JoinHandle<()>,
    stderr_reader: JoinHandle<()>,
}

/// Everything the server wrote to stderr, over every run, with a condition variable so a
/// test can wait for a line instead of sleeping.
#[derive(Default)]
struct Log {
    text: Mutex<String>,
    grew: Condvar,
}

impl TestServer {
    /// A server with `CANVASS_SECRET` set to `TEST_SECRET`, on the backend `CANVASS_TEST_BACKEND`
    /// names: so most tests run on both SQLite and PostgreSQL.
    #[track_caller]
    pub fn start() -> TestServer {
        TestServer::launch(Database::for_backend(), true, &[])
    }

    /// Like `start`, with more environment (`CANVASS_TOKEN_TTL`, `TZ`, …), kept on restarts.
    #[track_caller]
    pub fn start_with_env(env: &[(&str, &str)]) -> TestServer {
        TestServer::launch(Database::for_backend(), true, env)
    }

    /// A server on an SQLite file whatever `CANVASS_TEST_BACKEND` says, for tests that look at
    /// the file itself (`db_path()`: integrity checks, raw rows).
    pub fn start_sqlite() -> TestServer {
        TestServer::launch(Database::SqliteFile, true, &[])
    }

    /// A server without `CANVASS_SECRET`: it makes its own `secret.key` beside the database.
    /// Always SQLite: with PostgreSQL the server refuses to start without the variable.
    pub fn start_without_secret() -> TestServer {
        TestServer::launch(Database::SqliteFile, false, &[])
    }

    /// A server on the database `url` names (`postgres://…` or an SQLite path), with
    /// `CANVASS_SECRET` and `env`. Several servers may share one database, as replicas do;
    /// the test keeps the `TestDatabase` alive longer than them.
    pub fn start_with_db(url: &str, env: &[(&str, &str)]) -> TestServer {
        TestServer::launch(Database::Given(url.to_owned()), true, env)
    }

    /// A server on an SQLite file, with `env`, started by `sh` under `limits` (kept on
    /// restarts): for what happens when file descriptors run out.
    pub fn start_with_open_files(limits: OpenFiles, env: &[(&str, &str)]) -> TestServer {
        let mut server = TestServer::new(Database::SqliteFile, true, env);
        server.open_files = Some(limits);
        server.spawn();
        server
    }

    fn launch(db: Database, with_secret: bool, env: &[(&str, &str)]) -> TestServer {
        let mut server = TestServer::new(db, with_secret, env);
        server.spawn();
        server
    }

    fn new(db: Database, with_secret: bool, env: &[(&str, &str)]) -> TestServer {
        let dir = tempfile::Builder::new()
            .prefix("canvass-test-")
            .tempdir()
            .unwrap();
        TestServer {
            dir,
            db,
            with_secret,
            extra_env: env
                .iter()
                .map(|&(name, value)| (name.to_owned(), value.to_owned()))
                .collect(),
            open_files: None,
            running: None,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            startup_line: String::new(),
            metrics_addr: None,
            stderr: Arc::new(Log::default()),
        }
    }

    fn spawn(&mut self) {
        let binary = env!("CARGO_BIN_EXE_canvass");
        let mut command = match self.open_files {
            None => Command::new(binary),
            Some(OpenFiles { soft, hard }) => {
                // The soft limit first: a hard limit below the soft one is refused. `exec`
                // keeps the pid, so stop() and kill9() still reach the server.
                let mut script = format!("ulimit -S -n {soft}");
                if let Some(hard) = hard {
                    let _ = write!(script, " && ulimit -H -n {hard}");
                }
                script.push_str(" && exec \"$0\" \"$@\"");
                let mut shell = Command::new("sh");
                shell.arg("-c").arg(script).arg(binary);
                shell
            }
        };
        command
            .arg("serve")
            // Port 0 the first time; a restart comes back on the same port, as a real server
            // does, so clients keep their URL and what they keep under it.
            .arg("--addr")
            .arg(self.addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("RUST_BACKTRACE", "1")
            .env_remove("RUST_LOG");
        // Only what the test chooses reaches the server.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("CANVASS_") {
                command.env_remove(name);
            }
        }
        // In the environment, not in argv: a PostgreSQL URL holds a password, and every user
        // of the machine can read a process's arguments.
        command.env("CANVASS_DB", self.db_arg());
        if self.with_secret {
            command.env("CANVASS_SECRET", TEST_SECRET);
        }
        command.env(
            "CANVASS_MAX_CONNECTIONS_PER_ADDRESS",
            TEST_MAX_CONNECTIONS_PER_ADDRESS,
        );
        command.envs(self.extra_env.iter().map(|(name, value)| (name, value)));
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {binary}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let log = Arc::clone(&self.stderr);
        let stderr_reader = thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut text = log.text.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
                log.grew.notify_all();
            }
        });
        let (lines, stdout_lines) = mpsc::channel();
        let stdout_reader = thread::spawn(move || forward_lines(stdout, &lines));
        self.running = Some(Running {
            child,
            stdout_reader,
            stderr_reader,
        });
        let (line, before) = self.wait_for_startup(&stdout_lines);
        self.addr = parse_startup_line(&line);
        self.startup_line = line;
        self.metrics_addr = before.iter().find_map(|line| {
            let addr = line
                .strip_prefix(METRICS_PREFIX)?
                .strip_suffix("/metrics")?;
            Some(
                addr.parse()
                    .unwrap_or_else(|e| panic!("{line:?}: bad address: {e}")),
            )
        });
    }

    /// The listening line, and the lines printed before it.
    fn wait_for_startup(&mut self, lines: &Receiver<String>) -> (String, Vec<String>) {
        let deadline = Instant::now() + STARTUP_DEADLINE;
        let mut seen = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.starts_with(STARTUP_PREFIX) => return (line, seen),
                Ok(line) => seen.push(line),
                Err(RecvTimeoutError::Timeout) => {
                    let stderr = self.stderr();
                    panic!(
                        "no `{STARTUP_PREFIX}` line within {STARTUP_DEADLINE:?}; \
                         stdout {seen:?}; stderr:\n{stderr}"
                    );
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.reap();
                    let stderr = self.stderr();
                    panic!(
                        "canvass serve exited ({status:?}) before listening; \
                         stdout {seen:?}; stderr:\n{stderr}"
                    );
                }
            }
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the server serves `GET /metrics`, from its `canvass metrics on` line; `None`
    /// when it printed none (no `CANVASS_METRICS_ADDR`).
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_addr
    }

    /// The server's temp dir; with SQLite, `canvass.db` and `secret.key` live in it.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite file. Panics on PostgreSQL: a test reading the file starts with
    /// `start_sqlite()`, so it keeps checking SQLite whatever backend the run is on.
    #[track_caller]
    pub fn db_path(&self) -> PathBuf {
        match &self.db {
            Database::SqliteFile => self.dir.path().join("canvass.db"),
            Database::Given(url) if !is_postgres_url(url) => PathBuf::from(url),
            Database::Owned(_) | Database::Given(_) => panic!(
                "db_path(): this server runs on PostgreSQL; a test that reads the SQLite file \
                 starts its server with TestServer::start_sqlite(), whatever {BACKEND} says"
            ),
        }
    }

    /// The URL of the PostgreSQL database this server runs on, password and all; `None` on
    /// SQLite.
    pub fn postgres_url(&self) -> Option<String> {
        match &self.db {
            Database::SqliteFile => None,
            Database::Owned(db) => Some(db.url()),
            Database::Given(url) => is_postgres_url(url).then(|| url.clone()),
        }
    }

    /// What `--db` says: the SQLite file or the database's URL, password and all.
    fn db_arg(&self) -> std::ffi::OsString {
        match &self.db {
            Database::SqliteFile => self.dir.path().join("canvass.db").into_os_string(),
            Database::Owned(db) => db.url().into(),
            Database::Given(url) => url.into(),
        }
    }

    /// The line the server printed when it started listening, as printed.
    pub fn startup_line(&self) -> &str {
        &self.startup_line
    }

    /// Everything the server has written to stderr so far, over all its runs.
    pub fn stderr(&self) -> String {
        self.stderr.text.lock().unwrap().clone()
    }

    /// Waits until a stderr line satisfies `wanted` and returns that line; fails the test
    /// (showing stderr) after a deadline.
    #[track_caller]
    pub fn wait_for_stderr_line(&self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + LOG_DEADLINE;
        let mut text = self.stderr.text.lock().unwrap();
        loop {
            if let Some(line) = text.lines().find(|line| wanted(line)) {
                return line.to_owned();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "no stderr line {what} within {LOG_DEADLINE:?}; stderr:\n{text}"
            );
            text = self.stderr.grew.wait_timeout(text, left).unwrap().0;
        }
    }

    // ---- HTTP ----

    /// Sends one request with `Connection: close` and returns the parsed reply. A body, or a
    /// POST/PUT without one, gets a `Content-Length`. It always has one `Host` (the server
    /// refuses HTTP/1.1 without one, or with two): the server's address, unless `headers`
    /// name another.
    #[track_caller]
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Response {
        let mut head = format!("{method} {path} HTTP/1.1\r\n");
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("host"))
        {
            let _ = write!(head, "Host: {}\r\n", self.addr);
        }
        head.push_str("Connection: close\r\n");
        for (name, value) in headers {
            let _ = write!(head, "{name}: {value}\r\n");
        }
        if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
            let _ = write!(head, "Content-Length: {}\r\n", body.len());
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        bytes.extend_from_slice(body);
        let reply = self.raw(&bytes);
        Response::parse(&reply).unwrap_or_else(|e| {
            panic!(
                "{method} {path}: unparsable reply ({e}): {:?}",
                String::from_utf8_lossy(&reply)
            )
        })
    }

    #[track_caller]
    pub fn get(&self, path: &str) -> Response {
        self.request("GET", path, &[], b"")
    }

    /// A GET with `Authorization: Bearer <token>`.
    #[track_caller]
    pub fn get_as(&self, path: &str, token: &str) -> Response {
        let auth = format!("Bearer {token}");
        self.request("GET", path, &[("Authorization", &auth)], b"")
    }

    /// A POST of `body` as JSON, with `Authorization: Bearer <token>` when given.
    #[track_caller]
    pub fn post_json(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        self.send_json("POST", path, body, token)
    }

    #[track_caller]
    pub fn put_json(&self, path: &str, body: &Value, token: Option<&str>) -> Response {
        self.send_json("PUT", path, body, token)
    }

    /// A POST without a body (refresh, logout-all, close).
    #[track_caller]
    pub fn post(&self, path: &str, token: Option<&str>) -> Response {
        let auth = token.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        self.request("POST", path, &headers, b"")
    }

    #[track_caller]
    pub fn delete(&self, path: &str, token: Option<&str>) -> Response {
        let auth = token.map(|token| format!("Bearer {token}"));
        let headers: Vec<(&str, &str)> =
            auth.iter().map(|a| ("Authorization", a.as_str())).collect();
        self.request("DELETE", path, &headers, b"")
    }

    #[track_caller]
    fn send_json(&self, method: &str, path: &str, body: &Value, token: Option<&str>) -> Response {
        let auth = token.map(|token| format!("Bearer {token}"));
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        self.request(method, path, &headers, body.to_string().as_bytes())
    }

    /// An axios request of the seed's Vue client: its headers, a JSON body and, when it
    /// has a token, `Authorization: Bearer: <jwt>` with the colon.
    #[track_caller]
    pub fn axios(&self, method: &str, path: &str, body: &Value, jwt: Option<&str>) -> Response {
        let auth = jwt.map(|jwt| format!("Bearer: {jwt}"));
        let mut headers = AXIOS_HEADERS.to_vec();
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        self.request(method, path, &headers, body.to_string().as_bytes())
    }

    /// Sends arbitrary bytes on a new connection and returns the raw reply.
    pub fn raw(&self, bytes: &[u8]) -> Vec<u8> {
        exchange(self.addr, bytes, false)
    }

    /// Sends arbitrary bytes, several requests perhaps, and reads until the server closes.
    pub fn raw_until_close(&self, bytes: &[u8]) -> Vec<u8> {
        exchange_until_close(self.addr, bytes)
    }

    /// Like `raw`, then half-closes the connection: the client has nothing more to send.
    pub fn raw_then_close(&self, bytes: &[u8]) -> Vec<u8> {
        exchange(self.addr, bytes, true)
    }

    // ---- users, the way the seed client makes them ----

    /// Registers through the seed client's request and asserts 201; returns the body.
    #[track_caller]
    pub fn register(&self, email: &str, password: &str) -> Value {
        let body = json!({"email": email, "password": password});
        self.axios("POST", paths::REGISTER, &body, None).expect(201)
    }

    /// Logs in through the seed client's request and returns the token.
    #[track_caller]
    pub fn login(&self, email: &str, password: &str) -> String {
        let body = json!({"email": email, "password": password});
        let reply = self.axios("POST", paths::LOGIN, &body, None).expect(200);
        reply["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login answered no token: {reply}"))
            .to_owned()
    }

    /// Registers `email` with `PASSWORD`, logs in and returns the token.
    #[track_caller]
    pub fn user(&self, email: &str) -> String {
        self.register(email, PASSWORD);
        self.login(email, PASSWORD)
    }

    // ---- the process ----

    /// Sends SIGTERM, waits for the exit and returns its status.
    #[track_caller]
    pub fn stop(&mut self) -> ExitStatus {
        let running = self.running.as_ref().expect("the server is not running");
        let pid = running.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid} failed: {sent}");
        let status = self.reap();
        status.unwrap_or_else(|| {
            panic!(
                "canvass serve did not exit within {EXIT_DEADLINE:?} of SIGTERM; stderr:\n{}",
                self.stderr()
            )
        })
    }

    /// Stops the server with SIGTERM (asserting it exits 0) when it runs, then starts it
    /// again on the same database with the same secret settings.
    #[track_caller]
    pub fn restart(&mut self) {
        if self.running.is_some() {
            let status = self.stop();
            assert!(
                status.success(),
                "SIGTERM: canvass serve exited with {status}; stderr:\n{}",
                self.stderr()
            );
        }
        self.spawn();
    }

    /// Kills the server with SIGKILL and reaps it; `restart()` brings it back.
    pub fn kill9(&mut self) {
        let running = self.running.as_mut().expect("the server is not running");
        running.child.kill().unwrap();
        self.reap();
    }

    /// Waits (with a deadline, SIGKILL after it) for the process to exit, then for its pipes
    /// to drain. `None` when it had to be killed.
    fn reap(&mut self) -> Option<ExitStatus> {
        let running = self.running.take()?;
        let pid = running.child.id();
        let (exited, exit) = mpsc::channel();
        let mut child = running.child;
        let waiter = thread::spawn(move || {
            let _ = exited.send(child.wait());
        });
        let status = exit.recv_timeout(EXIT_DEADLINE).ok().map(Result::unwrap);
        if status.is_none() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        waiter.join().unwrap();
        running.stdout_reader.join().unwrap();
        running.stderr_reader.join().unwrap();
        status
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(running) = self.running.as_mut() {
            let _ = running.child.kill();
        }
        self.reap();
        let stderr = self.stderr();
        if thread::panicking() {
            // A 500 in a failing test says only "internal error"; the cause is in the log.
            let trouble: Vec<&str> = stderr
                .lines()
                .filter(|line| !line.contains(" INFO "))
                .collect();
            if !trouble.is_empty() {
                let shown = trouble.len().min(TROUBLE_SHOWN);
                eprintln!(
                    "canvass serve's stderr, all but its INFO lines (the first {shown} of {}):\n{}",
                    trouble.len(),
                    trouble[..shown].join("\n")
                );
            }
        } else {
            assert!(
                !stderr.contains("panicked"),
                "canvass serve panicked; stderr:\n{stderr}"
            );
        }
    }
}

impl Database {
    /// A fresh database on the backend `CANVASS_TEST_BACKEND` names.
    #[track_caller]
    fn for_backend() -> Database {
        match std::env::var(BACKEND).as_deref() {
            Err(_) | Ok("" | "sqlite") => Database::SqliteFile,
            Ok("postgres") => Database::Owned(TestDatabase::required()),
            Ok(other) => panic!("{BACKEND}={other:?}: expected `sqlite` or `postgres`"),
        }
    }
}

fn is_postgres_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Sends each stdout line to the test, then keeps draining so the server never blocks on
/// a full pipe once nobody listens.
fn forward_lines(stdout: ChildStdout, lines: &mpsc::Sender<String>) {
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        let _ = lines.send(line);
    }
}

/// `canvass listening on http://ADDR (db: PATH)` → ADDR.
#[track_caller]
fn parse_startup_line(line: &str) -> SocketAddr {
    let rest = line.strip_prefix(STARTUP_PREFIX).unwrap_or_default();
    let (addr, db) = rest.split_once(" (db: ").unwrap_or_else(|| {
        panic!("startup line {line:?} is not `{STARTUP_PREFIX}ADDR (db: PATH)`")
    });
    assert!(
        db.ends_with(')'),
        "startup line {line:?} is not `{STARTUP_PREFIX}ADDR (db: PATH)`"
    );
    addr.parse()
        .unwrap_or_else(|e| panic!("startup line {line:?}: bad address {addr:?}: {e}"))
}
