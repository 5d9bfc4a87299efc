//! The server's log on stderr: the subscriber (`--log-format text|json`), the panic hook, and
//! the one line per request.
//!
//! A request's line never holds a header, a token, a password or a query string: text names
//! the path without its query (as it always has), JSON names the route template
//! (`/api/surveys/{id}/`) so a log pipeline can group by it and no id reaches it either.

use std::time::Duration;

use super::http::Method;
use super::route_name::RouteName;
use crate::cli::LogFormat;

/// Installs the subscriber; `RUST_LOG=warn` (or error, off…) quiets the per-request lines,
/// and anything unparsable keeps the default.
pub fn init(format: LogFormat) {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        // `{"timestamp":…,"level":…,"message":…, fields…}`: flat, one object per line.
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .with_ansi(false)
            .try_init(),
    };
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
    pub route: RouteName,
    pub status: u16,
    pub elapsed: Duration,
}

impl RequestLine<'_> {
    pub fn log(&self, format: LogFormat) {
        let ms = self.elapsed.as_secs_f64() * 1000.0;
        match format {
            LogFormat::Text => tracing::info!(
                "{} {} {} {} {ms:.1}ms",
                self.id,
                self.method,
                self.path,
                self.status
            ),
            LogFormat::Json => tracing::info!(
                request_id = self.id,
                method = self.method.as_str(),
                route = self.route.as_str(),
                status = self.status,
                duration_ms = (ms * 10.0).round() / 10.0,
                "request"
            ),
        }
    }
}
