//! Survey bodies as the seed client builds them, the seed client's vote (the survey sent
//! back with a `"choice"` per question), and ways to read a `Survey` reply.

use canvass::protocol::paths;
use serde_json::{Value, json};

use super::server::TestServer;

/// The seed's create-survey body: two questions, three and two choices.
pub fn seed_survey(name: &str) -> Value {
    json!({
        "name": name,
        "questions": [
            {"question": "Which colour?", "choices": ["Red", "Green", "Blue"]},
            {"question": "Which pet?", "choices": ["Cat", "Dog"]},
        ],
    })
}

/// A rich survey: a single-choice, a multiple-choice, an optional text question.
pub fn rich_survey(name: &str, one_response_per_user: bool) -> Value {
    json!({
        "name": name,
        "one_response_per_user": one_response_per_user,
        "questions": [
            {"text": "Lunch?", "kind": "single", "choices": ["Pizza", "Salad"]},
            {"text": "Drinks?", "kind": "multiple", "choices": ["Tea", "Coffee", "Water"]},
            {"text": "Anything else?", "kind": "text", "required": false},
        ],
    })
}

/// What the seed client PUTs: the survey as GET returned it, where question `i` carries
/// `"choice": <id of its choice picks[i]>`.
pub fn vote(survey: &Value, picks: &[usize]) -> Value {
    let mut body = survey.clone();
    let questions = body["questions"].as_array_mut().unwrap();
    assert_eq!(questions.len(), picks.len(), "one pick per question");
    for (question, &pick) in questions.iter_mut().zip(picks) {
        let choice = question["choices"][pick]["id"].clone();
        assert!(choice.is_u64(), "no choice {pick} in {question}");
        question["choice"] = choice;
    }
    body
}

/// The id field of a JSON object, as the integer it must be.
#[track_caller]
pub fn id_of(value: &Value) -> u64 {
    value["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("no integer id in {value}"))
}

/// A survey body's id as `canvass::protocol::paths` takes it: `paths::survey(survey_id(&s))`.
#[track_caller]
pub fn survey_id(survey: &Value) -> i64 {
    survey["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no integer id in {survey}"))
}

/// The id of choice `c` of question `q`.
pub fn choice_id(survey: &Value, q: usize, c: usize) -> u64 {
    id_of(&survey["questions"][q]["choices"][c])
}

pub fn question_id(survey: &Value, q: usize) -> u64 {
    id_of(&survey["questions"][q])
}

/// Whether `s` is the seed's `created_at`: `YYYY-MM-DD HH:MM:SS`.
pub fn is_seed_timestamp(s: &str) -> bool {
    let pattern = "dddd-dd-dd dd:dd:dd";
    s.len() == pattern.len()
        && s.bytes().zip(pattern.bytes()).all(|(c, p)| match p {
            b'd' => c.is_ascii_digit(),
            _ => c == p,
        })
}

/// Seconds since the epoch of a seed `created_at`, read as UTC.
#[track_caller]
pub fn timestamp_secs(s: &str) -> i64 {
    assert!(is_seed_timestamp(s), "{s:?} is not YYYY-MM-DD HH:MM:SS");
    let field = |range: std::ops::Range<usize>| -> i64 { s[range].parse().unwrap() };
    let (year, month, day) = (field(0..4), field(5..7), field(8..10));
    // Days from 1970-01-01 to the date (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + field(11..13) * 3600 + field(14..16) * 60 + field(17..19)
}

impl TestServer {
    /// Creates a survey as `token`'s user and returns the 201 body.
    #[track_caller]
    pub fn create_survey(&self, token: &str, body: &Value) -> Value {
        self.post_json(paths::SURVEYS, body, Some(token))
            .expect(201)
    }

    /// GET `paths::survey(id)`, asserting 200.
    #[track_caller]
    pub fn survey(&self, id: u64) -> Value {
        self.get(&paths::survey(path_id(id))).expect(200)
    }

    /// GET `paths::results(id)`, asserting 200.
    #[track_caller]
    pub fn results(&self, id: u64) -> Value {
        self.get(&paths::results(path_id(id))).expect(200)
    }
}

/// The `count` of choice `choice` in a results body.
#[track_caller]
pub fn count_of(results: &Value, choice: u64) -> u64 {
    results["questions"]
        .as_array()
        .unwrap_or_else(|| panic!("results without questions: {results}"))
        .iter()
        .flat_map(|question| question["choices"].as_array().into_iter().flatten())
        .find(|c| c["id"].as_u64() == Some(choice))
        .and_then(|c| c["count"].as_u64())
        .unwrap_or_else(|| panic!("no count for choice {choice} in {results}"))
}

/// The `selected` of choice `choice` in a `Survey` body.
#[track_caller]
pub fn selected_of(survey: &Value, choice: u64) -> u64 {
    survey["questions"]
        .as_array()
        .unwrap_or_else(|| panic!("survey without questions: {survey}"))
        .iter()
        .flat_map(|question| question["choices"].as_array().into_iter().flatten())
        .find(|c| c["id"].as_u64() == Some(choice))
        .and_then(|c| c["selected"].as_u64())
        .unwrap_or_else(|| panic!("no selected for choice {choice} in {survey}"))
}

/// An id from `id_of` as `canvass::protocol::paths` takes it.
#[track_caller]
pub fn path_id(id: u64) -> i64 {
    i64::try_from(id).unwrap_or_else(|_| panic!("id {id} does not fit in an i64"))
}
