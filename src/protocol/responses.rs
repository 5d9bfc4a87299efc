//! Response bodies: what the server answers, built from domain values.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::AnswerBody;
use crate::domain::{Answer, QuestionKind, ResponseRecord, Results, Survey, SurveyStatus, User};

/// The seed's `Survey`, plus canvass's fields (extra fields never break the seed client).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "the wire format's flags, each its own field"
)]
pub struct SurveyBody {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub creator: Option<String>,
    pub status: SurveyStatus,
    pub one_response_per_user: bool,
    pub responses: u64,
    pub questions: Vec<QuestionBody>,
    /// Responses are taken from this moment (RFC 3339, UTC), if set. The settings below are
    /// absent from copies a client kept before they existed, hence the defaults.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub opens_at: Option<String>,
    /// No responses are taken from this moment on, if set.
    #[serde(default)]
    #[schema(format = DateTime)]
    pub closes_at: Option<String>,
    /// The survey closes once it has this many responses, if set.
    #[serde(default)]
    pub max_responses: Option<u64>,
    /// Responses record nobody's account.
    #[serde(default)]
    pub anonymous: bool,
    /// A response needs a single-use invitation code.
    #[serde(default)]
    pub invitation_only: bool,
    /// Anyone may see the results page.
    #[serde(default)]
    pub public_results: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QuestionBody {
    pub id: i64,
    pub text: String,
    pub created_at: String,
    pub survey_id: i64,
    pub kind: QuestionKind,
    pub required: bool,
    pub choices: Vec<ChoiceBody>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChoiceBody {
    pub id: i64,
    pub text: String,
    pub created_at: String,
    pub question_id: i64,
    pub selected: u64,
}

impl From<&Survey> for SurveyBody {
    fn from(s: &Survey) -> Self {
        SurveyBody {
            id: s.id.0,
            name: s.name.clone(),
            created_at: s.created_at.clone(),
            creator: s.creator.clone(),
            status: s.status,
            one_response_per_user: s.one_response_per_user,
            responses: s.responses,
            opens_at: s.settings.opens_at.map(|t| t.to_string()),
            closes_at: s.settings.closes_at.map(|t| t.to_string()),
            max_responses: s.settings.max_responses,
            anonymous: s.settings.anonymous,
            invitation_only: s.settings.invitation_only,
            public_results: s.settings.public_results,
            questions: s
                .questions
                .iter()
                .map(|q| QuestionBody {
                    id: q.id.0,
                    text: q.text.clone(),
                    created_at: q.created_at.clone(),
                    survey_id: q.survey_id.0,
                    kind: q.kind,
                    required: q.required,
                    choices: q
                        .choices
                        .iter()
                        .map(|c| ChoiceBody {
                            id: c.id.0,
                            text: c.text.clone(),
                            created_at: c.created_at.clone(),
                            question_id: c.question_id.0,
                            selected: c.selected,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// `GET /api/surveys/?page=&per_page=`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SurveyPage {
    pub items: Vec<SurveyBody>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

/// `GET /api/surveys/<id>/results/`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResultsBody {
    pub survey_id: i64,
    pub name: String,
    pub status: SurveyStatus,
    pub responses: u64,
    pub questions: Vec<QuestionResults>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct QuestionResults {
    pub id: i64,
    pub text: String,
    pub kind: QuestionKind,
    pub choices: Vec<ChoiceCount>,
    pub answers: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ChoiceCount {
    pub id: i64,
    pub text: String,
    pub count: u64,
}

impl From<&Results> for ResultsBody {
    fn from(r: &Results) -> Self {
        let s = &r.survey;
        ResultsBody {
            survey_id: s.id.0,
            name: s.name.clone(),
            status: s.status,
            responses: s.responses,
            questions: s
                .questions
                .iter()
                .zip(&r.text_answers)
                .map(|(q, answers)| QuestionResults {
                    id: q.id.0,
                    text: q.text.clone(),
                    kind: q.kind,
                    choices: q
                        .choices
                        .iter()
                        .map(|c| ChoiceCount {
                            id: c.id.0,
                            text: c.text.clone(),
                            count: c.selected,
                        })
                        .collect(),
                    answers: answers.clone(),
                })
                .collect(),
        }
    }
}

/// `GET /api/surveys/<id>/responses/?format=json`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportBody {
    pub survey_id: i64,
    pub name: String,
    pub responses: Vec<ExportedResponse>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportedResponse {
    pub id: i64,
    pub created_at: String,
    /// Who responded (null: someone not logged in). Absent for an anonymous survey, which
    /// never knows.
    #[serde(
        default,
        deserialize_with = "super::lifecycle::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub respondent: Option<Option<String>>,
    pub answers: Vec<AnswerBody>,
}

impl ExportBody {
    pub fn new(survey: &Survey, records: &[ResponseRecord]) -> Self {
        ExportBody {
            survey_id: survey.id.0,
            name: survey.name.clone(),
            responses: records
                .iter()
                .map(|r| ExportedResponse {
                    id: r.id.0,
                    created_at: r.created_at.clone(),
                    respondent: (!survey.settings.anonymous).then(|| r.respondent.clone()),
                    answers: r.answers.iter().map(AnswerBody::from).collect(),
                })
                .collect(),
        }
    }
}

/// The CSV export: one row per response, one column per question, so it opens in a
/// spreadsheet. Choices are shown by text and joined with `; `.
pub fn export_csv(survey: &Survey, records: &[ResponseRecord]) -> Result<String, csv::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    // An anonymous survey has no respondent column at all: there is nothing to put in it.
    let named = !survey.settings.anonymous;
    let mut header = vec!["id".to_owned(), "created_at".into()];
    if named {
        header.push("respondent".into());
    }
    header.extend(survey.questions.iter().map(|q| defused(q.text.clone())));
    out.write_record(&header)?;
    for record in records {
        let mut row = vec![record.id.to_string(), record.created_at.clone()];
        if named {
            row.push(defused(record.respondent.clone().unwrap_or_default()));
        }
        for question in &survey.questions {
            let cell = record
                .answers
                .iter()
                .find(|a| a.question() == question.id)
                .map(|answer| match answer {
                    Answer::Text { text, .. } => text.clone(),
                    Answer::Choices { choices, .. } => choices
                        .iter()
                        .filter_map(|id| question.choices.iter().find(|c| c.id == *id))
                        .map(|c| c.text.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                });
            row.push(defused(cell.unwrap_or_default()));
        }
        out.write_record(&row)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A cell a spreadsheet will not run: one that starts with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is a formula to Excel, LibreOffice and Sheets (`=cmd|' /C calc'!A0`), so it
/// gets a leading `'`, which they show as text (OWASP, "CSV Injection").
fn defused(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// `POST /api/register/` → 201.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RegisteredBody {
    pub id: i64,
    pub email: String,
}

/// `GET /api/me/`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeBody {
    pub id: i64,
    pub email: String,
    pub created_at: String,
}

impl From<&User> for MeBody {
    fn from(u: &User) -> Self {
        MeBody {
            id: u.id.0,
            email: u.email.to_string(),
            created_at: u.created_at.clone(),
        }
    }
}

/// `POST /api/login/` and `POST /api/token/refresh/`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenBody {
    pub token: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HealthBody {
    pub status: String,
    pub version: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct IdBody {
    pub id: i64,
}

/// `GET /api/surveys/<id>/responses/mine/`: the caller's latest response, so a client can
/// say "you already responded" before walking through the questions.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MyResponseBody {
    pub id: i64,
    /// UTC, `YYYY-MM-DD HH:MM:SS`.
    pub created_at: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessageBody {
    pub message: String,
}
