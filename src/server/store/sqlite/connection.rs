//! Opening an SQLite connection the way every part of the store needs it, and bringing the
//! schema up to date with the embedded, append-only migrations.

use std::path::Path;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use crate::server::store::{StoreError, rekeyed};

/// Applied in order; `PRAGMA user_version` records how many ran. Append only.
pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_surveys_by_creator.sql"),
    include_str!("migrations/0003_response_client_id.sql"),
    include_str!("migrations/0004_login_failures.sql"),
    include_str!("migrations/0005_responses_by_respondent_and_email_key.sql"),
    include_str!("migrations/0006_unique_email_key.sql"),
    include_str!("migrations/0007_ids_never_reused_and_survey_settings.sql"),
    include_str!("migrations/0008_users_disabled.sql"),
];

/// The migration after which `email_key` is filled in (by `fill_email_keys`).
const EMAIL_KEY_ADDED: usize = 5;

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
    // The undo log of a savepoint (one per response in a batch, `responses.rs`) spills to a
    // temporary file past 64 KiB: a file created, written and unlinked per batch, seen in
    // strace of the write path. Nothing temporary here is large; memory does.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // The query planner's stability guarantee: a prepared statement keeps its plan whatever
    // values are bound. Without it SQLite marks statements whose plan a bound value might
    // change (a parameter compared with a partial index's condition, say) and parses and
    // plans them again on every new binding: a tenth of the vote path's CPU went to
    // re-preparing the survey's queries (`sqlite3Reprepare` under `load_surveys`).
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // rusqlite keeps 16 prepared statements by default; the store uses more than that, and
    // an evicted one is parsed again on its next use (seen in profiles of the vote path).
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if applied >= MIGRATIONS.len() {
        return Ok(());
    }
    // A migration may rebuild a table (create, copy, drop, rename): with foreign keys on,
    // dropping the old table would cascade into the rows that point at it. The pragma is a
    // no-op inside a transaction, so it is set around them; each migration checks the keys
    // before it commits instead.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let migrated = (applied..MIGRATIONS.len()).try_for_each(|index| {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(MIGRATIONS[index])?;
        if index + 1 == EMAIL_KEY_ADDED {
            fill_email_keys(&tx)?;
        }
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |row| row.get(0))
            .optional()?;
        if let Some(table) = broken {
            return Err(StoreError::backend(std::io::Error::other(format!(
                "migration {} would leave rows of {table} pointing nowhere",
                index + 1
            ))));
        }
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
        Ok(())
    });
    conn.pragma_update(None, "foreign_keys", "ON")?;
    migrated
}

/// A key for every existing user: computed in Rust, as `create_user` computes it, since SQL
/// has no NFKC.
fn fill_email_keys(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let users = tx
        .prepare("SELECT id, email FROM users ORDER BY id")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let rekeyed = rekeyed(users);
    let mut update = tx.prepare("UPDATE users SET email_key = ?2 WHERE id = ?1")?;
    for (id, key) in &rekeyed.keys {
        update.execute(rusqlite::params![id, key])?;
    }
    rekeyed.warn();
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

    #[test]
    fn users_from_before_the_email_key_get_keys_and_the_older_twin_keeps_its_login() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = connect(&dir.path().join("t.db")).unwrap();
        for sql in &MIGRATIONS[..EMAIL_KEY_ADDED - 1] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", EMAIL_KEY_ADDED - 1)
            .unwrap();
        conn.execute_batch(
            "INSERT INTO users (id, email, password_hash) VALUES
                 (1, 'Étienne@x.org', 'h'), (2, 'étienne@x.org', 'h'), (3, 'ann@x.org', 'h')",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let keys: Vec<(i64, String)> = conn
            .prepare("SELECT id, email_key FROM users ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            keys,
            [
                (1, "étienne@x.org".to_owned()),
                (2, "étienne@x.org\u{1}2".to_owned()),
                (3, "ann@x.org".to_owned()),
            ]
        );
        let duplicate = conn.execute(
            "INSERT INTO users (email, email_key, password_hash) VALUES ('x', 'ann@x.org', 'h')",
            [],
        );
        assert!(duplicate.is_err(), "email_key is unique");
    }
}
