//! canvass: a survey server and (soon) its command-line client, in one crate.
//!
//! `domain` holds meaning shared by both sides, `protocol` the wire format, `server` the HTTP
//! service. `run` dispatches a parsed command line.

pub mod cli;
pub mod domain;
pub mod error;
pub mod protocol;
pub mod server;

pub use error::Error;

/// Runs one parsed command line.
pub fn run(cli: cli::Cli) -> Result<(), Error> {
    match cli.command {
        cli::Command::Serve(args) => Ok(server::serve(&server::ServeConfig::from_args(args)?)?),
    }
}
