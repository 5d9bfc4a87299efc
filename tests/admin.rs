//! `canvass admin backup` and `admin check` (issue 17): a backup taken while the server
//! writes holds every acknowledged response and passes the checks; the check finds a count
//! that disagrees with the responses.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use canvass::protocol::paths;
use serde_json::json;

use crate::harness::cli::{Machine, Run};
use crate::harness::server::TestServer;
use crate::harness::survey::{choice_id, question_id, seed_survey, survey_id};

/// The machine admin commands run on: they read the database, never a server.
fn admin() -> Machine {
    Machine::for_url("http://127.0.0.1:9")
}

fn backup(db: &Path, out: &Path, force: bool) -> Run {
    let machine = admin();
    let mut cli = machine
        .cli()
        .args(["admin", "backup", "--db"])
        .args([db, out]);
    if force {
        cli = cli.args(["--force"]);
    }
    cli.run()
}

fn check(db: &Path) -> Run {
    let machine = admin();
    machine
        .cli()
        .args(["admin", "check", "--db"])
        .args([db])
        .run()
}

/// An answer to each question of the seed survey (both are required): its second choice.
fn every_question(survey: &serde_json::Value) -> serde_json::Value {
    let answers: Vec<_> = [0, 1]
        .iter()
        .map(|&q| json!({"question_id": question_id(survey, q), "choice_ids": [choice_id(survey, q, 1)]}))
        .collect();
    json!({ "answers": answers })
}

/// The rows of `table` in the SQLite file at `db`.
fn rows(db: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_backup_taken_while_four_writers_run_holds_every_acknowledged_response_and_checks_clean() {
    let server = Arc::new(TestServer::start_sqlite());
    let jwt = server.user("owner@example.com");
    let survey = server.create_survey(&jwt, &seed_survey("Lunch"));
    let answer = every_question(&survey);
    let path = paths::responses(survey_id(&survey));
    let (writing, acknowledged) = (Arc::new(AtomicBool::new(true)), Arc::new(AtomicU64::new(0)));
    let writers: Vec<_> = (0..4)
        .map(|_| {
            let (server, writing, acknowledged) = (
                Arc::clone(&server),
                Arc::clone(&writing),
                Arc::clone(&acknowledged),
            );
            let (path, answer) = (path.clone(), answer.clone());
            thread::spawn(move || {
                // Bounded: stops when told, or after 2,000 responses.
                for _ in 0..2000 {
                    if !writing.load(Ordering::SeqCst) {
                        break;
                    }
                    server.post_json(&path, &answer, None).expect(201);
                    acknowledged.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    // Some responses in before the backup starts, more landing while it runs (bounded: a
    // writer that fails has panicked and stopped counting).
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.load(Ordering::SeqCst) < 50 {
        assert!(Instant::now() < deadline, "the writers did not get going");
        assert!(
            !writers.iter().all(thread::JoinHandle::is_finished),
            "every writer stopped"
        );
        thread::yield_now();
    }
    let before = acknowledged.load(Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("canvass-backup.db");
    let run = backup(&server.db_path(), &out, false);
    writing.store(false, Ordering::SeqCst);
    for writer in writers {
        writer.join().unwrap();
    }
    run.success()
        .stdout_contains("bytes)")
        .stdout_contains("responses");

    let kept = rows(&out, "responses");
    assert!(
        u64::try_from(kept).unwrap() >= before,
        "{kept} responses in the backup, {before} acknowledged before it began"
    );
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    check(&out).success().stdout_contains(": ok");
    check(&server.db_path()).success();
}

#[test]
fn backup_never_overwrites_without_force_and_points_postgresql_to_pg_dump() {
    let server = TestServer::start_sqlite();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup.db");
    std::fs::write(&out, "precious").unwrap();
    backup(&server.db_path(), &out, false)
        .code(1)
        .stderr_contains("exists; pass --force to replace it");
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
    backup(&server.db_path(), &out, true).success();
    assert_eq!(rows(&out, "users"), 0);

    let machine = admin();
    machine
        .cli()
        .args([
            "admin",
            "backup",
            "--db",
            "postgres://canvass:hunter2@db/canvass",
        ])
        .args([&out])
        .run()
        .code(1)
        .stderr_contains("use pg_dump")
        .stderr_lacks("hunter2");
    backup(&dir.path().join("missing.db"), &out, true)
        .code(1)
        .stderr_contains("there is no SQLite database at");
}

#[test]
fn check_names_every_count_that_disagrees_with_the_responses() {
    let mut server = TestServer::start_sqlite();
    let jwt = server.user("owner@example.com");
    let survey = server.create_survey(&jwt, &seed_survey("Lunch"));
    server
        .post_json(
            &paths::responses(survey_id(&survey)),
            &every_question(&survey),
            None,
        )
        .expect(201);
    server.stop();
    let db = server.db_path();
    check(&db).success();

    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(&format!(
        "UPDATE surveys SET response_count = 7 WHERE id = {id};
         UPDATE choices SET selected = 3 WHERE id = {choice};",
        id = survey_id(&survey),
        choice = choice_id(&survey, 0, 0),
    ))
    .unwrap();
    drop(conn);
    check(&db)
        .code(1)
        .stdout_contains(&format!(
            "survey {}: 7 kept, 1 responses",
            survey_id(&survey)
        ))
        .stdout_contains(&format!(
            "choice {}: 3 kept, 0 answers choosing it",
            choice_id(&survey, 0, 0)
        ))
        .stderr_contains("2 problems found");
}
