//! Everything the server persists, behind one trait that speaks domain types only, so a
//! second backend can sit beside SQLite without touching a handler.

mod sqlite;

pub use sqlite::SqliteStore;

use crate::domain::{
    Answer, Email, NewSurvey, ResponseId, ResponseRecord, Results, Survey, SurveyId, User, UserId,
};

/// What can go wrong in storage, in terms a handler can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("that e-mail is already registered")]
    DuplicateEmail,
    #[error("the survey is closed")]
    Closed,
    #[error("you have already responded to this survey")]
    AlreadyResponded,
    /// A response's client id already names a response to another survey.
    #[error("client_id already names a response to another survey")]
    ClientIdTaken,
    #[error("database error: {0}")]
    Backend(String),
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
    /// Oldest first; with a page, that slice and the total count.
    fn list_surveys(&self, page: Option<Page>) -> Result<(Vec<Survey>, u64), StoreError>;
    /// Oldest first, the surveys `creator` made: that page of them and how many there are.
    fn list_surveys_by(
        &self,
        creator: UserId,
        page: Page,
    ) -> Result<(Vec<Survey>, u64), StoreError>;
    /// Records one response atomically, counts included. `NotFound`, `Closed`, or
    /// `AlreadyResponded` when the survey takes one response per user and `by` has one.
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
    ) -> Result<Recorded, StoreError>;
    fn get_results(&self, id: SurveyId) -> Result<Results, StoreError>;
    fn list_responses(&self, id: SurveyId) -> Result<Vec<ResponseRecord>, StoreError>;
    /// Closing twice is fine. `NotFound` if absent.
    fn close_survey(&self, id: SurveyId) -> Result<Survey, StoreError>;
    /// Deletes the survey and everything hanging off it. `NotFound` if absent.
    fn delete_survey(&self, id: SurveyId) -> Result<(), StoreError>;
}
