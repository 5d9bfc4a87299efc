//! The command line, as clap definitions only: no I/O happens here.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "canvass",
    version,
    about = "A local-first survey manager and the self-hosted server behind it",
    after_help = "Exit codes: 0 ok, 1 error, 2 usage."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the survey server (HTTP API on tiny_http, data in SQLite).
    ///
    /// The HS256 signing key comes from CANVASS_SECRET; without it a random key is made on
    /// first start in `secret.key` (mode 0600) beside the database and reused afterwards.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "CANVASS_ADDR", default_value = "127.0.0.1:5000")]
    pub addr: String,
    /// SQLite database file [default: the user data dir's canvass/canvass.db]
    #[arg(long, env = "CANVASS_DB")]
    pub db: Option<PathBuf>,
    /// How long issued tokens stay valid, e.g. 90s, 30m, 12h.
    #[arg(long, env = "CANVASS_TOKEN_TTL", default_value = "30m", value_parser = humantime::parse_duration)]
    pub token_ttl: Duration,
    /// Allowed CORS origins, comma separated, or * for any.
    #[arg(
        long,
        env = "CANVASS_ORIGINS",
        default_value = "*",
        value_delimiter = ','
    )]
    pub origins: Vec<String>,
    /// Request worker threads [default: 4 per core].
    #[arg(long, env = "CANVASS_THREADS", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Failed logins allowed per e-mail within 15 minutes before 429 (ten times as many per
    /// client address, loopback excepted); 0 turns throttling off.
    #[arg(long, env = "CANVASS_LOGIN_FAILURES", default_value_t = 10)]
    pub login_failures: u32,
    /// Largest accepted request body, in bytes; larger bodies get 413.
    #[arg(long, env = "CANVASS_MAX_BODY", default_value_t = 1024 * 1024)]
    pub max_body: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
