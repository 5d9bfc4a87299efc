//! Connections to PostgreSQL: an r2d2 pool of blocking `postgres` clients, each with its own
//! cache of prepared statements, and a retry loop for the errors a database asks you to retry.
//!
//! r2d2 with our own manager rather than `r2d2_postgres`: its connections are bare `Client`s,
//! and a statement prepared anew per query costs a second round trip on every request.

use std::collections::HashMap;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, Config, NoTls, Statement};

use crate::server::store::StoreError;

/// How long a request waits for a free connection before it fails with a 500. Workers never
/// outnumber connections, so only a database that stopped answering makes anyone wait.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(10);

/// Serialization failures and deadlocks are retried this many times before giving up.
const MAX_ATTEMPTS: u32 = 8;

pub(super) type Pool = r2d2::Pool<Manager>;

/// A client and the statements prepared on it (statements belong to one session).
pub(super) struct PgConnection {
    pub client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl PgConnection {
    /// `sql` prepared on this connection, once.
    pub fn prepared(&mut self, sql: &'static str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }
}

pub(super) struct Manager {
    config: Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgConnection;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgConnection, postgres::Error> {
        Ok(PgConnection {
            client: self.config.connect(NoTls)?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut PgConnection) -> Result<(), postgres::Error> {
        conn.client.is_valid(CHECKOUT_TIMEOUT)
    }

    fn has_broken(&self, conn: &mut PgConnection) -> bool {
        conn.client.is_closed()
    }
}

/// A pool of at most `size` connections to `config`'s database.
pub(super) fn pool(config: Config, size: usize) -> Result<Pool, StoreError> {
    r2d2::Pool::builder()
        .max_size(u32::try_from(size.max(1)).unwrap_or(u32::MAX))
        .min_idle(Some(1))
        // A checkout would cost a `SELECT 1` round trip; a broken connection is noticed by
        // `has_broken` when it comes back instead, and its one request fails.
        .test_on_check_out(false)
        .connection_timeout(CHECKOUT_TIMEOUT)
        .build(Manager { config })
        .map_err(StoreError::backend)
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        StoreError::backend(e)
    }
}

pub(super) fn is_unique_violation(e: &postgres::Error) -> bool {
    e.code() == Some(&SqlState::UNIQUE_VIOLATION)
}

/// Whether the database asks for the transaction to be run again: a serialization failure
/// (what CockroachDB and YugabyteDB answer under contention) or a deadlock.
fn is_retryable(e: &StoreError) -> bool {
    let StoreError::Backend(source) = e else {
        return false;
    };
    source
        .downcast_ref::<postgres::Error>()
        .and_then(postgres::Error::code)
        .is_some_and(|code| {
            *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED
        })
}

/// Runs `work` on a pooled connection, again (after a jittered pause) when the database asks
/// for a retry. `work` must be a whole transaction, so running it twice is safe.
pub(super) fn with_retry<T>(
    pool: &Pool,
    mut work: impl FnMut(&mut PgConnection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let mut conn = pool.get().map_err(StoreError::backend)?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match work(&mut conn) {
            Err(e) if attempt < MAX_ATTEMPTS && is_retryable(&e) => backoff(attempt),
            result => return result,
        }
    }
}

/// Up to 2^attempt ms, at random, so the transactions that collided do not collide again.
#[expect(
    clippy::disallowed_methods,
    reason = "a retry after a serialization failure has no event to wait on"
)]
fn backoff(attempt: u32) {
    let ceiling = 1u64 << attempt.min(10);
    let jitter = getrandom::u64().unwrap_or(ceiling / 2) % ceiling;
    std::thread::sleep(Duration::from_millis(jitter + 1));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool on the cluster the tests were given, or `None` (skipped) without one.
    fn test_pool() -> Option<Pool> {
        let url = std::env::var("CANVASS_TEST_POSTGRES").ok()?;
        Some(pool(url.parse().unwrap(), 2).unwrap())
    }

    /// Fails with SQLSTATE `code`, as the database itself would.
    fn raise(conn: &mut PgConnection, code: &str) -> Result<(), StoreError> {
        let sql = format!("DO $$ BEGIN RAISE EXCEPTION 'test' USING ERRCODE = '{code}'; END $$");
        Ok(conn.client.batch_execute(&sql)?)
    }

    #[test]
    fn serialization_failures_and_deadlocks_are_retried_until_the_work_succeeds() {
        let Some(pool) = test_pool() else { return };
        for code in ["40001", "40P01"] {
            let mut attempts = 0;
            let done = with_retry(&pool, |conn| {
                attempts += 1;
                if attempts < 3 {
                    raise(conn, code)
                } else {
                    Ok(())
                }
            });
            assert!(done.is_ok(), "{code}: {done:?}");
            assert_eq!(attempts, 3, "{code}");
        }
    }

    #[test]
    fn other_errors_are_not_retried_and_retries_end() {
        let Some(pool) = test_pool() else { return };
        let mut attempts = 0;
        let refused = with_retry(&pool, |conn| {
            attempts += 1;
            raise(conn, "23505")
        });
        assert!(matches!(refused, Err(StoreError::Backend(_))));
        assert_eq!(attempts, 1, "a unique violation is an answer, not a retry");
        let mut attempts = 0;
        let gave_up = with_retry(&pool, |conn| {
            attempts += 1;
            raise(conn, "40001")
        });
        assert!(gave_up.is_err());
        assert_eq!(attempts, MAX_ATTEMPTS);
    }
}
