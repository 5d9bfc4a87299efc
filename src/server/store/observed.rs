//! A store that reports to a `StoreObserver` (the server's metrics) what every call to the
//! store it wraps came to: database errors whoever the caller (API, web pages, throttle,
//! readiness probe), and responses recorded. One wrapper, so neither backend counts on its
//! own and the two cannot count differently. Only made when metrics are on.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{LoginFailures, Page, Recorded, Store, StoreError};
use crate::domain::{
    Answer, Edited, Email, Invitation, NewSurvey, ResponseId, ResponseRecord, Results, Survey,
    SurveyId, User, UserId,
};

/// What a store reports as it works. Called on request threads and the SQLite writer's
/// thread, so every method must be cheap and must not block.
pub trait StoreObserver: Send + Sync {
    /// One commit recorded `responses` responses at once: SQLite's group commit (refused
    /// ones included: they shared the transaction); on PostgreSQL each response is a
    /// statement of its own, so always 1.
    fn committed_responses(&self, responses: usize);
    /// A response was stored and counted (a resend recognised by its client id is not).
    fn response_recorded(&self);
    /// A store call failed for the database's sake (its own error, a stopped writer, a
    /// file gone), as opposed to a rule's answer such as a closed survey or a taken e-mail.
    fn database_error(&self);
}

pub(super) struct Observed {
    pub(super) inner: Arc<dyn Store>,
    pub(super) observer: Arc<dyn StoreObserver>,
    /// The backend has no group commit (PostgreSQL): every response is a commit of one.
    pub(super) commits_each_response: bool,
}

impl Observed {
    fn seen<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if is_database_error(&result) {
            self.observer.database_error();
        }
        result
    }
}

fn is_database_error<T>(result: &Result<T, StoreError>) -> bool {
    matches!(
        result,
        Err(StoreError::Backend(_)
            | StoreError::Internal(_)
            | StoreError::Gone(_)
            | StoreError::NotAFile(_)
            | StoreError::ReadOnly(_))
    )
}

impl Store for Observed {
    fn generation(&self) -> u64 {
        self.inner.generation()
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.seen(self.inner.ping())
    }

    fn create_user(&self, email: &Email, password_hash: &str) -> Result<User, StoreError> {
        self.seen(self.inner.create_user(email, password_hash))
    }

    fn find_credentials(&self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        self.seen(self.inner.find_credentials(email))
    }

    fn find_user(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.seen(self.inner.find_user(email))
    }

    fn update_token_generation(&self, user: UserId) -> Result<i64, StoreError> {
        self.seen(self.inner.update_token_generation(user))
    }

    fn create_survey(&self, creator: UserId, survey: &NewSurvey) -> Result<Survey, StoreError> {
        self.seen(self.inner.create_survey(creator, survey))
    }

    fn get_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.seen(self.inner.get_survey(id))
    }

    fn survey_for_answers(&self, id: SurveyId) -> Result<Arc<Survey>, StoreError> {
        self.seen(self.inner.survey_for_answers(id))
    }

    fn list_surveys(&self, page: Page) -> Result<(Vec<Survey>, u64), StoreError> {
        self.seen(self.inner.list_surveys(page))
    }

    fn list_surveys_by(
        &self,
        creator: UserId,
        page: Page,
    ) -> Result<(Vec<Survey>, u64), StoreError> {
        self.seen(self.inner.list_surveys_by(creator, page))
    }

    fn record_response(
        &self,
        survey: SurveyId,
        by: Option<UserId>,
        answers: &[Answer],
        client_id: Option<&str>,
        invitation: Option<&str>,
    ) -> Result<Recorded, StoreError> {
        let result = self
            .inner
            .record_response(survey, by, answers, client_id, invitation);
        if matches!(result, Ok(Recorded::New(_))) {
            self.observer.response_recorded();
        }
        let result = self.seen(result);
        // A database error may have come before the statement ran: no commit to count.
        if self.commits_each_response && !is_database_error(&result) {
            self.observer.committed_responses(1);
        }
        result
    }

    fn find_response_by(
        &self,
        survey: SurveyId,
        user: UserId,
    ) -> Result<Option<(ResponseId, String)>, StoreError> {
        self.seen(self.inner.find_response_by(survey, user))
    }

    fn get_results(&self, id: SurveyId) -> Result<Results, StoreError> {
        self.seen(self.inner.get_results(id))
    }

    fn update_survey(&self, id: SurveyId, edit: &Edited) -> Result<Survey, StoreError> {
        self.seen(self.inner.update_survey(id, edit))
    }

    fn reopen_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.seen(self.inner.reopen_survey(id))
    }

    fn create_invitations(
        &self,
        survey: SurveyId,
        codes: &[(String, String)],
    ) -> Result<Vec<Invitation>, StoreError> {
        self.seen(self.inner.create_invitations(survey, codes))
    }

    fn list_invitations(&self, survey: SurveyId) -> Result<Vec<Invitation>, StoreError> {
        self.seen(self.inner.list_invitations(survey))
    }

    fn list_responses(&self, id: SurveyId) -> Result<Vec<ResponseRecord>, StoreError> {
        self.seen(self.inner.list_responses(id))
    }

    fn close_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.seen(self.inner.close_survey(id))
    }

    fn delete_survey(&self, id: SurveyId) -> Result<(), StoreError> {
        self.seen(self.inner.delete_survey(id))
    }

    fn find_login_failures(
        &self,
        key: &str,
        since: SystemTime,
    ) -> Result<Option<LoginFailures>, StoreError> {
        self.seen(self.inner.find_login_failures(key, since))
    }

    fn record_login_failure(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), StoreError> {
        self.seen(self.inner.record_login_failure(key, now, window))
    }

    fn delete_login_failures(&self, key: &str) -> Result<(), StoreError> {
        self.seen(self.inner.delete_login_failures(key))
    }
}
