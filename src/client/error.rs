//! Everything a client command can fail with, each variant mapped to its exit code.
//! Messages are one line and never contain a token or a password; what they quote of a
//! server's words was made printable where it entered (`api.rs`).

use std::fmt;
use std::path::PathBuf;

use crate::cli::AnswerFlag;

use super::cache::CacheError;
use super::commands::survey::{SheetError, Unanswered};
use super::config::ConfigError;
use super::credentials::CredentialError;
use super::jwt::JwtError;
use super::render;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0}")]
    Usage(String),
    /// An `--answer` the survey cannot take, named as given: a usage error.
    #[error("--answer {flag}: {source}")]
    Answer {
        flag: AnswerFlag,
        source: SheetError,
    },
    /// A required question no `--answer` answers: a usage error naming the flag to add.
    #[error("{source}: pass --answer {}={}", .source.number, .source.placeholder())]
    Unanswered { source: Unanswered },
    #[error("the passwords do not match")]
    PasswordMismatch,
    // Every session error names the server and the command that fixes it for that server:
    // after a login elsewhere changed the default, "run `canvass login`" alone went to the
    // wrong one (issue 14, item 15).
    #[error("not logged in to {server} — run `canvass login --server {server}`")]
    NotLoggedIn { server: String },
    #[error("session for {server} expired at {at} — run `canvass login --server {server}`")]
    SessionExpired { server: String, at: String },
    #[error("the token expired at {at}")]
    TokenExpired { at: String },
    #[error("{server} refused the session: {message} — run `canvass login --server {server}`")]
    Rejected { server: String, message: String },
    #[error("cannot reach {url} — is `canvass serve` running? ({reason})")]
    Unreachable { url: String, reason: String },
    /// Something answers there, but not as canvass: the health check's status says what.
    #[error("{server} does not look like a canvass server (GET /api/health/ answered {answer})")]
    NotCanvass { server: String, answer: String },
    #[error("TLS handshake with {server} failed — is the server plain http://? ({reason})")]
    TlsFailed { server: String, reason: String },
    #[error("{url} failed with {status}: {message}")]
    ServerFailing {
        url: String,
        status: u16,
        message: String,
    },
    /// The server's own `message`, shown as is.
    #[error("{message}")]
    Refused { status: u16, message: String },
    #[error("there is no draft {id} — `canvass survey drafts` lists them")]
    NoDraft { id: i64 },
    #[error("there is no survey {id} on {server} — `canvass survey list` lists them")]
    NoSurvey { id: i64, server: String },
    /// What the local copy already knows the server would refuse is not queued offline.
    #[error("cannot reach {server}, and the response was not queued: {reason}")]
    NotQueued { server: String, reason: NotQueued },
    #[error("there is no queued response {number} — `canvass outbox list` lists them")]
    NoQueued { number: i64 },
    /// `sync` delivered what it could; `first` is a refused entry's number, for the advice.
    #[error(
        "the server refused {} (kept in the queue) — fix and `canvass sync` again, or drop it \
         with `canvass outbox drop {first}`",
        render::plural(*.count, "queued response")
    )]
    SyncRefused { count: u64, first: i64 },
    #[error("stdin was empty: pipe {what} into it")]
    EmptyStdin { what: &'static str },
    #[error("{url} sent a reply canvass cannot read: {reason}")]
    BadReply { url: String, reason: String },
    /// `server` is as typed but with any user info hidden; `form` shows what is taken.
    #[error("{server} is not a server URL: {reason} ({form})")]
    BadServer {
        server: String,
        reason: String,
        form: &'static str,
    },
    #[error("cannot set up the HTTP client: {reason}")]
    HttpSetup { reason: String },
    /// A server URL with a user name or password in it; `server` shows them as `***`.
    #[error(
        "{origin} {server} holds a user name or password, which canvass never sends or keeps: \
         give the server without them and log in with `canvass login`"
    )]
    ServerUserInfo {
        server: String,
        origin: ServerSource,
    },
    #[error(transparent)]
    Token(#[from] JwtError),
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error("cannot {action} {path}: {source}")]
    File {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read stdin: {0}")]
    Stdin(std::io::Error),
    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
    #[error("interrupted")]
    Interrupted,
    /// A prompt that cannot be shown: `stream` (stdin or stderr) is not a terminal.
    #[error("cannot ask for {what}: {stream} is not a terminal, so pass {flag}")]
    NoTerminal {
        what: &'static str,
        flag: &'static str,
        stream: super::prompt::Stream,
    },
    /// A file or stdin the user passed (`--file`, `--answers`) that cannot be used as it is:
    /// a usage error, like the same mistake made with a flag (issue 14, item 10).
    #[error("cannot {action} {path}: {source}")]
    BadInput {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

impl ClientError {
    /// The codes `canvass --help` lists.
    pub fn exit_code(&self) -> u8 {
        match self {
            ClientError::ServerUserInfo { .. }
            | ClientError::BadServer { .. }
            | ClientError::EmptyStdin { .. }
            | ClientError::Usage(_)
            | ClientError::Answer { .. }
            | ClientError::Unanswered { .. }
            | ClientError::NoTerminal { .. }
            | ClientError::BadInput { .. } => 2,
            ClientError::NotLoggedIn { .. }
            | ClientError::SessionExpired { .. }
            | ClientError::TokenExpired { .. }
            | ClientError::Rejected { .. } => 3,
            ClientError::Unreachable { .. }
            | ClientError::ServerFailing { .. }
            | ClientError::NotCanvass { .. }
            | ClientError::TlsFailed { .. } => 4,
            ClientError::Interrupted => 130,
            _ => 1,
        }
    }
}

/// Where the server URL came from, so an error about it says what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerSource {
    /// `--server`, or `CANVASS_SERVER` (clap does not say which).
    Flag,
    /// The `server` a config file names.
    Config(PathBuf),
}

impl fmt::Display for ServerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerSource::Flag => f.write_str("--server (or CANVASS_SERVER)"),
            ServerSource::Config(path) => write!(f, "the server in {}", path.display()),
        }
    }
}

/// Why an offline response was not queued: the local copy of the survey already rules it
/// out, so the server would refuse it at every `sync` (issue 14, item 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotQueued {
    #[error("survey {id} is closed (as of the local copy): it takes no more responses")]
    Closed { id: i64 },
    #[error(
        "survey {id} takes one response per user and one is already queued here \
         (`canvass outbox list` shows it)"
    )]
    AlreadyQueued { id: i64 },
}
