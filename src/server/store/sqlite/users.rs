//! SQLite's side of `admin users` (`store/users.rs`): one connection of its own beside the
//! server's, each write one IMMEDIATE transaction that waits its turn (`busy_timeout`) behind
//! the server's writers.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::connection::{connect, migrate};
use super::{SqliteStore, user_from_row};
use crate::domain::{Email, UserId};
use crate::server::store::users::{ACCOUNTS, Account, Deleted, Users};
use crate::server::store::{Entity, StoreError};

struct SqliteUsers {
    conn: Connection,
}

impl SqliteStore {
    /// The caller checks the file exists: like any SQLite open, this would create it.
    pub(in crate::server::store) fn users(path: &Path) -> Result<Box<dyn Users>, StoreError> {
        let mut conn = connect(path)?;
        migrate(&mut conn)?;
        Ok(Box::new(SqliteUsers { conn }))
    }
}

fn account_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    let surveys: i64 = row.get(5)?;
    Ok(Account {
        user: user_from_row(row)?,
        surveys: u64::try_from(surveys).unwrap_or(0),
    })
}

/// `NotFound` unless `user` exists, inside `tx`.
fn exists(tx: &rusqlite::Transaction<'_>, user: UserId) -> Result<(), StoreError> {
    tx.query_row("SELECT 1 FROM users WHERE id = ?1", [user.0], |_| Ok(()))
        .optional()?
        .ok_or(StoreError::NotFound(Entity::User))
}

impl Users for SqliteUsers {
    fn list_accounts(&mut self) -> Result<Vec<Account>, StoreError> {
        Ok(self
            .conn
            .prepare(&format!("{ACCOUNTS} ORDER BY id"))?
            .query_map([], account_from_row)?
            .collect::<Result<_, _>>()?)
    }

    fn find_account(&mut self, email: &str) -> Result<Option<Account>, StoreError> {
        Ok(self
            .conn
            .prepare(&format!("{ACCOUNTS} WHERE email_key = ?1"))?
            .query_row([Email::key(email)], account_from_row)
            .optional()?)
    }

    fn update_disabled(&mut self, user: UserId, disabled: bool) -> Result<bool, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        exists(&tx, user)?;
        let changed = tx.execute(
            "UPDATE users SET disabled = ?2,
                 token_generation = token_generation + (CASE WHEN ?2 THEN 1 ELSE 0 END)
             WHERE id = ?1 AND disabled <> ?2",
            params![user.0, disabled],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    fn update_password(&mut self, user: UserId, password_hash: &str) -> Result<(), StoreError> {
        let changed = self.conn.execute(
            "UPDATE users SET password_hash = ?2, token_generation = token_generation + 1
             WHERE id = ?1",
            params![user.0, password_hash],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(Entity::User));
        }
        Ok(())
    }

    fn delete_account(&mut self, user: UserId) -> Result<Deleted, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        exists(&tx, user)?;
        // Questions, choices, responses with their answers, and invitations go with each
        // survey (ON DELETE CASCADE; `connect` turns foreign keys on).
        let surveys = tx.execute("DELETE FROM surveys WHERE creator_id = ?1", [user.0])?;
        // What is left of theirs answers others' surveys: still counted there, but no longer
        // theirs. The schema would null `respondent_id` by itself; `exclusive_respondent_id`
        // (one response per user) has no foreign key, and names them too.
        let responses_kept = tx.execute(
            "UPDATE responses SET respondent_id = NULL, exclusive_respondent_id = NULL
             WHERE respondent_id = ?1 OR exclusive_respondent_id = ?1",
            [user.0],
        )?;
        tx.execute("DELETE FROM users WHERE id = ?1", [user.0])?;
        tx.commit()?;
        Ok(Deleted {
            surveys: u64::try_from(surveys).unwrap_or(u64::MAX),
            responses_kept: u64::try_from(responses_kept).unwrap_or(u64::MAX),
        })
    }
}
