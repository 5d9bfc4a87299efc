//! The only place the client writes to stdout (and its warnings to stderr): text for people,
//! JSON for scripts, colour only on a terminal and never with NO_COLOR.

use std::io::{self, IsTerminal as _, Write as _};

use serde::Serialize;

use super::error::ClientError;

/// How this run prints. Not `Copy`: commands hand it around by reference.
#[derive(Debug, Clone)]
pub struct Output {
    pub json: bool,
    color: bool,
}

/// A piece of text with a colour role; plain when colour is off.
#[derive(Debug, Clone, Copy)]
pub enum Tone {
    Strong,
    Good,
    Warning,
}

impl Output {
    pub fn new(json: bool) -> Output {
        // https://no-color.org: set and non-empty means no colour.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            json,
            color: !no_color && io::stdout().is_terminal(),
        }
    }

    pub fn paint(&self, tone: Tone, text: &str) -> String {
        if !self.color {
            return text.to_owned();
        }
        let code = match tone {
            Tone::Strong => "1",
            Tone::Good => "32",
            Tone::Warning => "33",
        };
        format!("\x1b[{code}m{text}\x1b[0m")
    }

    /// Prints `text` and a newline.
    #[expect(
        clippy::unused_self,
        reason = "printing goes through an Output so stdout has one owner"
    )]
    pub fn line(&self, text: &str) -> Result<(), ClientError> {
        write_stdout(format_args!("{text}\n"))
    }

    /// Prints `value` as pretty JSON: the `--json` form of every command.
    pub fn json(&self, value: &impl Serialize) -> Result<(), ClientError> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| ClientError::Output(io::Error::other(e)))?;
        self.line(&text)
    }

    /// A one-line warning on stderr, so it never mixes into `--json` output.
    #[expect(
        clippy::unused_self,
        reason = "printing goes through an Output so stdout has one owner"
    )]
    pub fn warn(&self, text: &str) {
        // Nothing useful is left to do if stderr itself is gone.
        let _ = writeln!(io::stderr().lock(), "warning: {text}");
    }
}

fn write_stdout(text: std::fmt::Arguments<'_>) -> Result<(), ClientError> {
    let mut out = io::stdout().lock();
    match out.write_fmt(text).and_then(|()| out.flush()) {
        // `canvass survey list | head` closes the pipe early: that is the reader's choice,
        // not an error (ripgrep does the same).
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(ClientError::Output),
    }
}

/// Unix seconds as local time: `2026-11-29 12:45:03 CET`.
pub fn local_time(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(
        |_| format!("{unix} (Unix time)"),
        |t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M:%S %Z")
                .to_string()
        },
    )
}

/// Unix seconds as RFC 3339 UTC, for JSON.
pub fn rfc3339(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(|_| unix.to_string(), |t| t.to_string())
}

/// `in 12 min` or `3 h ago`, to the unit a person would say.
pub fn relative(unix: i64, now: i64) -> String {
    let delta = unix - now;
    let span = delta.unsigned_abs();
    let amount = match span {
        0..60 => format!("{span} s"),
        60..3600 => format!("{} min", span / 60),
        3600..172_800 => format!("{} h", span / 3600),
        _ => format!("{} days", span / 86_400),
    };
    if delta > 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// The current Unix time in seconds.
pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_like_speech() {
        assert_eq!(relative(1_000 + 720, 1_000), "in 12 min");
        assert_eq!(relative(1_000, 1_000 + 3 * 3600 + 59), "3 h ago");
        assert_eq!(relative(1_000, 1_000), "0 s ago");
        assert_eq!(relative(1_000 + 5 * 86_400, 1_000), "in 5 days");
    }

    #[test]
    fn rfc3339_is_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn plain_output_has_no_escape_codes() {
        let out = Output {
            json: false,
            color: false,
        };
        assert_eq!(out.paint(Tone::Warning, "careful"), "careful");
        let colored = Output {
            json: false,
            color: true,
        };
        assert!(colored.paint(Tone::Warning, "careful").contains("\x1b["));
    }
}
