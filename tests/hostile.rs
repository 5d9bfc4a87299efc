//! Issue 13, "Hold under hostile load": what a hostile survey creator, respondent or operator
//! mistake could do with the server's data and files, and what stops it.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use canvass::protocol::paths;
use serde_json::json;

use crate::harness::seed::{expired_token, invalid_token};
use crate::harness::server::{PASSWORD, TEST_SECRET, TestServer};
use crate::harness::survey::{choice_id, question_id, survey_id};
use crate::harness::token::{decode_parts, mint, now};

/// What spreadsheets run as a formula (OWASP, "CSV Injection").
const FORMULAS: [&str; 6] = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-1+1",
    "@SUM(1,1)",
    "\t=1+1",
    "\r=1+1",
];

// Issue 13, item 6.
#[test]
fn no_cell_of_the_csv_export_starts_like_a_formula() {
    let server = TestServer::start();
    let owner = server.user("owner@example.com");
    let survey = server.create_survey(
        &owner,
        &json!({"name": "Sheet", "questions": [
            {"text": "=HYPERLINK(\"http://x\")", "kind": "single", "choices": ["@SUM(1,1)", "ok"]},
            {"text": "Say", "kind": "text", "required": false},
        ]}),
    );
    let id = survey_id(&survey);
    let mut respondents = vec![(None, "plain".to_owned())];
    // A respondent whose e-mail is a formula: the respondent column is a cell too.
    server.register("=1+2@x.com", PASSWORD);
    let formula_user = server.login("=1+2@x.com", PASSWORD);
    respondents.push((Some(formula_user), "fine".to_owned()));
    respondents.extend(FORMULAS.iter().map(|f| (None, (*f).to_owned())));
    for (token, text) in &respondents {
        let body = json!({"answers": [
            {"question_id": question_id(&survey, 0), "choice_ids": [choice_id(&survey, 0, 0)]},
            {"question_id": question_id(&survey, 1), "text": text},
        ]});
        server
            .post_json(&paths::responses(id), &body, token.as_deref())
            .expect(201);
    }
    let reply = server.get_as(&paths::export(id, "csv"), &owner);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(reply.body.as_slice());
    let mut cells = 0;
    for record in csv.records() {
        for cell in &record.unwrap() {
            cells += 1;
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
    assert!(cells > 20, "only {cells} cells");
    // Defused, not lost: the text is all there after the quote.
    let text = reply.text();
    assert!(text.contains("'=cmd|' /C calc'!A0"), "{text}");
    assert!(text.contains("'=1+2@x.com"), "{text}");
    // The JSON export is data for programs and stays exact.
    let json = server
        .get_as(&paths::export(id, "json"), &owner)
        .expect(200);
    assert!(json.to_string().contains("=cmd|' /C calc'!A0"));
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

// Issue 13, item 8.
#[test]
fn the_database_and_its_folder_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("data").join("canvass.db");
    let server = TestServer::start_with_db(db.to_str().unwrap(), &[]);
    server.user("ann@example.com");
    assert_eq!(mode(db.parent().unwrap()), 0o700, "the folder canvass made");
    for file in ["canvass.db", "canvass.db-wal", "canvass.db-shm"] {
        let path = db.with_file_name(file);
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}

#[test]
fn an_existing_database_readable_by_others_is_made_private() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.db");
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let server = TestServer::start_with_db(db.to_str().unwrap(), &[]);
    server.get(paths::HEALTH).expect(200);
    assert_eq!(mode(&db), 0o600);
}

/// `canvass serve --db DB` expected to refuse to start: its output.
fn refused(db: &str, as_nobody: bool) -> Output {
    let binary = env!("CARGO_BIN_EXE_canvass");
    let mut command = if as_nobody {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", binary]);
        c
    } else {
        Command::new(binary)
    };
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--db", db])
        .env("CANVASS_SECRET", TEST_SECRET)
        .env("RUST_BACKTRACE", "1");
    command.output().unwrap()
}

#[track_caller]
fn one_error_line(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    stderr
}

// Issue 13, item 13.
#[test]
fn a_database_path_that_is_not_a_file_is_refused_and_nothing_is_left_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    for db in ["/dev/null", dir.path().to_str().unwrap()] {
        let stderr = one_error_line(&refused(db, false));
        assert!(stderr.contains("is not a regular file"), "{stderr}");
    }
    assert!(!std::path::Path::new("/dev/null-journal").exists());
    // No key file was made beside the folder given as a database either.
    assert!(!dir.path().with_file_name("secret.key").exists());
}

#[test]
fn a_read_only_database_is_refused_at_start_not_with_a_500_per_write() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = dir.path().join("ro.db");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
    drop(conn);
    // Root may write anything, so the server runs as nobody where the test runs as root (the
    // folder just made belongs to whoever runs the test).
    let root = std::fs::metadata(dir.path()).unwrap().uid_is_root();
    std::fs::set_permissions(
        &db,
        std::fs::Permissions::from_mode(if root { 0o644 } else { 0o444 }),
    )
    .unwrap();
    let stderr = one_error_line(&refused(db.to_str().unwrap(), root));
    assert!(stderr.contains("is read-only"), "{stderr}");
}

trait Owner {
    fn uid_is_root(&self) -> bool;
}

impl Owner for std::fs::Metadata {
    fn uid_is_root(&self) -> bool {
        std::os::unix::fs::MetadataExt::uid(self) == 0
    }
}

// Issue 13, item 10: a token names the account, not only its e-mail.
#[test]
fn a_token_of_a_deleted_account_does_not_open_a_new_account_with_the_same_email() {
    let server = TestServer::start_sqlite();
    let old = server.user("ann@example.com");
    server.user("bob@example.com");
    let (_, claims) = decode_parts(&old);
    assert!(claims["uid"].is_i64(), "{claims}");
    // Ann's account goes (as an operator would delete it) and someone registers her e-mail.
    let db = rusqlite::Connection::open(server.db_path()).unwrap();
    db.execute("DELETE FROM users WHERE email = 'ann@example.com'", [])
        .unwrap();
    drop(db);
    let newcomer = server.user("ann@example.com");
    server.get_as(paths::ME, &newcomer).expect(200);
    let reply = server.get_as(paths::ME, &old);
    assert_eq!(reply.status, 401, "{}", reply.text());
    assert_eq!(reply.json(), invalid_token());
}

#[test]
fn refreshing_never_carries_a_session_past_its_maximum_life() {
    let server = TestServer::start_with_env(&[("CANVASS_SESSION_MAX", "30days")]);
    let token = server.user("ann@example.com");
    let (_, claims) = decode_parts(&token);
    let uid = claims["uid"].clone();
    // A token whose session began 31 days ago, refreshed ever since: still unexpired itself.
    let day = 24 * 3600;
    let old_session = mint(&json!({
        "sub": "ann@example.com", "uid": uid, "iat": now(), "exp": now() + 600,
        "auth_time": now() - 31 * day,
    }));
    server.get_as(paths::ME, &old_session).expect(200);
    let refused = server.post(paths::TOKEN_REFRESH, Some(&old_session));
    assert_eq!(refused.status, 401, "{}", refused.text());
    assert_eq!(refused.json(), expired_token());
    // A session one day from its end gets a token that ends with it, not 30 minutes on.
    let started = now() - 30 * day + 60;
    let ending = mint(&json!({
        "sub": "ann@example.com", "uid": uid, "iat": now(), "exp": now() + 600,
        "auth_time": started,
    }));
    let refreshed = server.post(paths::TOKEN_REFRESH, Some(&ending)).expect(200);
    let (_, claims) = decode_parts(refreshed["token"].as_str().unwrap());
    assert!(claims["exp"].as_i64().unwrap() <= now() + 60, "{claims}");
    assert_eq!(
        claims["auth_time"],
        json!(started),
        "the session keeps its start"
    );
}

// Issue 13, item 12: one spelling of an address, one account, one throttle count.
#[test]
fn look_alike_emails_name_one_account_and_hidden_characters_are_refused() {
    let server = TestServer::start();
    let registered = server.register("ｃａｓｅ@x.com", PASSWORD);
    assert_eq!(
        registered["email"], "case@x.com",
        "stored in its plain (NFKC) form"
    );
    for same in ["case@x.com", "CASE@x.com", " case@x.com "] {
        let body = json!({"email": same, "password": PASSWORD});
        server.post_json(paths::REGISTER, &body, None).error(409);
    }
    server.login("Ｃａｓｅ@x.com", PASSWORD);
    server.register("\u{212a}elvin@x.com", PASSWORD); // the Kelvin sign
    let plain = json!({"email": "kelvin@x.com", "password": PASSWORD});
    server.post_json(paths::REGISTER, &plain, None).error(409);
    for hidden in [
        "case@x.com\u{200b}",
        "ann\u{202e}@x.com",
        "esc\u{1b}[31m@x.com",
        "bom\u{feff}@x.com",
    ] {
        let body = json!({"email": hidden, "password": PASSWORD});
        server
            .post_json(paths::REGISTER, &body, None)
            .error_naming("email");
    }
}

#[test]
fn failed_logins_count_against_the_account_the_store_would_find() {
    let server = TestServer::start();
    // One account, however its letters are cased or its characters written: the store's key
    // and the throttle's are the same (`Email::key`).
    server.register("Étienne@x.com", PASSWORD);
    let twin = json!({"email": "étienne@x.com", "password": PASSWORD});
    server.post_json(paths::REGISTER, &twin, None).error(409);
    server.login("ÉTIENNE@X.COM", PASSWORD);
    server.register("bob@x.com", PASSWORD);
    let wrong = json!({"email": "Étienne@x.com", "password": "guess"});
    for _ in 0..10 {
        assert_eq!(server.post_json(paths::LOGIN, &wrong, None).status, 401);
    }
    // Every spelling of the guessed account is locked out with it…
    for spelling in ["étienne@x.com", "Étienne@ｘ.com"] {
        let right = json!({"email": spelling, "password": PASSWORD});
        assert_eq!(
            server.post_json(paths::LOGIN, &right, None).status,
            429,
            "{spelling}"
        );
    }
    // …and no other account is.
    server.login("bob@x.com", PASSWORD);
}

// Issue 13, item 2: the seed's unpaged listing cannot grow without bound.
#[test]
fn the_unpaged_listing_holds_the_newest_surveys_up_to_its_limit() {
    let server = TestServer::start_with_env(&[("CANVASS_LISTING_LIMIT", "3")]);
    let owner = server.user("owner@example.com");
    let ids: Vec<_> = (0..5)
        .map(|n| {
            let body = crate::harness::survey::seed_survey(&format!("S{n}"));
            survey_id(&server.create_survey(&owner, &body))
        })
        .collect();
    let listed = server.get(paths::SURVEYS).expect(200);
    let listed: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, ids[2..], "the newest three, oldest first");
    // Pages still reach every survey.
    let page = server.get(&paths::surveys_page(1, 100, false)).expect(200);
    assert_eq!(page["total"], 5);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
}

// Issue 13, item 2: creating surveys is rate-limited per account.
#[test]
fn an_account_past_its_hourly_survey_quota_gets_429_and_others_go_on() {
    let server = TestServer::start_with_env(&[("CANVASS_SURVEYS_PER_HOUR", "2")]);
    let ann = server.user("ann@example.com");
    let body = crate::harness::survey::seed_survey("Q");
    for _ in 0..2 {
        server
            .post_json(paths::SURVEYS, &body, Some(&ann))
            .expect(201);
    }
    let refused = server.post_json(paths::SURVEYS, &body, Some(&ann));
    assert_eq!(refused.status, 429, "{}", refused.text());
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&retry_after), "{retry_after}");
    let bob = server.user("bob@example.com");
    server
        .post_json(paths::SURVEYS, &body, Some(&bob))
        .expect(201);
}
