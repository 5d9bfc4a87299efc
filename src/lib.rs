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
        cli::Command::Admin(cli::AdminCommand::Users(command)) => {
            Ok(server::users(&command, &client::Prompter::detect())?)
        }
        cli::Command::Client(command) => Ok(client::run(&cli.global, command)?),
    }
}

/// The client's prompts answer what `admin users` asks (only this file sees both sides).
impl server::Ask for client::Prompter {
    type Error = client::ClientError;

    fn can_ask(&self, what: &'static str, flag: &'static str) -> Result<(), Self::Error> {
        if self.is_interactive() {
            Ok(())
        } else {
            Err(self.needs(what, flag))
        }
    }

    fn yes_or_no(
        &self,
        question: &str,
        wanted: (&'static str, &'static str),
    ) -> Result<bool, Self::Error> {
        self.confirm(question, false, wanted)
    }

    fn new_password(&self) -> Result<String, Self::Error> {
        self.password(true)
    }
}
