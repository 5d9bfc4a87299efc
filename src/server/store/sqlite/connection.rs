//! Opening an SQLite connection the way every part of the store needs it, and bringing the
//! schema up to date with the embedded, append-only migrations.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, TransactionBehavior};

use crate::server::store::StoreError;

/// Applied in order; `PRAGMA user_version` records how many ran. Append only.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_surveys_by_creator.sql"),
    include_str!("migrations/0003_response_client_id.sql"),
    include_str!("migrations/0004_login_failures.sql"),
];

/// How long a writer waits for the database lock before giving up. SQLite has one writer at
/// a time; under load the others queue here instead of failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub(super) fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Per connection, off by default in SQLite: without it ON DELETE CASCADE does nothing.
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed
    // transaction survives a process crash (kill -9), and only an OS crash or power loss
    // can roll back the last few. FULL would cost an fsync per response.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // rusqlite keeps 16 prepared statements by default; the store uses more than that, and
    // an evicted one is parsed again on its next use (seen in profiles of the vote path).
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_and_record_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        for _ in 0..2 {
            let mut conn = connect(&path).unwrap();
            migrate(&mut conn).unwrap();
            let version: usize = conn
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .unwrap();
            assert_eq!(version, MIGRATIONS.len());
        }
    }
}
