//! The server's log on stderr: the subscriber, the panic hook, and the one line per request.
//!
//! A request's line never holds a header, a token, a password or a query string: it names
//! the path without its query.

use std::time::Duration;

use super::http::Method;

/// Installs the subscriber; `RUST_LOG=warn` (or error, off…) quiets the per-request lines,
/// and anything unparsable keeps the default.
pub fn init() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    // A panic is caught and answered with a 500; say so on one line instead of the default
    // hook's multi-line report (RUST_BACKTRACE may be set).
    std::panic::set_hook(Box::new(|info| {
        tracing::error!("panic: {info}");
    }));
}

/// What one request's log line says.
pub struct RequestLine<'a> {
    pub id: u64,
    pub method: &'a Method,
    /// Without the query string.
    pub path: &'a str,
    pub status: u16,
    pub elapsed: Duration,
}

impl RequestLine<'_> {
    pub fn log(&self) {
        let ms = self.elapsed.as_secs_f64() * 1000.0;
        tracing::info!(
            "{} {} {} {} {ms:.1}ms",
            self.id,
            self.method,
            self.path,
            self.status
        );
    }
}
