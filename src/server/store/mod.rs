//! Everything the server persists, behind one trait that speaks domain types only, so a
//! handler never knows which backend it has: SQLite, embedded and the default, or
//! PostgreSQL, shared by any number of `canvass serve` replicas.

mod assemble;
pub mod inspect;
mod location;
mod observed;
mod postgres;
mod selection;
mod sqlite;
pub mod transfer;
pub mod users;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use location::{ACCEPTED_FORMS, DatabaseUrl, UnsupportedDatabase};
pub use observed::StoreObserver;
pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::domain::{
    Answer, Edited, Email, Invitation, InvitationRefusal, NewSurvey, NotTaking, ResponseId,
    ResponseRecord, Results, Survey, SurveyId, Timestamp, User, UserId,
};

/// Opens the store `url` names, bringing its schema up to date. `connections` bounds the
/// pool where the backend has one (PostgreSQL); SQLite opens what it needs. With an
/// `observer`, the store reports to it (`StoreObserver`); without, nothing is counted.
pub fn open(
    url: &DatabaseUrl,
    connections: usize,
    observer: Option<Arc<dyn StoreObserver>>,
) -> Result<Arc<dyn Store>, StoreError> {
    let store: Arc<dyn Store> = match url {
        DatabaseUrl::Sqlite(path) => Arc::new(SqliteStore::open_observed(path, observer.clone())?),
        DatabaseUrl::Postgres(url) => Arc::new(PostgresStore::open(url, connections)?),
    };
    Ok(match observer {
        Some(observer) => Arc::new(observed::Observed {
            inner: store,
            observer,
            commits_each_response: matches!(url, DatabaseUrl::Postgres(_)),
        }),
        None => store,
    })
}

/// What a `NotFound` did not find.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    Survey,
    User,
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Entity::Survey => "survey",
            Entity::User => "user",
        })
    }
}

/// The backend's own error, kept whole for logs (`source()`); shared so one failed batch
/// commit can answer every response in it.
pub type BackendError = Arc<dyn std::error::Error + Send + Sync>;

/// What can go wrong in storage, in terms a handler can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("no such {0}")]
    NotFound(Entity),
    #[error("that e-mail is already registered")]
    DuplicateEmail,
    /// Closed, full, or outside its window: the reason says which.
    #[error("{0}")]
    NotTaking(NotTaking),
    /// A response to an `invitation_only` survey without a good code.
    #[error("{0}")]
    Invitation(InvitationRefusal),
    /// More invitations than a survey may have (`Invitation::MAX_PER_SURVEY`).
    #[error("survey {survey} has {have} invitations; a survey has at most {max}", max = Invitation::MAX_PER_SURVEY)]
    TooManyInvitations { survey: i64, have: u64 },
    /// `ping` found the database gone.
    #[error("{0}")]
    Gone(String),
    /// An edit that changes what respondents answer, once some have.
    #[error(
        "survey {0} has responses: only its name, closes_at, max_responses and public_results can change now"
    )]
    HasResponses(i64),
    #[error("you have already responded to this survey")]
    AlreadyResponded,
    /// A response's client id already names a response to another survey.
    #[error("client_id already names a response to another survey")]
    ClientIdTaken,
    /// The database refused or failed; the source says how.
    #[error("database error")]
    Backend(#[source] BackendError),
    /// `--db` names something SQLite cannot keep data in (`/dev/null`, a folder).
    #[error("{} is not a regular file: give the path of an SQLite database file", .0.display())]
    NotAFile(std::path::PathBuf),
    /// Every write would fail: refused at start rather than answered 500 per request.
    #[error("{} is read-only: canvass needs to write to it (and to its folder, for the -wal and -shm files)", .0.display())]
    ReadOnly(std::path::PathBuf),
    /// A store-internal failure with no database error behind it (a stopped writer thread).
    #[error("store error: {0}")]
    Internal(&'static str),
}

impl StoreError {
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Arc::new(error))
    }
}

/// What `record_response` did with a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Stored and counted now.
    New(ResponseId),
    /// Its client id names a response already stored for the same survey: that one's id;
    /// nothing was stored or counted again.
    Repeat(ResponseId),
}

impl Recorded {
    pub fn id(self) -> ResponseId {
        match self {
            Recorded::New(id) | Recorded::Repeat(id) => id,
        }
    }
}

/// A page request: 1-based page number and page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u64,
    pub size: u64,
}

/// Everything the server persists. Implementations own connections and transactions.
pub trait Store: Send + Sync {
    /// A number that moves on after every committed write; caches compare it.
    fn generation(&self) -> u64;

    /// Whether the database answers a trivial query (and, for SQLite, its file is still
    /// where it was opened: a deleted file would take every later write with it).
    fn ping(&self) -> Result<(), StoreError>;

    /// `DuplicateEmail` when the e-mail is taken (case-insensitively).
    fn create_user(&self, email: &Email, password_hash: &str) -> Result<User, StoreError>;
    /// The user and their password hash, or `None`.
    fn find_credentials(&self, email: &str) -> Result<Option<(User, String)>, StoreError>;
    fn find_user(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// Moves the user to a new token generation and returns it; older tokens stop working.
    fn update_token_generation(&self, user: UserId) -> Result<i64, StoreError>;

    fn create_survey(&self, creator: UserId, survey: &NewSurvey) -> Result<Survey, StoreError>;
    /// `NotFound` if absent.
    fn get_survey(&self, id: SurveyId) -> Result<Survey, StoreError>;
    /// The survey to check a response against: its questions, choices and settings, maybe
    /// kept from an earlier read, so its counts and status may lag (whether it takes the
    /// response is decided when it is recorded). An edit, close, reopen or delete shows at
    /// once on this server, another process's within the store's bound.
    fn survey_for_answers(&self, id: SurveyId) -> Result<Arc<Survey>, StoreError> {
        self.get_survey(id).map(Arc::new)
    }
    /// That slice of all surveys, oldest first, and how many there are in all.
    fn list_surveys(&self, page: Page) -> Result<(Vec<Survey>, u64), StoreError>;
    /// Oldest first, the surveys `creator` made: that page of them and how many there are.
    fn list_surveys_by(
        &self,
        creator: UserId,
        page: Page,
    ) -> Result<(Vec<Survey>, u64), StoreError>;
    /// Records one response atomically, counts included. `NotFound`; `NotTaking` when the
    /// survey is closed, full (exactly `max_responses` are ever taken, however many race) or
    /// outside its window; `Invitation` when it is `invitation_only` and `invitation` (the
    /// code's hash) is missing, unknown or used (a code is used by exactly one response);
    /// `AlreadyResponded` when the survey takes one response per user and `by` has one. On
    /// an `anonymous` survey `by` is not stored.
    /// The answers must have been checked against the survey (`Answer::check_all`).
    ///
    /// `client_id` (already validated) names the response, so a resend is recognised: when a
    /// response to `survey` already has it, that one is `Repeat`ed and nothing is checked,
    /// stored or counted, even if the survey has closed since or takes one response per
    /// user. Exactly one of any number of concurrent calls with the same id is `New`.
    /// `ClientIdTaken` when the id names a response to another survey.
    fn record_response(
        &self,
        survey: SurveyId,
        by: Option<UserId>,
        answers: &[Answer],
        client_id: Option<&str>,
        invitation: Option<&str>,
    ) -> Result<Recorded, StoreError>;
    /// The latest response `user` gave to `survey` and when (UTC text), if any.
    fn find_response_by(
        &self,
        survey: SurveyId,
        user: UserId,
    ) -> Result<Option<(ResponseId, String)>, StoreError>;
    fn get_results(&self, id: SurveyId) -> Result<Results, StoreError>;
    /// Applies an edit; `HasResponses` when `edit.changes_what_is_answered` and the survey
    /// has any (checked in the same transaction as the write). `NotFound` if absent.
    fn update_survey(&self, id: SurveyId, edit: &Edited) -> Result<Survey, StoreError>;
    /// Undoes its owner's closing; `NotTaking` when its window has passed or it is full.
    fn reopen_survey(&self, id: SurveyId) -> Result<Survey, StoreError>;
    /// Stores invitations by (prefix, hash of the code), in order; returns them.
    /// `TooManyInvitations` when the survey would have more than `Invitation::MAX_PER_SURVEY`.
    fn create_invitations(
        &self,
        survey: SurveyId,
        codes: &[(String, String)],
    ) -> Result<Vec<Invitation>, StoreError>;
    fn list_invitations(&self, survey: SurveyId) -> Result<Vec<Invitation>, StoreError>;
    fn list_responses(&self, id: SurveyId) -> Result<Vec<ResponseRecord>, StoreError>;
    /// Closing twice is fine. `NotFound` if absent.
    fn close_survey(&self, id: SurveyId) -> Result<Survey, StoreError>;
    /// Deletes the survey and everything hanging off it. `NotFound` if absent.
    fn delete_survey(&self, id: SurveyId) -> Result<(), StoreError>;

    /// Failed logins under `key` (an e-mail or a client address) since `since`, and when the
    /// oldest of them was; `None` when there are none in the window. Kept in the database so
    /// every replica counts the same failures (issue 12).
    fn find_login_failures(
        &self,
        key: &str,
        since: SystemTime,
    ) -> Result<Option<LoginFailures>, StoreError>;
    /// Counts one failure under `key` at `now`; failures older than `window` start over and
    /// are pruned.
    fn record_login_failure(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), StoreError>;
    /// Forgets the failures under `key`.
    fn delete_login_failures(&self, key: &str) -> Result<(), StoreError>;
}

/// The failed logins counted under one key within the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u32,
    /// When the window these failures count in began.
    pub since: SystemTime,
}

/// Whether reopening would leave it taking responses (or about to): not past its window,
/// not full.
pub(crate) fn reopenable(survey: &Survey) -> Result<(), StoreError> {
    match survey
        .settings
        .taking(survey.id.0, false, survey.responses, Timestamp::now())
    {
        Ok(()) | Err(NotTaking::NotYetOpen { .. }) => Ok(()),
        Err(reason) => Err(StoreError::NotTaking(reason)),
    }
}

/// `TooManyInvitations` when `adding` more to the `have` a survey has would pass the bound.
pub(crate) fn too_many(survey: SurveyId, have: u64, adding: usize) -> Result<(), StoreError> {
    let after = usize::try_from(have)
        .unwrap_or(usize::MAX)
        .saturating_add(adding);
    if after > Invitation::MAX_PER_SURVEY {
        return Err(StoreError::TooManyInvitations {
            survey: survey.0,
            have,
        });
    }
    Ok(())
}

/// Milliseconds since the epoch, the portable form both backends store times in.
pub(crate) fn epoch_millis(time: SystemTime) -> i64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

pub(crate) fn from_epoch_millis(millis: i64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

/// Keys for users stored under an older key function (ASCII lowercase before issue 13), in
/// id order. Two accounts the new key no longer tells apart keep working as far as they
/// can: the older one gets the key, the newer one a key no login can produce (it holds a
/// control character, which `Email::parse` refuses), and is listed in `Rekeyed::orphans`.
pub(crate) fn rekeyed(users: Vec<(i64, String)>) -> Rekeyed {
    let mut taken = std::collections::HashSet::new();
    let mut rekeyed = Rekeyed::default();
    for (id, email) in users {
        let key = Email::key(&email);
        if taken.insert(key.clone()) {
            rekeyed.keys.push((id, key));
        } else {
            rekeyed.keys.push((id, format!("{key}\u{1}{id}")));
            rekeyed.orphans.push(id);
        }
    }
    rekeyed
}

#[derive(Debug, Default)]
pub(crate) struct Rekeyed {
    /// (user id, key), for every user.
    pub keys: Vec<(i64, String)>,
    /// Users whose e-mail only differs from an older account's by case: they can no longer
    /// log in, and the operator is told so.
    pub orphans: Vec<i64>,
}

impl Rekeyed {
    /// Says so in the log, once, when the migration finds such accounts.
    pub fn warn(&self) {
        if !self.orphans.is_empty() {
            tracing::warn!(
                "users {:?} have e-mails that differ from older accounts' only by letter \
                 case; logins with them now reach the older account",
                self.orphans
            );
        }
    }
}
