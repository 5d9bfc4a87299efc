//! Exact counts under concurrency (docs/seed-contract.md Part 2), and what survives the process:
//! restarts, SIGTERM, `kill -9`, the generated secret.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Barrier, mpsc};
use std::thread;
use std::time::Duration;

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::http::read_response;
use crate::harness::postgres::TestDatabase;
use crate::harness::seed::invalid_token;
use crate::harness::server::{PASSWORD, TEST_SECRET, TestServer};
use crate::harness::survey::{
    choice_id, count_of, id_of, question_id, seed_survey, selected_of, survey_id, vote,
};
use crate::harness::token;

const OWNER: &str = "owner@example.com";
const ANN: &str = "ann@example.com";
const VOTERS: usize = 200;

fn mode_of(path: &Path) -> u32 {
    let metadata = fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    metadata.permissions().mode() & 0o777
}

// See: docs/seed-contract.md Part 2, "concurrent PUTs lose votes (read-modify-write)".
#[test]
fn two_hundred_concurrent_seed_votes_are_all_counted() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let body =
        json!({"name": "Race", "questions": [{"question": "Which?", "choices": ["A", "B"]}]});
    let survey = server.create_survey(&jwt, &body);
    let fetched = server.survey(id_of(&survey));
    let path = paths::survey(survey_id(&survey));
    // Every third voter picks B, so a lost update on either choice shows.
    let picks: Vec<usize> = (0..VOTERS).map(|n| usize::from(n % 3 == 0)).collect();
    let barrier = Barrier::new(VOTERS);
    let replies: Vec<(u16, Value)> = thread::scope(|scope| {
        let voters: Vec<_> = picks
            .iter()
            .map(|&pick| {
                let body = vote(&fetched, &[pick]);
                let (server, barrier, path) = (&server, &barrier, &path);
                scope.spawn(move || {
                    barrier.wait();
                    let reply = server.axios("PUT", path, &body, None);
                    (reply.status, reply.json())
                })
            })
            .collect();
        voters
            .into_iter()
            .map(|voter| voter.join().unwrap())
            .collect()
    });
    let statuses: Vec<u16> = replies.iter().map(|(status, _)| *status).collect();
    let accepted = statuses.iter().filter(|&&status| status == 201).count();
    assert_eq!(accepted, VOTERS, "statuses {statuses:?}");

    let b_votes = picks.iter().filter(|&&pick| pick == 1).count() as u64;
    let a_votes = VOTERS as u64 - b_votes;
    let (a, b) = (choice_id(&survey, 0, 0), choice_id(&survey, 0, 1));
    // Each reply is the survey once its vote is in: its own pick counted, and the replies of
    // the last votes committed show every vote.
    let shown: Vec<u64> = replies
        .iter()
        .zip(&picks)
        .map(|((_, reply), &pick)| {
            let own = if pick == 0 { a } else { b };
            assert!(
                selected_of(reply, own) >= 1,
                "a reply without its own vote: {reply}"
            );
            selected_of(reply, a) + selected_of(reply, b)
        })
        .collect();
    assert_eq!(shown.iter().max(), Some(&(VOTERS as u64)), "{shown:?}");
    let results = server.results(id_of(&survey));
    assert_eq!(results["responses"], json!(VOTERS), "{results}");
    assert_eq!(
        (count_of(&results, a), count_of(&results, b)),
        (a_votes, b_votes)
    );
    let after = server.survey(id_of(&survey));
    assert_eq!(
        (selected_of(&after, a), selected_of(&after, b)),
        (a_votes, b_votes)
    );
}

// See: docs/seed-contract.md Part 2, "every accepted response counted, exactly, under any concurrency".
#[test]
fn concurrent_responses_by_one_user_are_accepted_once_when_one_per_user() {
    let server = TestServer::start();
    let owner = server.user(OWNER);
    let ann = server.user(ANN);
    let body = json!({"name": "Once", "one_response_per_user": true, "questions": [
        {"text": "Which?", "choices": ["A", "B"]},
    ]});
    let survey = server.create_survey(&owner, &body);
    let answers = json!({"answers": [
        {"question_id": question_id(&survey, 0), "choice_ids": [choice_id(&survey, 0, 0)]},
    ]});
    let path = paths::responses(survey_id(&survey));
    let tries = 20;
    let barrier = Barrier::new(tries);
    let statuses: Vec<u16> = thread::scope(|scope| {
        let attempts: Vec<_> = (0..tries)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    server.post_json(&path, &answers, Some(&ann)).status
                })
            })
            .collect();
        attempts.into_iter().map(|a| a.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    let mut expected = vec![409; tries];
    expected[0] = 201;
    assert_eq!(sorted, expected, "statuses {statuses:?}");
    let results = server.results(id_of(&survey));
    assert_eq!(results["responses"], 1, "{results}");
    assert_eq!(count_of(&results, choice_id(&survey, 0, 0)), 1, "{results}");
}

#[test]
fn the_startup_line_names_the_address_and_the_database() {
    let server = TestServer::start_sqlite();
    let addr = server.addr();
    assert!(addr.ip().is_loopback() && addr.port() != 0, "{addr}");
    let expected = format!(
        "canvass listening on http://{addr} (db: {})",
        server.db_path().display()
    );
    assert_eq!(server.startup_line(), expected);
    assert!(
        server.db_path().is_file(),
        "no database at {}",
        server.db_path().display()
    );
}

#[test]
fn on_postgres_the_startup_line_names_the_database_but_not_its_password() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let server = TestServer::start_with_db(&db.url(), &[]);
    let url = db.url();
    let (scheme, rest) = url.split_once("://").unwrap();
    let (shown, password) = match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, password)) => (format!("{scheme}://{user}:***@{host}"), password),
            None => (url.clone(), ""),
        },
        None => (url.clone(), ""),
    };
    let expected = format!(
        "canvass listening on http://{} (db: {shown})",
        server.addr()
    );
    assert_eq!(server.startup_line(), expected);
    assert!(shown.contains(db.name()), "{shown}");
    assert!(
        password.is_empty() || !server.startup_line().contains(password),
        "the password is on the startup line"
    );
}

#[test]
fn the_default_address_is_the_seed_clients_127_0_0_1_port_5000() {
    // The seed client's API_URL is fixed (docs/seed-contract.md Part 1). Another process may hold
    // the port: then the error must name the address instead.
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_canvass"));
    command
        .args(["serve", "--db"])
        .arg(dir.path().join("canvass.db"))
        .env("CANVASS_SECRET", TEST_SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CANVASS_") && name != "CANVASS_SECRET" {
            command.env_remove(name);
        }
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (line_sender, line) = mpsc::channel();
    let reader = thread::spawn(move || {
        let mut first = String::new();
        let _ = BufReader::new(stdout).read_line(&mut first);
        let _ = line_sender.send(first);
    });
    let first = line
        .recv_timeout(Duration::from_secs(20))
        .unwrap_or_default();
    let mut stderr = String::new();
    if first.is_empty() {
        // It exited, or hangs without a word: either way its stderr must say why.
        let _ = child.kill();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        assert!(
            stderr.contains("127.0.0.1:5000"),
            "no address in the error:\n{stderr}"
        );
    } else {
        assert!(
            first.starts_with("canvass listening on http://127.0.0.1:5000 (db: "),
            "{first}"
        );
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    }
    let status = child.wait().unwrap();
    reader.join().unwrap();
    if !first.is_empty() {
        assert_eq!(status.code(), Some(0), "SIGTERM: {status}");
    }
}

#[test]
fn sigterm_exits_zero() {
    let mut server = TestServer::start();
    server.user(ANN);
    let status = server.stop();
    assert_eq!(
        status.code(),
        Some(0),
        "SIGTERM: {status}; stderr:\n{}",
        server.stderr()
    );
}

#[test]
fn sigterm_exits_zero_while_browsers_hold_idle_connections() {
    let mut server = TestServer::start();
    // One connection opened and never used, as browsers pre-connect; one kept alive after
    // an answered request.
    let _preconnected = TcpStream::connect(server.addr()).unwrap();
    let mut kept_alive = TcpStream::connect(server.addr()).unwrap();
    kept_alive
        .write_all(b"GET /api/health/ HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&kept_alive).status, 200);
    let status = server.stop();
    assert_eq!(
        status.code(),
        Some(0),
        "SIGTERM: {status}; stderr:\n{}",
        server.stderr()
    );
}

/// A survey by `OWNER` with two seed votes and one native response with ANN's token.
fn survey_with_answers(server: &TestServer) -> (Value, String) {
    let owner = server.user(OWNER);
    let ann = server.user(ANN);
    let survey = server.create_survey(&owner, &seed_survey("Lasting"));
    let fetched = server.survey(id_of(&survey));
    let path = paths::survey(survey_id(&survey));
    server
        .axios("PUT", &path, &vote(&fetched, &[0, 1]), None)
        .expect(201);
    server
        .axios("PUT", &path, &vote(&fetched, &[2, 1]), None)
        .expect(201);
    let answers = json!({"answers": [
        {"question_id": question_id(&survey, 0), "choice_ids": [choice_id(&survey, 0, 0)]},
        {"question_id": question_id(&survey, 1), "choice_ids": [choice_id(&survey, 1, 0)]},
    ]});
    server
        .post_json(&paths::responses(survey_id(&survey)), &answers, Some(&ann))
        .expect(201);
    (survey, owner)
}

#[track_caller]
fn assert_answers_kept(server: &TestServer, survey: &Value) {
    let results = server.results(id_of(survey));
    assert_eq!(results["responses"], 3, "{results}");
    let expected: [&[u64]; 2] = [&[2, 0, 1], &[1, 2]];
    for (q, counts) in expected.iter().enumerate() {
        for (c, &count) in counts.iter().enumerate() {
            assert_eq!(
                count_of(&results, choice_id(survey, q, c)),
                count,
                "{q}/{c}: {results}"
            );
        }
    }
}

#[test]
fn users_surveys_votes_and_tokens_survive_a_restart() {
    let mut server = TestServer::start();
    let (survey, owner) = survey_with_answers(&server);
    server.restart();
    assert_answers_kept(&server, &survey);
    let fetched = server.survey(id_of(&survey));
    assert_eq!(fetched["name"], survey["name"]);
    assert_eq!(fetched["questions"].as_array().map(Vec::len), Some(2));
    server.get_as(paths::ME, &owner).expect(200);
    server.login(ANN, PASSWORD);
    let again = json!({"email": ANN, "password": PASSWORD});
    server.post_json(paths::REGISTER, &again, None).error(409);
}

#[test]
fn revocations_closures_and_deletions_survive_a_restart() {
    let mut server = TestServer::start();
    let owner = server.user(OWNER);
    let revoked = server.user(ANN);
    server.post(paths::LOGOUT_ALL, Some(&revoked)).expect(200);
    let closed = server.create_survey(&owner, &seed_survey("Closed"));
    let deleted = server.create_survey(&owner, &seed_survey("Deleted"));
    server
        .post(&paths::close(survey_id(&closed)), Some(&owner))
        .expect(200);
    let gone = server.delete(&paths::survey(survey_id(&deleted)), Some(&owner));
    assert_eq!(gone.status, 204, "{}", gone.text());
    server.restart();
    assert_eq!(
        server.get_as(paths::ME, &revoked).error(401),
        invalid_token()
    );
    assert_eq!(server.survey(id_of(&closed))["status"], "closed");
    server.get(&paths::survey(survey_id(&deleted))).error(404);
    let fetched = server.survey(id_of(&closed));
    server
        .axios(
            "PUT",
            &paths::survey(survey_id(&closed)),
            &vote(&fetched, &[0, 0]),
            None,
        )
        .error(409);
}

#[test]
fn without_canvass_secret_the_server_keeps_a_private_key_beside_the_database() {
    let mut server = TestServer::start_without_secret();
    let key = server.dir().join("secret.key");
    assert_eq!(mode_of(&key), 0o600, "{} is not 0600", key.display());
    let before = fs::read(&key).unwrap();
    assert!(!before.is_empty(), "an empty secret.key");
    let ann = server.user(ANN);
    // The generated key is its own: the tests' secret signs nothing here.
    let minted = token::mint(&token::fresh_claims(ANN));
    assert_eq!(
        server.get_as(paths::ME, &minted).error(401),
        invalid_token()
    );

    server.restart();
    assert_eq!(
        fs::read(&key).unwrap(),
        before,
        "the restart replaced secret.key"
    );
    assert_eq!(mode_of(&key), 0o600);
    server.get_as(paths::ME, &ann).expect(200);
}

#[test]
fn each_installation_generates_its_own_secret() {
    let first = TestServer::start_without_secret();
    let second = TestServer::start_without_secret();
    let read = |server: &TestServer| fs::read(server.dir().join("secret.key")).unwrap();
    assert_ne!(read(&first), read(&second));
    let ann = first.user(ANN);
    second.register(ANN, PASSWORD);
    assert_eq!(second.get_as(paths::ME, &ann).error(401), invalid_token());
}

#[test]
fn a_killed_server_keeps_every_committed_answer_and_an_intact_database() {
    // SQLite's own file is checked after the crash.
    let mut server = TestServer::start_sqlite();
    let (survey, owner) = survey_with_answers(&server);
    server.kill9();
    server.restart();
    assert_answers_kept(&server, &survey);
    server.get_as(paths::ME, &owner).expect(200);
    // Once more, and check the file as the crash left it.
    server.kill9();
    let db = rusqlite::Connection::open(server.db_path()).unwrap();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(db);
    server.restart();
    assert_answers_kept(&server, &survey);
}
