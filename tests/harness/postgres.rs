//! `TestDatabase`: a fresh PostgreSQL database per test, created through the maintenance URL in
//! `CANVASS_TEST_POSTGRES` and dropped when the test ends, so tests never share rows.
//! `.ci/postgres` starts a throwaway cluster and prints that variable.

use std::process;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use postgres::{Client, Config, NoTls};

/// Names a database the tests' role may connect to and `CREATE DATABASE` from, e.g.
/// `postgres://canvass:PASS@127.0.0.1:5432/postgres`. Unset, Postgres tests are skipped.
pub const MAINTENANCE_URL: &str = "CANVASS_TEST_POSTGRES";

/// Every test database's name starts with this, so leftovers of a run killed before its
/// `Drop` (Ctrl-C) are easy to find: `SELECT datname FROM pg_database WHERE datname LIKE …`.
const NAME_PREFIX: &str = "canvass_test_";

/// A refused or silent connection fails the test instead of hanging it.
const CONNECT_DEADLINE: Duration = Duration::from_secs(10);
/// `CREATE DATABASE` copies a template and `DROP … WITH (FORCE)` waits for the backends it
/// ends; both stay well under this unless the cluster is stuck.
const STATEMENT_DEADLINE: &str = "60s";

static CREATED: AtomicU32 = AtomicU32::new(0);

/// A database of its own on the cluster `CANVASS_TEST_POSTGRES` names, dropped on `Drop`.
///
/// Two ways to get one:
/// - `TestDatabase::create()` for a test that only makes sense on Postgres: it returns `None`
///   (and says so in the test's output) when the variable is unset, so such a test starts with
///   `let Some(db) = TestDatabase::create() else { return };` and passes, skipped, on a machine
///   without PostgreSQL.
/// - `TestDatabase::required()` where the run asked for Postgres (`CANVASS_TEST_BACKEND=postgres`):
///   a missing variable is then a mistake, and it panics saying what to set.
///
/// Either panics when the variable is set but the database cannot be created: a developer who
/// named a cluster wants to hear it is down, not to see its tests quietly skipped.
pub struct TestDatabase {
    name: String,
    url: String,
    maintenance_url: String,
}

impl TestDatabase {
    /// A fresh database, or `None` when `CANVASS_TEST_POSTGRES` is unset.
    #[track_caller]
    pub fn create() -> Option<TestDatabase> {
        let Some(maintenance_url) = maintenance_url() else {
            eprintln!(
                "skipping the PostgreSQL part of this test: {MAINTENANCE_URL} is unset \
                 (`eval \"$(.ci/postgres start)\"` starts a throwaway cluster and sets it)"
            );
            return None;
        };
        Some(TestDatabase::create_on(maintenance_url))
    }

    /// A fresh database; panics when `CANVASS_TEST_POSTGRES` is unset.
    #[track_caller]
    pub fn required() -> TestDatabase {
        let maintenance_url = maintenance_url().unwrap_or_else(|| {
            panic!(
                "this run needs PostgreSQL (CANVASS_TEST_BACKEND=postgres, or a test that \
                 requires it) but {MAINTENANCE_URL} is unset: set it to \
                 postgres://USER:PASS@HOST:PORT/postgres, a database whose role may CREATE \
                 DATABASE (`eval \"$(.ci/postgres start)\"` starts a throwaway cluster and sets it)"
            )
        });
        TestDatabase::create_on(maintenance_url)
    }

    #[track_caller]
    fn create_on(maintenance_url: String) -> TestDatabase {
        // The pid keeps parallel test processes apart, the counter tests within one; the random
        // part keeps a leftover of an earlier run, with a recycled pid, from getting in the way.
        let name = format!(
            "{NAME_PREFIX}{}_{}_{:08x}",
            process::id(),
            CREATED.fetch_add(1, Ordering::Relaxed),
            uuid::Uuid::new_v4().as_fields().0
        );
        let mut client = connect(&maintenance_url)
            .unwrap_or_else(|e| panic!("{MAINTENANCE_URL}: cannot connect: {e}"));
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .unwrap_or_else(|e| panic!("{MAINTENANCE_URL}: cannot create database {name}: {e}"));
        TestDatabase {
            url: with_database(&maintenance_url, &name),
            name,
            maintenance_url,
        }
    }

    /// The URL of this database: `CANVASS_TEST_POSTGRES` with the database name replaced.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // FORCE ends sessions a killed server's pool left behind. A failure only leaves a
        // database behind (findable by its prefix); it must not fail, or double-panic, a test.
        if let Ok(mut client) = connect(&self.maintenance_url) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

fn maintenance_url() -> Option<String> {
    std::env::var(MAINTENANCE_URL)
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// A client on `url` whose connection and statements each have a deadline.
pub fn connect(url: &str) -> Result<Client, postgres::Error> {
    let mut config = Config::from_str(url)?;
    config.connect_timeout(CONNECT_DEADLINE);
    let mut client = config.connect(NoTls)?;
    client.batch_execute(&format!(
        "SET statement_timeout = '{STATEMENT_DEADLINE}'; \
         SET lock_timeout = '{STATEMENT_DEADLINE}'"
    ))?;
    Ok(client)
}

/// `postgres://USER[:PASS]@HOST[:PORT][/DB][?QUERY]` with DB replaced by `database` and a
/// `dbname=` in the query (which would win over the path) replaced too. Like any URL, a
/// password holding `/`, `?` or `@` must be percent-encoded.
#[track_caller]
fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or_else(|| {
        panic!(
            "{MAINTENANCE_URL} must be a postgres:// URL, like the one `canvass serve --db` takes"
        )
    });
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = match tail.split_once('?') {
        Some((_, query)) => {
            let pairs: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((key, _)) if key == "dbname" => format!("{key}={database}"),
                    _ => pair.to_owned(),
                })
                .collect();
            format!("?{}", pairs.join("&"))
        }
        None => String::new(),
    };
    format!("{scheme}://{authority}/{database}{query}")
}

#[test]
fn a_test_database_url_keeps_everything_but_the_database_name() {
    let cases = [
        (
            "postgres://canvass:pw@127.0.0.1:55432/postgres",
            "postgres://canvass:pw@127.0.0.1:55432/t1",
        ),
        (
            "postgresql://canvass@db.example/canvass?sslmode=disable&connect_timeout=5",
            "postgresql://canvass@db.example/t1?sslmode=disable&connect_timeout=5",
        ),
        ("postgres://u:p@h:1", "postgres://u:p@h:1/t1"),
        (
            "postgres://u:p@h:1?sslmode=disable",
            "postgres://u:p@h:1/t1?sslmode=disable",
        ),
        (
            "postgres://u@/postgres?host=/run/postgresql&dbname=postgres",
            "postgres://u@/t1?host=/run/postgresql&dbname=t1",
        ),
    ];
    for (maintenance, expected) in cases {
        assert_eq!(with_database(maintenance, "t1"), expected, "{maintenance}");
    }
}
