//! Accounts looked after on the database itself (`canvass admin users`, issue 17), also while
//! servers run on it: each call is one statement or one transaction, and the servers read a
//! user's row on every request, so what is written here holds on their next request.

use super::{DatabaseUrl, PostgresStore, SqliteStore, StoreError};
use crate::domain::{User, UserId};

/// A user as `admin users list` shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user: User,
    /// Surveys they created (deleting them deletes these).
    pub surveys: u64,
}

/// What deleting a user took with it, and what it left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deleted {
    /// Their surveys, deleted with every question, choice, response and invitation of them.
    pub surveys: u64,
    /// Their responses to other people's surveys: kept and counted, no longer linked to them.
    pub responses_kept: u64,
}

/// What `admin users` does to an installation's accounts.
pub trait Users {
    /// Every user, oldest first, with how many surveys each created.
    fn list_accounts(&mut self) -> Result<Vec<Account>, StoreError>;
    /// The user `email` names, matched by `Email::key` as a login is; `None` when none does.
    fn find_account(&mut self, email: &str) -> Result<Option<Account>, StoreError>;
    /// Disables or enables `user`; `false` when it already was. Disabling also moves the
    /// user's token generation on, so tokens from before never work again, even after an
    /// enable. `NotFound` if absent.
    fn update_disabled(&mut self, user: UserId, disabled: bool) -> Result<bool, StoreError>;
    /// Stores `password_hash` and moves the token generation on, in one transaction: every
    /// token issued before stops working. `NotFound` if absent.
    fn update_password(&mut self, user: UserId, password_hash: &str) -> Result<(), StoreError>;
    /// Deletes `user` and their surveys (with everything hanging off them), in one
    /// transaction. Their responses to other surveys stay, counted, with no user linked.
    /// `NotFound` if absent.
    fn delete_account(&mut self, user: UserId) -> Result<Deleted, StoreError>;
}

/// Opens `url` to look after its users, its schema brought up to date as `serve` would.
/// One connection, not `store::open`'s pool and threads: a command makes a call or two.
pub fn open_users(url: &DatabaseUrl) -> Result<Box<dyn Users>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => SqliteStore::users(path),
        DatabaseUrl::Postgres(url) => PostgresStore::users(url),
    }
}

/// Every user with their survey count, in standard SQL for both backends; each adds its
/// `WHERE` or `ORDER BY`. The columns start as `User`'s do in the backends' `USER_COLUMNS`.
pub(super) const ACCOUNTS: &str = "
SELECT id, email, created_at, token_generation, disabled,
    (SELECT COUNT(*) FROM surveys WHERE surveys.creator_id = users.id)
FROM users";
