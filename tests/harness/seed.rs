//! What the seed contract fixes byte for byte (docs/seed-contract.md Part 1): its three 401 bodies,
//! misspelling included, and the headers its axios client sends.

use serde_json::{Value, json};

/// What a browser running the seed's Vue client sends with every axios call.
pub const AXIOS_HEADERS: [(&str, &str); 3] = [
    ("Accept", "application/json, text/plain, */*"),
    ("Content-Type", "application/json;charset=utf-8"),
    ("Origin", ORIGIN),
];

/// Where the seed's Vue dev server runs; the browser sends it as `Origin`.
pub const ORIGIN: &str = "http://localhost:8080";

/// Bad login (docs/seed-contract.md Part 1, Auth).
pub fn invalid_credentials() -> Value {
    json!({"message": "Invalid credentials", "authenticated": false})
}

/// Missing, malformed or badly signed token, or unknown user (docs/seed-contract.md Part 1, Auth).
pub fn invalid_token() -> Value {
    json!({
        "message": "Invalid token. Registeration and / or authentication required",
        "authenticated": false,
    })
}

/// Expired token (docs/seed-contract.md Part 1, Auth).
pub fn expired_token() -> Value {
    json!({"message": "Expired token. Reauthentication required.", "authenticated": false})
}
