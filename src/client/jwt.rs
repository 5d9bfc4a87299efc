//! A session token as the client sees it: an opaque string it may decode but never verify
//! (only the server holds the key), like the seed client's `isValidJwt`. Its times are
//! anyone's numbers, so all arithmetic on them saturates (issue 13, item 14).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::render::printable;

/// A JWT. `Debug` redacts it, so a token never reaches a log or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct Jwt(String);

impl Jwt {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into().trim().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The header and claims, unverified.
    pub fn decode(&self) -> Result<Decoded, JwtError> {
        let mut parts = self.0.split('.');
        let (Some(header), Some(claims), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwtError::Shape);
        };
        let header: Header = part("header", header)?;
        let claims: Map<String, Value> = part("payload", claims)?;
        let exp = claims
            .get("exp")
            .and_then(Value::as_f64)
            .filter(|exp| exp.is_finite())
            .ok_or(JwtError::NoExpiry)?;
        Ok(Decoded {
            alg: header.alg,
            typ: header.typ,
            sub: claims.get("sub").and_then(Value::as_str).map(str::to_owned),
            iat: claims
                .get("iat")
                .and_then(Value::as_f64)
                .filter(|iat| iat.is_finite())
                .map(whole_seconds),
            exp: whole_seconds(exp),
            claims,
        })
    }
}

impl fmt::Debug for Jwt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Jwt(***)")
    }
}

/// What a token says about itself.
#[derive(Debug, Clone, Serialize)]
pub struct Decoded {
    pub alg: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// canvass puts the user's e-mail here, as the seed does.
    pub sub: Option<String>,
    /// Issued at, in Unix seconds.
    pub iat: Option<i64>,
    /// Expires at, in Unix seconds: the token is refused from this second on.
    pub exp: i64,
    /// Every claim, as sent.
    pub claims: Map<String, Value>,
}

impl Decoded {
    pub fn is_expired_at(&self, now: i64) -> bool {
        self.exp <= now
    }

    /// Seconds from `now` until the token expires, negative once it has. A crafted `exp` of
    /// -1e308 is `i64::MIN`, and plain subtraction would overflow (a panic in a debug build,
    /// a large positive number in a release one): this saturates, keeping the sign.
    pub fn seconds_left_at(&self, now: i64) -> i64 {
        self.exp.saturating_sub(now)
    }

    /// Whether less than a third of the token's lifetime is left: time to refresh it, so an
    /// active user is never logged out in the middle of work. An `iat` after `exp` is a
    /// lifetime of none.
    pub fn is_ageing_at(&self, now: i64) -> bool {
        let lifetime = self
            .iat
            .map_or(1800, |iat| self.exp.saturating_sub(iat))
            .max(0);
        self.seconds_left_at(now) < lifetime / 3
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JwtError {
    #[error("not a JWT: expected three base64url parts separated by dots")]
    Shape,
    #[error("not a JWT: the {part} is not base64url-encoded JSON ({reason})")]
    Part { part: &'static str, reason: String },
    #[error("the token has no numeric `exp` claim")]
    NoExpiry,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    typ: Option<String>,
}

/// One part of the token as JSON. The reason for a refusal may quote the token's text,
/// which is anyone's: it is made printable.
fn part<T: for<'de> Deserialize<'de>>(name: &'static str, text: &str) -> Result<T, JwtError> {
    let refused = |reason: &dyn fmt::Display| JwtError::Part {
        part: name,
        reason: printable(&reason.to_string()),
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|e| refused(&e))?;
    serde_json::from_slice(&bytes).map_err(|e| refused(&e))
}

/// A NumericDate as whole seconds. Fractions (PyJWT writes them) are floored; a float cast
/// saturates, so ±1e308 is `i64::MIN` or `i64::MAX` — as far off as the client can count.
#[expect(
    clippy::cast_possible_truncation,
    reason = "fractions are floored and out-of-range values saturate, as intended"
)]
fn whole_seconds(secs: f64) -> i64 {
    secs.floor() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str, claims: &str) -> Jwt {
        Jwt::new(format!(
            "{}.{}.c2ln",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims)
        ))
    }

    #[test]
    fn decodes_header_and_claims_without_a_key() {
        let decoded = token(
            r#"{"alg":"HS256","typ":"JWT"}"#,
            r#"{"sub":"ann@example.com","iat":1000,"exp":2800.7}"#,
        )
        .decode()
        .unwrap();
        assert_eq!(decoded.alg, "HS256");
        assert_eq!(decoded.sub.as_deref(), Some("ann@example.com"));
        assert_eq!((decoded.iat, decoded.exp), (Some(1000), 2800));
        assert!(!decoded.is_expired_at(2799));
        assert!(decoded.is_expired_at(2800));
    }

    #[test]
    fn a_token_is_ageing_in_the_last_third_of_its_life() {
        let decoded = token(r#"{"alg":"HS256"}"#, r#"{"iat":0,"exp":300}"#)
            .decode()
            .unwrap();
        assert!(!decoded.is_ageing_at(200));
        assert!(decoded.is_ageing_at(201));
    }

    #[test]
    fn times_at_the_edges_saturate_and_keep_their_sign() {
        let decode = |claims: &str| token(r#"{"alg":"HS256"}"#, claims).decode().unwrap();
        let now = 1_700_000_000;
        let past = decode(r#"{"exp":-1e308}"#);
        assert_eq!(past.exp, i64::MIN);
        assert!(past.is_expired_at(now));
        assert_eq!(past.seconds_left_at(now), i64::MIN);
        let future = decode(r#"{"exp":1e308}"#);
        assert_eq!(future.exp, i64::MAX);
        assert!(!future.is_expired_at(now));
        assert_eq!(future.seconds_left_at(now), i64::MAX - now);
        assert_eq!(future.seconds_left_at(i64::MIN), i64::MAX);
        for (claims, ageing) in [
            (r#"{"iat":-1e308,"exp":1e308}"#, false),
            (r#"{"iat":1e308,"exp":-1e308}"#, true),
            (
                r#"{"iat":-9223372036854775808,"exp":9223372036854775807}"#,
                false,
            ),
            (r#"{"iat":1700000600,"exp":1700000300}"#, false),
        ] {
            assert_eq!(decode(claims).is_ageing_at(now), ageing, "{claims}");
        }
        let undated = decode(r#"{"iat":"NaN","exp":1}"#);
        assert_eq!(undated.iat, None);
    }

    #[test]
    fn refuses_what_is_not_a_jwt() {
        assert!(matches!(Jwt::new("abc").decode(), Err(JwtError::Shape)));
        assert!(matches!(Jwt::new("a.b.c.d").decode(), Err(JwtError::Shape)));
        assert!(matches!(
            Jwt::new("!!.e30.x").decode(),
            Err(JwtError::Part { part: "header", .. })
        ));
        assert!(matches!(
            token(r#"{"alg":"HS256"}"#, r#"{"sub":"x"}"#).decode(),
            Err(JwtError::NoExpiry)
        ));
    }

    #[test]
    fn debug_never_shows_the_token() {
        assert_eq!(format!("{:?}", Jwt::new("secret.token.value")), "Jwt(***)");
    }
}
