//! JSON Schemas the derive cannot write, for the OpenAPI document: the domain enums that travel
//! as they are (`kind`, `status`), and the request fields and bodies whose rules live in
//! `domain` (trimming, lengths, which fields go together). Each states what the server accepts,
//! no more and no less (the regexes are `pattern.rs`'s), so a client that follows the schema is
//! never refused for the shape of its request (issue 11; `.ci/schemathesis` checks both ways).

use serde_json::Value;
use utoipa::openapi::schema::{
    AllOfBuilder, AnyOfBuilder, Array, ArrayBuilder, ArrayItems, Object, ObjectBuilder,
    OneOfBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::openapi::{KnownFormat, Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};

use super::{AnswerBody, CLIENT_ID_MAX, QuestionRequest, pattern};
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
            "scheduled: opens_at is ahead; open: takes responses; closed: takes no more \
             (closed by its owner, past closes_at, or max_responses reached)",
            SurveyStatus::ALL.map(SurveyStatus::as_str),
        )
    }
}

impl ToSchema for SurveyStatus {}

fn string(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
}

fn nullable(kind: Type) -> SchemaType {
    SchemaType::from_iter([kind, Type::Null])
}

fn int64() -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Integer)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
}

fn null() -> Object {
    ObjectBuilder::new().schema_type(Type::Null).build()
}

fn trimmed_text(description: &str, max: usize) -> Object {
    string(description)
        .pattern(Some(pattern::trimmed_text(max)))
        .build()
}

/// `CredentialsRequest::email`, as `Email::parse` takes it (and `login` needs no more).
pub fn email() -> Object {
    string(&format!(
        "An e-mail address. Once trimmed of surrounding white space and NFKC-normalised (so \
         `＠` is an `@`): one `@` with text on both sides, no white space, control or invisible \
         formatting characters, at most {} bytes (UTF-8)",
        Email::MAX_LEN
    ))
    .pattern(Some(pattern::email()))
    .max_length(Some(Email::MAX_LEN))
    .build()
}

/// `CredentialsRequest::password`, as `Password::parse` takes it.
pub fn password() -> Object {
    string(&format!(
        "Not empty, at most {} bytes (UTF-8); used as given, not trimmed",
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
        .pattern(Some(pattern::client_id()))
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
        // `NewQuestion` refuses a choice repeated, compared as `uniqueItems` compares.
        .unique_items(true)
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
        let question_id = || int64().description(Some("A question of the survey"));
        let choice_ids = ArrayBuilder::new()
            .items(int64())
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
        .pattern(Some(pattern::no_nul()));
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
