//! Signing in on the web pages (issue 16). A survey that takes one response per user is
//! answered signed in; the page's sign-in sets a cookie that names the user, sealed by the
//! server (`signer`), never a JWT: the API reads `Authorization` alone, and the cookie is
//! scoped to `/s/`, so a browser never sends it there and it cannot stand in for a token.
//!
//! A sign-in lasts as long as an API token (`--token-ttl`); every page shown signed in
//! starts that time again, but never past `--session-max` from the sign-in, as a refreshed
//! token. "Log out everywhere", a password reset or a deleted account end it at once: the
//! cookie carries the user's id and token generation, checked against the store each time.

use std::time::Duration;

use super::signer::{Signer, i64_at};
use crate::domain::{Timestamp, User};
use crate::server::auth;
use crate::server::http::Request;
use crate::server::store::{Store, StoreError};
use crate::server::token::SigningKey;

/// The cookie's name.
pub const COOKIE: &str = "canvass_session";

/// User id, token generation, sign-in time and issue time (big-endian i64 each), then the
/// e-mail the user is found by.
const FIXED: usize = 4 * 8;

/// Issues and reads sign-in cookies.
#[derive(Debug)]
pub struct Sessions {
    signer: Signer,
    ttl: Duration,
    session_max: Duration,
    /// `Secure` on the cookie: the server is reached over TLS (`--public-url https://…`).
    secure: bool,
}

/// A signed-in respondent.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    /// When they signed in, which a renewed cookie keeps.
    pub since: Timestamp,
}

impl Sessions {
    pub fn new(secret: &SigningKey, ttl: Duration, session_max: Duration, secure: bool) -> Self {
        Sessions {
            signer: Signer::new(secret, b"canvass web session"),
            ttl,
            session_max,
            secure,
        }
    }

    /// The `Set-Cookie` value that signs `user` in from `since`, issued `now`.
    pub fn cookie(&self, user: &User, since: Timestamp, now: Timestamp) -> String {
        let mut payload = Vec::with_capacity(FIXED + user.email.as_str().len());
        for field in [user.id.0, user.token_generation, since.unix(), now.unix()] {
            payload.extend_from_slice(&field.to_be_bytes());
        }
        payload.extend_from_slice(user.email.as_str().as_bytes());
        let left = self.ends(since.unix(), now.unix()) - now.unix();
        self.set(&self.signer.seal(&payload, b""), left.max(0))
    }

    /// The `Set-Cookie` value that signs out.
    pub fn clear(&self) -> String {
        self.set("", 0)
    }

    /// Who the request's cookie signs in, if it is one of ours, still in time, and names
    /// an account whose tokens are all still good. A failing store is an error, anything
    /// else about the cookie just means "not signed in".
    pub fn current(
        &self,
        req: &Request,
        store: &dyn Store,
        now: Timestamp,
    ) -> Result<Option<SignedIn>, StoreError> {
        let Some(payload) = req
            .header("cookie")
            .and_then(|header| cookie_value(header, COOKIE))
            .and_then(|value| self.signer.open(value, b""))
        else {
            return Ok(None);
        };
        let field = |n: usize| i64_at(&payload, n * 8);
        let (Some(uid), Some(generation), Some(since), Some(issued)) =
            (field(0), field(1), field(2), field(3))
        else {
            return Ok(None);
        };
        let Ok(email) = std::str::from_utf8(&payload[FIXED..]) else {
            return Ok(None);
        };
        if now.unix() >= self.ends(since, issued) {
            return Ok(None);
        }
        Ok(store
            .find_user(email)?
            .filter(|user| auth::holds(user, Some(uid), generation))
            .map(|user| SignedIn {
                user,
                since: Timestamp::from_unix(since),
            }))
    }

    /// When a cookie issued at `issued` for a sign-in at `since` stops working.
    fn ends(&self, since: i64, issued: i64) -> i64 {
        let secs = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        issued
            .saturating_add(secs(self.ttl))
            .min(since.saturating_add(secs(self.session_max)))
    }

    fn set(&self, value: &str, max_age: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{COOKIE}={value}; Path=/s/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
    }
}

/// The value of cookie `name` in a `Cookie` header (`a=1; b=2`).
fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_among_others() {
        assert_eq!(
            cookie_value("a=1; canvass_session=xyz; b=2", COOKIE),
            Some("xyz")
        );
        assert_eq!(cookie_value("canvass_session=xyz", COOKIE), Some("xyz"));
        assert_eq!(cookie_value("xcanvass_session=xyz; a=1", COOKIE), None);
        assert_eq!(cookie_value("", COOKIE), None);
    }

    fn sessions(secure: bool) -> Sessions {
        Sessions::new(
            &SigningKey::new(vec![1; 32]),
            Duration::from_secs(1800),
            Duration::from_secs(3600),
            secure,
        )
    }

    #[test]
    fn the_cookie_is_http_only_strict_scoped_to_the_pages_and_secure_behind_tls() {
        let clear = sessions(false).clear();
        assert_eq!(
            clear,
            "canvass_session=; Path=/s/; Max-Age=0; HttpOnly; SameSite=Strict"
        );
        assert!(sessions(true).clear().ends_with("; Secure"));
    }

    #[test]
    fn a_sign_in_ends_after_the_ttl_or_the_session_max() {
        let s = sessions(false);
        assert_eq!(s.ends(1000, 1000), 2800);
        // Renewed late in the session: the session's end comes first.
        assert_eq!(s.ends(1000, 4000), 4600);
    }
}
