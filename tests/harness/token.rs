//! Tokens made by the tests themselves: signed with the test secret (expired, for unknown
//! users, without `exp`), with another key or algorithm, or built by hand like an attacker.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};

use super::server::TEST_SECRET;

/// The `exp - iat` the seed uses, and canvass by default: 30 minutes.
pub const DEFAULT_TTL_SECS: i64 = 30 * 60;

/// Seconds since the epoch, as the seed's claims count them.
pub fn now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    i64::try_from(secs).unwrap()
}

/// HS256 over `claims` with the test servers' secret.
pub fn mint(claims: &Value) -> String {
    mint_with(Algorithm::HS256, TEST_SECRET.as_bytes(), claims)
}

pub fn mint_with(algorithm: Algorithm, key: &[u8], claims: &Value) -> String {
    encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(key),
    )
    .unwrap()
}

/// The seed's claims for `email`: issued now, expiring in 30 minutes.
pub fn fresh_claims(email: &str) -> Value {
    let now = now();
    json!({"sub": email, "iat": now, "exp": now + DEFAULT_TTL_SECS})
}

/// A token for `email` that expired an hour ago, well signed.
pub fn expired(email: &str) -> String {
    let issued = now() - 2 * 3600;
    mint(&json!({"sub": email, "iat": issued, "exp": issued + DEFAULT_TTL_SECS}))
}

/// The JSON of a token's header and payload, decoded the way the seed client's
/// `isValidJwt` does (without checking anything).
pub fn decode_parts(token: &str) -> (Value, Value) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "not a JWT: {token:?}");
    (decode_segment(parts[0]), decode_segment(parts[1]))
}

pub fn encode_segment(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn decode_segment(segment: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap_or_else(|e| panic!("JWT segment {segment:?} is not base64url: {e}"));
    serde_json::from_slice(&bytes)
        .unwrap_or_else(|e| panic!("JWT segment {segment:?} is not JSON: {e}"))
}
