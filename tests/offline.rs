//! Local-first: cached reads while the server is down, responses queued offline, and
//! `canvass sync` delivering them exactly once.

use std::sync::{Arc, Barrier};
use std::thread;

use canvass::protocol::paths;
use serde_json::Value;

use crate::harness::cli::Machine;
use crate::harness::server::TestServer;
use crate::harness::survey::{id_of, path_id, rich_survey};

/// A running server, one survey by ann, and bob's machine logged in and holding a local copy.
fn world() -> (TestServer, Machine, u64, String) {
    let server = TestServer::start();
    let ann = server.user("ann@example.com");
    let survey = server
        .post_json(paths::SURVEYS, &rich_survey("Lunch", false), Some(&ann))
        .expect(201);
    let id = id_of(&survey);
    let bob = Machine::logged_in(&server, "bob@example.com");
    bob.cli().args(["survey", "list"]).run().success();
    (server, bob, id, ann)
}

fn responses(server: &TestServer, id: u64) -> u64 {
    server.results(id)["responses"].as_u64().unwrap()
}

#[test]
fn list_and_show_fall_back_to_the_local_copy_and_say_so() {
    let (mut server, bob, id, _) = world();
    bob.cli()
        .args(["survey", "show", &id.to_string()])
        .run()
        .success();
    server.stop();
    bob.cli()
        .args(["survey", "list"])
        .run()
        .success()
        .stdout_contains("Lunch")
        .stderr_contains("warning: offline — cached ")
        .stderr_contains("cannot reach");
    let shown = bob
        .cli()
        .args(["survey", "show", &id.to_string(), "--json"])
        .run();
    shown.success().stderr_contains("offline — cached");
    assert_eq!(shown.json()["name"], "Lunch");
    bob.cli()
        .args(["survey", "show", "999"])
        .run()
        .code(4)
        .stderr_contains("is `canvass serve` running?");
}

#[test]
fn a_response_typed_offline_is_queued_and_sync_delivers_it_exactly_once() {
    let (mut server, bob, id, _) = world();
    server.stop();
    bob.cli()
        .args(["survey", "respond", &id.to_string()])
        .args([
            "--answer", "1=2", "--answer", "2=1,3", "--answer", "3=later",
        ])
        .run()
        .success()
        .stdout_contains("queued on this machine; `canvass sync` sends it");
    let status = bob.cli().args(["status", "--json"]).run().success().json();
    assert_eq!(status["pending"], 1);
    // Nothing is lost when the answer is impossible: it is refused before it is queued.
    bob.cli()
        .args(["survey", "respond", &id.to_string(), "--answer", "1=9"])
        .run()
        .code(2);

    server.restart();
    let first = bob.cli().args(["sync", "--json"]).run().success().json();
    assert_eq!(first["sent"].as_array().unwrap().len(), 1, "{first}");
    assert_eq!(first["sent"][0]["survey_id"], id);
    assert_eq!(first["pending"], 0);
    assert_eq!(first["refreshed"], 1);
    assert_eq!(responses(&server, id), 1);
    let results = server.results(id);
    assert_eq!(results["questions"][2]["answers"][0], "later");

    let second = bob.cli().args(["sync", "--json"]).run().success().json();
    assert_eq!(second["sent"], Value::Array(vec![]));
    assert_eq!(responses(&server, id), 1);
    bob.cli()
        .args(["sync"])
        .run()
        .success()
        .stdout_contains("Nothing was queued.");
}

#[test]
fn two_syncs_at_once_count_a_queued_response_once() {
    let (mut server, bob, id, _) = world();
    server.stop();
    for answer in ["1=1", "1=2"] {
        bob.cli()
            .args(["survey", "respond", &id.to_string(), "--answer", answer])
            .args(["--answer", "2=1"])
            .run()
            .success();
    }
    server.restart();
    let bob = Arc::new(bob);
    let start = Arc::new(Barrier::new(2));
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let (bob, start) = (Arc::clone(&bob), Arc::clone(&start));
            thread::spawn(move || {
                let cli = bob.cli().args(["sync", "--json"]);
                start.wait();
                cli.run()
            })
        })
        .collect();
    for run in runs {
        run.join().unwrap().success();
    }
    assert_eq!(responses(&server, id), 2);
    let after = bob.cli().args(["status", "--json"]).run().success().json();
    assert_eq!(after["pending"], 0);
}

#[test]
fn a_response_the_server_refuses_is_reported_and_kept() {
    let (mut server, bob, id, ann) = world();
    server.stop();
    bob.cli()
        .args([
            "survey",
            "respond",
            &id.to_string(),
            "--answer",
            "1=1",
            "--answer",
            "2=2",
        ])
        .run()
        .success();
    server.restart();
    server
        .post(&paths::close(path_id(id)), Some(&ann))
        .expect(200);
    let report = bob.cli().args(["sync", "--json"]).run().success().json();
    assert_eq!(report["sent"], Value::Array(vec![]));
    assert_eq!(report["refused"][0]["survey_id"], id);
    assert!(
        report["refused"][0]["message"]
            .as_str()
            .unwrap()
            .contains("closed")
    );
    assert_eq!(report["pending"], 1);
    bob.cli()
        .args(["sync"])
        .run()
        .success()
        .stdout_contains("kept in the queue")
        .stdout_contains(&format!("survey {id}: "));
    bob.cli()
        .args(["status"])
        .run()
        .success()
        .stdout_contains("Queued:   1 response waiting for `canvass sync`");
    assert_eq!(responses(&server, id), 0);
}
