//! The server settings of the README's "Running the server" table that change what a
//! client sees: token lifetime, body limit, CORS origins.

use canvass::protocol::paths;
use serde_json::json;

use crate::harness::seed::ORIGIN;
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::token::decode_parts;

const ANN: &str = "ann@example.com";

#[test]
fn canvass_token_ttl_sets_how_long_tokens_live() {
    let server = TestServer::start_with_env(&[("CANVASS_TOKEN_TTL", "90s")]);
    let jwt = server.user(ANN);
    let (_, claims) = decode_parts(&jwt);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        90,
        "{claims}"
    );
    let refreshed = server.post(paths::TOKEN_REFRESH, Some(&jwt)).expect(200);
    let (_, claims) = decode_parts(refreshed["token"].as_str().unwrap());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        90,
        "{claims}"
    );
}

#[test]
fn canvass_max_body_sets_the_body_limit() {
    let server = TestServer::start_with_env(&[("CANVASS_MAX_BODY", "1024")]);
    server.register(ANN, PASSWORD);
    let login = json!({"email": ANN, "password": PASSWORD})
        .to_string()
        .into_bytes();
    let headers = [("Content-Type", "application/json")];
    let mut at_limit = login.clone();
    at_limit.resize(1024, b' ');
    server
        .request("POST", paths::LOGIN, &headers, &at_limit)
        .expect(200);
    let mut over = login;
    over.resize(1025, b' ');
    server
        .request("POST", paths::LOGIN, &headers, &over)
        .error(413);
    server.get(paths::HEALTH).expect(200);
}

#[test]
fn canvass_origins_limits_cors_to_the_listed_origins() {
    let other = "https://surveys.example";
    let origins = format!("{ORIGIN},{other}");
    let server = TestServer::start_with_env(&[("CANVASS_ORIGINS", &origins)]);
    for allowed in [ORIGIN, other] {
        let reply = server.request("GET", paths::SURVEYS, &[("Origin", allowed)], b"");
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("access-control-allow-origin"), Some(allowed));
        let preflight = server.request(
            "OPTIONS",
            paths::SURVEYS,
            &[
                ("Origin", allowed),
                ("Access-Control-Request-Method", "POST"),
                (
                    "Access-Control-Request-Headers",
                    "authorization,content-type",
                ),
            ],
            b"",
        );
        assert!(
            matches!(preflight.status, 200 | 204),
            "{}",
            preflight.status
        );
        assert_eq!(
            preflight.header("access-control-allow-origin"),
            Some(allowed)
        );
    }
    let evil = "http://evil.example";
    let reply = server.request("GET", paths::SURVEYS, &[("Origin", evil)], b"");
    let allowed = reply.header("access-control-allow-origin");
    assert!(
        allowed.is_none_or(|a| a != evil && a != "*"),
        "an unlisted origin is allowed: {allowed:?}"
    );
    let preflight = server.request(
        "OPTIONS",
        paths::SURVEYS,
        &[("Origin", evil), ("Access-Control-Request-Method", "POST")],
        b"",
    );
    let allowed = preflight.header("access-control-allow-origin");
    assert!(
        allowed.is_none_or(|a| a != evil && a != "*"),
        "an unlisted origin passes the pre-flight: {allowed:?}"
    );
}
