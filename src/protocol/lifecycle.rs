//! Bodies of a survey's life after its creation (issue 15): editing it (`PATCH`) and its
//! single-use invitations.

use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::requests::{QuestionRequest, new_questions, time};
use super::{Count, RequestBody};
use crate::domain::{Invitation, SurveyEdit, ValidationError};

/// `PATCH /api/surveys/<id>/`: any of these; `null` clears `opens_at`, `closes_at` or
/// `max_responses`. Name, `closes_at`, `max_responses` and `public_results` may change at any
/// time; the rest only before the first response (409 afterwards).
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
pub struct SurveyEditRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = super::schema::survey_name)]
    pub name: Option<String>,
    /// Replaces every question (they get new ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = super::schema::questions)]
    pub questions: Option<Vec<QuestionRequest>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_response_per_user: Option<bool>,
    /// RFC 3339, or null.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub opens_at: Option<Option<String>>,
    /// RFC 3339, or null.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub closes_at: Option<Option<String>>,
    /// At least 1, or null.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<u64>, minimum = 1)]
    pub max_responses: Option<Option<Count>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymous: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_only: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_results: Option<bool>,
}

/// A field that is present, `null` or not: `Some(None)` for `null`, where absent is `None`
/// (serde's `default`).
#[expect(
    clippy::option_option,
    reason = "absent, null and a value are three different things to say"
)]
pub(super) fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

impl RequestBody for SurveyEditRequest {
    const OBJECTS: &'static [&'static str] = &["", "questions[]"];
}

impl SurveyEditRequest {
    pub fn into_domain(self) -> Result<SurveyEdit, ValidationError> {
        let time_or_null = |field: &str, value: Option<Option<String>>| match value {
            None => Ok(None),
            Some(text) => time(field, text.as_deref()).map(Some),
        };
        Ok(SurveyEdit {
            name: self.name,
            questions: self.questions.map(new_questions).transpose()?,
            one_response_per_user: self.one_response_per_user,
            opens_at: time_or_null("opens_at", self.opens_at)?,
            closes_at: time_or_null("closes_at", self.closes_at)?,
            max_responses: self.max_responses.map(|n| n.map(|n| n.0)),
            anonymous: self.anonymous,
            invitation_only: self.invitation_only,
            public_results: self.public_results,
        })
    }
}

/// `POST /api/surveys/<id>/invitations/`: how many codes to make.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationsRequest {
    #[schema(value_type = u64, minimum = 1, maximum = 10_000)]
    pub count: Count,
}

impl RequestBody for InvitationsRequest {
    const OBJECTS: &'static [&'static str] = &[""];
}

impl InvitationsRequest {
    /// The count, if within 1 to `Invitation::MAX_AT_ONCE`.
    pub fn count(&self) -> Result<usize, ValidationError> {
        usize::try_from(self.count.0)
            .ok()
            .filter(|n| (1..=Invitation::MAX_AT_ONCE).contains(n))
            .ok_or_else(|| {
                ValidationError::new("count", format!("must be 1 to {}", Invitation::MAX_AT_ONCE))
            })
    }
}

/// The codes just made: each is shown this once (only its hash is kept).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewInvitationsBody {
    pub invitations: Vec<NewInvitationBody>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewInvitationBody {
    pub id: i64,
    /// The code a respondent sends as `invitation`.
    pub code: String,
    /// The survey's web page with the code: a path on the server (`/s/7?i=CODE`), or an
    /// absolute URL when the server has a public URL (`--public-url`).
    pub url: String,
}

/// `GET /api/surveys/<id>/invitations/`: every code made for the survey, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationsBody {
    pub invitations: Vec<InvitationBody>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationBody {
    pub id: i64,
    /// The code's first characters, to tell codes apart (the code itself is not kept).
    pub prefix: String,
    pub created_at: String,
    pub used: bool,
    pub used_at: Option<String>,
}

impl From<&Invitation> for InvitationBody {
    fn from(i: &Invitation) -> Self {
        InvitationBody {
            id: i.id,
            prefix: i.prefix.clone(),
            created_at: i.created_at.clone(),
            used: i.used_at.is_some(),
            used_at: i.used_at.clone(),
        }
    }
}
