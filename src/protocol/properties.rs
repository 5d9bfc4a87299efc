//! No wire body, however malformed, makes a conversion panic; a valid survey converts
//! with every question and choice kept, trimmed and in order.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use serde_json::{Map, Number, Value};

use super::{CreateSurveyRequest, CredentialsRequest, ResponseRequest, SeedVoteRequest};
use crate::domain::{Answer, QuestionKind, Survey};

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
            vec((key, inner), 0..6).prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
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
    let survey = Survey::sample();
    if let Ok(request) = serde_json::from_slice::<CredentialsRequest>(bytes) {
        let _ = request.into_domain();
    }
    if let Ok(request) = serde_json::from_slice::<CreateSurveyRequest>(bytes) {
        let _ = request.into_domain();
    }
    if let Ok(request) = serde_json::from_slice::<ResponseRequest>(bytes)
        && let Ok(answers) = request.into_domain()
    {
        let _ = Answer::check_all(&survey, &answers);
    }
    if let Ok(request) = serde_json::from_slice::<SeedVoteRequest>(bytes)
        && let Ok(answers) = request.into_answers(&survey)
    {
        let _ = Answer::check_all(&survey, &answers);
    }
}

/// The same from a `Value`, then from its text.
fn convert(value: &Value) {
    let survey = Survey::sample();
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

/// A string that is not blank once trimmed, maybe padded with whitespace, and without NUL
/// (which no text may hold).
fn nonblank() -> impl Strategy<Value = String> {
    ("[ \t]{0,2}", "[^\\s\\x00]\\PC{0,24}", "[ \t]{0,2}").prop_map(|(a, core, b)| a + &core + &b)
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
        let survey = Survey::sample();
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
