//! `canvass admin copy-db` (issue 12): an installation moved from SQLite to PostgreSQL and
//! back looks the same to everyone using it: the same surveys, results and exports, passwords
//! and tokens that still work, and new ids that follow the copied ones. A target holding data
//! is refused, and a copy that fails leaves its target empty. The PostgreSQL parts run when
//! `CANVASS_TEST_POSTGRES` names a cluster.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use canvass::protocol::paths;
use serde_json::{Value, json};
use tempfile::TempDir;

use crate::harness::cli::{Cli, Machine, Run};
use crate::harness::postgres::TestDatabase;
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{
    choice_id, id_of, path_id, question_id, rich_survey, seed_survey, survey_id, vote,
};

const OWNER: &str = "owner@example.com";
const ANN: &str = "Ann@Example.com";
const BOB: &str = "bob@example.com";
const CLIENT_ID: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/// The machine copy-db runs on. It speaks to databases, never to a server, so the machine's
/// server is never called.
fn admin() -> Machine {
    Machine::for_url("http://127.0.0.1:9")
}

/// `canvass admin copy-db --from FROM --to TO` on `admin`, with a clean environment.
fn copy_db_command(admin: &Machine, from: impl Into<OsString>, to: impl Into<OsString>) -> Cli {
    let args: [OsString; 6] = [
        "admin".into(),
        "copy-db".into(),
        "--from".into(),
        from.into(),
        "--to".into(),
        to.into(),
    ];
    admin.cli().args(args)
}

fn copy_db(from: impl Into<OsString>, to: impl Into<OsString>) -> Run {
    copy_db_command(&admin(), from, to).run()
}

/// The summary copy-db prints: per table, (rows in the source, rows in the target).
#[track_caller]
fn summary(run: &Run) -> BTreeMap<String, (u64, u64)> {
    let mut lines = run.stdout.lines();
    let header: Vec<&str> = lines
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(header, ["table", "source", "target"], "{}", run.stdout);
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(cells.len(), 3, "{line:?}");
            let count = |cell: &str| cell.parse::<u64>().unwrap();
            (cells[0].to_owned(), (count(cells[1]), count(cells[2])))
        })
        .collect()
}

/// A copy that succeeded and says every table matches.
#[track_caller]
fn copied(from: impl Into<OsString>, to: impl Into<OsString>) -> BTreeMap<String, (u64, u64)> {
    let run = copy_db(from, to);
    run.success();
    let tables = summary(&run);
    let names: Vec<&str> = tables.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "answers",
            "choices",
            "invitations",
            "login_failures",
            "questions",
            "responses",
            "surveys",
            "users"
        ]
    );
    for (table, (source, target)) in &tables {
        assert_eq!(source, target, "{table}: {}", run.stdout);
    }
    tables
}

/// What `populate` made, and the tokens issued before any copy.
struct Installation {
    owner: String,
    /// Bob's token from before his `logout-all`: revoked, and it must stay so.
    revoked: String,
    surveys: Vec<u64>,
    /// The owner's response sent with `CLIENT_ID`: where it went, its body, and its id.
    resend: (String, Value, Value),
}

/// Three users, a one-response-per-user survey with two responses (one of them named by a
/// client id), a closed survey with an anonymous seed-style vote, a deleted survey, a revoked
/// token and a failed login.
fn populate(server: &TestServer) -> Installation {
    let owner = server.user(OWNER);
    let ann = server.user(ANN);
    let bob = server.user(BOB);
    let lunch = server.create_survey(&owner, &rich_survey("Lunch", true));
    let gone = server.create_survey(&owner, &seed_survey("Gone"));
    let colours = server.create_survey(&owner, &seed_survey("Colours"));
    let responses = paths::responses(survey_id(&lunch));
    // Water before Tea: answers are copied in the order they were given.
    let by_ann = json!({"answers": [
        {"question_id": question_id(&lunch, 0), "choice_ids": [choice_id(&lunch, 0, 1)]},
        {"question_id": question_id(&lunch, 1),
         "choice_ids": [choice_id(&lunch, 1, 2), choice_id(&lunch, 1, 0)]},
        {"question_id": question_id(&lunch, 2), "text": "Soup, \"hot\", please"},
    ]});
    server
        .post_json(&responses, &by_ann, Some(&ann))
        .expect(201);
    let named = json!({"client_id": CLIENT_ID, "answers": [
        {"question_id": question_id(&lunch, 0), "choice_ids": [choice_id(&lunch, 0, 0)]},
        {"question_id": question_id(&lunch, 1), "choice_ids": [choice_id(&lunch, 1, 1)]},
    ]});
    let sent = server
        .post_json(&responses, &named, Some(&owner))
        .expect(201);
    server
        .axios(
            "PUT",
            &paths::survey(survey_id(&colours)),
            &vote(&colours, &[2, 0]),
            None,
        )
        .expect(201);
    server
        .post(&paths::close(survey_id(&colours)), Some(&owner))
        .expect(200);
    let deleted = server.delete(&paths::survey(survey_id(&gone)), Some(&owner));
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    server.post(paths::LOGOUT_ALL, Some(&bob)).expect(200);
    let wrong = json!({"email": "nobody@example.com", "password": "not the password"});
    server.post_json(paths::LOGIN, &wrong, None).error(401);
    Installation {
        owner,
        revoked: bob,
        surveys: vec![id_of(&lunch), id_of(&colours)],
        resend: (responses, named, sent["id"].clone()),
    }
}

/// Everything the API shows of an installation, read with the owner's token from before the
/// copy (so reading it at all proves the token still works).
#[derive(Debug, PartialEq)]
struct View {
    me: Value,
    list: Value,
    surveys: Vec<Value>,
    results: Vec<Value>,
    json_exports: Vec<Value>,
    csv_exports: Vec<String>,
}

#[track_caller]
fn view(server: &TestServer, installation: &Installation) -> View {
    let token = &installation.owner;
    let export = |id: u64, format: &str| server.get_as(&paths::export(path_id(id), format), token);
    View {
        me: server.get_as(paths::ME, token).expect(200),
        list: server.get(paths::SURVEYS).expect(200),
        surveys: installation
            .surveys
            .iter()
            .map(|&id| server.survey(id))
            .collect(),
        results: installation
            .surveys
            .iter()
            .map(|&id| server.results(id))
            .collect(),
        json_exports: installation
            .surveys
            .iter()
            .map(|&id| export(id, "json").expect(200))
            .collect(),
        csv_exports: installation
            .surveys
            .iter()
            .map(|&id| {
                let reply = export(id, "csv");
                assert_eq!(reply.status, 200, "{}", reply.text());
                reply.text()
            })
            .collect(),
    }
}

/// Passwords, token generations and client ids came along.
#[track_caller]
fn accounts_and_resends_carry_over(server: &TestServer, installation: &Installation) {
    server.login(ANN, PASSWORD);
    server.login(&ANN.to_lowercase(), PASSWORD);
    server.get_as(paths::ME, &installation.revoked).error(401);
    let (path, body, id) = &installation.resend;
    let again = server
        .post_json(path, body, Some(&installation.owner))
        .expect(200);
    assert_eq!(
        again["id"], *id,
        "a resend on the copy is the same response"
    );
}

/// New rows get ids past every copied one: the copy moved the id counters on.
#[track_caller]
fn new_ids_follow_the_copied_ones(server: &TestServer, before: &View) {
    let largest = |values: Vec<u64>| values.into_iter().max().unwrap();
    let surveys = &before.surveys;
    let copied_survey = largest(surveys.iter().map(id_of).collect());
    let questions = || {
        surveys
            .iter()
            .flat_map(|s| s["questions"].as_array().unwrap())
    };
    let copied_question = largest(questions().map(id_of).collect());
    let copied_choice = largest(
        questions()
            .flat_map(|q| q["choices"].as_array().unwrap())
            .map(id_of)
            .collect(),
    );
    let copied_response = largest(
        before
            .json_exports
            .iter()
            .flat_map(|e| e["responses"].as_array().unwrap())
            .map(id_of)
            .collect(),
    );
    let copied_user = id_of(&before.me);

    let dave = server.register("dave@example.com", PASSWORD);
    assert!(id_of(&dave) > copied_user, "{dave}");
    let token = server.login("dave@example.com", PASSWORD);
    let fresh = server.create_survey(&token, &rich_survey("After the move", false));
    assert!(id_of(&fresh) > copied_survey, "{fresh}");
    assert!(question_id(&fresh, 0) > copied_question, "{fresh}");
    assert!(choice_id(&fresh, 0, 0) > copied_choice, "{fresh}");
    let answer = json!({"answers": [
        {"question_id": question_id(&fresh, 0), "choice_ids": [choice_id(&fresh, 0, 0)]},
        {"question_id": question_id(&fresh, 1), "choice_ids": [choice_id(&fresh, 1, 0)]},
    ]});
    let response = server
        .post_json(&paths::responses(survey_id(&fresh)), &answer, None)
        .expect(201);
    assert!(id_of(&response) > copied_response, "{response}");
}

/// A fresh directory for an SQLite copy, and the file's path in it.
fn sqlite_target() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("copy").join("canvass.db");
    (dir, path)
}

/// Opens an SQLite file with foreign keys off, as the sqlite3 shell does, so a test can write
/// what the server never would.
fn sqlite(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "foreign_keys", "OFF").unwrap();
    conn
}

fn sqlite_users(path: &Path) -> i64 {
    sqlite(path)
        .query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))
        .unwrap()
}

fn postgres_users(url: &str) -> i64 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .query_one("SELECT COUNT(*) FROM users", &[])
        .unwrap()
        .get(0)
}

#[test]
fn an_sqlite_installation_copied_to_another_file_looks_the_same() {
    let mut original = TestServer::start_sqlite();
    let installation = populate(&original);
    let before = view(&original, &installation);
    original.stop();
    let (_dir, path) = sqlite_target();

    let tables = copied(original.db_path(), &path);
    assert_eq!(tables["users"], (3, 3));
    assert_eq!(tables["surveys"], (2, 2));
    assert_eq!(tables["responses"], (3, 3));
    assert!(tables["login_failures"].0 >= 1, "{tables:?}");

    let copy = TestServer::start_with_db(path.to_str().unwrap(), &[]);
    assert_eq!(view(&copy, &installation), before);
    accounts_and_resends_carry_over(&copy, &installation);
    new_ids_follow_the_copied_ones(&copy, &before);
}

#[test]
fn a_round_trip_through_postgres_changes_nothing_anyone_can_see() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let mut original = TestServer::start_sqlite();
    let installation = populate(&original);
    let before = view(&original, &installation);
    original.stop();

    copied(original.db_path(), db.url());
    let on_postgres = TestServer::start_with_db(&db.url(), &[]);
    assert_eq!(view(&on_postgres, &installation), before);
    accounts_and_resends_carry_over(&on_postgres, &installation);

    // Back again, from the running server's database: the copy reads one snapshot.
    let (_dir, path) = sqlite_target();
    copied(db.url(), &path);
    let back = TestServer::start_with_db(path.to_str().unwrap(), &[]);
    assert_eq!(view(&back, &installation), before);
    accounts_and_resends_carry_over(&back, &installation);

    new_ids_follow_the_copied_ones(&on_postgres, &before);
    new_ids_follow_the_copied_ones(&back, &before);
}

#[test]
fn a_target_that_holds_data_is_refused_and_left_alone() {
    let mut original = TestServer::start_sqlite();
    populate(&original);
    original.stop();
    let mut occupied = TestServer::start_sqlite();
    let token = occupied.user("someone@example.com");

    // A server on the file would go on answering from its cache: it must be stopped first.
    copy_db(original.db_path(), occupied.db_path())
        .code(1)
        .stderr_contains("a `canvass serve` is using");
    occupied.stop();
    copy_db(original.db_path(), occupied.db_path())
        .code(1)
        .stderr_contains("already holds data (1 row in users)")
        .stdout_is_empty();
    occupied.restart();
    assert_eq!(occupied.get(paths::SURVEYS).expect(200), json!([]));
    occupied.get_as(paths::ME, &token).expect(200);

    copy_db(original.db_path(), original.db_path())
        .code(1)
        .stderr_contains("--from and --to both name");

    if let Some(db) = TestDatabase::create() {
        copied(original.db_path(), db.url());
        copy_db(original.db_path(), db.url())
            .code(1)
            .stderr_contains("already holds data (3 rows in users)")
            .stderr_lacks(":pw@");
        assert_eq!(postgres_users(&db.url()), 3);
    }
}

#[test]
fn a_copy_that_fails_half_way_leaves_its_target_empty() {
    let mut original = TestServer::start_sqlite();
    populate(&original);
    original.stop();
    // An answer naming a choice that does not exist: the server never writes one, and both
    // backends' foreign keys refuse it, after every earlier table was copied.
    sqlite(&original.db_path())
        .execute(
            "INSERT INTO answers (response_id, question_id, choice_id) \
             SELECT response_id, question_id, 424242 FROM answers LIMIT 1",
            [],
        )
        .unwrap();

    let (_dir, path) = sqlite_target();
    copy_db(original.db_path(), &path)
        .code(1)
        .stderr_contains("cannot write answers to")
        .stderr_contains("nothing was copied")
        .stdout_is_empty();
    assert_eq!(sqlite_users(&path), 0);

    if let Some(db) = TestDatabase::create() {
        copy_db(original.db_path(), db.url())
            .code(1)
            .stderr_contains("cannot write answers to")
            .stderr_contains("foreign key");
        assert_eq!(postgres_users(&db.url()), 0);
    }
}

#[test]
fn a_copy_at_a_terminal_shows_each_table_as_it_goes() {
    let mut original = TestServer::start_sqlite();
    populate(&original);
    original.stop();
    let (_dir, path) = sqlite_target();
    let admin = admin();
    let mut pty = copy_db_command(&admin, original.db_path(), path).pty();
    for table in [
        "users",
        "surveys",
        "questions",
        "choices",
        "responses",
        "answers",
    ] {
        pty.expect(table);
        pty.expect(" rows in ");
    }
    pty.expect("copied ");
    pty.expect_exit(0);
}

#[test]
fn a_missing_source_is_an_error_and_no_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    let (_target_dir, target) = sqlite_target();
    copy_db(&missing, &target)
        .code(1)
        .stderr_contains("there is no SQLite database at");
    assert!(!missing.exists());
    assert!(!target.exists());
}

#[test]
fn a_database_password_never_reaches_the_output() {
    let mut original = TestServer::start_sqlite();
    original.stop();
    // Nothing listens on port 9: the connection is refused, and the error names the URL.
    copy_db(
        original.db_path(),
        "postgres://canvass:s3cret-pw@127.0.0.1:9/canvass",
    )
    .code(1)
    .stderr_contains("postgres://canvass:***@127.0.0.1:9/canvass")
    .stderr_lacks("s3cret-pw");
    // A mistyped scheme is a usage error that names the flag, not the value.
    copy_db("postgre://canvass:s3cret-pw@db/canvass", original.db_path())
        .code(2)
        .stderr_contains("invalid value for --from")
        .stderr_lacks("s3cret-pw");
}
