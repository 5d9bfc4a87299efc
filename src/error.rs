//! The top-level error: one variant per layer, each mapped to the exit code documented in
//! `--help`.

use crate::client::ClientError;
use crate::generate::GenerateError;
use crate::server::{BackupError, CheckError, CopyError, ServerError, UsersError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Generate(#[from] GenerateError),
    #[error(transparent)]
    Copy(#[from] CopyError),
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error(transparent)]
    Check(#[from] CheckError),
    /// `admin users`, which asks through the client's prompts.
    #[error(transparent)]
    Users(#[from] UsersError<ClientError>),
}

impl Error {
    /// The exit code `--help` documents; clap itself exits 2 on usage mistakes.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Server(_)
            | Error::Generate(_)
            | Error::Copy(_)
            | Error::Backup(_)
            | Error::Check(_) => 1,
            Error::Client(error) => error.exit_code(),
            Error::Users(error) => error.exit_code(ClientError::exit_code),
        }
    }
}
