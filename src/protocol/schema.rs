//! JSON Schemas the derive cannot write, for the OpenAPI document: the domain enums that travel
//! as they are (`kind`, `status`), and the request fields and bodies whose rules live in
//! `domain` (trimming, lengths, which fields go together). Each states what the server accepts,
//! no more and no less, so a client that follows the schema is never refused for the shape of
//! its request (issue 11; schemathesis checks it both ways in CI, `.ci/schemathesis`).

use std::fmt::Write as _;

use serde_json::Value;
use utoipa::openapi::schema::{
    AllOfBuilder, AnyOfBuilder, Array, ArrayBuilder, ArrayItems, Object, ObjectBuilder,
    OneOfBuilder, Schema, SchemaType, Type,
};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::{AnswerBody, CLIENT_ID_MAX, QuestionRequest};
use crate::domain::{
    Email, MAX_ANSWER_TEXT, MAX_CHOICES, MAX_NAME, MAX_QUESTIONS, MAX_TEXT, Password, QuestionKind,
    SurveyStatus,
};

fn names(description: &str, names: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(names))
        .into()
}

const KINDS: [QuestionKind; 3] = [
    QuestionKind::Single,
    QuestionKind::Multiple,
    QuestionKind::Text,
];

impl PartialSchema for QuestionKind {
    fn schema() -> RefOr<Schema> {
        names(
            "single: exactly one choice; multiple: one or more; text: free text, no choices",
            KINDS.map(QuestionKind::as_str),
        )
    }
}

impl ToSchema for QuestionKind {}

impl PartialSchema for SurveyStatus {
    fn schema() -> RefOr<Schema> {
        names(
            "open: takes responses; closed: takes no more",
            [SurveyStatus::Open, SurveyStatus::Closed].map(SurveyStatus::as_str),
        )
    }
}

impl ToSchema for SurveyStatus {}

/// What `str::trim` strips and `char::is_whitespace` finds (Unicode's White_Space), as ranges.
/// Spelled out because `\s` means something else in each dialect that reads the patterns:
/// ECMA-262 adds U+FEFF, Python's `re` adds U+001C–U+001F, and neither has U+0085 both ways.
const WHITE_SPACE: &[(char, char)] = &[
    ('\u{9}', '\u{d}'),
    (' ', ' '),
    ('\u{85}', '\u{85}'),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
];

/// What `char::is_control` finds (Unicode's Cc).
const CONTROL: &[(char, char)] = &[('\0', '\u{1f}'), ('\u{7f}', '\u{9f}')];

const NUL: &[(char, char)] = &[('\0', '\0')];

/// `ranges` as the inside of a regex character class. Every character is written `\uXXXX`,
/// which ECMA-262, Python and Rust's regex all read the same way (all are below U+10000).
fn class(ranges: &[(char, char)]) -> String {
    let mut class = String::new();
    for &(first, last) in ranges {
        let _ = write!(class, "\\u{:04X}", u32::from(first));
        if last != first {
            let _ = write!(class, "-\\u{:04X}", u32::from(last));
        }
    }
    class
}

/// What `validation::required_text(_, value, max)` accepts: once trimmed, 1 to `max`
/// characters, none of them NUL. Leading and trailing white space may be anything, since it is
/// trimmed away; the rest starts and ends with a character that is not white space.
fn trimmed_text_pattern(max: usize) -> String {
    let (space, nul) = (class(WHITE_SPACE), class(NUL));
    let inner = max.saturating_sub(2);
    format!("^[{space}]*[^{space}{nul}](?:[^{nul}]{{0,{inner}}}[^{space}{nul}])?[{space}]*$")
}

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

fn nullable(kind: Type) -> SchemaType {
    SchemaType::from_iter([kind, Type::Null])
}

fn null() -> Object {
    ObjectBuilder::new().schema_type(Type::Null).build()
}

fn trimmed_text(description: &str, max: usize) -> Object {
    string(description)
        .pattern(Some(trimmed_text_pattern(max)))
        .build()
}

/// `CredentialsRequest::email`, as `Email::parse` takes it (and `login` needs no more).
pub fn email() -> Object {
    let (space, control) = (class(WHITE_SPACE), class(CONTROL));
    let part = format!("[^{space}{control}@]+");
    string(&format!(
        "An e-mail address: one `@` with text on both sides, no white space or control \
         characters, at most {} bytes once trimmed (surrounding white space is ignored)",
        Email::MAX_LEN
    ))
    .pattern(Some(format!("^[{space}]*{part}@{part}[{space}]*$")))
    .max_length(Some(Email::MAX_LEN))
    .build()
}

/// `CredentialsRequest::password`, as `Password::parse` takes it.
pub fn password() -> Object {
    string(&format!(
        "Not empty, at most {} bytes; used as given (not trimmed)",
        Password::MAX_LEN
    ))
    .min_length(Some(1))
    .max_length(Some(Password::MAX_LEN))
    .build()
}

/// `CreateSurveyRequest::name`.
pub fn survey_name() -> Object {
    trimmed_text(
        &format!("1 to {MAX_NAME} characters once trimmed (stored trimmed), no NUL (U+0000)"),
        MAX_NAME,
    )
}

/// `CreateSurveyRequest::questions`.
pub fn questions() -> Array {
    ArrayBuilder::new()
        .items(Ref::from_schema_name(QuestionRequest::name()))
        .min_items(Some(1))
        .max_items(Some(MAX_QUESTIONS))
        .description(Some(format!("1 to {MAX_QUESTIONS} questions, in order")))
        .build()
}

/// What `ResponseRequest::client_id` and the `Idempotency-Key` header accept.
pub fn client_id_pattern() -> String {
    format!("^[A-Za-z0-9_-]{{1,{CLIENT_ID_MAX}}}$")
}

/// `ResponseRequest::client_id`.
pub fn client_id() -> Object {
    ObjectBuilder::new()
        .schema_type(nullable(Type::String))
        .description(Some(format!(
            "The client's own id for this response (a UUID, say): 1 to {CLIENT_ID_MAX} of \
             `A-Z a-z 0-9 - _`. Sending it again (a retry, an offline queue replayed twice) \
             records the response once. May come instead as the `Idempotency-Key` header; if \
             both are sent they must be equal (400 otherwise)."
        )))
        .pattern(Some(client_id_pattern()))
        .build()
}

/// A question's text, a choice's text: what `NewQuestion` checks each with.
fn question_text(description: &str) -> Object {
    trimmed_text(
        &format!("{description}: 1 to {MAX_TEXT} characters once trimmed, no NUL (U+0000)"),
        MAX_TEXT,
    )
}

fn choices(description: &str) -> ArrayBuilder {
    ArrayBuilder::new()
        .items(question_text("A choice"))
        .description(Some(description))
}

/// `kind` values as JSON, `null` (read as single) added when `or_null`.
fn kinds(which: impl Fn(QuestionKind) -> bool, or_null: bool) -> Vec<Value> {
    let mut kinds: Vec<Value> = KINDS
        .into_iter()
        .filter(|&kind| which(kind))
        .map(|kind| Value::from(kind.as_str()))
        .collect();
    if or_null {
        kinds.push(Value::Null);
    }
    kinds
}

/// `CreateSurveyRequest::into_domain` reads a question's text from `text`, or from the seed's
/// `question` when `text` is absent or null, and its kind (single when absent or null) decides
/// whether it takes choices. JSON Schema states both with `anyOf`.
impl PartialSchema for QuestionRequest {
    fn schema() -> RefOr<Schema> {
        let fields = ObjectBuilder::new()
            .property(
                "text",
                ObjectBuilder::new()
                    .schema_type(nullable(Type::String))
                    .description(Some("The question's text")),
            )
            .property(
                "question",
                ObjectBuilder::new()
                    .schema_type(nullable(Type::String))
                    .description(Some(
                        "The seed's name for the text, read only when `text` is absent or null",
                    )),
            )
            .property(
                "kind",
                ObjectBuilder::new()
                    .schema_type(nullable(Type::String))
                    .enum_values(Some(kinds(|_| true, true)))
                    .description(Some(
                        "single (also when absent or null): exactly one choice; multiple: one or \
                         more; text: free text, no choices",
                    )),
            )
            .property(
                "choices",
                choices(&format!(
                    "For single and multiple: 1 to {MAX_CHOICES}; for text: none"
                ))
                .max_items(Some(MAX_CHOICES)),
            )
            .property(
                "required",
                ObjectBuilder::new()
                    .schema_type(nullable(Type::Boolean))
                    .description(Some(
                        "Whether a response must answer it (absent or null: yes)",
                    )),
            );
        let text = AnyOfBuilder::new()
            .description(Some("The text, from `text` or else from `question`"))
            .item(
                ObjectBuilder::new()
                    .property("text", question_text("The question's text"))
                    .required("text"),
            )
            .item(
                ObjectBuilder::new()
                    .property("text", null())
                    .property("question", question_text("The question's text"))
                    .required("question"),
            );
        let kind_and_choices = AnyOfBuilder::new()
            .description(Some(
                "A text question takes no choices, any other kind at least one",
            ))
            .item(
                ObjectBuilder::new()
                    .property(
                        "kind",
                        ObjectBuilder::new()
                            .schema_type(SchemaType::AnyValue)
                            .enum_values(Some(kinds(|kind| !kind.has_choices(), false))),
                    )
                    .required("kind")
                    .property(
                        "choices",
                        ArrayBuilder::new()
                            .items(ArrayItems::False)
                            .max_items(Some(0)),
                    ),
            )
            .item(
                ObjectBuilder::new()
                    .property(
                        "kind",
                        ObjectBuilder::new()
                            .schema_type(SchemaType::AnyValue)
                            .enum_values(Some(kinds(QuestionKind::has_choices, true))),
                    )
                    .property("choices", choices("At least one").min_items(Some(1)))
                    .required("choices"),
            );
        AllOfBuilder::new()
            .description(Some(
                "A question: the seed's `{\"question\", \"choices\"}`, or `text` with a `kind` \
                 and `required`",
            ))
            .item(fields)
            .item(text)
            .item(kind_and_choices)
            .into()
    }
}

impl ToSchema for QuestionRequest {}

/// An answer names its question and carries either `choice_ids` or `text`, never both (the
/// other absent or null). Whether the question is of the survey and of that kind is the
/// survey's to say: a 400 the operation documents.
impl PartialSchema for AnswerBody {
    fn schema() -> RefOr<Schema> {
        let question_id = || {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int64,
                )))
                .description(Some("A question of the survey"))
        };
        let choice_ids = ArrayBuilder::new()
            .items(ObjectBuilder::new().schema_type(Type::Integer).format(Some(
                utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64),
            )))
            .min_items(Some(1))
            .unique_items(true)
            .description(Some(
                "Choices of that question, each once: exactly one for a single-choice question",
            ));
        let text = string(&format!(
            "The answer to a text question: at most {MAX_ANSWER_TEXT} characters, no NUL \
             (U+0000); empty only if the question is not required"
        ))
        .max_length(Some(MAX_ANSWER_TEXT))
        .pattern(Some(format!("^[^{}]*$", class(NUL))));
        OneOfBuilder::new()
            .description(Some(
                "One answer: `{\"question_id\", \"choice_ids\"}` or `{\"question_id\", \"text\"}`",
            ))
            .item(
                ObjectBuilder::new()
                    .property("question_id", question_id())
                    .property("choice_ids", choice_ids)
                    .property("text", null())
                    .required("question_id")
                    .required("choice_ids"),
            )
            .item(
                ObjectBuilder::new()
                    .property("question_id", question_id())
                    .property("text", text)
                    .property("choice_ids", null())
                    .required("question_id")
                    .required("text"),
            )
            .into()
    }
}

impl ToSchema for AnswerBody {}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::string::string_regex;
    use proptest::test_runner::Config;

    use super::*;
    use crate::domain::{NewQuestion, NewSurvey};
    use crate::protocol::ResponseRequest;

    fn expand(ranges: &[(char, char)]) -> Vec<char> {
        ranges
            .iter()
            .flat_map(|&(first, last)| first..=last)
            .collect()
    }

    fn every_char() -> impl Iterator<Item = char> {
        (0..=u32::from(char::MAX)).filter_map(char::from_u32)
    }

    #[test]
    fn the_classes_are_rusts_white_space_and_control_characters() {
        let space: Vec<char> = every_char().filter(|c| c.is_whitespace()).collect();
        assert_eq!(expand(WHITE_SPACE), space);
        let control: Vec<char> = every_char().filter(|c| c.is_control()).collect();
        assert_eq!(expand(CONTROL), control);
    }

    #[test]
    fn classes_are_written_as_u_escapes() {
        assert_eq!(class(CONTROL), r"\u0000-\u001F\u007F-\u009F");
        assert_eq!(
            trimmed_text_pattern(3),
            format!(
                "^[{s}]*[^{s}\\u0000](?:[^\\u0000]{{0,1}}[^{s}\\u0000])?[{s}]*$",
                s = class(WHITE_SPACE)
            )
        );
    }

    /// A strategy for the strings `pattern` matches. proptest reads Rust's regex syntax, which
    /// takes the same `\uXXXX` classes, but has no anchors: the pattern is anchored at both ends.
    fn matching(pattern: &str) -> impl Strategy<Value = String> {
        let bare = pattern.strip_prefix('^').and_then(|p| p.strip_suffix('$'));
        string_regex(bare.unwrap_or(pattern)).unwrap()
    }

    fn config() -> Config {
        Config {
            cases: 512,
            failure_persistence: None,
            ..Config::default()
        }
    }

    fn question(text: String, choices: Vec<String>) -> NewQuestion {
        NewQuestion {
            text,
            kind: QuestionKind::Single,
            required: true,
            choices,
        }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn every_name_and_text_the_schema_allows_is_accepted(
            name in matching(&trimmed_text_pattern(MAX_NAME)),
            text in matching(&trimmed_text_pattern(MAX_TEXT)),
            choice in matching(&trimmed_text_pattern(MAX_TEXT)),
        ) {
            let survey = NewSurvey::new(&name, false, vec![question(text, vec![choice])]);
            prop_assert!(survey.is_ok(), "{survey:?}");
        }

        #[test]
        fn every_e_mail_the_schema_allows_is_accepted(email in matching(&email().pattern.unwrap())) {
            // `maxLength` counts characters; multi-byte ones are the gap the description names.
            prop_assume!(email.trim().len() <= Email::MAX_LEN);
            prop_assert!(Email::parse(&email).is_ok(), "{email:?}");
        }

        #[test]
        fn every_client_id_the_schema_allows_is_accepted(id in matching(&client_id_pattern())) {
            let request = ResponseRequest { answers: Vec::new(), client_id: Some(id) };
            prop_assert!(request.client_id(None).is_ok());
        }
    }
}
