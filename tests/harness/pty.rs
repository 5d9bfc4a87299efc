//! `Cli::pty()`: the client in a real pseudo-terminal (rexpect), so prompts are tested the way a
//! person meets them. Every wait has a deadline, and a failure shows the screen so far.

use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

use super::cli::Cli;

const DEADLINE_MS: u64 = 30_000;

/// Keys a person presses in a prompt.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    Up,
    Down,
    Space,
    Enter,
    /// Backs out of a list prompt.
    Esc,
    /// One typed character, without Enter (`\x03` is Ctrl-C).
    Char(char),
}

pub struct Pty {
    session: PtySession,
}

impl Cli {
    /// Starts the command with a pseudo-terminal as stdin, stdout and stderr.
    pub fn pty(self) -> Pty {
        let mut command = self.into_command();
        // A terminal of a known size, so dialoguer lays prompts out the same everywhere.
        command
            .env("COLUMNS", "100")
            .env("LINES", "40")
            .env("TERM", "xterm");
        Pty {
            session: rexpect::session::spawn_command(command, Some(DEADLINE_MS)).unwrap(),
        }
    }
}

impl Pty {
    /// Waits until `text` appears; returns what came before it.
    #[track_caller]
    pub fn expect(&mut self, text: &str) -> String {
        self.session
            .exp_string(text)
            .unwrap_or_else(|e| panic!("waiting for {text:?} on the terminal: {e}"))
    }

    #[track_caller]
    pub fn send_line(&mut self, line: &str) {
        self.session.send_line(line).unwrap();
        self.session.flush().unwrap();
    }

    #[track_caller]
    pub fn send_key(&mut self, key: Key) {
        let typed;
        let bytes = match key {
            Key::Up => "\x1b[A",
            Key::Down => "\x1b[B",
            Key::Space => " ",
            Key::Enter => "\r",
            Key::Esc => "\x1b",
            Key::Char(c) => {
                typed = c.to_string();
                typed.as_str()
            }
        };
        self.session.send(bytes).unwrap();
        self.session.flush().unwrap();
    }

    /// Waits for the program to end and checks its exit code; returns the rest of the screen.
    #[track_caller]
    pub fn expect_exit(mut self, code: i32) -> String {
        let rest = self
            .session
            .exp_eof()
            .unwrap_or_else(|e| panic!("waiting for the program to end: {e}"));
        match self.session.process().wait().unwrap() {
            WaitStatus::Exited(_, actual) => {
                assert_eq!(actual, code, "exit code; the screen ended with:\n{rest}");
            }
            other => panic!("the program did not exit normally: {other:?}\n{rest}"),
        }
        rest
    }
}
