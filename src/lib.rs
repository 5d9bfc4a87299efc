//! canvass: a survey server and its command-line client, in one crate.
//!
//! `domain` holds meaning shared by both sides, `protocol` the wire format, `server` the HTTP
//! service, `client` the commands people and scripts run. `run` dispatches a parsed command
//! line; only this file sees both `server` and `client`.

pub mod cli;
pub mod client;
pub mod domain;
pub mod error;
pub mod generate;
pub mod protocol;
pub mod server;

pub use error::Error;

/// Runs one parsed command line.
pub fn run(cli: cli::Cli) -> Result<(), Error> {
    match cli.command {
        cli::Command::Serve(args) => Ok(server::serve(&server::ServeConfig::from_args(args)?)?),
        cli::Command::Completions(args) => Ok(generate::print_completions(args.shell)?),
        cli::Command::Generate(args) => Ok(generate::write_all(&args.dir)?),
        cli::Command::Admin(cli::AdminCommand::CopyDb(args)) => Ok(server::copy_db(&args)?),
        cli::Command::Admin(cli::AdminCommand::Backup(args)) => Ok(server::backup(&args)?),
        cli::Command::Admin(cli::AdminCommand::Check(args)) => Ok(server::check(&args)?),
        cli::Command::Client(command) => Ok(client::run(&cli.global, command)?),
    }
}
