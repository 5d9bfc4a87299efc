//! `canvass status`: the server, whether it answers, who is logged in, where the token is kept
//! and when it expires. It reports; it never refreshes or changes anything.

use serde::Serialize;

use crate::cli::OutputArgs;
use crate::client::Context;
use crate::client::credentials::StoreLocation;
use crate::client::error::ClientError;
use crate::client::render::{self, Output, Tone};
use crate::client::session::{self, SourceReport, TokenSource};

#[derive(Serialize)]
struct Status {
    server: String,
    reachable: bool,
    /// The server's version when it answered, else why it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    server_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_error: Option<String>,
    logged_in: bool,
    user: Option<String>,
    token_source: Option<SourceReport>,
    expires_at: Option<String>,
    expired: Option<bool>,
    /// Set when the server refused the token (revoked, or signed with another key).
    #[serde(skip_serializing_if = "Option::is_none")]
    session_error: Option<String>,
    /// Responses queued on this machine, waiting for `canvass sync`.
    pending: u64,
}

pub fn run(args: &OutputArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.json);
    let api = cx.anonymous()?;
    let health = api.health();
    let session = session::current(cx)?;
    let mut status = Status {
        server: cx.server.clone(),
        reachable: health.is_ok(),
        server_version: health.as_ref().ok().map(|h| h.version.clone()),
        server_error: health.as_ref().err().map(ToString::to_string),
        logged_in: session.is_some(),
        user: session.as_ref().and_then(|s| s.claims.sub.clone()),
        token_source: session.as_ref().map(|s| s.source.report()),
        expires_at: session.as_ref().map(|s| render::rfc3339(s.claims.exp)),
        expired: session.as_ref().map(session::Session::is_expired),
        session_error: None,
        pending: cx.cache()?.pending()?,
    };
    if let Some(session) = &session
        && status.reachable
        && !session.is_expired()
    {
        match api.with_token(session.token.clone()).me() {
            Ok(me) => status.user = Some(me.email),
            Err(error) => status.session_error = Some(error.to_string()),
        }
    }
    if let Some(session) = &session
        && let TokenSource::Stored(StoreLocation::File { path }) = &session.source
    {
        out.warn(&format!(
            "the session token is in the plain file {}, not an OS keyring",
            path.display()
        ));
    }
    if out.json {
        return out.json(&status);
    }
    let server = match (&status.server_version, &status.server_error) {
        (Some(version), _) => format!(
            "{} (canvass {})",
            out.paint(Tone::Good, "reachable"),
            render::printable(version)
        ),
        // The line already names the server: the error is told without it.
        (None, Some(_)) => match &health {
            Err(ClientError::Unreachable { reason, .. }) => out.paint(
                Tone::Warning,
                &format!("unreachable — is `canvass serve` running? ({reason})"),
            ),
            Err(error) => out.paint(
                Tone::Warning,
                &without_server(&error.to_string(), &cx.server),
            ),
            Ok(_) => String::new(),
        },
        (None, None) => String::new(),
    };
    out.line(&format!("Server:   {} {server}", cx.server))?;
    if status.pending > 0 {
        out.line(&format!(
            "Queued:   {} waiting for `canvass sync`",
            out.paint(Tone::Warning, &render::plural(status.pending, "response"))
        ))?;
    }
    let Some(session) = session else {
        return out.line("Session:  not logged in — run `canvass login`");
    };
    // The server's word for who this is, else the token's: either may be anyone's text.
    out.line(&format!(
        "User:     {}",
        status
            .user
            .as_deref()
            .map_or_else(|| "(the token names no user)".to_owned(), render::printable)
    ))?;
    out.line(&format!("Token:    {}", session.source))?;
    let now = render::now();
    let when = render::relative(session.claims.exp, now);
    let expiry = if session.is_expired() {
        out.paint(
            Tone::Warning,
            &format!("expired {when} — run `canvass login`"),
        )
    } else {
        format!("expires {when}")
    };
    out.line(&format!(
        "Expires:  {} ({expiry})",
        render::local_time(session.claims.exp)
    ))?;
    if let Some(error) = &status.session_error {
        out.line(&format!("Session:  {}", out.paint(Tone::Warning, error)))?;
    }
    Ok(())
}

/// `error` with a leading `server` (and what joins it to the rest) left out, for a line that
/// has named the server already.
fn without_server(error: &str, server: &str) -> String {
    error
        .strip_prefix(server)
        .map_or_else(|| error.to_owned(), |rest| rest.trim_start().to_owned())
}
