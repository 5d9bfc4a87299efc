//! The wire format: request and response bodies with the seed's field names, and their
//! conversion to and from `domain`. Server and client both speak through these types.

use serde::{Deserialize, Serialize};

use crate::domain::{
    Answer, ChoiceId, Email, NewQuestion, NewSurvey, Password, QuestionId, QuestionKind,
    ResponseRecord, Results, Survey, User, ValidationError,
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
#[derive(Debug, Deserialize)]
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
#[derive(Debug, Deserialize)]
pub struct CreateSurveyRequest {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub questions: Vec<QuestionRequest>,
    #[serde(default)]
    pub one_response_per_user: bool,
}

#[derive(Debug, Deserialize)]
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
#[derive(Debug, Deserialize)]
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

/// The seed's `Survey`, plus canvass's fields (extra fields never break the seed client).
#[derive(Debug, Serialize, Deserialize)]
pub struct SurveyBody {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub creator: Option<String>,
    pub status: String,
    pub one_response_per_user: bool,
    pub responses: u64,
    pub questions: Vec<QuestionBody>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct QuestionBody {
    pub id: i64,
    pub text: String,
    pub created_at: String,
    pub survey_id: i64,
    pub kind: String,
    pub required: bool,
    pub choices: Vec<ChoiceBody>,
}

#[derive(Debug, Serialize, Deserialize)]
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
            status: s.status.as_str().to_owned(),
            one_response_per_user: s.one_response_per_user,
            responses: s.responses,
            questions: s
                .questions
                .iter()
                .map(|q| QuestionBody {
                    id: q.id.0,
                    text: q.text.clone(),
                    created_at: q.created_at.clone(),
                    survey_id: q.survey_id.0,
                    kind: q.kind.as_str().to_owned(),
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
#[derive(Debug, Serialize, Deserialize)]
pub struct SurveyPage {
    pub items: Vec<SurveyBody>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

/// `GET /api/surveys/<id>/results/`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ResultsBody {
    pub survey_id: i64,
    pub name: String,
    pub status: String,
    pub responses: u64,
    pub questions: Vec<QuestionResults>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct QuestionResults {
    pub id: i64,
    pub text: String,
    pub kind: String,
    pub choices: Vec<ChoiceCount>,
    pub answers: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
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
            status: s.status.as_str().to_owned(),
            responses: s.responses,
            questions: s
                .questions
                .iter()
                .zip(&r.text_answers)
                .map(|(q, answers)| QuestionResults {
                    id: q.id.0,
                    text: q.text.clone(),
                    kind: q.kind.as_str().to_owned(),
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
#[derive(Debug, Serialize, Deserialize)]
pub struct ExportBody {
    pub survey_id: i64,
    pub name: String,
    pub responses: Vec<ExportedResponse>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedResponse {
    pub id: i64,
    pub created_at: String,
    pub respondent: Option<String>,
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
                    respondent: r.respondent.clone(),
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
    let mut header = vec!["id".to_owned(), "created_at".into(), "respondent".into()];
    header.extend(survey.questions.iter().map(|q| q.text.clone()));
    out.write_record(&header)?;
    for record in records {
        let mut row = vec![
            record.id.to_string(),
            record.created_at.clone(),
            record.respondent.clone().unwrap_or_default(),
        ];
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
            row.push(cell.unwrap_or_default());
        }
        out.write_record(&row)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `POST /api/register/` → 201.
#[derive(Debug, Serialize, Deserialize)]
pub struct RegisteredBody {
    pub id: i64,
    pub email: String,
}

/// `GET /api/me/`.
#[derive(Debug, Serialize, Deserialize)]
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
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenBody {
    pub token: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct HealthBody {
    pub status: String,
    pub version: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct IdBody {
    pub id: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct MessageBody {
    pub message: String,
}

/// Every error, everywhere: the seed client shows `message`; 401s keep the seed's
/// `"authenticated": false`; `field` names the input that was wrong.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticated: Option<bool>,
}

#[cfg(test)]
mod properties {
    //! No wire body, however malformed, makes a conversion panic; a valid survey converts
    //! with every question and choice kept, trimmed and in order.

    use proptest::collection::vec;
    use proptest::prelude::*;
    use proptest::sample::select;
    use proptest::test_runner::Config;
    use serde_json::{Map, Number, Value};

    use super::{CreateSurveyRequest, CredentialsRequest, ResponseRequest, SeedVoteRequest};
    use crate::domain::{
        Answer, Choice, ChoiceId, Question, QuestionId, QuestionKind, Survey, SurveyId,
        SurveyStatus,
    };

    /// The keys the request types read, so generated objects often reach the conversions.
    const KEYS: &[&str] = &[
        "email",
        "password",
        "name",
        "questions",
        "question",
        "text",
        "kind",
        "choices",
        "required",
        "one_response_per_user",
        "answers",
        "question_id",
        "choice_ids",
        "id",
        "choice",
    ];

    /// Strings the conversions look at twice.
    const WORDS: &[&str] = &[
        "",
        " ",
        "\t\n",
        "single",
        "multiple",
        "text",
        "Single",
        "ann@example.com",
        "a@b@c",
        "@",
        "x",
    ];

    fn config() -> Config {
        Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        }
    }

    /// A survey as the store returns it: a single, a multiple and a text question, with
    /// small ids that generated numbers hit now and then.
    fn survey() -> Survey {
        let question = |id: i64, kind: QuestionKind, choices: &[i64]| Question {
            id: QuestionId(id),
            survey_id: SurveyId(1),
            text: format!("Q{id}"),
            kind,
            required: id != 3,
            created_at: "2024-01-01 00:00:00".into(),
            choices: choices
                .iter()
                .map(|&c| Choice {
                    id: ChoiceId(c),
                    question_id: QuestionId(id),
                    text: format!("C{c}"),
                    created_at: "2024-01-01 00:00:00".into(),
                    selected: 0,
                })
                .collect(),
        };
        Survey {
            id: SurveyId(1),
            name: "Fixed".into(),
            created_at: "2024-01-01 00:00:00".into(),
            creator_id: None,
            creator: None,
            status: SurveyStatus::Open,
            one_response_per_user: false,
            responses: 0,
            questions: vec![
                question(1, QuestionKind::Single, &[4, 5]),
                question(2, QuestionKind::Multiple, &[6, 7, 8]),
                question(3, QuestionKind::Text, &[]),
            ],
        }
    }

    fn string() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), select(WORDS).prop_map(str::to_owned)]
    }

    fn id() -> impl Strategy<Value = Value> {
        prop_oneof![
            (-2_i64..12).prop_map(Value::from),
            any::<i64>().prop_map(Value::from)
        ]
    }

    /// Any JSON value, at most 4 deep and about 64 nodes.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            id(),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
            string().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            let key = prop_oneof![select(KEYS).prop_map(str::to_owned), any::<String>()];
            prop_oneof![
                vec(inner.clone(), 0..6).prop_map(Value::Array),
                vec((key, inner), 0..6)
                    .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    /// A field: usually of the right type, sometimes any value, sometimes missing.
    fn field(right: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
        prop_oneof![
            4 => right.prop_map(Some),
            1 => json().prop_map(Some),
            1 => Just(None),
        ]
        .boxed()
    }

    fn object(fields: Vec<(&'static str, BoxedStrategy<Option<Value>>)>) -> BoxedStrategy<Value> {
        let (names, values): (Vec<_>, Vec<_>) = fields.into_iter().unzip();
        values
            .prop_map(move |values| {
                let pairs = names.iter().zip(values);
                let object: Map<String, Value> = pairs
                    .filter_map(|(name, value)| Some(((*name).to_owned(), value?)))
                    .collect();
                Value::Object(object)
            })
            .boxed()
    }

    fn text() -> impl Strategy<Value = Value> {
        string().prop_map(Value::String)
    }

    fn list(item: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
        vec(item, 0..5).prop_map(Value::Array)
    }

    /// Bodies shaped like the four requests, each field right, wrong or missing.
    fn shaped() -> impl Strategy<Value = Value> {
        let credentials = object(vec![("email", field(text())), ("password", field(text()))]);
        let question = object(vec![
            ("question", field(text())),
            ("text", field(text())),
            ("kind", field(text())),
            ("choices", field(list(text()))),
            ("required", field(any::<bool>().prop_map(Value::Bool))),
        ]);
        let survey = object(vec![
            ("name", field(text())),
            ("questions", field(list(question))),
            (
                "one_response_per_user",
                field(any::<bool>().prop_map(Value::Bool)),
            ),
        ]);
        let answer = object(vec![
            ("question_id", field(id())),
            ("choice_ids", field(list(id()))),
            ("text", field(text())),
        ]);
        let response = object(vec![("answers", field(list(answer)))]);
        let vote_question = object(vec![("id", field(id())), ("choice", field(id()))]);
        let vote = object(vec![("questions", field(list(vote_question)))]);
        prop_oneof![credentials, survey, response, vote]
    }

    /// Deserialises `bytes` as each request and runs every conversion that follows.
    fn convert_bytes(bytes: &[u8]) {
        let survey = survey();
        if let Ok(request) = serde_json::from_slice::<CredentialsRequest>(bytes) {
            let _ = request.into_domain();
        }
        if let Ok(request) = serde_json::from_slice::<CreateSurveyRequest>(bytes) {
            let _ = request.into_domain();
        }
        if let Ok(request) = serde_json::from_slice::<ResponseRequest>(bytes) {
            if let Ok(answers) = request.into_domain() {
                let _ = Answer::check_all(&survey, &answers);
            }
        }
        if let Ok(request) = serde_json::from_slice::<SeedVoteRequest>(bytes) {
            if let Ok(answers) = request.into_answers(&survey) {
                let _ = Answer::check_all(&survey, &answers);
            }
        }
    }

    /// The same from a `Value`, then from its text.
    fn convert(value: &Value) {
        let survey = survey();
        if let Ok(request) = serde_json::from_value::<CredentialsRequest>(value.clone()) {
            let _ = request.into_domain();
        }
        if let Ok(request) = serde_json::from_value::<CreateSurveyRequest>(value.clone()) {
            let _ = request.into_domain();
        }
        if let Ok(request) = serde_json::from_value::<ResponseRequest>(value.clone()) {
            let _ = request.into_domain();
        }
        if let Ok(request) = serde_json::from_value::<SeedVoteRequest>(value.clone()) {
            let _ = request.into_answers(&survey);
        }
        convert_bytes(value.to_string().as_bytes());
    }

    /// A string that is not blank once trimmed, maybe padded with whitespace.
    fn nonblank() -> impl Strategy<Value = String> {
        ("[ \t]{0,2}", "[^\\s]\\PC{0,24}", "[ \t]{0,2}").prop_map(|(a, core, b)| a + &core + &b)
    }

    /// A valid question as JSON (the seed's `question` key or the rich `text`), with its
    /// expected kind.
    fn valid_question() -> impl Strategy<Value = (Value, QuestionKind)> {
        let kind = select(vec![None, Some("single"), Some("multiple"), Some("text")]);
        (
            nonblank(),
            any::<bool>(),
            kind,
            vec(nonblank(), 1..6),
            proptest::option::of(any::<bool>()),
        )
            .prop_map(|(text, seed_key, kind, choices, required)| {
                let mut question = Map::new();
                let key = if seed_key { "question" } else { "text" };
                question.insert(key.into(), Value::from(text));
                let parsed = match kind {
                    Some("text") => QuestionKind::Text,
                    Some("multiple") => QuestionKind::Multiple,
                    _ => QuestionKind::Single,
                };
                if let Some(kind) = kind {
                    question.insert("kind".into(), Value::from(kind));
                }
                if parsed != QuestionKind::Text {
                    question.insert("choices".into(), Value::from(choices));
                }
                if let Some(required) = required {
                    question.insert("required".into(), Value::from(required));
                }
                (Value::Object(question), parsed)
            })
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn no_json_value_makes_a_conversion_panic(value in json()) {
            convert(&value);
        }

        #[test]
        fn no_request_shaped_body_makes_a_conversion_panic(value in shaped()) {
            convert(&value);
        }

        #[test]
        fn no_bytes_make_a_conversion_panic(bytes in vec(any::<u8>(), 0..256)) {
            convert_bytes(&bytes);
        }

        #[test]
        fn no_corrupted_body_makes_a_conversion_panic(
            value in shaped(),
            cuts in vec((any::<proptest::sample::Index>(), any::<u8>()), 1..4),
        ) {
            let mut bytes = value.to_string().into_bytes();
            for (at, byte) in cuts {
                let at = at.index(bytes.len());
                bytes[at] = byte;
            }
            convert_bytes(&bytes);
        }

        #[test]
        fn a_valid_survey_converts_with_every_question_and_choice(
            name in nonblank(),
            questions in vec(valid_question(), 1..8),
            one_response_per_user in any::<bool>(),
        ) {
            let sent: Vec<Value> = questions.iter().map(|(q, _)| q.clone()).collect();
            let body = serde_json::json!({
                "name": name,
                "questions": sent,
                "one_response_per_user": one_response_per_user,
            });
            let request: CreateSurveyRequest = serde_json::from_value(body.clone()).unwrap();
            let survey = request.into_domain();
            prop_assert!(survey.is_ok(), "{body} was refused: {survey:?}");
            let survey = survey.unwrap();
            prop_assert_eq!(&survey.name, name.trim());
            prop_assert_eq!(survey.one_response_per_user, one_response_per_user);
            prop_assert_eq!(survey.questions.len(), questions.len());
            for (made, (sent, kind)) in survey.questions.iter().zip(&questions) {
                let text = sent["question"].as_str().or(sent["text"].as_str()).unwrap();
                prop_assert_eq!(&made.text, text.trim());
                prop_assert_eq!(made.kind, *kind);
                prop_assert_eq!(made.required, sent["required"].as_bool().unwrap_or(true));
                let choices: Vec<&str> = sent["choices"]
                    .as_array()
                    .map(|c| c.iter().filter_map(Value::as_str).map(str::trim).collect())
                    .unwrap_or_default();
                prop_assert_eq!(&made.choices, &choices);
            }
        }

        #[test]
        fn a_vote_for_real_choices_maps_each_to_its_question(
            picks in vec((any::<proptest::sample::Index>(), any::<bool>()), 2),
        ) {
            let survey = survey();
            let questions: Vec<Value> = survey
                .questions
                .iter()
                .zip(&picks)
                .map(|(question, (pick, with_id))| {
                    let choice = question.choices[pick.index(question.choices.len())].id.0;
                    if *with_id {
                        serde_json::json!({"id": question.id.0, "choice": choice})
                    } else {
                        serde_json::json!({"choice": choice})
                    }
                })
                .collect();
            let body = serde_json::json!({ "questions": questions });
            let request: SeedVoteRequest = serde_json::from_value(body.clone()).unwrap();
            let answers = request.into_answers(&survey);
            prop_assert!(answers.is_ok(), "{body} was refused: {answers:?}");
            for (answer, question) in answers.unwrap().iter().zip(&survey.questions) {
                let Answer::Choices { question: id, choices } = answer else {
                    return Err(TestCaseError::fail(format!("not a choice answer: {answer:?}")));
                };
                prop_assert_eq!(*id, question.id);
                prop_assert_eq!(choices.len(), 1);
                prop_assert!(question.choices.iter().any(|c| c.id == choices[0]));
            }
            prop_assert!(Answer::check_all(&survey, &[]).is_err(), "required questions");
        }
    }
}
