//! PostgreSQL's side of `admin users` (`store/users.rs`): one client of its own, each write
//! one transaction that also notifies the replicas (`listener.rs`), so none serves a deleted
//! survey from its reply cache.

use postgres::{Client, Config, NoTls, Transaction};

use super::{NOTIFY, PostgresStore, migrate, user_from_row};
use crate::domain::{Email, UserId};
use crate::server::store::users::{ACCOUNTS, Account, Deleted, Users};
use crate::server::store::{Entity, StoreError};

struct PostgresUsers {
    client: Client,
}

impl PostgresStore {
    pub(in crate::server::store) fn users(url: &str) -> Result<Box<dyn Users>, StoreError> {
        let config: Config = url.parse().map_err(StoreError::backend)?;
        let mut client = config.connect(NoTls)?;
        migrate(&mut client)?;
        Ok(Box::new(PostgresUsers { client }))
    }
}

fn account_from_row(row: &postgres::Row) -> Account {
    let surveys: i64 = row.get(5);
    Account {
        user: user_from_row(row),
        surveys: u64::try_from(surveys).unwrap_or(0),
    }
}

/// `NotFound` unless `user` exists; locks the row until `tx` ends.
fn lock(tx: &mut Transaction<'_>, user: UserId) -> Result<(), StoreError> {
    tx.query_opt("SELECT 1 FROM users WHERE id = $1 FOR UPDATE", &[&user.0])?
        .map(drop)
        .ok_or(StoreError::NotFound(Entity::User))
}

/// Commits `tx` with the notification every write sends.
fn commit(mut tx: Transaction<'_>) -> Result<(), StoreError> {
    tx.execute(NOTIFY, &[])?;
    tx.commit()?;
    Ok(())
}

impl Users for PostgresUsers {
    fn list_accounts(&mut self) -> Result<Vec<Account>, StoreError> {
        Ok(self
            .client
            .query(&format!("{ACCOUNTS} ORDER BY id"), &[])?
            .iter()
            .map(account_from_row)
            .collect())
    }

    fn find_account(&mut self, email: &str) -> Result<Option<Account>, StoreError> {
        // TEXT cannot hold NUL, so no stored e-mail has one; PostgreSQL would refuse the query.
        if email.contains('\0') {
            return Ok(None);
        }
        Ok(self
            .client
            .query_opt(
                &format!("{ACCOUNTS} WHERE email_key = $1"),
                &[&Email::key(email)],
            )?
            .as_ref()
            .map(account_from_row))
    }

    fn update_disabled(&mut self, user: UserId, disabled: bool) -> Result<bool, StoreError> {
        let mut tx = self.client.transaction()?;
        lock(&mut tx, user)?;
        let changed = tx.execute(
            "UPDATE users SET disabled = $2,
                 token_generation = token_generation + (CASE WHEN $2 THEN 1 ELSE 0 END)
             WHERE id = $1 AND disabled <> $2",
            &[&user.0, &disabled],
        )?;
        commit(tx)?;
        Ok(changed > 0)
    }

    fn update_password(&mut self, user: UserId, password_hash: &str) -> Result<(), StoreError> {
        let mut tx = self.client.transaction()?;
        let changed = tx.execute(
            "UPDATE users SET password_hash = $2, token_generation = token_generation + 1
             WHERE id = $1",
            &[&user.0, &password_hash],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(Entity::User));
        }
        commit(tx)
    }

    fn delete_account(&mut self, user: UserId) -> Result<Deleted, StoreError> {
        let mut tx = self.client.transaction()?;
        lock(&mut tx, user)?;
        // Questions, choices, responses with their answers, and invitations go with each
        // survey (ON DELETE CASCADE).
        let surveys = tx.execute("DELETE FROM surveys WHERE creator_id = $1", &[&user.0])?;
        // What is left of theirs answers others' surveys: still counted there, but no longer
        // theirs. `exclusive_respondent_id` (one response per user) has no foreign key.
        let responses_kept = tx.execute(
            "UPDATE responses SET respondent_id = NULL, exclusive_respondent_id = NULL
             WHERE respondent_id = $1 OR exclusive_respondent_id = $1",
            &[&user.0],
        )?;
        tx.execute("DELETE FROM users WHERE id = $1", &[&user.0])?;
        commit(tx)?;
        Ok(Deleted {
            surveys,
            responses_kept,
        })
    }
}
