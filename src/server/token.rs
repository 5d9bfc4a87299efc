//! JSON Web Tokens: HS256 pinned, `exp` required, claims in integer seconds because the seed
//! client decodes the payload itself and compares `exp` to `Date.now() / 1000`.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::domain::User;

/// The HS256 key. `Debug` never shows it.
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The key's bytes, for deriving the other keys the server signs with
    /// (`web::form_token`); never for showing.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user's e-mail, as in the seed.
    pub sub: String,
    #[serde(default, deserialize_with = "seconds")]
    pub iat: u64,
    #[serde(deserialize_with = "seconds")]
    pub exp: u64,
    /// The user's token generation at issue time; `POST /api/logout-all/` moves the user to
    /// the next one. Absent means 0, so tokens minted the seed's way stay valid until then.
    #[serde(default)]
    pub generation: i64,
    /// The user's id: `sub` alone would let a token of a deleted account open a new account
    /// registered under the same e-mail (issue 13). Every token canvass issues carries it;
    /// absent (a token minted the seed's way) only the e-mail is checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<i64>,
    /// When the session began (the login), carried through refreshes: no session outlives
    /// `--session-max`, however often it is refreshed. Absent means the token's own `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<u64>,
}

impl Claims {
    /// When the session this token belongs to began.
    pub fn session_started(&self) -> u64 {
        self.auth_time.unwrap_or(self.iat)
    }
}

/// A NumericDate: integer seconds, as canvass issues them, or fractional ones, as some JWT
/// libraries write (`time.time() + 1800` in Python; PyJWT, the seed's library, accepts
/// them). jsonwebtoken's own `exp` check reads integers only, so expiry is checked here.
fn seconds<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Whole(u64),
        Fractional(f64),
    }
    match Seconds::deserialize(deserializer)? {
        Seconds::Whole(secs) => Ok(secs),
        // JSON has no infinity or NaN (serde_json refuses `1e400`), so every f64 here is
        // finite; a negative one saturates to 0, long expired.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a finite f64, floored; out of range saturates"
        )]
        Seconds::Fractional(secs) => Ok(secs.floor() as u64),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token expired")]
    Expired,
    #[error("invalid token")]
    Invalid,
}

pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
    session_max: Duration,
}

impl Tokens {
    pub fn new(key: &SigningKey, ttl: Duration, session_max: Duration) -> Self {
        // Only HS256 is accepted: a token claiming `none`, HS512 or an RSA algorithm fails
        // before its signature is even considered.
        let mut validation = Validation::new(Algorithm::HS256);
        // `exp` and `sub` are required by `Claims` itself; expiry is checked in `verify`.
        validation.validate_exp = false;
        validation.set_required_spec_claims::<&str>(&[]);
        Self {
            encoding: EncodingKey::from_secret(&key.0),
            decoding: DecodingKey::from_secret(&key.0),
            validation,
            ttl,
            session_max,
        }
    }

    /// A fresh token for `user`, valid for the configured lifetime but never past the end of
    /// the session that began at `session_started` (a login passes `None`: now). `Expired`
    /// once that session is over.
    pub fn issue(&self, user: &User, session_started: Option<u64>) -> Result<String, TokenError> {
        let iat = now();
        let started = session_started.unwrap_or(iat);
        let session_ends = started.saturating_add(self.session_max.as_secs());
        if session_ends <= iat {
            return Err(TokenError::Expired);
        }
        let claims = Claims {
            sub: user.email.to_string(),
            iat,
            exp: iat
                .saturating_add(self.ttl.as_secs().max(1))
                .min(session_ends),
            generation: user.token_generation,
            uid: Some(user.id.0),
            auth_time: Some(started),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Invalid)
    }

    /// Checks signature, algorithm and expiry, in that order: a tampered expired token is
    /// `Invalid`, not `Expired`.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?
            .claims;
        // No leeway, as the seed's PyJWT: expired from the second `exp` names.
        if claims.exp <= now() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The token in an `Authorization` header. The seed splits the header on whitespace, needs
/// exactly two words and ignores the first, so its client's `Bearer: <jwt>` works
/// (docs/seed-contract.md Part 1, "Auth"); `Bearer <jwt>` works the same way.
pub fn bearer(header: &str) -> Option<&str> {
    let mut words = header.split_whitespace();
    match (words.next(), words.next(), words.next()) {
        (Some(_), Some(token), None) => Some(token),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    /// Tokens signed with a 32-byte key of `byte`, living `ttl_secs`, sessions a day long.
    fn tokens(byte: &[u8], ttl_secs: u64) -> Tokens {
        Tokens::new(
            &SigningKey::new(byte.repeat(32)),
            Duration::from_secs(ttl_secs),
            DAY,
        )
    }
    use crate::domain::{Email, UserId};

    fn user() -> User {
        User {
            id: UserId(1),
            email: Email::parse("ann@example.com").unwrap(),
            created_at: String::new(),
            token_generation: 3,
            disabled: false,
        }
    }

    #[test]
    fn an_issued_token_verifies_with_integer_claims() {
        let tokens = tokens(b"k", 1800);
        let claims = tokens
            .verify(&tokens.issue(&user(), None).unwrap())
            .unwrap();
        assert_eq!(claims.sub, "ann@example.com");
        assert_eq!(claims.exp - claims.iat, 1800);
        assert_eq!(claims.generation, 3);
    }

    fn mint(tokens: &Tokens, claims: &serde_json::Value) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &tokens.encoding).unwrap()
    }

    #[test]
    fn fractional_seconds_are_read_and_expiry_is_exact() {
        let tokens = tokens(b"k", 60);
        let now = now();
        #[expect(clippy::cast_precision_loss, reason = "seconds since 1970 fit an f64")]
        let later = now as f64 + 600.5;
        let fresh = mint(&tokens, &serde_json::json!({"sub": "a@b.c", "exp": later}));
        assert_eq!(tokens.verify(&fresh).unwrap().exp, now + 600);
        let expired = mint(
            &tokens,
            &serde_json::json!({"sub": "a@b.c", "exp": now - 1}),
        );
        assert_eq!(tokens.verify(&expired).unwrap_err(), TokenError::Expired);
        let at_exp = mint(&tokens, &serde_json::json!({"sub": "a@b.c", "exp": now}));
        assert_eq!(tokens.verify(&at_exp).unwrap_err(), TokenError::Expired);
        for broken in [
            serde_json::json!({"sub": "a@b.c"}),
            serde_json::json!({"exp": now + 60}),
            serde_json::json!({"sub": "a@b.c", "exp": "soon"}),
        ] {
            assert_eq!(
                tokens.verify(&mint(&tokens, &broken)).unwrap_err(),
                TokenError::Invalid
            );
        }
    }

    #[test]
    fn an_expiry_beyond_any_number_is_refused_and_a_negative_one_is_long_past() {
        // The claims are read with serde_json, as jsonwebtoken reads them; `json!` cannot
        // hold a number JSON reads as infinite, so these are written by hand.
        let exp = |claims: &str| serde_json::from_str::<Claims>(claims).map(|c| c.exp);
        assert!(exp(r#"{"sub":"a@b.c","exp":1e400}"#).is_err());
        assert_eq!(exp(r#"{"sub":"a@b.c","exp":-5.5}"#).unwrap(), 0);
        assert_eq!(
            exp(r#"{"sub":"a@b.c","exp":1800000060.5}"#).unwrap(),
            1_800_000_060
        );
        // And through a signed token: an expiry before 1970 is long past.
        let tokens = tokens(b"k", 60);
        let before_1970 = mint(&tokens, &serde_json::json!({"sub": "a@b.c", "exp": -5.5}));
        assert_eq!(
            tokens.verify(&before_1970).unwrap_err(),
            TokenError::Expired
        );
    }

    #[test]
    fn a_token_from_another_key_is_invalid() {
        let ours = tokens(b"a", 60);
        let theirs = tokens(b"b", 60);
        assert_eq!(
            ours.verify(&theirs.issue(&user(), None).unwrap())
                .unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn bearer_takes_the_second_of_exactly_two_words() {
        assert_eq!(bearer("Bearer: abc"), Some("abc"));
        assert_eq!(bearer("Bearer abc"), Some("abc"));
        assert_eq!(bearer("abc"), None);
        assert_eq!(bearer("Bearer a b"), None);
        assert_eq!(bearer(""), None);
    }

    #[test]
    fn the_signing_key_is_never_printed() {
        assert_eq!(
            format!("{:?}", SigningKey::new(b"secret".to_vec())),
            "SigningKey(***)"
        );
    }

    #[test]
    fn a_token_names_its_user_and_its_session_ends_at_the_maximum() {
        let tokens = tokens(b"k", 1800);
        let claims = tokens
            .verify(&tokens.issue(&user(), None).unwrap())
            .unwrap();
        assert_eq!(claims.uid, Some(user().id.0));
        assert_eq!(claims.auth_time, Some(claims.iat));
        // A session with a minute left gets a token for that minute, not for 30.
        let started = now() - DAY.as_secs() + 60;
        let claims = tokens
            .verify(&tokens.issue(&user(), Some(started)).unwrap())
            .unwrap();
        assert_eq!(claims.exp, started + DAY.as_secs());
        assert_eq!(claims.auth_time, Some(started));
        // One that is over gets none.
        let over = now() - DAY.as_secs();
        assert_eq!(tokens.issue(&user(), Some(over)), Err(TokenError::Expired));
        assert_eq!(tokens.issue(&user(), Some(0)), Err(TokenError::Expired));
    }
}
