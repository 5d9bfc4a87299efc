//! `canvass admin users` (issue 17): accounts changed on the database while the server runs
//! on it, and what the server does about it on the very next request. Every test runs on the
//! backend `CANVASS_TEST_BACKEND` names, `--db` naming the same database as the server's.

use std::ffi::OsString;
use std::time::{Duration, Instant};

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::cli::{Cli, Machine};
use crate::harness::seed::{invalid_credentials, invalid_token};
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{choice_id, count_of, question_id, seed_survey, survey_id};

/// The installation the server runs on, as `--db` takes it.
fn db_of(server: &TestServer) -> OsString {
    server
        .postgres_url()
        .map_or_else(|| server.db_path().into_os_string(), OsString::from)
}

/// `canvass admin users ARGS` on the server's database, run where no server is configured
/// (the command never speaks to one). `--db` comes from the environment, as an operator
/// keeping a PostgreSQL password out of `ps` would give it.
fn users<const N: usize>(machine: &Machine, server: &TestServer, args: [&str; N]) -> Cli {
    machine
        .cli()
        .args(["admin", "users"])
        .args(args)
        .env("CANVASS_DB", db_of(server))
}

fn admin() -> Machine {
    Machine::for_url("http://127.0.0.1:9")
}

/// Logging in as the seed client does, whatever the answer.
fn login(server: &TestServer, email: &str, password: &str) -> (u16, Value) {
    let reply = server.axios(
        "POST",
        paths::LOGIN,
        &json!({"email": email, "password": password}),
        None,
    );
    (reply.status, reply.json())
}

/// The first choice of each of the seed survey's two (required) questions.
fn answer(survey: &Value) -> Value {
    let answers: Vec<Value> = (0..2)
        .map(|q| {
            json!({"question_id": question_id(survey, q), "choice_ids": [choice_id(survey, q, 0)]})
        })
        .collect();
    json!({ "answers": answers })
}

#[test]
fn list_shows_every_account_with_its_surveys_and_whether_it_is_disabled() {
    let server = TestServer::start();
    let ann = server.user("ann@example.com");
    server.create_survey(&ann, &seed_survey("Lunch"));
    server.create_survey(&ann, &seed_survey("Dinner"));
    server.user("bob@example.com");
    let machine = admin();
    users(&machine, &server, ["disable", "bob@example.com"])
        .run()
        .success();

    let table = users(&machine, &server, ["list"]).run();
    table
        .success()
        .stdout_contains("surveys  disabled  email")
        .stdout_contains("        2  no        ann@example.com")
        .stdout_contains("        0  yes       bob@example.com");
    assert_eq!(table.stdout.lines().count(), 3, "{}", table.stdout);

    let listed = users(&machine, &server, ["list", "--json"]).run().json();
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2, "{listed:?}");
    for (account, (email, surveys, disabled)) in listed
        .iter()
        .zip([("ann@example.com", 2, false), ("bob@example.com", 0, true)])
    {
        assert_eq!(account["email"], email);
        assert_eq!(account["surveys"], surveys);
        assert_eq!(account["disabled"], disabled);
        assert!(account["id"].is_i64(), "{account}");
        assert!(account["created_at"].is_string(), "{account}");
    }
}

#[test]
fn a_disabled_user_is_refused_at_once_and_logs_in_again_once_enabled() {
    let server = TestServer::start();
    let token = server.user("ann@example.com");
    server.get_as(paths::ME, &token).expect(200);
    let machine = admin();
    // Named as a login names it: letter case and full-width forms do not matter.
    users(&machine, &server, ["disable", "ＡＮＮ@Example.com"])
        .run()
        .success()
        .stdout_contains("disabled ann@example.com");

    // The command has returned, so the row is written: the very next request is refused.
    assert_eq!(
        server.get_as(paths::ME, &token).expect(401),
        invalid_token()
    );
    // The same 401 as a wrong password, so the reply says nothing about the account.
    let refused = login(&server, "ann@example.com", PASSWORD);
    assert_eq!(refused, (401, invalid_credentials()));
    assert_eq!(login(&server, "ann@example.com", "wrong"), refused);

    users(&machine, &server, ["disable", "ann@example.com"])
        .run()
        .success()
        .stdout_contains("ann@example.com was already disabled");
    users(&machine, &server, ["enable", "ann@example.com"])
        .run()
        .success()
        .stdout_contains("enabled ann@example.com");
    let fresh = server.login("ann@example.com", PASSWORD);
    server.get_as(paths::ME, &fresh).expect(200);
    // A token from before the disabling stays revoked.
    assert_eq!(
        server.get_as(paths::ME, &token).expect(401),
        invalid_token()
    );
    users(&machine, &server, ["enable", "ann@example.com"])
        .run()
        .success()
        .stdout_contains("ann@example.com was not disabled");
}

#[test]
fn a_reset_password_revokes_every_token_and_only_the_new_password_logs_in() {
    let server = TestServer::start();
    let token = server.user("ann@example.com");
    let machine = admin();
    users(
        &machine,
        &server,
        ["reset-password", "ann@example.com", "--password-stdin"],
    )
    .stdin("a brand new secret\n")
    .run()
    .success()
    .stdout_contains("ann@example.com has a new password");

    assert_eq!(
        server.get_as(paths::ME, &token).expect(401),
        invalid_token()
    );
    assert_eq!(
        login(&server, "ann@example.com", PASSWORD),
        (401, invalid_credentials())
    );
    let fresh = server.login("ann@example.com", "a brand new secret");
    server.get_as(paths::ME, &fresh).expect(200);
}

#[test]
fn a_refused_new_password_is_one_line_and_changes_nothing() {
    let server = TestServer::start();
    let token = server.user("ann@example.com");
    let machine = admin();
    let too_long = format!("{}\n", "x".repeat(1025));
    for typed in ["\n", too_long.as_str()] {
        users(
            &machine,
            &server,
            ["reset-password", "ann@example.com", "--password-stdin"],
        )
        .stdin(typed)
        .run()
        .code(2)
        .stderr_contains("the new password must")
        .stderr_contains("nothing was changed")
        .stdout_is_empty();
    }
    // Without the flag and without a terminal, it says which flag to pass.
    users(&machine, &server, ["reset-password", "ann@example.com"])
        .run()
        .code(2)
        .stderr_contains("pass --password-stdin");
    server.get_as(paths::ME, &token).expect(200);
    server.login("ann@example.com", PASSWORD);
}

#[test]
fn delete_takes_the_users_surveys_and_keeps_their_responses_to_others_counted() {
    let server = TestServer::start();
    let ann = server.user("ann@example.com");
    let bob = server.user("bob@example.com");
    let anns = server.create_survey(&ann, &seed_survey("Ann's"));
    let bobs = server.create_survey(&bob, &seed_survey("Bob's"));
    // Bob answers Ann's survey (that goes with it); Ann answers Bob's (that stays).
    for (survey, token) in [(&anns, &bob), (&bobs, &ann)] {
        server
            .post_json(
                &paths::responses(survey_id(survey)),
                &answer(survey),
                Some(token),
            )
            .expect(201);
    }
    // Read once, so the server holds it in its reply cache.
    server.get(&paths::survey(survey_id(&anns))).expect(200);
    let machine = admin();
    users(&machine, &server, ["delete", "ann@example.com", "--yes"])
        .run()
        .success()
        .stdout_contains("deleted ann@example.com and 1 survey; 1 response to other surveys kept");

    // First, before a failed login below writes through the server and so empties its
    // cache anyway: the cached survey must be gone by the delete alone.
    gone(&server, &paths::survey(survey_id(&anns)));
    assert_eq!(server.get_as(paths::ME, &ann).expect(401), invalid_token());
    assert_eq!(
        login(&server, "ann@example.com", PASSWORD),
        (401, invalid_credentials())
    );
    let results = server.results(survey_id(&bobs).try_into().unwrap());
    assert_eq!(results["responses"], 1, "{results}");
    assert_eq!(count_of(&results, choice_id(&bobs, 0, 0)), 1, "{results}");
    machine
        .cli()
        .args(["admin", "check"])
        .env("CANVASS_DB", db_of(&server))
        .run()
        .success()
        .stdout_contains(": ok");
    let listed = users(&machine, &server, ["list", "--json"]).run().json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["email"], "bob@example.com");
}

/// Waits for `path` to answer 404: the server sees another process's commit a moment later
/// (SQLite: within 100 ms, `PRAGMA data_version`; PostgreSQL: its notification).
#[track_caller]
fn gone(server: &TestServer, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let status = server.get(path).status;
        if status == 404 {
            return;
        }
        assert!(Instant::now() < deadline, "{path} still answers {status}");
    }
}

#[test]
fn delete_without_yes_and_without_a_terminal_is_refused_and_deletes_nothing() {
    let server = TestServer::start();
    let ann = server.user("ann@example.com");
    let survey = server.create_survey(&ann, &seed_survey("Lunch"));
    let machine = admin();
    users(&machine, &server, ["delete", "ann@example.com"])
        .run()
        .code(2)
        .stderr_contains("pass --yes")
        .stdout_is_empty();
    server.get_as(paths::ME, &ann).expect(200);
    server.get(&paths::survey(survey_id(&survey))).expect(200);
}

#[test]
fn an_unknown_email_is_one_line_and_a_failure() {
    let server = TestServer::start();
    server.user("ann@example.com");
    let machine = admin();
    for args in [
        &["disable", "nobody@example.com"][..],
        &["enable", "nobody@example.com"],
        &["reset-password", "nobody@example.com", "--password-stdin"],
        &["delete", "nobody@example.com", "--yes"],
    ] {
        machine
            .cli()
            .args(["admin", "users"])
            .args(args)
            .env("CANVASS_DB", db_of(&server))
            .stdin("whatever\n")
            .run()
            .code(1)
            .stderr_contains("has no account with the e-mail \"nobody@example.com\"")
            .stdout_is_empty();
    }
    server.login("ann@example.com", PASSWORD);
}

#[test]
fn a_missing_sqlite_file_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("canvass.db");
    admin()
        .cli()
        .args(["admin", "users", "list", "--db"])
        .args([&missing])
        .run()
        .code(1)
        .stderr_contains("there is no SQLite database at");
    assert!(!missing.exists());
}

#[test]
fn a_disabled_account_stays_disabled_through_copy_db() {
    let server = TestServer::start();
    server.user("ann@example.com");
    let machine = admin();
    users(&machine, &server, ["disable", "ann@example.com"])
        .run()
        .success();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    machine
        .cli()
        .args(["admin", "copy-db"])
        .env("CANVASS_COPY_FROM", db_of(&server))
        .env("CANVASS_COPY_TO", &copy)
        .run()
        .success();
    let listed = machine
        .cli()
        .args(["admin", "users", "list", "--json", "--db"])
        .args([&copy])
        .run()
        .json();
    assert_eq!(listed[0]["email"], "ann@example.com");
    assert_eq!(listed[0]["disabled"], true, "{listed}");
}

#[test]
fn delete_at_a_terminal_says_what_goes_and_asks_first() {
    let server = TestServer::start();
    let ann = server.user("ann@example.com");
    let survey = server.create_survey(&ann, &seed_survey("Lunch"));
    let machine = admin();
    let mut pty = users(&machine, &server, ["delete", "ann@example.com"]).pty();
    pty.expect("Delete ann@example.com and the 1 survey it created");
    pty.send_line("n");
    pty.expect("kept ann@example.com");
    pty.expect_exit(0);
    server.get(&paths::survey(survey_id(&survey))).expect(200);

    let mut pty = users(&machine, &server, ["delete", "ann@example.com"]).pty();
    pty.expect("Delete ann@example.com");
    pty.send_line("y");
    pty.expect("deleted ann@example.com and 1 survey");
    pty.expect_exit(0);
    gone(&server, &paths::survey(survey_id(&survey)));
}

#[test]
fn reset_password_at_a_terminal_asks_twice() {
    let server = TestServer::start();
    server.user("ann@example.com");
    let machine = admin();
    let mut pty = users(&machine, &server, ["reset-password", "ann@example.com"]).pty();
    pty.expect("Password");
    pty.send_line("typed at the terminal");
    pty.expect("Repeat password");
    pty.send_line("typed at the terminal");
    pty.expect("has a new password");
    pty.expect_exit(0);
    server.login("ann@example.com", "typed at the terminal");
}
