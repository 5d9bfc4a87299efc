//! The only place the client writes to stdout (and its warnings to stderr): text for people,
//! JSON for scripts, colour only on a terminal and never with NO_COLOR. Tables and bar charts
//! are laid out here (`table.rs`, `chart.rs`) so every command's output looks alike; text from
//! a server or a token is defanged on the way (`printable.rs`, `json.rs`).

mod chart;
mod json;
mod printable;
mod table;

use std::io::{self, IsTerminal as _, Write as _};

use serde::Serialize;

use super::error::ClientError;

pub use chart::Chart;
pub use printable::printable;
pub use table::{Align, Table};

/// The width laid out for when `COLUMNS` does not say (and always when stdout is a pipe).
const DEFAULT_WIDTH: usize = 100;

/// How this run prints. Not `Copy`: commands hand it around by reference.
#[derive(Debug, Clone)]
pub struct Output {
    pub json: bool,
    color: bool,
    /// Whether stdout is a terminal, which acts on escape sequences a pipe only carries.
    terminal: bool,
}

/// A piece of text with a colour role; plain when colour is off.
#[derive(Debug, Clone, Copy)]
pub enum Tone {
    Strong,
    Good,
    Warning,
    Faint,
}

impl Output {
    pub fn new(json: bool) -> Output {
        // https://no-color.org: set and non-empty means no colour.
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let terminal = io::stdout().is_terminal();
        Output {
            json,
            color: !no_color && terminal,
            terminal,
        }
    }

    /// `text`, made printable, in the tone's colour when colour is on. What is painted is
    /// mostly a server's (a survey name, an e-mail), and the colour's own escapes must be the
    /// only ones on the line.
    pub fn paint(&self, tone: Tone, text: &str) -> String {
        let text = printable(text);
        if !self.color {
            return text;
        }
        let code = match tone {
            Tone::Strong => "1",
            Tone::Good => "32",
            Tone::Warning => "33",
            Tone::Faint => "2",
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
        self.line(&pretty_json(value)?)
    }

    /// Prints a document passed through (an export's CSV): exactly as given into a pipe,
    /// where it is data, but with its hazards as spaces on a terminal, which would act on
    /// them. Its line breaks are kept either way.
    pub fn data(&self, text: &str) -> Result<(), ClientError> {
        if self.terminal {
            return write_stdout(format_args!("{}", printable::printable_lines(text)));
        }
        write_stdout(format_args!("{text}"))
    }

    /// A one-line warning on stderr, so it never mixes into `--json` output. It often quotes
    /// a server's words (why it refused), so it is made printable whole.
    #[expect(
        clippy::unused_self,
        reason = "printing goes through an Output so stdout has one owner"
    )]
    pub fn warn(&self, text: &str) {
        // Nothing useful is left to do if stderr itself is gone.
        let _ = writeln!(io::stderr().lock(), "warning: {}", printable(text));
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

/// `value` as the pretty JSON `Output::json` prints, for a file: hazards escaped as
/// `\uXXXX`, so the text is exact once parsed and harmless if shown.
pub fn pretty_json(value: &impl Serialize) -> Result<String, ClientError> {
    json::to_string(value).map_err(|e| ClientError::Output(io::Error::other(e)))
}

/// How many columns a table or chart may take: `COLUMNS` when it is a positive number,
/// else 100.
pub fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|columns| columns.trim().parse::<usize>().ok())
        .filter(|&columns| columns > 0)
        .unwrap_or(DEFAULT_WIDTH)
}

/// `1 response`, `2 responses`: a count with its (regular) noun.
pub fn plural(count: u64, noun: &str) -> String {
    match count {
        1 => format!("1 {noun}"),
        n => format!("{n} {noun}s"),
    }
}

/// A server `created_at` (UTC `YYYY-MM-DD HH:MM:SS`, the seed's format) as Unix seconds.
pub fn server_time(text: &str) -> Option<i64> {
    jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text)
        .and_then(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC))
        .map(|t| t.timestamp().as_second())
        .ok()
}

/// A server `created_at` in local time to the minute, for a table: `2026-11-29 12:45 CET`,
/// with the zone as `show` gives it, since a time without one is ambiguous between machines.
/// Anything unreadable is shown as sent.
pub fn local_minute(created_at: &str) -> String {
    server_time(created_at).map_or_else(|| created_at.to_owned(), local_minute_of)
}

/// Unix seconds in local time to the minute, with the zone: `2026-11-29 12:45 CET`.
pub fn local_minute_of(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).map_or_else(
        |_| format!("{unix} (Unix time)"),
        |t| {
            t.to_zoned_datetime(jiff::tz::TimeZone::system())
                .strftime("%Y-%m-%d %H:%M %Z")
                .to_string()
        },
    )
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

/// `in 12 min` or `3 h ago`, rounded to the unit a person would say: a token issued a
/// second ago still "expires in 30 min". A crafted token's time may be as far from now as
/// an i64 goes (issue 13, item 14): the distance saturates instead of overflowing.
pub fn relative(unix: i64, now: i64) -> String {
    let delta = unix.saturating_sub(now);
    let span = delta.unsigned_abs();
    let rounded = |unit: u64| span.saturating_add(unit / 2) / unit;
    let amount = if span < 60 {
        format!("{span} s")
    } else if rounded(60) < 60 {
        format!("{} min", rounded(60))
    } else if rounded(3600) < 48 {
        format!("{} h", rounded(3600))
    } else {
        format!("{} days", rounded(86_400))
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
        assert_eq!(relative(1_000 + 1799, 1_000), "in 30 min");
        assert_eq!(relative(1_000 + 3599, 1_000), "in 1 h");
        assert_eq!(relative(1_000, 1_000), "0 s ago");
        assert_eq!(relative(1_000 + 5 * 86_400, 1_000), "in 5 days");
    }

    #[test]
    fn times_as_far_as_an_i64_goes_keep_their_direction() {
        assert_eq!(relative(i64::MIN, 1_000), "106751991167301 days ago");
        assert_eq!(relative(i64::MAX, 1_000), "in 106751991167301 days");
        assert_eq!(relative(i64::MIN, i64::MAX), "106751991167301 days ago");
        assert_eq!(relative(i64::MAX, i64::MIN), "in 106751991167301 days");
        assert!(local_time(i64::MIN).ends_with("(Unix time)"));
        assert_eq!(rfc3339(i64::MAX), i64::MAX.to_string());
    }

    #[test]
    fn rfc3339_is_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn server_times_are_utc() {
        assert_eq!(server_time("1970-01-02 00:00:01"), Some(86_401));
        assert_eq!(server_time("yesterday"), None);
        assert_eq!(local_minute("yesterday"), "yesterday");
        assert!(local_minute("1970-01-02 00:00:01").starts_with("1970-01-0"));
        // The zone's name or offset follows the minute, however the system names it.
        assert!(local_minute("1970-01-02 00:00:01").split(' ').count() >= 3);
    }

    #[test]
    fn counts_read_in_the_singular_and_plural() {
        assert_eq!(plural(1, "response"), "1 response");
        assert_eq!(plural(0, "response"), "0 responses");
        assert_eq!(plural(2, "survey"), "2 surveys");
    }

    #[test]
    fn plain_output_has_no_escape_codes() {
        let out = Output {
            json: false,
            color: false,
            terminal: false,
        };
        assert_eq!(out.paint(Tone::Warning, "careful"), "careful");
        let colored = Output {
            json: false,
            color: true,
            terminal: true,
        };
        assert!(colored.paint(Tone::Warning, "careful").contains("\x1b["));
    }

    #[test]
    fn painted_text_carries_only_the_colours_own_escapes() {
        let colored = Output {
            json: false,
            color: true,
            terminal: true,
        };
        assert_eq!(
            colored.paint(Tone::Strong, "a\x1b]0;t\x07\u{202e}b"),
            "\x1b[1ma ]0;t  b\x1b[0m"
        );
    }
}
