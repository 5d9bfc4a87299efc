//! The SQLite backend, embedded and the default: a small connection pool, one writer at a
//! time, group commit for responses, and SQL that keeps every count exact under concurrency.
//! One process owns the file: replicas need PostgreSQL (issue 12).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};

mod checkpointer;
mod connection;
mod definitions;
mod inspect;
mod lifecycle;
mod live_counts;
mod responses;
mod surveys;
mod transfer;
mod users;
mod watcher;

use super::selection::Selection;
use checkpointer::Checkpointer;
use connection::{connect, migrate};
use definitions::Definitions;
use live_counts::LiveCounts;
use responses::ResponseWriter;
use surveys::{load_responses, load_results, load_survey, load_surveys};
use watcher::CommitWatcher;

use super::{
    Entity, LoginFailures, Page, Recorded, Store, StoreError, StoreObserver, epoch_millis,
    from_epoch_millis,
};
use crate::domain::{
    Answer, Edited, Email, Invitation, NewSurvey, ResponseId, ResponseRecord, Results, Survey,
    SurveyId, User, UserId,
};

/// The state of writing, shared by the store and the response writer's thread.
#[derive(Default)]
pub(super) struct Commits {
    /// Held for every write transaction. SQLite allows one writer at a time anyway; waiting
    /// here wakes the next writer the moment the last commits, where SQLite's busy handler
    /// would poll with sleeps of up to 100 ms (measured: seed votes at p99 128 ms, 3,200/s).
    /// Readers never take it: WAL lets them run beside the writer.
    pub(super) writer: Mutex<()>,
    /// Bumped after every commit, while the writer lock is still held.
    pub(super) generation: AtomicU64,
    /// Moved on by every write but a response's, while the writer lock is held: a kept
    /// survey definition may be out of date (`definitions.rs`).
    pub(super) definition_changes: AtomicU64,
    /// The counts the response writer committed last (`live_counts.rs`).
    pub(super) live: LiveCounts,
}

pub struct SqliteStore {
    path: PathBuf,
    /// Idle connections. A request takes one and gives it back; the lock is held only for
    /// the push or pop, never across a query.
    idle: Mutex<Vec<Connection>>,
    /// What every writer shares with the response writer's thread.
    commits: Arc<Commits>,
    definitions: Definitions,
    /// Other processes' commits, for the reply cache's generation (`watcher.rs`).
    watcher: CommitWatcher,
    /// Responses, the hot write, are committed in batches by one thread (`responses.rs`).
    responses: ResponseWriter,
    /// Copies the write-ahead log into the database, off the writer's path.
    _checkpointer: Checkpointer,
}

/// Makes sure `path` is a regular file only its owner can read (it holds password hashes,
/// e-mails and every response): created 0600 when missing, tightened to 0600 when others
/// could read it. SQLite gives the `-wal` and `-shm` files the database file's mode. Anything
/// that is not a regular file (`/dev/null`, where SQLite would leave a 0666 journal beside
/// it) is refused.
fn make_private_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let io = |e: std::io::Error| StoreError::backend(e);
    match std::fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_file() => {
            return Err(StoreError::NotAFile(path.to_owned()));
        }
        // Opened for writing, as SQLite will: a file that cannot be written is refused now,
        // not with a 500 on every write later.
        Ok(_) if std::fs::OpenOptions::new().write(true).open(path).is_err() => {
            return Err(StoreError::ReadOnly(path.to_owned()));
        }
        Ok(meta) if meta.permissions().mode() & 0o077 != 0 => {
            // Another user's file cannot be tightened; whether it can be used is for the
            // read-only check to say.
            if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
                tracing::warn!("cannot make {} private (mode 0600): {e}", path.display());
            }
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(path)
                .map_err(io)?;
        }
        Err(e) => return Err(io(e)),
    }
    Ok(())
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::backend(e)
    }
}

pub(super) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

impl SqliteStore {
    /// Checks that `path` can hold the database and makes it a private file (0600), before
    /// anything is written beside it. `open` does the same.
    pub fn create_private(path: &Path) -> Result<(), StoreError> {
        make_private_file(path)
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::open_observed(path, None)
    }

    /// `open`, with the group commit's batch sizes reported to `observer`.
    pub fn open_observed(
        path: &Path,
        observer: Option<Arc<dyn StoreObserver>>,
    ) -> Result<Self, StoreError> {
        make_private_file(path)?;
        let mut conn = connect(path)?;
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::ReadOnly(path.to_owned()));
        }
        // WAL lets readers run while one writer commits; the mode is stored in the file.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        migrate(&mut conn)?;
        let commits = Arc::new(Commits::default());
        let responses = ResponseWriter::start(connect(path)?, Arc::clone(&commits), observer)?;
        let checkpointer = Checkpointer::start(connect(path)?, Arc::clone(&commits))?;
        Ok(SqliteStore {
            path: path.to_owned(),
            idle: Mutex::new(vec![conn]),
            commits,
            responses,
            _checkpointer: checkpointer,
            definitions: Definitions::default(),
            watcher: CommitWatcher::new(connect(path)?),
        })
    }

    /// Survey `id` as the database has it now: its three queries in one read transaction
    /// (one snapshot, and one taking of the WAL's read lock instead of three).
    fn read_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.with_conn(|conn| {
            let run = |sql: &str| -> Result<(), StoreError> {
                conn.prepare_cached(sql)?.execute([])?;
                Ok(())
            };
            run("BEGIN")?;
            let survey = load_survey(conn, id);
            run("COMMIT")?;
            survey
        })
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let popped = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut conn = match popped {
            Some(conn) => conn,
            None => connect(&self.path)?,
        };
        let result = f(&mut conn);
        // A connection left inside a transaction (a panic mid-way) must not be reused.
        if conn.is_autocommit() {
            self.give_back(conn);
        }
        result
    }

    /// Like `with_conn`, one writer at a time.
    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let commits = &self.commits;
        let _writing = commits
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let result = self.with_conn(f);
        commits.generation.fetch_add(1, Ordering::Release);
        commits.definition_changes.fetch_add(1, Ordering::Release);
        result
    }

    fn give_back(&self, conn: Connection) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
    }
}

const USER_COLUMNS: &str = "id, email, created_at, token_generation, disabled";

/// The watcher's bits of a stamp.
const LOW: u64 = 0xffff_ffff;

/// One number for "this server's writes" and "every commit the watcher saw": this server's
/// count in the high bits, the watcher's in the low ones, so either moving on changes it.
fn stamp(own: &AtomicU64, others: u64) -> u64 {
    (own.load(Ordering::Acquire) << 32) | (others & LOW)
}

/// A user from the first columns of `row`, as `USER_COLUMNS` names them.
pub(super) fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(row.get(0)?),
        email: Email::from_trusted(row.get(1)?),
        created_at: row.get(2)?,
        token_generation: row.get(3)?,
        disabled: row.get(4)?,
    })
}

impl Store for SqliteStore {
    fn generation(&self) -> u64 {
        match self.watcher.version() {
            Ok(version) => stamp(&self.commits.generation, version),
            // A failed query: a value never handed out before, so nothing cached is
            // served on a guess. A data_version of all ones would take 4 billion commits.
            Err(_) => ((self.commits.generation.fetch_add(1, Ordering::AcqRel) + 1) << 32) | LOW,
        }
    }

    fn ping(&self) -> Result<(), StoreError> {
        if !self.path.is_file() {
            return Err(StoreError::Gone(format!(
                "the database file {} is gone",
                self.path.display()
            )));
        }
        self.with_conn(|conn| Ok(conn.query_row("SELECT 1", [], |_| Ok(()))?))
    }

    fn create_user(&self, email: &Email, password_hash: &str) -> Result<User, StoreError> {
        self.with_writer(|conn| {
            conn.prepare_cached(&format!(
                "INSERT INTO users (email, email_key, password_hash) VALUES (?1, ?2, ?3)
                 RETURNING {USER_COLUMNS}"
            ))?
            .query_row(
                params![email.as_str(), Email::key(email.as_str()), password_hash],
                user_from_row,
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::DuplicateEmail
                } else {
                    e.into()
                }
            })
        })
    }

    fn find_credentials(&self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email_key = ?1"
                ))?
                .query_row([Email::key(email)], |row| {
                    Ok((user_from_row(row)?, row.get(5)?))
                })
                .optional()?)
        })
    }

    fn find_user(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE email_key = ?1"
                ))?
                .query_row([Email::key(email)], user_from_row)
                .optional()?)
        })
    }

    fn update_token_generation(&self, user: UserId) -> Result<i64, StoreError> {
        self.with_writer(|conn| {
            conn.prepare_cached(
                "UPDATE users SET token_generation = token_generation + 1 WHERE id = ?1
                 RETURNING token_generation",
            )?
            .query_row([user.0], |row| row.get(0))
            .optional()?
            .ok_or(StoreError::NotFound(Entity::User))
        })
    }

    fn create_survey(&self, creator: UserId, survey: &NewSurvey) -> Result<Survey, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let id = lifecycle::insert_survey(&tx, creator, survey)?;
            let created = load_survey(&tx, SurveyId(id))?;
            tx.commit()?;
            Ok(created)
        })
    }

    fn update_survey(&self, id: SurveyId, edit: &Edited) -> Result<Survey, StoreError> {
        self.with_writer(|conn| lifecycle::update_survey(conn, id, edit))
    }

    fn reopen_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.with_writer(|conn| lifecycle::reopen_survey(conn, id))
    }

    fn create_invitations(
        &self,
        survey: SurveyId,
        codes: &[(String, String)],
    ) -> Result<Vec<Invitation>, StoreError> {
        self.with_writer(|conn| lifecycle::create_invitations(conn, survey, codes))
    }

    fn list_invitations(&self, survey: SurveyId) -> Result<Vec<Invitation>, StoreError> {
        self.with_conn(|conn| lifecycle::list_invitations(conn, survey))
    }

    fn get_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        // The kept definition with the counts committed since laid over it: after a vote,
        // no page of the database is read again (`live_counts.rs`).
        let mut survey = Survey::clone(self.survey_for_answers(id)?.as_ref());
        self.commits
            .live
            .apply(&mut survey, crate::domain::Timestamp::now());
        Ok(survey)
    }

    fn survey_for_answers(&self, id: SurveyId) -> Result<Arc<Survey>, StoreError> {
        // Another process's commit moves the watcher's number on; so do this server's own
        // responses, which makes a kept survey be read again at most every 100 ms.
        let others = self.watcher.version().map_err(StoreError::from)?;
        let stamp = stamp(&self.commits.definition_changes, others);
        self.definitions.get(id, stamp, || self.read_survey(id))
    }

    fn list_surveys(&self, page: Page) -> Result<(Vec<Survey>, u64), StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            let surveys = load_surveys(&tx, &Selection::Page(page))?;
            let total = tx.query_row("SELECT COUNT(*) FROM surveys", [], |r| r.get(0))?;
            Ok((surveys, total))
        })
    }

    fn list_surveys_by(
        &self,
        creator: UserId,
        page: Page,
    ) -> Result<(Vec<Survey>, u64), StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            let surveys = load_surveys(&tx, &Selection::CreatorPage(creator, page))?;
            let total = tx
                .prepare_cached("SELECT COUNT(*) FROM surveys WHERE creator_id = ?1")?
                .query_row([creator.0], |r| r.get(0))?;
            Ok((surveys, total))
        })
    }

    fn record_response(
        &self,
        survey: SurveyId,
        by: Option<UserId>,
        answers: &[Answer],
        client_id: Option<&str>,
        invitation: Option<&str>,
    ) -> Result<Recorded, StoreError> {
        self.responses
            .record(survey, by, answers, client_id, invitation)
    }

    fn find_response_by(
        &self,
        survey: SurveyId,
        user: UserId,
    ) -> Result<Option<(ResponseId, String)>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT id, created_at FROM responses
                     WHERE respondent_id = ?1 AND survey_id = ?2 ORDER BY id DESC LIMIT 1",
                )?
                .query_row([user.0, survey.0], |row| {
                    Ok((ResponseId(row.get(0)?), row.get(1)?))
                })
                .optional()?)
        })
    }

    fn get_results(&self, id: SurveyId) -> Result<Results, StoreError> {
        self.with_conn(|conn| load_results(conn, id))
    }

    fn list_responses(&self, id: SurveyId) -> Result<Vec<ResponseRecord>, StoreError> {
        self.with_conn(|conn| load_responses(conn, id))
    }

    fn close_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.with_writer(|conn| {
            let changed = conn.execute(
                "UPDATE surveys SET closed_at = COALESCE(closed_at, strftime('%Y-%m-%d %H:%M:%S', 'now'))
                 WHERE id = ?1",
                [id.0],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(Entity::Survey));
            }
            load_survey(conn, id)
        })
    }

    fn delete_survey(&self, id: SurveyId) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            match conn.execute("DELETE FROM surveys WHERE id = ?1", [id.0])? {
                0 => Err(StoreError::NotFound(Entity::Survey)),
                _ => Ok(()),
            }
        })
    }

    fn find_login_failures(
        &self,
        key: &str,
        since: SystemTime,
    ) -> Result<Option<LoginFailures>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT count, since FROM login_failures WHERE key = ?1 AND since > ?2",
                )?
                .query_row(params![key, epoch_millis(since)], |r| {
                    Ok(LoginFailures {
                        count: r.get(0)?,
                        since: from_epoch_millis(r.get(1)?),
                    })
                })
                .optional()?)
        })
    }

    fn record_login_failure(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), StoreError> {
        let (now, expired) = (epoch_millis(now), epoch_millis(now - window));
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            // Old windows go, so a spray of random e-mails cannot grow the table for ever.
            tx.prepare_cached("DELETE FROM login_failures WHERE since <= ?1")?
                .execute([expired])?;
            tx.prepare_cached(UPSERT_LOGIN_FAILURE)?
                .execute(params![key, now])?;
            tx.commit()?;
            Ok(())
        })
    }

    fn delete_login_failures(&self, key: &str) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            conn.prepare_cached("DELETE FROM login_failures WHERE key = ?1")?
                .execute([key])?;
            Ok(())
        })
    }
}

/// One more failure under a key, counted in SQL. Expired rows were deleted just before, so a
/// row still there belongs to the current window.
const UPSERT_LOGIN_FAILURE: &str =
    "INSERT INTO login_failures (key, count, since) VALUES (?1, 1, ?2)
     ON CONFLICT (key) DO UPDATE SET count = count + 1";
