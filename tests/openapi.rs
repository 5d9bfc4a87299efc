//! The OpenAPI document (issue 11): what `canvass serve` publishes is the committed
//! `docs/openapi.json`, and it describes what the server does.

use serde_json::{Map, Value};

use canvass::protocol::paths;

use crate::harness::server::TestServer;

#[test]
fn the_server_publishes_the_committed_document() {
    let server = TestServer::start();
    let published = server.get(paths::OPENAPI);
    assert_eq!(published.status, 200);
    assert_eq!(published.header("content-type"), Some("application/json"));
    let committed =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json")).unwrap();
    assert!(
        published.body == committed,
        "docs/openapi.json differs from what the server publishes; run `cargo run -- generate .`"
    );
}

#[test]
fn every_documented_get_without_parameters_answers_as_documented() {
    let server = TestServer::start();
    let document: Value = server.get(paths::OPENAPI).json();
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let open = get["security"].as_array().is_some_and(Vec::is_empty)
            || get["security"]
                .as_array()
                .is_some_and(|s| s.contains(&Value::Object(Map::default())));
        if path.contains('{') || !open {
            continue;
        }
        let reply = server.get(path);
        let documented = get["responses"].get(reply.status.to_string());
        assert!(
            documented.is_some(),
            "GET {path} answered {} undocumented",
            reply.status
        );
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} routes checked");
}
