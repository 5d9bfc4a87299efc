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

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A value that must be prompted for, with no terminal to prompt on.
    #[error("{what} is needed and stdin is not a terminal: pass {flag}")]
    NeedsFlag {
        what: &'static str,
        flag: &'static str,
    },
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
    #[error("not logged in to {server} — run `canvass login`")]
    NotLoggedIn { server: String },
    #[error("session expired at {at} — run `canvass login`")]
    SessionExpired { at: String },
    #[error("the token expired at {at}")]
    TokenExpired { at: String },
    #[error("{server} refused the session: {message} — run `canvass login`")]
    Rejected { server: String, message: String },
    #[error("cannot reach {url} — is `canvass serve` running? ({reason})")]
    Unreachable { url: String, reason: String },
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
    #[error("{url} sent a reply canvass cannot read: {reason}")]
    BadReply { url: String, reason: String },
    /// `server` is as typed but with any user info hidden.
    #[error("{server} is not a server URL: {reason}")]
    BadServer { server: String, reason: String },
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
}

impl ClientError {
    /// The codes `canvass --help` lists.
    pub fn exit_code(&self) -> u8 {
        match self {
            ClientError::NeedsFlag { .. }
            | ClientError::ServerUserInfo { .. }
            | ClientError::Usage(_)
            | ClientError::Answer { .. }
            | ClientError::Unanswered { .. } => 2,
            ClientError::NotLoggedIn { .. }
            | ClientError::SessionExpired { .. }
            | ClientError::TokenExpired { .. }
            | ClientError::Rejected { .. } => 3,
            ClientError::Unreachable { .. } | ClientError::ServerFailing { .. } => 4,
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
