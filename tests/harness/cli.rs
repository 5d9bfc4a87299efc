//! `Machine` and `Cli`: the `canvass` client run as a person or a script would run it, with
//! its own HOME and XDG dirs, against a `TestServer`. A run has a deadline, so a prompt that
//! waits for input fails the test instead of hanging it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

use super::server::{PASSWORD, TestServer};

const DEADLINE: Duration = Duration::from_secs(30);

/// One user account on one computer: a home directory that keeps config and credentials
/// between runs, and the server it talks to.
pub struct Machine {
    home: TempDir,
    server: String,
}

impl Machine {
    pub fn new(server: &TestServer) -> Machine {
        Machine::for_url(&format!("http://{}", server.addr()))
    }

    /// A machine whose default server is `url` (which may not answer).
    pub fn for_url(url: &str) -> Machine {
        Machine {
            home: tempfile::tempdir().unwrap(),
            server: url.to_owned(),
        }
    }

    /// A machine where `email` has registered (with `PASSWORD`) and logged in through the CLI.
    pub fn logged_in(server: &TestServer, email: &str) -> Machine {
        let machine = Machine::new(server);
        machine.register(email);
        machine
    }

    /// Registers `email` (with `PASSWORD`) on this machine's server and logs in as it.
    pub fn register(&self, email: &str) {
        self.cli()
            .args(["register", "--email", email, "--password-stdin"])
            .stdin(format!("{PASSWORD}\n"))
            .run()
            .success();
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn server_url(&self) -> &str {
        &self.server
    }

    /// The fallback token file the file store writes.
    pub fn credentials_file(&self) -> PathBuf {
        self.home().join("data/canvass/credentials.json")
    }

    pub fn config_file(&self) -> PathBuf {
        self.home().join("config/canvass/config.toml")
    }

    /// `canvass` as this machine runs it: the file credential store (tests never touch a real
    /// keyring unless they ask), NO_COLOR, UTC, and RUST_BACKTRACE=1 so one-line errors are
    /// checked where a backtrace would show.
    pub fn cli(&self) -> Cli {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_canvass"));
        command.env_clear();
        for kept in ["PATH", "LANG"] {
            if let Some(value) = std::env::var_os(kept) {
                command.env(kept, value);
            }
        }
        let home = self.home();
        command
            .current_dir(home)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("CANVASS_SERVER", &self.server)
            .env("CANVASS_CREDENTIAL_STORE", "file")
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("RUST_BACKTRACE", "1");
        Cli {
            command,
            stdin: Vec::new(),
        }
    }
}

/// One invocation, built up then run once.
#[must_use]
pub struct Cli {
    command: std::process::Command,
    stdin: Vec<u8>,
}

impl Cli {
    pub fn args<I, S>(mut self, args: I) -> Cli
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Cli {
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Cli {
        self.command.env_remove(key);
        self
    }

    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Cli {
        self.stdin = input.into();
        self
    }

    /// The command, for `harness::pty`.
    pub fn into_command(self) -> std::process::Command {
        self.command
    }

    /// Runs with stdin a pipe (never a terminal) and waits at most `DEADLINE`.
    #[track_caller]
    pub fn run(self) -> Run {
        let shown = format!("{:?}", self.command.get_args().collect::<Vec<_>>());
        let output = assert_cmd::Command::from_std(self.command)
            .write_stdin(self.stdin)
            .timeout(DEADLINE)
            .output()
            .unwrap();
        Run {
            args: shown,
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// What a run did. Every check prints the whole run when it fails.
#[derive(Debug)]
pub struct Run {
    pub args: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    #[track_caller]
    fn check(&self, ok: bool, what: &str) {
        assert!(
            ok,
            "{what}\n  canvass {}\n  exit: {:?}\n  stdout:\n{}\n  stderr:\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
    }

    #[track_caller]
    pub fn success(&self) -> &Run {
        self.code(0)
    }

    /// Exits with `code`; a failure must say why in exactly one `error: …` line.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Run {
        self.check(self.code == Some(code), &format!("expected exit {code}"));
        if code != 0 {
            let errors: Vec<&str> = self
                .stderr
                .lines()
                .filter(|line| !line.starts_with("warning: "))
                .collect();
            self.check(
                errors.len() == 1 && errors[0].starts_with("error: "),
                "a failure must print exactly one `error: …` line on stderr",
            );
        }
        self
    }

    #[track_caller]
    pub fn stdout_contains(&self, text: &str) -> &Run {
        self.check(
            self.stdout.contains(text),
            &format!("stdout lacks {text:?}"),
        );
        self
    }

    #[track_caller]
    pub fn stderr_contains(&self, text: &str) -> &Run {
        self.check(
            self.stderr.contains(text),
            &format!("stderr lacks {text:?}"),
        );
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, text: &str) -> &Run {
        self.check(!self.stderr.contains(text), &format!("stderr has {text:?}"));
        self
    }

    #[track_caller]
    pub fn stdout_is_empty(&self) -> &Run {
        self.check(self.stdout.is_empty(), "stdout should be empty");
        self
    }

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            self.check(false, &format!("stdout is not JSON: {e}"));
            Value::Null
        })
    }
}
