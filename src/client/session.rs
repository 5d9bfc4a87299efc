//! The session: which token speaks for the user, where it came from, and the seed's route
//! guard done right — an expired token is caught locally, an ageing one is refreshed.

use serde::Serialize;

use super::Context;
use super::api::ApiClient;
use super::credentials::{Saved, StoreLocation};
use super::error::ClientError;
use super::jwt::{Decoded, Jwt};
use super::render::{self, Output};

/// The variable that overrides every store, for CI. Its token is never written anywhere.
pub const TOKEN_VARIABLE: &str = "CANVASS_TOKEN";

/// Where the session's token came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Environment,
    Stored(StoreLocation),
}

impl TokenSource {
    /// `{"kind": "env" | "keyring" | "file", "detail": …}` for `--json`.
    pub fn report(&self) -> SourceReport {
        match self {
            TokenSource::Environment => SourceReport {
                kind: "env",
                detail: TOKEN_VARIABLE.to_owned(),
            },
            TokenSource::Stored(StoreLocation::Keyring { name }) => SourceReport {
                kind: "keyring",
                detail: (*name).to_owned(),
            },
            TokenSource::Stored(StoreLocation::File { path }) => SourceReport {
                kind: "file",
                detail: path.display().to_string(),
            },
        }
    }
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Environment => write!(f, "the {TOKEN_VARIABLE} environment variable"),
            TokenSource::Stored(location) => write!(f, "{location}"),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SourceReport {
    pub kind: &'static str,
    pub detail: String,
}

pub struct Session {
    /// The server the session is for, for errors that must say which.
    pub server: String,
    pub token: Jwt,
    pub claims: Decoded,
    pub source: TokenSource,
}

impl Session {
    pub fn is_expired(&self) -> bool {
        self.claims.is_expired_at(render::now())
    }

    /// `session for … expired at …`, the error every command that needs a session stops with.
    pub fn expired_error(&self) -> ClientError {
        ClientError::SessionExpired {
            server: self.server.clone(),
            at: render::local_time(self.claims.exp),
        }
    }
}

/// The session for `cx.server`, if there is one: `CANVASS_TOKEN` first, then the store.
pub fn current(cx: &Context) -> Result<Option<Session>, ClientError> {
    let found = match std::env::var(TOKEN_VARIABLE) {
        Ok(token) if !token.trim().is_empty() => Some((Jwt::new(token), TokenSource::Environment)),
        _ => cx
            .credentials
            .load(&cx.server)?
            .map(|(token, location)| (token, TokenSource::Stored(location))),
    };
    found
        .map(|(token, source)| {
            Ok(Session {
                server: cx.server.clone(),
                claims: token.decode()?,
                token,
                source,
            })
        })
        .transpose()
}

/// The session, or "not logged in" (exit 3).
pub fn required(cx: &Context) -> Result<Session, ClientError> {
    current(cx)?.ok_or_else(|| ClientError::NotLoggedIn {
        server: cx.server.clone(),
    })
}

/// A client carrying a token the server should accept: an expired one stops here without a
/// request, and one in the last third of its life is swapped for a fresh one first.
pub fn authenticated(cx: &Context, out: &Output) -> Result<ApiClient, ClientError> {
    authenticate(cx, out, &required(cx)?)
}

/// A client with the session's token when there is a session, anonymous otherwise; the flag
/// says which. For requests a token improves but does not need (responding, syncing).
pub fn authenticated_if_logged_in(
    cx: &Context,
    out: &Output,
) -> Result<(ApiClient, bool), ClientError> {
    match current(cx)? {
        Some(session) => Ok((authenticate(cx, out, &session)?, true)),
        None => Ok((cx.anonymous()?, false)),
    }
}

fn authenticate(cx: &Context, out: &Output, session: &Session) -> Result<ApiClient, ClientError> {
    if session.is_expired() {
        return Err(session.expired_error());
    }
    let api = cx.anonymous()?.with_token(session.token.clone());
    if session.claims.is_ageing_at(render::now())
        && let TokenSource::Stored(_) = session.source
    {
        let fresh = match api.refresh() {
            Ok(reply) => Jwt::new(reply.token),
            // Offline, the token still works for what the local copy can do; the next
            // command that reaches the server refreshes it.
            Err(ClientError::Unreachable { .. }) => return Ok(api),
            Err(other) => return Err(other),
        };
        let saved = cx.credentials.save(&cx.server, &fresh)?;
        warn_if_insecure(out, &saved);
        return Ok(cx.anonymous()?.with_token(fresh));
    }
    Ok(api)
}

/// Every write to the fallback file says where and why: a token in a file is readable by
/// anything running as the user, and nobody should learn that by surprise.
pub fn warn_if_insecure(out: &Output, saved: &Saved) {
    if let StoreLocation::File { path } = &saved.location {
        let why = saved
            .fallback_reason
            .as_deref()
            .unwrap_or("CANVASS_CREDENTIAL_STORE=file asks for it");
        out.warn(&format!(
            "the session token is in the plain file {} (mode 0600), not an OS keyring: {why}",
            path.display()
        ));
    }
}
