//! A survey file's keys checked against the ones canvass reads: serde ignores the rest, so a
//! misspelt `"requried"` silently became a required question (issue 14, item 5). The known
//! keys are read off the request types themselves, never listed twice.

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_json::{Map, Value};

use crate::domain::ValidationError;
use crate::protocol::{CreateSurveyRequest, QuestionRequest};

/// How alike (Jaro-Winkler, 0 to 1) a known key must be to an unknown one to be suggested;
/// clap's bar for flags is 0.7, a little loose for short keys like `kind`.
const SUGGEST_ABOVE: f64 = 0.8;

/// The first key in `survey` that canvass would not read, named by its path, with the known
/// key it most resembles.
pub fn check(survey: &Value) -> Result<(), ValidationError> {
    check_as::<CreateSurveyRequest>(survey)
}

/// As `check`, for a survey file read as `T` (`survey edit --file` reads a `SurveyEditRequest`,
/// whose keys are a create's).
pub fn check_as<'de, T: Deserialize<'de>>(survey: &Value) -> Result<(), ValidationError> {
    if let Some(object) = survey.as_object() {
        check_object("", object, fields_of::<T>())?;
    }
    let questions = survey.get("questions").and_then(Value::as_array);
    for (i, question) in questions.into_iter().flatten().enumerate() {
        if let Some(object) = question.as_object() {
            check_object(
                &format!("questions[{i}]"),
                object,
                fields_of::<QuestionRequest>(),
            )?;
        }
    }
    Ok(())
}

fn check_object(
    field: &str,
    object: &Map<String, Value>,
    known: &[&str],
) -> Result<(), ValidationError> {
    let Some(unknown) = object.keys().find(|key| !known.contains(&key.as_str())) else {
        return Ok(());
    };
    let nearest = known
        .iter()
        .map(|k| (strsim::jaro_winkler(unknown, k), k))
        .filter(|&(likeness, _)| likeness > SUGGEST_ABOVE)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let advice = match nearest {
        Some((_, k)) => format!("did you mean \"{k}\"?"),
        None => format!("the keys here are {}", known.join(", ")),
    };
    let field = if field.is_empty() { "survey" } else { field };
    Err(ValidationError::new(
        field,
        format!("unknown key {unknown:?} ({advice})"),
    ))
}

/// The field names `T`'s derived `Deserialize` reads: it hands them to `deserialize_struct`,
/// where this deserializer notes them and stops.
fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(FieldProbe(&mut fields));
    fields
}

struct FieldProbe<'a>(&'a mut &'static [&'static str]);

impl<'de> Deserializer<'de> for FieldProbe<'_> {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = fields;
        Err(de::Error::custom("fields noted"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problem(survey: &Value) -> String {
        check(survey).unwrap_err().to_string()
    }

    #[test]
    fn the_known_keys_are_the_request_types_fields() {
        assert_eq!(
            fields_of::<CreateSurveyRequest>(),
            [
                "name",
                "questions",
                "one_response_per_user",
                "opens_at",
                "closes_at",
                "max_responses",
                "anonymous",
                "invitation_only",
                "public_results"
            ]
        );
        let mut edit = fields_of::<crate::protocol::SurveyEditRequest>().to_vec();
        let mut create = fields_of::<CreateSurveyRequest>().to_vec();
        edit.sort_unstable();
        create.sort_unstable();
        assert_eq!(
            edit, create,
            "an edit file takes the keys of a new survey's"
        );
        assert!(fields_of::<QuestionRequest>().contains(&"required"));
    }

    #[test]
    fn a_misspelt_key_is_named_with_the_key_it_resembles() {
        let question = json!({"text": "Q", "choices": ["a", "b"], "requried": false});
        assert_eq!(
            problem(&json!({"name": "S", "questions": [{"text": "P"}, question]})),
            "questions[1]: unknown key \"requried\" (did you mean \"required\"?)"
        );
        assert_eq!(
            problem(&json!({"name": "S", "one_response_per_usr": true})),
            "survey: unknown key \"one_response_per_usr\" (did you mean \
             \"one_response_per_user\"?)"
        );
        assert_eq!(
            problem(&json!({"name": "S", "colour": "red"})),
            "survey: unknown key \"colour\" (the keys here are name, questions, \
             one_response_per_user, opens_at, closes_at, max_responses, anonymous, \
             invitation_only, public_results)"
        );
        assert_eq!(
            problem(&json!({"name": "S", "max_response": 5})),
            "survey: unknown key \"max_response\" (did you mean \"max_responses\"?)"
        );
        assert!(check(&json!({"name": "S", "questions": [{"question": "Q"}]})).is_ok());
    }
}
