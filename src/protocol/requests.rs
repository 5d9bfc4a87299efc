//! Request bodies: what clients send, and how each becomes domain values (or a
//! `ValidationError` naming the field).

use serde::{Deserialize, Serialize};

use crate::domain::{
    Answer, ChoiceId, Email, NewQuestion, NewSurvey, Password, QuestionId, QuestionKind, Survey,
    ValidationError,
};

/// A JSON request body. serde's derived structs also read a JSON array, field by field in
/// declaration order; canvass refuses that positional form (nobody means it, and it slips
/// past "wrong type → 400"), so each body names where it expects objects.
pub trait RequestBody: serde::de::DeserializeOwned {
    /// `""` is the body itself, `"questions[]"` each element of its `questions` array.
    const OBJECTS: &'static [&'static str];
}

/// Checks that `value` has an object at each of `T::OBJECTS`; the error names the first
/// place that does not. Arrays that are missing or not arrays are left to serde to report.
pub fn check_objects<T: RequestBody>(value: &serde_json::Value) -> Result<(), ValidationError> {
    for path in T::OBJECTS {
        match path.strip_suffix("[]") {
            None if !value.is_object() => {
                return Err(ValidationError::new("body", "must be a JSON object"));
            }
            None => {}
            Some(key) => {
                let items = value.get(key).and_then(serde_json::Value::as_array);
                if let Some(i) = items
                    .into_iter()
                    .flatten()
                    .position(|item| !item.is_object())
                {
                    return Err(ValidationError::new(
                        format!("{key}[{i}]"),
                        "must be a JSON object",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `POST /api/register/` and `POST /api/login/`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CredentialsRequest {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
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
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateSurveyRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub questions: Vec<QuestionRequest>,
    #[serde(default)]
    pub one_response_per_user: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct QuestionRequest {
    /// The seed's name for the question text.
    pub question: Option<String>,
    pub text: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub choices: Vec<String>,
    pub required: Option<bool>,
}

impl RequestBody for CreateSurveyRequest {
    const OBJECTS: &'static [&'static str] = &["", "questions[]"];
}

impl CreateSurveyRequest {
    pub fn into_domain(self) -> Result<NewSurvey, ValidationError> {
        let questions = self
            .questions
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
            .collect::<Result<_, ValidationError>>()?;
        NewSurvey::new(&self.name, self.one_response_per_user, questions)
    }
}

/// `PUT /api/surveys/<id>/`: the seed client sends the survey back with a `choice` picked in
/// each question; every other field is ignored.
#[derive(Debug, Deserialize)]
pub struct SeedVoteRequest {
    pub questions: Vec<SeedVoteQuestion>,
}

#[derive(Debug, Deserialize)]
pub struct SeedVoteQuestion {
    pub id: Option<i64>,
    pub choice: Option<i64>,
}

impl RequestBody for SeedVoteRequest {
    const OBJECTS: &'static [&'static str] = &["", "questions[]"];
}

impl SeedVoteRequest {
    /// Maps each picked choice to its question in `survey`. A choice from another survey, or
    /// from another question than the one it is sent under, is rejected (CONTRACT.md Part 2:
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

/// `POST /api/surveys/<id>/responses/`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ResponseRequest {
    pub answers: Vec<AnswerBody>,
}

/// One answer on the wire: `{"question_id", "choice_ids"}` or `{"question_id", "text"}`.
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
