//! Reliability under load and under a crash (docs/seed-contract.md Part 2, "concurrent PUTs lose
//! votes": every accepted response counted, exactly, under any concurrency): a thousand
//! concurrent respondents are all counted, and every response the server acknowledged with a
//! 201 survives `kill -9` in an intact database.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::thread;
use std::time::Duration;

use canvass::protocol::paths;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};

use crate::harness::http::{Response, preview, try_exchange};
use crate::harness::server::TestServer;
use crate::harness::survey::{
    choice_id, count_of, id_of, path_id, question_id, rich_survey, selected_of,
};

const OWNER: &str = "reliability-owner@example.com";

/// The answers respondent `n` gives to `rich_survey`: lunch `n % 2`, a non-empty set of
/// drinks from the bits of `n % 7 + 1`, and a note from every fourth. Deterministic, so the
/// expected counts are known exactly.
struct Plan {
    questions: [u64; 3],
    lunch: [u64; 2],
    drinks: [u64; 3],
}

impl Plan {
    fn new(survey: &Value) -> Plan {
        Plan {
            questions: [0, 1, 2].map(|q| question_id(survey, q)),
            lunch: [0, 1].map(|c| choice_id(survey, 0, c)),
            drinks: [0, 1, 2].map(|c| choice_id(survey, 1, c)),
        }
    }

    fn lunch(&self, n: usize) -> u64 {
        self.lunch[n % 2]
    }

    fn drinks(&self, n: usize) -> Vec<u64> {
        let bits = n % 7 + 1;
        (0..3)
            .filter(|bit| bits & (1 << bit) != 0)
            .map(|bit| self.drinks[bit])
            .collect()
    }

    fn note(n: usize) -> Option<String> {
        n.is_multiple_of(4)
            .then(|| format!("note from respondent {n}"))
    }

    /// Respondent `n`'s `POST /api/surveys/<id>/responses/` body.
    fn body(&self, n: usize) -> Value {
        let [lunch, drinks, notes] = self.questions;
        let mut answers = vec![
            json!({"question_id": lunch, "choice_ids": [self.lunch(n)]}),
            json!({"question_id": drinks, "choice_ids": self.drinks(n)}),
        ];
        if let Some(note) = Plan::note(n) {
            answers.push(json!({"question_id": notes, "text": note}));
        }
        json!({ "answers": answers })
    }

    /// Every choice's count and every note after respondents `0..respondents`.
    fn expected(&self, respondents: usize) -> (BTreeMap<u64, u64>, Vec<String>) {
        let mut counts: BTreeMap<u64, u64> = self
            .lunch
            .iter()
            .chain(&self.drinks)
            .map(|&choice| (choice, 0))
            .collect();
        let mut notes = Vec::new();
        for n in 0..respondents {
            for choice in std::iter::once(self.lunch(n)).chain(self.drinks(n)) {
                *counts.get_mut(&choice).unwrap() += 1;
            }
            notes.extend(Plan::note(n));
        }
        notes.sort();
        (counts, notes)
    }
}

/// Answers as the export lists them, made comparable: sorted by question, ids sorted.
fn normalised(answers: &Value) -> Vec<(u64, Vec<u64>, Option<String>)> {
    let mut answers: Vec<_> = answers
        .as_array()
        .unwrap_or_else(|| panic!("answers are not an array: {answers}"))
        .iter()
        .map(|answer| {
            let mut choices: Vec<u64> = answer["choice_ids"]
                .as_array()
                .map(|ids| ids.iter().filter_map(Value::as_u64).collect())
                .unwrap_or_default();
            choices.sort_unstable();
            let text = answer["text"].as_str().map(ToOwned::to_owned);
            let question = answer["question_id"]
                .as_u64()
                .unwrap_or_else(|| panic!("no question_id in {answer}"));
            (question, choices, text)
        })
        .collect();
    answers.sort();
    answers
}

/// The owner's JSON export as response id → answers.
#[track_caller]
fn export(server: &TestServer, survey: u64, token: &str) -> BTreeMap<u64, Value> {
    let path = paths::export(path_id(survey), "json");
    let export = server.get_as(&path, token).expect(200);
    export["responses"]
        .as_array()
        .unwrap_or_else(|| panic!("an export without responses: {export}"))
        .iter()
        .map(|response| (id_of(response), response["answers"].clone()))
        .collect()
}

const THREADS: usize = 50;
const PER_THREAD: usize = 20;
const RESPONDENTS: usize = THREADS * PER_THREAD;

// See: docs/seed-contract.md Part 2, "concurrent PUTs lose votes (read-modify-write)".
#[test]
fn a_thousand_concurrent_respondents_are_all_counted_exactly() {
    let server = TestServer::start();
    let token = server.user(OWNER);
    let survey = server.create_survey(&token, &rich_survey("A thousand voices", false));
    let id = id_of(&survey);
    let plan = Plan::new(&survey);
    let path = paths::responses(path_id(id));
    let barrier = Barrier::new(THREADS);
    let replies: Vec<(usize, u16, String)> = thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|worker| {
                let (server, plan, path, barrier) = (&server, &plan, &path, &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    (0..PER_THREAD)
                        .map(|i| {
                            let n = worker * PER_THREAD + i;
                            let reply = server.post_json(path, &plan.body(n), None);
                            (n, reply.status, reply.text())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap())
            .collect()
    });
    assert_eq!(replies.len(), RESPONDENTS);
    let refused: Vec<_> = replies
        .iter()
        .filter(|(_, status, _)| *status != 201)
        .collect();
    assert!(
        refused.is_empty(),
        "{} of {RESPONDENTS} responses were not answered 201 (respondent, status, body): {:?}",
        refused.len(),
        &refused[..refused.len().min(20)]
    );
    let ids: BTreeSet<u64> = replies
        .iter()
        .map(|(_, _, body)| id_of(&serde_json::from_str(body).unwrap()))
        .collect();
    assert_eq!(ids.len(), RESPONDENTS, "response ids were given twice");

    let (counts, notes) = plan.expected(RESPONDENTS);
    let results = server.results(id);
    assert_eq!(
        results["responses"],
        json!(RESPONDENTS),
        "results: {results}"
    );
    for (&choice, &count) in &counts {
        assert_eq!(
            count_of(&results, choice),
            count,
            "choice {choice}: {results}"
        );
    }
    let lunches: u64 = plan.lunch.iter().map(|&c| count_of(&results, c)).sum();
    assert_eq!(
        lunches, RESPONDENTS as u64,
        "single-choice counts must sum to the responses"
    );
    let mut given: Vec<String> = results["questions"][2]["answers"]
        .as_array()
        .unwrap_or_else(|| panic!("no text answers in {results}"))
        .iter()
        .map(|note| note.as_str().unwrap().to_owned())
        .collect();
    given.sort();
    assert_eq!(given, notes, "the text answers");

    let shown = server.survey(id);
    assert_eq!(shown["responses"], json!(RESPONDENTS), "survey: {shown}");
    for (&choice, &count) in &counts {
        assert_eq!(
            selected_of(&shown, choice),
            count,
            "choice {choice}: {shown}"
        );
    }
    let exported = export(&server, id, &token);
    assert_eq!(exported.keys().copied().collect::<BTreeSet<_>>(), ids);
}

const WRITERS: usize = 4;
const WRITES_EACH: usize = 300;
/// The main thread kills the server once this many responses were acknowledged.
const KILL_AFTER: usize = 400;
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// How one writer's run went.
#[derive(Debug, Default)]
struct Outcome {
    /// (response id, respondent) for every 201.
    acknowledged: Vec<(u64, usize)>,
    /// A reply other than 201 — a failure, since the server was either up and should have
    /// accepted, or dead and could not answer.
    refused: Option<String>,
    /// Why the writer stopped.
    ended: String,
}

/// Posts respondents `writer * WRITES_EACH ..` until `WRITES_EACH` are acknowledged or the
/// server stops answering; tells the main thread once `KILL_AFTER` 201s were counted.
fn write_until_dead(
    addr: SocketAddr,
    writer: usize,
    plan: &Plan,
    path: &str,
    counted: &AtomicUsize,
    reached: &mpsc::Sender<()>,
) -> Outcome {
    let mut outcome = Outcome::default();
    for i in 0..WRITES_EACH {
        let n = writer * WRITES_EACH + i;
        let body = plan.body(n).to_string();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: canvass.test\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let reply = match try_exchange(addr, request.as_bytes(), false, WRITE_TIMEOUT) {
            Ok(reply) => reply,
            Err(e) => {
                outcome.ended = format!("respondent {n}: {e}");
                return outcome;
            }
        };
        let Ok(response) = Response::parse(&reply) else {
            outcome.ended = format!("respondent {n}: a partial reply {}", preview(&reply));
            return outcome;
        };
        let id = serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|body| body["id"].as_u64());
        match (response.status, id) {
            (201, Some(id)) => outcome.acknowledged.push((id, n)),
            (status, _) => {
                let body = preview(&response.body);
                outcome.refused = Some(format!("respondent {n}: {status} {body}"));
                return outcome;
            }
        }
        if counted.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
            let _ = reached.send(());
        }
    }
    outcome.ended = "all written".into();
    outcome
}

/// `PRAGMA integrity_check` through a read-only connection.
fn integrity_check(db: &Path) -> String {
    let db = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("cannot open {} read-only: {e}", db.display()));
    db.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap()
}

#[test]
fn every_response_acknowledged_before_a_kill_9_survives_it_in_an_intact_database() {
    // SQLite's own file is checked after the crash.
    let mut server = TestServer::start_sqlite();
    let token = server.user(OWNER);
    let survey = server.create_survey(&token, &rich_survey("Crash", false));
    let id = id_of(&survey);
    let plan = Arc::new(Plan::new(&survey));
    let path = paths::responses(path_id(id));
    let counted = Arc::new(AtomicUsize::new(0));
    let (reached, kill_now) = mpsc::channel();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (addr, plan, path) = (server.addr(), Arc::clone(&plan), path.clone());
            let (counted, reached) = (Arc::clone(&counted), reached.clone());
            thread::spawn(move || write_until_dead(addr, writer, &plan, &path, &counted, &reached))
        })
        .collect();
    drop(reached);
    // Either KILL_AFTER acknowledgements, or every writer gave up (the channel closes).
    let signalled = kill_now.recv_timeout(Duration::from_secs(120));
    server.kill9();
    let outcomes: Vec<Outcome> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    let ended: Vec<&str> = outcomes.iter().map(|o| o.ended.as_str()).collect();
    assert!(
        signalled.is_ok(),
        "the writers stopped before {KILL_AFTER} acknowledgements: {outcomes:?}"
    );
    let refused: Vec<_> = outcomes.iter().filter_map(|o| o.refused.as_ref()).collect();
    assert!(refused.is_empty(), "refused before the kill: {refused:?}");
    let acknowledged: BTreeMap<u64, usize> = outcomes
        .iter()
        .flat_map(|o| o.acknowledged.iter().copied())
        .collect();
    println!(
        "kill -9 after {} acknowledged responses; writers ended: {ended:?}",
        acknowledged.len()
    );
    assert_eq!(
        integrity_check(&server.db_path()),
        "ok",
        "the database as kill -9 left it"
    );

    server.restart();
    // The token was issued before the crash; the secret is fixed, so it still works.
    let exported = export(&server, id, &token);
    let lost: Vec<_> = acknowledged
        .keys()
        .filter(|id| !exported.contains_key(id))
        .collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged responses are gone after kill -9: {lost:?}",
        lost.len(),
        acknowledged.len()
    );
    for (response, &n) in &acknowledged {
        assert_eq!(
            normalised(&exported[response]),
            normalised(&plan.body(n)["answers"]),
            "response {response} (respondent {n}) came back different"
        );
    }
    // Each writer had at most one request in flight when the server died.
    assert!(
        exported.len() <= acknowledged.len() + WRITERS,
        "{} responses exported, only {} acknowledged",
        exported.len(),
        acknowledged.len()
    );
    let results = server.results(id);
    assert_eq!(
        results["responses"],
        json!(exported.len()),
        "results: {results}"
    );
    let lunches: u64 = plan.lunch.iter().map(|&c| count_of(&results, c)).sum();
    assert_eq!(
        lunches,
        exported.len() as u64,
        "lunch counts after the crash: {results}"
    );
    let shown = server.survey(id);
    assert_eq!(
        shown["responses"],
        json!(exported.len()),
        "survey {id}: {shown}"
    );

    let status = server.stop();
    assert!(status.success(), "SIGTERM after the restart: {status}");
    assert_eq!(
        integrity_check(&server.db_path()),
        "ok",
        "after the restart"
    );
}
