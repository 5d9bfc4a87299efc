//! Several `canvass serve` processes on one PostgreSQL database behave as one server (issue
//! 12): every response counted once on both, writes seen across replicas within the
//! staleness bound, revocation and login throttling shared, migrations run once. Runs when
//! `CANVASS_TEST_POSTGRES` names a server; skipped (with a line saying so) otherwise.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::http::{Response, try_exchange};
use crate::harness::postgres::TestDatabase;
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{choice_id, id_of, path_id, question_id, rich_survey};

/// The server's promise (`listener::MAX_STALENESS`): a write on one replica shows in another's
/// reads within this, even were a notification lost.
const VISIBLE_WITHIN: Duration = Duration::from_secs(1);

/// Two replicas on one fresh database.
fn replicas() -> Option<(TestDatabase, TestServer, TestServer)> {
    let db = TestDatabase::create()?;
    let a = TestServer::start_with_db(&db.url(), &[]);
    let b = TestServer::start_with_db(&db.url(), &[]);
    Some((db, a, b))
}

fn answer(survey: &Value, choice: usize) -> Value {
    json!({"answers": [
        {"question_id": question_id(survey, 0), "choice_ids": [choice_id(survey, 0, choice)]},
        {"question_id": question_id(survey, 1), "choice_ids": [choice_id(survey, 1, 0)]},
    ]})
}

/// The survey's response count as `server` reports it.
fn responses_on(server: &TestServer, survey: u64) -> u64 {
    let body = server.survey(survey);
    body["responses"].as_u64().unwrap()
}

/// Reads `survey` on `server` until it reports `want` responses; how long that took. Fails
/// the test past the staleness bound.
#[track_caller]
fn until_visible(server: &TestServer, survey: u64, want: u64, since: Instant) -> Duration {
    loop {
        let seen = responses_on(server, survey);
        let waited = since.elapsed();
        if seen == want {
            return waited;
        }
        assert!(
            waited <= VISIBLE_WITHIN,
            "after {waited:?} the replica still reports {seen} responses, not {want}"
        );
    }
}

#[test]
fn a_thousand_concurrent_responses_over_two_replicas_are_counted_exactly_on_both() {
    let Some((_db, a, b)) = replicas() else {
        return;
    };
    let owner = a.user("owner@example.com");
    let survey = a.create_survey(&owner, &rich_survey("Shared", false));
    let id = id_of(&survey);
    let path = paths::responses(path_id(id));
    let (threads, each) = (20, 50);
    let start = Barrier::new(threads);
    thread::scope(|scope| {
        for t in 0..threads {
            let (server, start, survey, path) =
                (if t % 2 == 0 { &a } else { &b }, &start, &survey, &path);
            scope.spawn(move || {
                start.wait();
                for n in 0..each {
                    server
                        .post_json(path, &answer(survey, (t + n) % 2), None)
                        .expect(201);
                }
            });
        }
    });
    let done = Instant::now();
    for server in [&a, &b] {
        until_visible(server, id, 1000, done);
        let body = server.survey(id);
        let lunch: Vec<u64> = body["questions"][0]["choices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["selected"].as_u64().unwrap())
            .collect();
        assert_eq!(lunch, [500, 500]);
        assert_eq!(body["questions"][1]["choices"][0]["selected"], 1000);
    }
}

#[test]
fn a_write_on_one_replica_is_visible_on_the_other_within_the_bound() {
    let Some((_db, a, b)) = replicas() else {
        return;
    };
    let owner = a.user("owner@example.com");
    let id = id_of(&a.create_survey(&owner, &rich_survey("Seen", false)));
    let survey = b.survey(id);
    let mut slowest = Duration::ZERO;
    for n in 1..=20 {
        // B has the survey in its reply cache at the old count.
        assert_eq!(responses_on(&b, id), n - 1);
        let sent = Instant::now();
        a.post_json(&paths::responses(path_id(id)), &answer(&survey, 0), None)
            .expect(201);
        slowest = slowest.max(until_visible(&b, id, n, sent));
    }
    println!("a write on A showed on B within {slowest:?} (20 writes, slowest)");
}

#[test]
fn logging_out_everywhere_on_one_replica_revokes_the_token_on_the_other_at_once() {
    let Some((_db, a, b)) = replicas() else {
        return;
    };
    let token = a.user("ann@example.com");
    b.get_as(paths::ME, &token).expect(200);
    a.post(paths::LOGOUT_ALL, Some(&token)).expect(200);
    assert_eq!(b.get_as(paths::ME, &token).status, 401);
    assert_eq!(a.get_as(paths::ME, &token).status, 401);
    // A new login works on both.
    let fresh = b.login("ann@example.com", PASSWORD);
    a.get_as(paths::ME, &fresh).expect(200);
}

#[test]
fn failed_logins_on_either_replica_count_against_one_email() {
    let Some((_db, a, b)) = replicas() else {
        return;
    };
    a.register("ann@example.com", PASSWORD);
    let wrong = json!({"email": "ann@example.com", "password": "guess"});
    // The default allows 10 failures per e-mail: 5 on each replica use them all up.
    for n in 0..10 {
        let server = if n % 2 == 0 { &a } else { &b };
        assert_eq!(server.post_json(paths::LOGIN, &wrong, None).status, 401);
    }
    let right = json!({"email": "ann@example.com", "password": PASSWORD});
    for server in [&a, &b] {
        let reply = server.post_json(paths::LOGIN, &right, None);
        assert_eq!(reply.status, 429, "{}", reply.text());
    }
}

#[test]
fn replicas_starting_at_the_same_instant_on_an_empty_database_migrate_once() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let url = db.url();
    let start = Barrier::new(3);
    let servers: Vec<TestServer> = thread::scope(|scope| {
        let spawned: Vec<_> = (0..3)
            .map(|_| {
                let (start, url) = (&start, &url);
                scope.spawn(move || {
                    start.wait();
                    TestServer::start_with_db(url, &[])
                })
            })
            .collect();
        spawned.into_iter().map(|s| s.join().unwrap()).collect()
    });
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let rows = client
        .query(
            "SELECT version FROM canvass_migrations ORDER BY version",
            &[],
        )
        .unwrap();
    let versions: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    // One row per file in the migrations folder, numbered from 1.
    let files = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/server/store/postgres/migrations"
    ))
    .unwrap()
    .count();
    let expected: Vec<i32> = (1..=i32::try_from(files).unwrap()).collect();
    assert!(expected.len() >= 4, "{expected:?}");
    assert_eq!(versions, expected, "each migration recorded once");
    let token = servers[0].user("ann@example.com");
    for server in &servers {
        server.get_as(paths::ME, &token).expect(200);
    }
}

#[test]
fn killing_one_replica_under_load_loses_no_acknowledged_response() {
    let Some((_db, mut a, b)) = replicas() else {
        return;
    };
    let owner = b.user("owner@example.com");
    let survey = b.create_survey(&owner, &rich_survey("Crash", false));
    let id = id_of(&survey);
    let path = paths::responses(path_id(id));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let sent_to_a = Arc::new(AtomicUsize::new(0));
    let threads = 8;
    let per_thread = 60;
    let (addr_a, addr_b) = (a.addr(), b.addr());
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (acknowledged, sent_to_a) = (Arc::clone(&acknowledged), Arc::clone(&sent_to_a));
            let body = answer(&survey, t % 2).to_string();
            let path = path.clone();
            thread::spawn(move || {
                for n in 0..per_thread {
                    let addr = if (t + n) % 2 == 0 { addr_a } else { addr_b };
                    let request = format!(
                        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    if addr == addr_a {
                        sent_to_a.fetch_add(1, Ordering::SeqCst);
                    }
                    let reply =
                        try_exchange(addr, request.as_bytes(), false, Duration::from_secs(10));
                    if let Ok(Ok(reply)) = reply.map(|raw| Response::parse(&raw))
                        && reply.status == 201
                    {
                        acknowledged.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    // Kill A once it has taken a share of the load.
    let deadline = Instant::now() + Duration::from_secs(30);
    while sent_to_a.load(Ordering::SeqCst) < threads * per_thread / 4 {
        assert!(
            Instant::now() < deadline,
            "the load never reached replica A"
        );
        thread::yield_now();
    }
    a.kill9();
    for worker in workers {
        worker.join().unwrap();
    }
    let acknowledged = acknowledged.load(Ordering::SeqCst) as u64;
    let counted = responses_on(&b, id);
    let exported = b
        .get_as(&paths::export(path_id(id), "json"), &owner)
        .expect(200)["responses"]
        .as_array()
        .unwrap()
        .len() as u64;
    assert_eq!(
        counted, exported,
        "the count and the stored responses agree"
    );
    // Every 201 is stored; at most the requests in flight when A died are stored unacknowledged.
    assert!(
        counted >= acknowledged && counted - acknowledged <= threads as u64,
        "{acknowledged} acknowledged, {counted} counted"
    );
    assert!(acknowledged > 0);
}
