//! The `canvass` binary: parse the command line, run it, and turn any error into one line on
//! stderr and a documented exit code. Backtraces never reach users, even with `RUST_BACKTRACE`.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = canvass::cli::Cli::parse();
    match canvass::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            #[expect(clippy::print_stderr, reason = "the one place errors reach the user")]
            {
                eprintln!("error: {error}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}
