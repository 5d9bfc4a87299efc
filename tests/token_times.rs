//! Token times at the edges (issue 13, item 14): a crafted `exp` or `iat` as far from now as
//! JSON allows is reported with the right sign and never overflows into a panic, and a time
//! that is not a number is refused as one.

use serde_json::{Value, json};

use crate::harness::cli::{Machine, Run};
use crate::harness::token::{encode_segment, now};

/// An unsigned token (the client never verifies) whose payload is `claims` as written.
fn token_with_payload(payload: &str) -> String {
    let header = encode_segment(&json!({"alg": "HS256", "typ": "JWT"}));
    let payload = base64_url(payload);
    format!("{header}.{payload}.c2ln")
}

fn token(claims: &Value) -> String {
    token_with_payload(&claims.to_string())
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

/// A machine whose server never answers: the commands here must decide without it.
fn offline() -> Machine {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Machine::for_url(&format!("http://127.0.0.1:{port}"))
}

#[track_caller]
fn inspect(machine: &Machine, token: &str, json: bool) -> Run {
    let mut args = vec!["token", "inspect", token];
    if json {
        args.push("--json");
    }
    machine.cli().args(args).run()
}

#[test]
fn expiry_times_at_the_edges_keep_their_sign() {
    let machine = offline();
    // (exp as JSON, whether it lies in the past)
    let cases = [
        ("-1e308", true),
        ("1e308", false),
        ("-9223372036854775808", true),
        ("9223372036854775807", false),
        ("-1.7976931348623157e308", true),
        ("0", true),
    ];
    for (exp, past) in cases {
        let token = token_with_payload(&format!(r#"{{"sub":"ann@example.com","exp":{exp}}}"#));
        let code = if past { 3 } else { 0 };
        let run = inspect(&machine, &token, true);
        run.code(code);
        let report = run.json();
        assert_eq!(report["expired"], past, "exp {exp}: {report}");
        let left = report["expires_in_seconds"].as_i64().unwrap();
        assert_eq!(left < 0, past, "exp {exp}: {report}");
        inspect(&machine, &token, false)
            .code(code)
            .stdout_contains("Expires:");
    }
}

#[test]
fn issue_times_at_the_edges_and_after_expiry_are_shown_not_trusted() {
    let machine = offline();
    let now = now();
    // (claims, whether the token has expired)
    let cases = [
        (json!({"iat": i64::MIN, "exp": i64::MAX}), false),
        (json!({"iat": i64::MAX, "exp": i64::MIN}), true),
        (json!({"iat": 1e308, "exp": now + 600}), false),
        (json!({"iat": -1e308, "exp": now + 600}), false),
        (json!({"iat": now + 3600, "exp": now + 600}), false),
        (json!({"iat": now + 3600, "exp": now - 600}), true),
    ];
    for (claims, past) in cases {
        let token = token(&claims);
        let code = if past { 3 } else { 0 };
        inspect(&machine, &token, true).code(code);
        inspect(&machine, &token, false)
            .code(code)
            .stdout_contains("Issued:");
        // `status` says when the session ends; a command needing one checks whether the
        // token is due for a refresh (from iat and exp) before any request.
        machine
            .cli()
            .env("CANVASS_TOKEN", &token)
            .args(["status"])
            .run()
            .success()
            .stdout_contains("Expires:");
        machine
            .cli()
            .env("CANVASS_TOKEN", &token)
            .args(["whoami"])
            .run()
            .code(if past { 3 } else { 4 });
    }
}

#[test]
fn a_time_that_is_not_a_number_is_refused_as_no_expiry() {
    let machine = offline();
    for exp in [
        r#""NaN""#,
        r#""inf""#,
        r#""-inf""#,
        r#""1e308""#,
        "null",
        "[1]",
    ] {
        let token = token_with_payload(&format!(r#"{{"exp":{exp}}}"#));
        inspect(&machine, &token, false)
            .code(1)
            .stderr_contains("no numeric `exp` claim");
    }
    // Beyond f64: JSON cannot carry it, so the payload is not JSON canvass reads.
    let beyond = token_with_payload(r#"{"exp":1e999}"#);
    inspect(&machine, &beyond, false)
        .code(1)
        .stderr_contains("not a JWT");
    // A non-numeric `iat` is ignored; the token still says when it expires.
    let undated = token(&json!({"iat": "NaN", "exp": now() + 600}));
    let report = inspect(&machine, &undated, true).success().json();
    assert_eq!(report["issued_at"], Value::Null, "{report}");
}
