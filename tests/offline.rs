//! Local-first: cached reads while the server is down, responses queued offline — unless the
//! local copy says they cannot count — and `canvass sync` delivering them exactly once, with
//! what the server refuses kept, reported (exit 1) and droppable with `canvass outbox drop`.

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
    // The report is still whole JSON on stdout; the exit code says not everything went.
    let run = bob.cli().args(["sync", "--json"]).run();
    run.code(1)
        .stderr_contains("drop it with `canvass outbox drop 1`");
    let report = run.json();
    assert_eq!(report["sent"], Value::Array(vec![]));
    assert_eq!(report["refused"][0]["survey_id"], id);
    assert_eq!(report["refused"][0]["number"], 1);
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
        .code(1)
        .stdout_contains("kept in the queue")
        .stdout_contains(&format!("1. survey {id}: "))
        .stderr_contains(
            "error: the server refused 1 queued response (kept in the queue) — fix and \
             `canvass sync` again, or drop it with `canvass outbox drop 1`",
        );
    bob.cli()
        .args(["status"])
        .run()
        .success()
        .stdout_contains("Queued:   1 response waiting for `canvass sync`");
    assert_eq!(responses(&server, id), 0);
}

#[test]
fn a_refused_response_can_be_listed_and_dropped_and_sync_then_succeeds() {
    let (mut server, bob, id, ann) = world();
    server.stop();
    for answer in ["1=1", "1=2"] {
        bob.cli()
            .args(["survey", "respond", &id.to_string(), "--answer", answer])
            .args(["--answer", "2=1"])
            .run()
            .success();
    }
    server.restart();
    server
        .post(&paths::close(path_id(id)), Some(&ann))
        .expect(200);
    bob.cli().args(["sync"]).run().code(1);
    let listed = bob
        .cli()
        .args(["outbox", "list", "--json"])
        .run()
        .success()
        .json();
    let numbers: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["number"].clone())
        .collect();
    assert_eq!(numbers, [1, 2], "{listed}");
    assert_eq!(listed[0]["survey_id"], id);
    assert!(
        listed[1]["last_error"].as_str().unwrap().contains("closed"),
        "{listed}"
    );
    bob.cli()
        .args(["outbox", "list"])
        .run()
        .success()
        .stdout_contains(&format!("refused: survey {id} is closed"));

    // A script must say --yes: nothing is dropped on a guess.
    bob.cli()
        .args(["outbox", "drop", "1"])
        .run()
        .code(2)
        .stderr_contains("--yes");
    // clap's own usage error (several lines, so not through `code`).
    let neither = bob.cli().args(["outbox", "drop"]).run();
    assert_eq!(neither.code, Some(2), "{neither:?}");
    bob.cli()
        .args(["outbox", "drop", "7", "--yes"])
        .run()
        .code(1)
        .stderr_contains("there is no queued response 7");
    bob.cli()
        .args(["outbox", "drop", "1", "--yes"])
        .run()
        .success()
        .stdout_contains(&format!("Dropped queued response 1 (to survey {id})."));
    let listed = bob
        .cli()
        .args(["outbox", "list", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    bob.cli()
        .args(["outbox", "drop", "--all", "--yes"])
        .run()
        .success()
        .stdout_contains("Dropped 1 queued response.");
    bob.cli()
        .args(["outbox", "list"])
        .run()
        .success()
        .stdout_contains("Nothing is queued.");
    bob.cli()
        .args(["sync"])
        .run()
        .success()
        .stdout_contains("Nothing was queued.");
    assert_eq!(responses(&server, id), 0);
}

#[test]
fn dropping_from_the_outbox_at_a_terminal_asks_first() {
    let (mut server, bob, id, _) = world();
    server.stop();
    bob.cli()
        .args([
            "survey",
            "respond",
            &id.to_string(),
            "--answer",
            "1=1",
            "--answer",
            "2=1",
        ])
        .run()
        .success();
    let mut pty = bob.cli().args(["outbox", "drop", "1"]).pty();
    pty.expect(&format!("Drop queued response 1 to survey {id}, unsent?"));
    pty.send_line("n");
    pty.expect("Nothing was dropped.");
    pty.expect_exit(0);
    let mut pty = bob.cli().args(["outbox", "drop", "--all"]).pty();
    pty.expect("Drop 1 queued response, unsent?");
    pty.send_line("y");
    pty.expect("Dropped 1 queued response.");
    pty.expect_exit(0);
}

#[test]
fn a_response_the_local_copy_knows_is_closed_is_not_queued() {
    let (mut server, bob, id, ann) = world();
    server
        .post(&paths::close(path_id(id)), Some(&ann))
        .expect(200);
    // The local copy learns it is closed, then the server goes away.
    bob.cli().args(["survey", "list"]).run().success();
    server.stop();
    bob.cli()
        .args([
            "survey",
            "respond",
            &id.to_string(),
            "--answer",
            "1=1",
            "--answer",
            "2=1",
        ])
        .run()
        .code(1)
        .stderr_contains("cannot reach http://")
        .stderr_contains(&format!(
            "the response was not queued: survey {id} is closed (as of the local copy)"
        ));
    let status = bob.cli().args(["status", "--json"]).run().success().json();
    assert_eq!(status["pending"], 0);
}

#[test]
fn a_second_offline_response_to_a_one_per_user_survey_is_not_queued() {
    let server = TestServer::start();
    let ann = server.user("ann@example.com");
    let survey = server
        .post_json(paths::SURVEYS, &rich_survey("Once", true), Some(&ann))
        .expect(201);
    let id = id_of(&survey).to_string();
    let mut server = server;
    let bob = Machine::logged_in(&server, "bob@example.com");
    bob.cli().args(["survey", "list"]).run().success();
    server.stop();
    let respond = || {
        bob.cli()
            .args([
                "survey", "respond", &id, "--answer", "1=1", "--answer", "2=1",
            ])
            .run()
    };
    respond()
        .success()
        .stdout_contains("queued on this machine");
    respond()
        .code(1)
        .stderr_contains("takes one response per user and one is already queued here");
    let status = bob.cli().args(["status", "--json"]).run().success().json();
    assert_eq!(status["pending"], 1);
}
