//! `PageError`: why a page cannot be what was asked, and the one place that gives each
//! reason its status. Store errors convert here once, as `server::error` does for the API.

use super::form_token::FormTokenError;
use std::time::Duration;

use crate::domain::{InvitationRefusal, NotTaking, Timestamp};
use crate::server::error::error_chain;
use crate::server::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("no such page or survey")]
    NotFound,
    /// Closed by its owner, full or past its window.
    #[error("the survey is closed")]
    Closed,
    #[error("the survey is not open yet")]
    NotYetOpen { opens_at: Option<Timestamp> },
    /// The signed-in respondent has answered this survey, which takes one response each.
    #[error("answered already")]
    AlreadyAnswered,
    /// Too many failed sign-ins from this address or for this e-mail.
    #[error("too many sign-in attempts")]
    Throttled { retry_after: Duration },
    /// The login workers are all busy.
    #[error("busy")]
    Busy,
    #[error(transparent)]
    StaleForm(#[from] FormTokenError),
    #[error(transparent)]
    Invitation(InvitationRefusal),
    #[error("method not allowed")]
    MethodNotAllowed { allowed: &'static str },
    /// Logged; the respondent only learns that something went wrong.
    #[error("internal error: {0}")]
    Internal(String),
}

impl PageError {
    pub fn status(&self) -> u16 {
        match self {
            PageError::NotFound => 404,
            // Gone, and not coming back by itself (an owner's reopen is the exception).
            PageError::Closed => 410,
            // As the API answers a response to a survey that is not taking any.
            PageError::NotYetOpen { .. }
            | PageError::AlreadyAnswered
            | PageError::Invitation(InvitationRefusal::Used) => 409,
            PageError::Invitation(_) => 403,
            PageError::Throttled { .. } => 429,
            PageError::Busy => 503,
            PageError::StaleForm(_) => 400,
            PageError::MethodNotAllowed { .. } => 405,
            PageError::Internal(_) => 500,
        }
    }
}

/// A form token needs fresh randomness; without it no form can be shown.
impl From<getrandom::Error> for PageError {
    fn from(e: getrandom::Error) -> Self {
        PageError::Internal(format!("no randomness for a form token: {e}"))
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => PageError::NotFound,
            StoreError::NotTaking(NotTaking::NotYetOpen { at, .. }) => {
                PageError::NotYetOpen { opens_at: Some(at) }
            }
            StoreError::NotTaking(_) => PageError::Closed,
            StoreError::Invitation(refusal) => PageError::Invitation(refusal),
            StoreError::AlreadyResponded => PageError::AlreadyAnswered,
            // The client id is a token bound to this survey, so another survey's response
            // cannot hold it: a bug worth the log, as is anything else.
            other => PageError::Internal(error_chain(&other)),
        }
    }
}
