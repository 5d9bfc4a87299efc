//! `--db` picks the backend (issue 12): a path is SQLite, a postgres:// URL PostgreSQL,
//! anything else a usage error; credentials never show; PostgreSQL needs the shared secret;
//! one server per SQLite file.

use std::process::{Command, Output};

use canvass::protocol::paths;

use crate::harness::postgres::TestDatabase;
use crate::harness::server::{TEST_SECRET, TestServer};

/// `canvass serve` with only the given environment (no inherited `CANVASS_*`), expected to
/// refuse to start; its output once it has exited.
fn serve(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_canvass"));
    command
        .arg("serve")
        .args(["--addr", "127.0.0.1:0"])
        .args(args)
        .env("RUST_BACKTRACE", "1");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CANVASS_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.output().unwrap()
}

/// The one error line of a refused start, after checking it is the only line and the code.
#[track_caller]
fn refusal(output: &Output, code: i32) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(output.stdout.is_empty(), "stdout: {:?}", output.stdout);
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "not one line: {stderr}"
    );
    stderr
}

#[test]
fn a_database_url_of_another_kind_is_a_usage_error_that_names_the_accepted_forms() {
    for db in [
        "mysql://root:hunter2@db/canvass",
        "foo:bar",
        "postgres:hunter2@db",
    ] {
        let stderr = refusal(&serve(&["--db", db], &[]), 2);
        assert!(stderr.contains("postgres://USER"), "{stderr}");
        assert!(stderr.contains("SQLite file path"), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }
    // The same through the environment.
    let stderr = refusal(
        &serve(&[], &[("CANVASS_DB", "mysql://root:hunter2@db/c")]),
        2,
    );
    assert!(
        stderr.contains("postgres://USER") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}

#[test]
fn postgres_without_a_shared_secret_refuses_to_start_and_says_why() {
    let stderr = refusal(
        &serve(
            &["--db", "postgres://canvass:hunter2@127.0.0.1:1/canvass"],
            &[],
        ),
        1,
    );
    assert!(stderr.contains("CANVASS_SECRET is required"), "{stderr}");
    assert!(stderr.contains("replica"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn an_unreachable_postgres_is_one_line_with_the_password_masked() {
    let output = serve(
        &["--db", "postgresql://canvass:hunter2@127.0.0.1:1/canvass"],
        &[("CANVASS_SECRET", TEST_SECRET)],
    );
    let stderr = refusal(&output, 1);
    assert!(
        stderr.contains("cannot open the database postgresql://canvass:***@127.0.0.1:1/canvass"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
}

#[test]
fn a_second_server_on_one_sqlite_file_is_refused() {
    let server = TestServer::start_sqlite();
    let db = server.db_path();
    let output = serve(
        &["--db", db.to_str().unwrap()],
        &[("CANVASS_SECRET", TEST_SECRET)],
    );
    let stderr = refusal(&output, 1);
    assert!(
        stderr.contains("another `canvass serve` is using"),
        "{stderr}"
    );
    assert!(stderr.contains("PostgreSQL"), "{stderr}");
    // The first goes on serving.
    server.get(paths::HEALTH).expect(200);
}

#[test]
fn the_startup_line_names_postgres_with_the_password_masked() {
    let Some(db) = TestDatabase::create() else {
        return;
    };
    let url = db.url();
    let server = TestServer::start_with_db(&url, &[]);
    let line = server.startup_line();
    assert!(line.contains("(db: postgres"), "{line}");
    if let Some((_, password)) = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
    {
        assert!(!line.contains(&format!(":{password}@")), "{line}");
        assert!(line.contains(":***@"), "{line}");
    }
    server.get(paths::HEALTH).expect(200);
}
