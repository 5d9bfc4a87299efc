//! Everything a client command can fail with, each variant mapped to its exit code.
//! Messages are one line and never contain a token.

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
    #[error("{server} is not a server URL: {reason}")]
    BadServer { server: String, reason: String },
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
