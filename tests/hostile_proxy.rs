//! Issue 13, item 5: behind a declared reverse proxy (`--trusted-proxy`) the limits kept per
//! client address count the address the proxy forwards; from anyone else `X-Forwarded-For`
//! is ignored. Registration is limited per address, and a login flood from one address does
//! not crowd a login from another out of the login lane.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::http::Response;
use crate::harness::server::{PASSWORD, TestServer};

/// A request from `client` as a proxy in front of the server would forward it.
fn forwarded(server: &TestServer, path: &str, client: &str, body: &Value) -> Response {
    server.request(
        "POST",
        path,
        &[
            ("X-Forwarded-For", client),
            ("Content-Type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
}

fn register_from(server: &TestServer, client: &str, email: &str) -> Response {
    let body = json!({"email": email, "password": PASSWORD});
    forwarded(server, paths::REGISTER, client, &body)
}

fn login_from(server: &TestServer, client: &str, email: &str, password: &str) -> Response {
    let body = json!({"email": email, "password": password});
    forwarded(server, paths::LOGIN, client, &body)
}

#[test]
fn registrations_are_limited_per_forwarded_address() {
    let server = TestServer::start_with_env(&[
        ("CANVASS_TRUSTED_PROXY", "127.0.0.1,::1"),
        ("CANVASS_REGISTRATIONS_PER_HOUR", "2"),
    ]);
    for n in 0..2 {
        register_from(&server, "203.0.113.7", &format!("u{n}@x.org")).expect(201);
    }
    let refused = register_from(&server, "203.0.113.7", "u2@x.org");
    let body = refused.error(429);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("too many registrations from this address"),
        "{body}"
    );
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&retry_after), "{retry_after}");
    // Another client behind the same proxy is not held back.
    register_from(&server, "198.51.100.4", "u2@x.org").expect(201);
}

#[test]
fn without_a_trusted_proxy_forwarded_addresses_are_ignored() {
    // No proxy declared: the loopback peer is not counted per address, and the header
    // cannot make it count as someone else.
    let server = TestServer::start_with_env(&[("CANVASS_REGISTRATIONS_PER_HOUR", "2")]);
    for n in 0..4 {
        register_from(&server, "203.0.113.7", &format!("u{n}@x.org")).expect(201);
    }
}

#[test]
fn failed_logins_are_counted_per_forwarded_address() {
    let server = TestServer::start_with_env(&[
        ("CANVASS_TRUSTED_PROXY", "127.0.0.1"),
        ("CANVASS_LOGIN_FAILURES", "1"),
    ]);
    server.register("ann@x.org", PASSWORD);
    // One failure per e-mail is allowed, ten per address: ten different e-mails.
    for n in 0..10 {
        let reply = login_from(&server, "203.0.113.7", &format!("guess{n}@x.org"), "no");
        assert_eq!(reply.status, 401, "attempt {n}: {}", reply.text());
    }
    let blocked = login_from(&server, "203.0.113.7", "ann@x.org", PASSWORD);
    blocked.error(429);
    // Ann, from her own address, is not locked out by the guesser.
    login_from(&server, "198.51.100.4", "ann@x.org", PASSWORD).expect(200);
}

#[test]
fn a_login_flood_from_one_address_leaves_room_for_a_login_from_another() {
    let server = Arc::new(TestServer::start_with_env(&[
        ("CANVASS_TRUSTED_PROXY", "127.0.0.1"),
        ("CANVASS_MAX_CONNECTIONS_PER_ADDRESS", "4"),
        // The flood must reach the login lane, not stop at the throttle.
        ("CANVASS_LOGIN_FAILURES", "0"),
    ]));
    server.register("ann@x.org", PASSWORD);
    let flooding = Arc::new(AtomicBool::new(true));
    // More requests in flight than the lane has places (64): without a share per address
    // they would fill it, and Ann would get 503.
    let flood: Vec<_> = (0..80)
        .map(|n| {
            let (server, flooding) = (Arc::clone(&server), Arc::clone(&flooding));
            thread::spawn(move || {
                let mut statuses = Vec::new();
                // Bounded: a few rounds each, or until Ann is done.
                for round in 0..20 {
                    if !flooding.load(Ordering::Relaxed) {
                        break;
                    }
                    let email = format!("flood{n}-{round}@x.org");
                    statuses.push(login_from(&server, "203.0.113.66", &email, "no").status);
                }
                statuses
            })
        })
        .collect();
    for attempt in 0..5 {
        let reply = login_from(&server, "198.51.100.4", "ann@x.org", PASSWORD);
        assert_eq!(reply.status, 200, "attempt {attempt}: {}", reply.text());
    }
    flooding.store(false, Ordering::Relaxed);
    let statuses: Vec<u16> = flood.into_iter().flat_map(|t| t.join().unwrap()).collect();
    assert!(
        statuses.contains(&503),
        "the flood was turned away past its share (and 80 connections from a trusted proxy \
         passed a cap of 4): {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 503)),
        "{statuses:?}"
    );
}
