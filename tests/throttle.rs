//! Login throttling (issue 6): repeated failures get 429 with `Retry-After`, and an unknown
//! e-mail is indistinguishable from a wrong password.

use canvass::protocol::paths;
use serde_json::json;

use crate::harness::seed::invalid_credentials;
use crate::harness::server::{PASSWORD, TestServer};

/// The server's default: failures allowed per e-mail within the window.
const FAILURES_ALLOWED: usize = 10;

#[test]
fn an_unknown_email_and_a_wrong_password_get_the_same_answer() {
    let server = TestServer::start();
    server.register("ann@example.com", PASSWORD);
    let unknown = json!({"email": "nobody@example.com", "password": PASSWORD});
    let wrong = json!({"email": "ann@example.com", "password": "not it"});
    let a = server.post_json(paths::LOGIN, &unknown, None);
    let b = server.post_json(paths::LOGIN, &wrong, None);
    assert_eq!((a.status, b.status), (401, 401));
    assert_eq!(a.json(), invalid_credentials());
    assert_eq!(a.body, b.body);
}

#[test]
fn repeated_failures_for_one_email_get_429_with_retry_after_even_for_the_right_password() {
    let server = TestServer::start();
    server.register("ann@example.com", PASSWORD);
    let wrong = json!({"email": "ann@example.com", "password": "guess"});
    for attempt in 0..FAILURES_ALLOWED {
        let reply = server.post_json(paths::LOGIN, &wrong, None);
        assert_eq!(reply.status, 401, "attempt {attempt}: {}", reply.text());
    }
    let right = json!({"email": "ann@example.com", "password": PASSWORD});
    let blocked = server.post_json(paths::LOGIN, &right, None);
    assert_eq!(blocked.status, 429, "{}", blocked.text());
    assert!(
        blocked.json()["message"]
            .as_str()
            .unwrap()
            .contains("try again")
    );
    let retry_after: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!(
        (1..=15 * 60).contains(&retry_after),
        "Retry-After: {retry_after}"
    );

    // Another account is not locked out by Ann's attacker…
    server.register("bob@example.com", PASSWORD);
    server.login("bob@example.com", PASSWORD);
}

#[test]
fn an_unknown_email_is_throttled_like_a_known_one() {
    let server = TestServer::start();
    let unknown = json!({"email": "nobody@example.com", "password": "guess"});
    for _ in 0..FAILURES_ALLOWED {
        assert_eq!(server.post_json(paths::LOGIN, &unknown, None).status, 401);
    }
    assert_eq!(server.post_json(paths::LOGIN, &unknown, None).status, 429);
}
