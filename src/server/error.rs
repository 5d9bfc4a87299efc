//! `ApiError`: everything a request can fail with, and the one place that maps lower errors
//! to HTTP statuses and the JSON error body.

use super::auth::AuthError;
use super::store::StoreError;
use super::throttle::Throttled;
use crate::domain::InvitationRefusal;
use crate::domain::ValidationError;
use crate::protocol::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{message}")]
    BadRequest {
        message: String,
        field: Option<String>,
    },
    #[error(transparent)]
    Unauthorized(#[from] AuthError),
    #[error("only the survey's creator may do that")]
    Forbidden,
    /// Refused for a reason the message gives (an invitation-only survey, a bad code).
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method {method} is not allowed here; allowed: {allowed}")]
    MethodNotAllowed {
        method: String,
        /// As an `Allow` header lists them: `GET, HEAD, PUT`.
        allowed: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("too many failed logins; try again in {} s", retry_after_secs(*.retry_after))]
    TooManyRequests { retry_after: std::time::Duration },
    #[error("this account has created its surveys for the hour; try again in {} s", retry_after_secs(*.retry_after))]
    SurveyQuota { retry_after: std::time::Duration },
    #[error("too many registrations from this address; try again in {} s", retry_after_secs(*.retry_after))]
    RegistrationQuota { retry_after: std::time::Duration },
    #[error("the server is busy with other logins; try again in a second")]
    Busy,
    /// `/readyz`: the database does not answer, so requests would fail.
    #[error("not ready: {0}")]
    NotReady(String),
    /// Logged with the request id; the client only sees "internal error".
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            field: None,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest { .. } => 400,
            ApiError::Unauthorized(_) => 401,
            ApiError::Forbidden | ApiError::Refused(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::MethodNotAllowed { .. } => 405,
            ApiError::Conflict(_) => 409,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::TooManyRequests { .. }
            | ApiError::SurveyQuota { .. }
            | ApiError::RegistrationQuota { .. } => 429,
            ApiError::Busy | ApiError::NotReady(_) => 503,
            ApiError::Internal(_) => 500,
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            message: self.to_string(),
            field: match self {
                ApiError::BadRequest { field, .. } => field.clone(),
                _ => None,
            },
            authenticated: matches!(self, ApiError::Unauthorized(_)).then_some(false),
        }
    }
}

/// Whole seconds, rounded up: `Retry-After: 0` would invite an immediate retry.
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::BadRequest {
            message: e.to_string(),
            field: Some(e.field),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => ApiError::NotFound(e.to_string()),
            StoreError::Invitation(
                InvitationRefusal::Required { .. } | InvitationRefusal::Unknown { .. },
            ) => ApiError::Refused(e.to_string()),
            StoreError::DuplicateEmail
            | StoreError::NotTaking(_)
            | StoreError::Invitation(InvitationRefusal::Used)
            | StoreError::HasResponses(_)
            | StoreError::TooManyInvitations { .. }
            | StoreError::AlreadyResponded
            | StoreError::ClientIdTaken => ApiError::Conflict(e.to_string()),
            StoreError::Backend(_)
            | StoreError::Internal(_)
            | StoreError::NotAFile(_)
            | StoreError::ReadOnly(_)
            | StoreError::Gone(_) => ApiError::Internal(error_chain(&e)),
        }
    }
}

impl From<Throttled> for ApiError {
    fn from(e: Throttled) -> Self {
        match e {
            Throttled::Wait(retry_after) => ApiError::TooManyRequests { retry_after },
            Throttled::Registrations(retry_after) => ApiError::RegistrationQuota { retry_after },
            Throttled::Store(store) => store.into(),
        }
    }
}

/// An error and its causes on one line, for the log and startup errors: the backend's own
/// words are in its source, which `Display` leaves out. PostgreSQL's messages carry `DETAIL:`
/// and `HINT:` lines; they are folded in, since an error is one line (STYLE.md §2.4).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
