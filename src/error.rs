//! The top-level error: one variant per layer, each mapped to the exit code documented in
//! `--help`.

use crate::server::ServerError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Server(#[from] ServerError),
}

impl Error {
    /// 1 for every error; clap itself exits 2 on usage mistakes.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Server(_) => 1,
        }
    }
}
