//! Request bodies: what clients send, and how each becomes domain values (or a
//! `ValidationError` naming the field).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Count;
use crate::domain::{
    Answer, ChoiceId, Email, NewQuestion, NewSurvey, Password, QuestionId, QuestionKind, Survey,
    SurveySettings, Timestamp, ValidationError,
};

/// A JSON request body, and where it must hold objects (`objects.rs` says why).
pub trait RequestBody: serde::de::DeserializeOwned {
    /// `""` is the body itself, `"questions[]"` each element of its `questions` array.
    const OBJECTS: &'static [&'static str];
}

/// `POST /api/register/` and `POST /api/login/`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CredentialsRequest {
    // `required` in the schema though serde defaults them: the default, empty, is refused by
    // `into_domain`, so no request without them succeeds. The same for a survey's name and
    // questions.
    #[serde(default)]
    #[schema(required = true, schema_with = super::schema::email)]
    pub email: String,
    #[serde(default)]
    #[schema(required = true, schema_with = super::schema::password)]
    pub password: String,
}

impl RequestBody for CredentialsRequest {
    const OBJECTS: &'static [&'static str] = &[""];
}

impl CredentialsRequest {
    pub fn into_domain(self) -> Result<(Email, Password), ValidationError> {
        Ok((Email::parse(&self.email)?, Password::parse(self.password)?))
    }
}

/// `POST /api/surveys/`: the seed's shape (`question`, `choices`) or the richer one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "the wire format's flags, each its own field"
)]
pub struct CreateSurveyRequest {
    #[serde(default)]
    #[schema(required = true, schema_with = super::schema::survey_name)]
    pub name: String,
    #[serde(default)]
    #[schema(required = true, schema_with = super::schema::questions)]
    pub questions: Vec<QuestionRequest>,
    #[serde(default)]
    pub one_response_per_user: bool,
    /// Responses are taken from this moment (RFC 3339: `2026-12-24T09:00:00Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub opens_at: Option<String>,
    /// No responses are taken from this moment on (RFC 3339); after `opens_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub closes_at: Option<String>,
    /// Exactly this many responses are taken (at least 1), then the survey is closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u64>, minimum = 1)]
    pub max_responses: Option<Count>,
    /// Responses never record who gave them; not with `one_response_per_user`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub anonymous: bool,
    /// A response must carry a single-use invitation code (`POST …/invitations/`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub invitation_only: bool,
    /// Anyone may see the results.
    #[serde(default, skip_serializing_if = "is_false")]
    pub public_results: bool,
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_false(value: &bool) -> bool {
    !*value
}

/// Its schema is written by hand (`schema.rs`): which of `text` and `question` is read, and
/// whether `choices` may be empty, depend on the other fields.
#[derive(Debug, Serialize, Deserialize)]
pub struct QuestionRequest {
    /// The seed's name for the question text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
}

impl RequestBody for CreateSurveyRequest {
    const OBJECTS: &'static [&'static str] = &["", "questions[]"];
}

impl CreateSurveyRequest {
    pub fn into_domain(self) -> Result<NewSurvey, ValidationError> {
        let questions = new_questions(self.questions)?;
        let settings = SurveySettings {
            opens_at: time("opens_at", self.opens_at.as_deref())?,
            closes_at: time("closes_at", self.closes_at.as_deref())?,
            max_responses: self.max_responses.map(|n| n.0),
            anonymous: self.anonymous,
            invitation_only: self.invitation_only,
            public_results: self.public_results,
        };
        NewSurvey::new(&self.name, self.one_response_per_user, questions)?.with_settings(settings)
    }
}

/// The questions of a create or an edit, as the domain takes them (not yet checked:
/// `NewSurvey::new` does that).
pub(super) fn new_questions(
    questions: Vec<QuestionRequest>,
) -> Result<Vec<NewQuestion>, ValidationError> {
    questions
        .into_iter()
        .enumerate()
        .map(|(i, q)| {
            let kind = match q.kind.as_deref() {
                None => QuestionKind::Single,
                Some(kind) => kind.parse().map_err(|()| {
                    ValidationError::new(
                        format!("questions[{i}].kind"),
                        "must be one of single, multiple, text",
                    )
                })?,
            };
            // Name the key the client used: the seed says `question`, rich bodies `text`.
            let text = match (q.text, q.question) {
                (Some(text), _) if text.trim().is_empty() => {
                    return Err(ValidationError::new(
                        format!("questions[{i}].text"),
                        "must not be empty",
                    ));
                }
                (Some(text), _) | (None, Some(text)) => text,
                (None, None) => String::new(),
            };
            Ok(NewQuestion {
                text,
                kind,
                required: q.required.unwrap_or(true),
                choices: q.choices,
            })
        })
        .collect()
}

/// An optional RFC 3339 time of field `field`.
pub(super) fn time(field: &str, text: Option<&str>) -> Result<Option<Timestamp>, ValidationError> {
    text.map(|text| Timestamp::parse(field, text)).transpose()
}

/// `PUT /api/surveys/<id>/`: the seed client sends the survey back with a `choice` picked in
/// each question; every other field is ignored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SeedVoteRequest {
    pub questions: Vec<SeedVoteQuestion>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct SeedVoteQuestion {
    /// The question's id; when given, `choice` must be one of its choices.
    pub id: Option<i64>,
    /// The choice picked: a choice of this survey (of question `id` when that is given).
    /// Absent or null: no vote in this question.
    pub choice: Option<i64>,
}

impl RequestBody for SeedVoteRequest {
    const OBJECTS: &'static [&'static str] = &["", "questions[]"];
}

impl SeedVoteRequest {
    /// Maps each picked choice to its question in `survey`. A choice from another survey, or
    /// from another question than the one it is sent under, is rejected (docs/seed-contract.md Part 2:
    /// "PUT accepts a choice id from another survey or question").
    pub fn into_answers(self, survey: &Survey) -> Result<Vec<Answer>, ValidationError> {
        let mut answers = Vec::new();
        for (i, entry) in self.questions.iter().enumerate() {
            let Some(choice) = entry.choice.map(ChoiceId) else {
                continue;
            };
            let owner = survey
                .questions
                .iter()
                .find(|q| q.choices.iter().any(|c| c.id == choice))
                .filter(|q| entry.id.is_none_or(|id| q.id == QuestionId(id)));
            let Some(question) = owner else {
                return Err(ValidationError::new(
                    format!("questions[{i}].choice"),
                    format!("choice {choice} is not a choice of this question"),
                ));
            };
            answers.push(Answer::Choices {
                question: question.id,
                choices: vec![choice],
            });
        }
        Ok(answers)
    }
}

/// The request header that may carry a response's client id instead of its body.
pub const IDEMPOTENCY_KEY: &str = "Idempotency-Key";

/// The longest client id accepted: a UUID is 36 characters.
pub const CLIENT_ID_MAX: usize = 100;

/// The longest invitation code accepted: canvass's own are 40 characters.
pub const INVITATION_MAX: usize = 100;

/// `POST /api/surveys/<id>/responses/`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResponseRequest {
    pub answers: Vec<AnswerBody>,
    /// The client's own id for this response (a UUID, say), so that sending it again (a
    /// retry, an offline queue replayed twice) records it once. May come instead as the
    /// `Idempotency-Key` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(schema_with = super::schema::client_id)]
    pub client_id: Option<String>,
    /// A single-use invitation code, for a survey that is `invitation_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub invitation: Option<String>,
}

/// One answer on the wire: `{"question_id", "choice_ids"}` or `{"question_id", "text"}`. Its
/// schema is written by hand (`schema.rs`): one of the two, never both.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AnswerBody {
    pub question_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_ids: Option<Vec<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl RequestBody for ResponseRequest {
    const OBJECTS: &'static [&'static str] = &["", "answers[]"];
}

impl ResponseRequest {
    /// The response's client id, from the body or the `Idempotency-Key` header's value
    /// (`header`): 1 to `CLIENT_ID_MAX` of `A-Z a-z 0-9 - _`. Both may be sent if they agree.
    pub fn client_id(&self, header: Option<&str>) -> Result<Option<String>, ValidationError> {
        let id = match (self.client_id.as_deref(), header) {
            (Some(body), Some(header)) if body != header => {
                return Err(ValidationError::new(
                    "client_id",
                    format!(
                        "differs from the {IDEMPOTENCY_KEY} header; send one or make them equal"
                    ),
                ));
            }
            (Some(id), _) | (None, Some(id)) => id,
            (None, None) => return Ok(None),
        };
        let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if id.is_empty() || id.len() > CLIENT_ID_MAX || !id.chars().all(allowed) {
            return Err(ValidationError::new(
                "client_id",
                format!("must be 1 to {CLIENT_ID_MAX} letters, digits, '-' or '_' (a UUID, say)"),
            ));
        }
        Ok(Some(id.to_owned()))
    }

    /// The invitation code sent, if any, no longer than any code can be.
    pub fn invitation(&self) -> Result<Option<&str>, ValidationError> {
        match self.invitation.as_deref() {
            Some(code) if code.chars().count() > INVITATION_MAX => Err(ValidationError::new(
                "invitation",
                format!("must be at most {INVITATION_MAX} characters"),
            )),
            code => Ok(code),
        }
    }

    pub fn into_domain(self) -> Result<Vec<Answer>, ValidationError> {
        self.answers
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                let question = QuestionId(a.question_id);
                match (a.choice_ids, a.text) {
                    (Some(ids), None) => Ok(Answer::Choices {
                        question,
                        choices: ids.into_iter().map(ChoiceId).collect(),
                    }),
                    (None, Some(text)) => Ok(Answer::Text { question, text }),
                    _ => Err(ValidationError::new(
                        format!("answers[{i}]"),
                        "needs either choice_ids or text",
                    )),
                }
            })
            .collect()
    }
}

impl From<&Answer> for AnswerBody {
    fn from(answer: &Answer) -> Self {
        match answer {
            Answer::Choices { question, choices } => AnswerBody {
                question_id: question.0,
                choice_ids: Some(choices.iter().map(|c| c.0).collect()),
                text: None,
            },
            Answer::Text { question, text } => AnswerBody {
                question_id: question.0,
                choice_ids: None,
                text: Some(text.clone()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(client_id: Option<&str>) -> ResponseRequest {
        ResponseRequest {
            answers: Vec::new(),
            client_id: client_id.map(ToOwned::to_owned),
            invitation: None,
        }
    }

    #[test]
    fn a_client_id_comes_from_the_body_or_the_header_and_both_must_agree() {
        let uuid = "0b8e7c1e-5f1a-4c7e-9a51-3d2f6a0c9b11";
        assert_eq!(request(None).client_id(None), Ok(None));
        assert_eq!(request(Some(uuid)).client_id(None), Ok(Some(uuid.into())));
        assert_eq!(request(None).client_id(Some(uuid)), Ok(Some(uuid.into())));
        assert_eq!(
            request(Some(uuid)).client_id(Some(uuid)),
            Ok(Some(uuid.into()))
        );
        let differ = request(Some(uuid)).client_id(Some("other")).unwrap_err();
        assert_eq!(differ.field, "client_id");
    }

    #[test]
    fn a_client_id_is_1_to_100_letters_digits_dashes_or_underscores() {
        let longest = "a".repeat(CLIENT_ID_MAX);
        for good in ["a", "A-z_09", longest.as_str()] {
            assert!(request(Some(good)).client_id(None).is_ok(), "{good:?}");
        }
        let too_long = "a".repeat(CLIENT_ID_MAX + 1);
        for bad in ["", " a", "a b", "a/b", "é", "a\n", too_long.as_str()] {
            let error = request(Some(bad)).client_id(None).unwrap_err();
            assert_eq!(error.field, "client_id", "{bad:?}");
            let error = request(None).client_id(Some(bad)).unwrap_err();
            assert_eq!(error.field, "client_id", "{bad:?}");
        }
    }

    #[test]
    fn an_invitation_code_is_at_most_100_characters() {
        let sent = |code: String| ResponseRequest {
            invitation: Some(code),
            ..request(None)
        };
        let longest = "é".repeat(INVITATION_MAX);
        assert_eq!(
            sent(longest.clone()).invitation(),
            Ok(Some(longest.as_str()))
        );
        let error = sent("a".repeat(INVITATION_MAX + 1))
            .invitation()
            .unwrap_err();
        assert_eq!(error.field, "invitation");
        assert_eq!(request(None).invitation(), Ok(None));
    }

    #[test]
    fn a_plain_survey_is_sent_in_the_seeds_shape_and_flags_only_when_set() {
        // An older server (or the seed) reads a plain survey's body as it always did.
        let mut survey: CreateSurveyRequest =
            serde_json::from_str(r#"{"name": "Lunch", "questions": []}"#).unwrap();
        let plain = serde_json::to_value(&survey).unwrap();
        let keys: Vec<_> = plain.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["name", "one_response_per_user", "questions"]);
        survey.anonymous = true;
        survey.public_results = true;
        let flagged = serde_json::to_value(&survey).unwrap();
        assert_eq!(flagged["anonymous"], true);
        assert_eq!(flagged["public_results"], true);
        assert!(flagged.get("invitation_only").is_none(), "{flagged}");
    }
}
