//! A generated corpus of bad input (docs/seed-contract.md Part 2, last row; README "HTTP API", the
//! status table): every field of every body with every wrong JSON type, truncated, invalid
//! and nested bodies, lying lengths, hostile heads, methods, paths, queries and URLs. Each
//! case must get a 4xx with a JSON `message` (408 only where the length lied) — never a 5xx,
//! never a silent close — and nothing the server stores may change.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use canvass::protocol::paths;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};

use crate::harness::http::{Response, find, preview, try_exchange};
use crate::harness::postgres;
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{
    choice_id, id_of, question_id, rich_survey, seed_survey, survey_id, vote,
};

const OWNER: &str = "corpus-owner@example.com";
/// Register bodies carry this e-mail, renumbered per case with the same length, so a case the
/// server wrongly accepts shows as a 201 instead of hiding behind a 409 for a taken address.
const FRESH_EMAIL: &str = "fresh-0000@example.com";
const HUGE: usize = 100_000;
const MAX_BODY: usize = 1_048_576;
/// How long one case may wait for its reply.
const CASE_TIMEOUT: Duration = Duration::from_secs(15);
/// Stands in for the value under test while a body is serialised.
const MARK: &str = "@@corpus-mark@@";

// ---- requests as bytes ----

/// How a request declares its body length.
#[derive(Clone)]
enum Length {
    /// `Content-Length` of the body, when there is one or the method carries one.
    Auto,
    Omit,
    /// These `Content-Length` values, as written, whatever the body.
    Declared(Vec<String>),
}

/// One request, built byte by byte so it can be anything a client could send.
#[derive(Clone)]
struct Req {
    method: Vec<u8>,
    target: Vec<u8>,
    headers: Vec<Vec<u8>>,
    body: Vec<u8>,
    length: Length,
}

impl Req {
    fn new(method: &str, target: impl Into<Vec<u8>>) -> Req {
        Req {
            method: method.as_bytes().to_vec(),
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
            length: Length::Auto,
        }
    }

    fn header(self, name: &str, value: &str) -> Req {
        self.raw_header(format!("{name}: {value}"))
    }

    fn raw_header(mut self, line: impl Into<Vec<u8>>) -> Req {
        self.headers.push(line.into());
        self
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> Req {
        self.body = body.into();
        self
    }

    fn declared(mut self, lengths: &[String]) -> Req {
        self.length = Length::Declared(lengths.to_vec());
        self
    }

    fn no_length(mut self) -> Req {
        self.length = Length::Omit;
        self
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = self.method.clone();
        out.push(b' ');
        out.extend_from_slice(&self.target);
        out.extend_from_slice(b" HTTP/1.1\r\nHost: canvass.test\r\nConnection: close\r\n");
        for header in &self.headers {
            out.extend_from_slice(header);
            out.extend_from_slice(b"\r\n");
        }
        let lengths = match &self.length {
            Length::Auto
                if self.body.is_empty() && matches!(&self.method[..], b"GET" | b"DELETE") =>
            {
                Vec::new()
            }
            Length::Auto => vec![self.body.len().to_string()],
            Length::Omit => Vec::new(),
            Length::Declared(lengths) => lengths.clone(),
        };
        for length in lengths {
            out.extend_from_slice(format!("Content-Length: {length}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

// ---- JSON values, as raw text ----

/// A JSON value as raw text, so a case can hold what `serde_json::Value` cannot: numbers out
/// of range, bad escapes, invalid UTF-8, nesting past any limit. `value` is the parsed value
/// when there is one, for deciding whether a field would accept it.
#[derive(Clone)]
struct Lit {
    label: String,
    text: Vec<u8>,
    value: Option<Value>,
}

impl Lit {
    fn json(label: impl Into<String>, value: Value) -> Lit {
        Lit {
            label: label.into(),
            text: value.to_string().into_bytes(),
            value: Some(value),
        }
    }

    fn raw(label: impl Into<String>, text: impl Into<Vec<u8>>) -> Lit {
        Lit {
            label: label.into(),
            text: text.into(),
            value: None,
        }
    }
}

/// Every JSON type and then some; each field gets those it must refuse.
fn palette() -> Vec<Lit> {
    let mut lits: Vec<Lit> = [
        ("null", json!(null)),
        ("zero", json!(0)),
        ("negative", json!(-1)),
        ("float", json!(1.5)),
        ("2^53+1", json!(9_007_199_254_740_993_i64)),
        ("true", json!(true)),
        ("false", json!(false)),
        ("empty string", json!("")),
        ("blank string", json!(" \t ")),
        ("short string", json!("x")),
        ("huge string", json!("x".repeat(HUGE))),
        ("empty array", json!([])),
        ("array of a string", json!(["x"])),
        ("array of zero", json!([0])),
        ("array of null", json!([null])),
        ("nested array", json!([[]])),
        ("empty object", json!({})),
        ("object", json!({"k": "v"})),
    ]
    .into_iter()
    .map(|(label, value)| Lit::json(label, value))
    .collect();
    for (label, text) in [
        ("2^64", "18446744073709551616"),
        ("below i64::MIN", "-9223372036854775809"),
        ("1e400", "1e400"),
        ("hex number", "0x10"),
        ("NaN", "NaN"),
        ("lone surrogate", r#""\ud800""#),
        ("single-quoted string", "'x'"),
        ("leading zero", "01"),
    ] {
        lits.push(Lit::raw(label, text));
    }
    lits
}

/// What a field takes, to decide which palette values it must refuse.
#[derive(Clone, Copy)]
enum Takes {
    /// A string that must be an e-mail (no palette string is one).
    Email,
    /// A non-empty string of at most 1024 bytes.
    Password,
    /// A string, non-blank once trimmed, of at most this many characters.
    Text(usize),
    /// `kind` of a question with choices: absent, null, "single" or "multiple".
    ChoiceKind,
    /// `kind` of a question without choices: only "text" fits.
    TextKind,
    /// An optional boolean.
    OptBool,
    /// A boolean that may be absent but not null.
    Bool,
    /// An id that must name the right question or choice (no palette number does).
    Id,
    /// An optional id: absent or null is fine.
    OptId,
    /// A non-empty array of choice ids of that question.
    Ids,
    /// A non-empty array of at most 50 texts.
    Texts,
    /// A list that must hold valid entries (questions, answers).
    List,
    /// The text answer of an optional question: any string up to 10,000 characters.
    AnswerText,
}

impl Takes {
    fn accepts(self, value: &Value) -> bool {
        match self {
            Takes::Email | Takes::TextKind | Takes::Id | Takes::Ids | Takes::List => false,
            Takes::Password => value
                .as_str()
                .is_some_and(|s| !s.is_empty() && s.len() <= 1024),
            Takes::Text(max) => value.as_str().is_some_and(|s| {
                let s = s.trim();
                !s.is_empty() && s.chars().count() <= max
            }),
            Takes::ChoiceKind => {
                value.is_null() || matches!(value.as_str(), Some("single" | "multiple"))
            }
            Takes::OptBool => value.is_null() || value.is_boolean(),
            Takes::Bool => value.is_boolean(),
            Takes::OptId => value.is_null(),
            Takes::Texts => value.as_array().is_some_and(|texts| {
                (1..=50).contains(&texts.len())
                    && texts.iter().all(|text| Takes::Text(1000).accepts(text))
            }),
            Takes::AnswerText => value.as_str().is_some_and(|s| s.chars().count() <= 10_000),
        }
    }

    fn may_be_missing(self) -> bool {
        matches!(
            self,
            Takes::ChoiceKind | Takes::OptBool | Takes::Bool | Takes::OptId
        )
    }

    /// Values just past this kind's limits.
    fn edges(self) -> Vec<Lit> {
        match self {
            Takes::Email => [
                "a@",
                "@b",
                "a b@c.d",
                "a@b@c",
                &format!("{}@b.c", "a".repeat(251)),
            ]
            .into_iter()
            .map(|email| Lit::json(format!("e-mail {email:.20}"), json!(email)))
            .collect(),
            Takes::Password => vec![Lit::json("1025-byte password", json!("p".repeat(1025)))],
            Takes::Text(max) => vec![Lit::json(
                format!("{} characters", max + 1),
                json!("é".repeat(max + 1)),
            )],
            Takes::ChoiceKind => ["text", "SINGLE", "poll"]
                .into_iter()
                .map(|kind| Lit::json(format!("kind {kind}"), json!(kind)))
                .collect(),
            Takes::AnswerText => vec![Lit::json("10,001 characters", json!("a".repeat(10_001)))],
            _ => Vec::new(),
        }
    }
}

/// One field of a body: where it is, what it takes, and known-bad values of its own.
struct Field {
    pointer: &'static str,
    takes: Takes,
    extras: Vec<Lit>,
}

fn field(pointer: &'static str, takes: Takes) -> Field {
    Field {
        pointer,
        takes,
        extras: Vec::new(),
    }
}

fn field_with(pointer: &'static str, takes: Takes, extras: &[(&str, Value)]) -> Field {
    Field {
        pointer,
        takes,
        extras: extras
            .iter()
            .map(|(label, value)| Lit::json(*label, value.clone()))
            .collect(),
    }
}

/// An endpoint that takes a JSON body, a valid body for it, and the fields to break.
struct Endpoint {
    name: &'static str,
    method: &'static str,
    path: String,
    token: Option<String>,
    base: Value,
    fields: Vec<Field>,
    /// A string field the body must read, for invalid UTF-8 and deep nesting.
    text_field: &'static str,
    /// A key the body must read, to send twice.
    key: &'static str,
}

impl Endpoint {
    fn req(&self, body: impl Into<Vec<u8>>) -> Req {
        let mut req = Req::new(self.method, self.path.as_str())
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(token) = &self.token {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        req
    }

    fn base_bytes(&self) -> Vec<u8> {
        self.base.to_string().into_bytes()
    }

    /// The base body with the value at `pointer` replaced by `lit`'s raw text.
    #[track_caller]
    fn with(&self, pointer: &str, lit: &Lit) -> Vec<u8> {
        let mut body = self.base.clone();
        let slot = body
            .pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{}: no {pointer} in {}", self.name, self.base));
        *slot = Value::String(MARK.into());
        let text = body.to_string().into_bytes();
        let mark = format!("\"{MARK}\"").into_bytes();
        let at = find(&text, &mark).unwrap();
        let mut out = text[..at].to_vec();
        out.extend_from_slice(&lit.text);
        out.extend_from_slice(&text[at + mark.len()..]);
        out
    }

    /// The base body without the key at `pointer`.
    #[track_caller]
    fn without(&self, pointer: &str) -> Vec<u8> {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        let mut body = self.base.clone();
        let removed = body
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|object| object.remove(key));
        assert!(removed.is_some(), "{}: no {pointer} to remove", self.name);
        body.to_string().into_bytes()
    }
}

// ---- the corpus ----

struct Case {
    category: &'static str,
    label: String,
    bytes: Vec<u8>,
    close_write: bool,
    allow_408: bool,
}

#[derive(Default)]
struct Corpus {
    cases: Vec<Case>,
    fresh: usize,
}

impl Corpus {
    fn push(&mut self, category: &'static str, label: String, req: Req) {
        self.push_with(category, label, req, false);
    }

    /// Adds a case; `close_write` half-closes after sending. Only lying lengths may get 408.
    fn push_with(&mut self, category: &'static str, label: String, mut req: Req, close: bool) {
        self.fresh += 1;
        let email = format!("fresh-{:04}@example.com", self.fresh);
        assert_eq!(
            email.len(),
            FRESH_EMAIL.len(),
            "too many cases for FRESH_EMAIL"
        );
        while let Some(at) = find(&req.body, FRESH_EMAIL.as_bytes()) {
            req.body[at..at + email.len()].copy_from_slice(email.as_bytes());
        }
        self.cases.push(Case {
            category,
            label,
            bytes: req.bytes(),
            close_write: close,
            allow_408: category == "lying length",
        });
    }
}

/// The surveys and token the corpus aims at.
struct World {
    token: String,
    seed: Value,
    rich: Value,
}

impl World {
    fn seed_id(&self) -> i64 {
        survey_id(&self.seed)
    }

    fn rich_id(&self) -> i64 {
        survey_id(&self.rich)
    }
}

fn endpoints(world: &World) -> Vec<Endpoint> {
    let (seed, rich) = (&world.seed, &world.rich);
    let credentials = |email: &str| json!({"email": email, "password": PASSWORD});
    let credential_fields = || {
        vec![
            field("/email", Takes::Email),
            field("/password", Takes::Password),
        ]
    };
    vec![
        Endpoint {
            name: "register",
            method: "POST",
            path: paths::REGISTER.into(),
            token: None,
            base: credentials(FRESH_EMAIL),
            fields: credential_fields(),
            text_field: "/password",
            key: "email",
        },
        Endpoint {
            name: "login",
            method: "POST",
            path: paths::LOGIN.into(),
            token: None,
            base: credentials(OWNER),
            fields: credential_fields(),
            text_field: "/password",
            key: "password",
        },
        create_seed_endpoint(world),
        create_rich_endpoint(world),
        vote_endpoint(world),
        response_endpoint(seed, rich),
    ]
}

fn create_seed_endpoint(world: &World) -> Endpoint {
    let question = json!({"question": "Q?", "choices": ["A"]});
    Endpoint {
        name: "create (seed shape)",
        method: "POST",
        path: paths::SURVEYS.into(),
        token: Some(world.token.clone()),
        base: seed_survey("Corpus seed-shaped"),
        fields: vec![
            field("/name", Takes::Text(200)),
            field_with(
                "/questions",
                Takes::List,
                &[
                    ("a question without anything", json!([{}])),
                    ("a question without text", json!([{"choices": ["A"]}])),
                    ("a question without choices", json!([{"question": "Q?"}])),
                    ("101 questions", json!(vec![question; 101])),
                    (
                        "a text question with choices",
                        json!([{"question": "Q?", "kind": "text", "choices": ["A"]}]),
                    ),
                ],
            ),
            field("/questions/0/question", Takes::Text(1000)),
            field("/questions/1/question", Takes::Text(1000)),
            field_with(
                "/questions/0/choices",
                Takes::Texts,
                &[
                    ("an empty choice", json!([""])),
                    ("a blank choice", json!(["A", "  "])),
                    ("51 choices", json!(vec!["A"; 51])),
                    ("a choice object", json!([{"text": "A"}])),
                    ("a number choice", json!([1])),
                ],
            ),
            field("/questions/0/choices/0", Takes::Text(1000)),
            field("/questions/1/choices/1", Takes::Text(1000)),
        ],
        text_field: "/name",
        key: "name",
    }
}

fn create_rich_endpoint(world: &World) -> Endpoint {
    let mut base = rich_survey("Corpus rich", false);
    base["questions"][0]["required"] = json!(true);
    Endpoint {
        name: "create (rich)",
        method: "POST",
        path: paths::SURVEYS.into(),
        token: Some(world.token.clone()),
        base,
        fields: vec![
            field("/name", Takes::Text(200)),
            field("/one_response_per_user", Takes::Bool),
            field("/questions/0/text", Takes::Text(1000)),
            field("/questions/0/kind", Takes::ChoiceKind),
            field("/questions/0/required", Takes::OptBool),
            field("/questions/1/choices", Takes::Texts),
            field("/questions/1/choices/2", Takes::Text(1000)),
            field("/questions/2/kind", Takes::TextKind),
            field("/questions/2/required", Takes::OptBool),
        ],
        text_field: "/questions/0/text",
        key: "questions",
    }
}

fn vote_endpoint(world: &World) -> Endpoint {
    let seed = &world.seed;
    let (q0, q1) = (question_id(seed, 0), question_id(seed, 1));
    let (c00, c10) = (choice_id(seed, 0, 0), choice_id(seed, 1, 0));
    let rich_choice = choice_id(&world.rich, 0, 0);
    Endpoint {
        name: "seed vote",
        method: "PUT",
        path: paths::survey(world.seed_id()),
        token: None,
        base: vote(seed, &[0, 1]),
        fields: vec![
            field_with(
                "/questions",
                Takes::List,
                &[
                    ("a question without a choice", json!([{}])),
                    ("one question answered", json!([{"id": q0, "choice": c00}])),
                    (
                        "one choice twice",
                        json!([{"id": q0, "choice": c00}, {"choice": c00}]),
                    ),
                ],
            ),
            field_with(
                "/questions/0/choice",
                Takes::Id,
                &[
                    ("another question's choice", json!(c10)),
                    ("another survey's choice", json!(rich_choice)),
                ],
            ),
            field("/questions/1/choice", Takes::Id),
            field_with(
                "/questions/0/id",
                Takes::OptId,
                &[("the other question's id", json!(q1))],
            ),
        ],
        text_field: "/questions/0/choice",
        key: "questions",
    }
}

fn response_endpoint(seed: &Value, rich: &Value) -> Endpoint {
    let (q0, q1, q2) = (
        question_id(rich, 0),
        question_id(rich, 1),
        question_id(rich, 2),
    );
    let c = |q: usize, n: usize| choice_id(rich, q, n);
    let base = json!({"answers": [
        {"question_id": q0, "choice_ids": [c(0, 0)]},
        {"question_id": q1, "choice_ids": [c(1, 0), c(1, 1)]},
        {"question_id": q2, "text": "fine"},
    ]});
    let mut doubled = base["answers"].as_array().unwrap().clone();
    doubled.push(doubled[0].clone());
    Endpoint {
        name: "response",
        method: "POST",
        path: paths::responses(survey_id(rich)),
        token: None,
        base,
        fields: vec![
            field_with(
                "/answers",
                Takes::List,
                &[
                    ("an empty answer", json!([{}])),
                    (
                        "an answer without choice_ids or text",
                        json!([{"question_id": q0}]),
                    ),
                    (
                        "an answer with choice_ids and text",
                        json!([{"question_id": q0, "choice_ids": [c(0, 0)], "text": "t"}]),
                    ),
                    ("a question answered twice", Value::Array(doubled)),
                    (
                        "required questions left out",
                        json!([{"question_id": q2, "text": "t"}]),
                    ),
                ],
            ),
            field("/answers/0/question_id", Takes::Id),
            field_with(
                "/answers/0/choice_ids",
                Takes::Ids,
                &[
                    (
                        "two choices for a single question",
                        json!([c(0, 0), c(0, 1)]),
                    ),
                    ("one choice twice", json!([c(0, 0), c(0, 0)])),
                    ("another question's choice", json!([c(1, 0)])),
                    ("another survey's choice", json!([choice_id(seed, 0, 0)])),
                ],
            ),
            field("/answers/0/choice_ids/0", Takes::Id),
            field_with(
                "/answers/1/choice_ids",
                Takes::Ids,
                &[("one choice twice", json!([c(1, 2), c(1, 2)]))],
            ),
            field("/answers/1/choice_ids/1", Takes::Id),
            field("/answers/2/text", Takes::AnswerText),
            field_with(
                "/answers/2/question_id",
                Takes::Id,
                &[("a choice question's id for a text", json!(q0))],
            ),
        ],
        text_field: "/answers/2/text",
        key: "answers",
    }
}

/// Every field × every value it must refuse, plus its edges and its absence when required.
fn field_cases(corpus: &mut Corpus, endpoints: &[Endpoint]) {
    let palette = palette();
    for endpoint in endpoints {
        for field in &endpoint.fields {
            let wrong = palette
                .iter()
                .chain(&field.extras)
                .cloned()
                .chain(field.takes.edges())
                .filter(|lit| !lit.value.as_ref().is_some_and(|v| field.takes.accepts(v)));
            for lit in wrong {
                let label = format!("{} {} = {}", endpoint.name, field.pointer, lit.label);
                let req = endpoint.req(endpoint.with(field.pointer, &lit));
                corpus.push("field types", label, req);
            }
            // An array element left out is just a shorter array; only keys can be missing.
            let is_key = field
                .pointer
                .rsplit('/')
                .next()
                .is_some_and(|last| !last.bytes().all(|b| b.is_ascii_digit()));
            if is_key && !field.takes.may_be_missing() {
                let label = format!("{} without {}", endpoint.name, field.pointer);
                corpus.push(
                    "field types",
                    label,
                    endpoint.req(endpoint.without(field.pointer)),
                );
            }
        }
    }
}

/// Whole bodies: wrong shapes, truncations, invalid UTF-8, deep nesting, trailing data,
/// duplicate keys, other formats.
fn body_cases(corpus: &mut Corpus, endpoints: &[Endpoint]) {
    for endpoint in endpoints {
        let name = endpoint.name;
        let base = endpoint.base_bytes();
        for lit in palette() {
            let label = format!("{name}: the body is {}", lit.label);
            corpus.push("body shape", label, endpoint.req(lit.text));
        }
        let wrapped = format!("[{}]", endpoint.base);
        corpus.push(
            "body shape",
            format!("{name}: [body]"),
            endpoint.req(wrapped),
        );
        for tenth in 0..10 {
            let cut = base.len() * tenth / 10;
            let label = format!("{name}: the first {cut} of {} bytes", base.len());
            corpus.push("truncated", label, endpoint.req(&base[..cut]));
        }
        corpus.push(
            "truncated",
            format!("{name}: all but the last byte"),
            endpoint.req(&base[..base.len() - 1]),
        );
        for (label, bytes) in invalid_utf8() {
            let lit = Lit::raw(label, [b"\"ok".as_slice(), &bytes, b"\""].concat());
            let body = endpoint.with(endpoint.text_field, &lit);
            corpus.push(
                "invalid utf-8",
                format!("{name}: {label}"),
                endpoint.req(body),
            );
        }
        for lit in deep_values() {
            let body = endpoint.with(endpoint.text_field, &lit);
            let label = format!("{name}: {} in {}", lit.label, endpoint.text_field);
            corpus.push("deep nesting", label, endpoint.req(body));
            corpus.push(
                "deep nesting",
                format!("{name}: {}", lit.label),
                endpoint.req(lit.text),
            );
        }
        let text = endpoint.base.to_string();
        let value = &endpoint.base[endpoint.key];
        let twice = format!("{{\"{}\":{value},{}", endpoint.key, &text[1..]);
        let label = format!("{name}: {:?} twice", endpoint.key);
        corpus.push("trailing and duplicate", label, endpoint.req(twice));
        for (label, extra) in [(" x", " x"), ("a second body", text.as_str()), ("]", "]")] {
            let body = format!("{text}{extra}");
            let label = format!("{name}: the body then {label}");
            corpus.push("trailing and duplicate", label, endpoint.req(body));
        }
        for (label, body) in [
            ("a form", &b"email=a%40b.c&password=secret"[..]),
            ("XML", b"<survey name=\"x\"/>"),
            ("binary", b"\x00\x01\x02\x03"),
        ] {
            corpus.push("not json", format!("{name}: {label}"), endpoint.req(body));
        }
    }
}

/// Arrays where the body or one of its entries must be an object: serde would read a
/// struct from its fields in declaration order, a shape the API does not document.
fn array_cases(corpus: &mut Corpus, endpoints: &[Endpoint], world: &World) {
    let (seed, rich) = (&world.seed, &world.rich);
    let (sq0, sq1) = (question_id(seed, 0), question_id(seed, 1));
    let (sc0, sc1) = (choice_id(seed, 0, 0), choice_id(seed, 1, 0));
    let (rq0, rq1) = (question_id(rich, 0), question_id(rich, 1));
    let (rc0, rc1) = (choice_id(rich, 0, 0), choice_id(rich, 1, 0));
    let rich_answers = json!([
        {"question_id": rq0, "choice_ids": [rc0]},
        {"question_id": rq1, "choice_ids": [rc1]},
    ]);
    let bodies = [
        (
            0,
            "the credentials as an array",
            json!([FRESH_EMAIL, PASSWORD]),
        ),
        (1, "the credentials as an array", json!([OWNER, PASSWORD])),
        (
            2,
            "the survey as an array",
            json!(["Positional", [{"question": "Q?", "choices": ["A"]}], false]),
        ),
        (
            2,
            "a question as an array",
            json!({"name": "Positional", "questions": [["Q?", null, null, ["A"], null]]}),
        ),
        (
            4,
            "the vote as an array",
            json!([[{"id": sq0, "choice": sc0}, {"id": sq1, "choice": sc1}]]),
        ),
        (
            4,
            "each voted question as an array",
            json!({"questions": [[sq0, sc0], [sq1, sc1]]}),
        ),
        (5, "the response as an array", json!([rich_answers])),
        (
            5,
            "each answer as an array",
            json!({"answers": [[rq0, [rc0], null], [rq1, [rc1], null]]}),
        ),
    ];
    for (index, label, body) in bodies {
        let endpoint: &Endpoint = &endpoints[index];
        let label = format!("{}: {label}", endpoint.name);
        corpus.push("arrays for objects", label, endpoint.req(body.to_string()));
    }
}

fn invalid_utf8() -> [(&'static str, Vec<u8>); 7] {
    [
        ("byte ff", vec![0xff]),
        ("a lone continuation byte", vec![0x80]),
        ("a cut two-byte sequence", vec![0xc3, 0x28]),
        ("an overlong slash", vec![0xc0, 0xaf]),
        ("an encoded surrogate", vec![0xed, 0xa0, 0x80]),
        ("past U+10FFFF", vec![0xf4, 0x90, 0x80, 0x80]),
        ("a cut three-byte sequence", vec![0xe2, 0x82]),
    ]
}

fn deep_values() -> [Lit; 4] {
    let arrays = |depth: usize| format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = |depth: usize| format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
    [
        Lit::raw("arrays 200 deep", arrays(200)),
        Lit::raw("arrays 100,000 deep", arrays(100_000)),
        Lit::raw("objects 50,000 deep", objects(50_000)),
        Lit::raw("100,000 unclosed arrays", "[".repeat(100_000)),
    ]
}

/// Bodies whose `Content-Length` lies, or cannot be read.
fn length_cases(corpus: &mut Corpus, endpoints: &[Endpoint]) {
    for endpoint in endpoints {
        let body = endpoint.base_bytes();
        let len = body.len();
        let (half, over) = (len / 2, MAX_BODY + 1);
        let declared = |lengths: &[usize]| -> Vec<String> {
            lengths.iter().map(ToString::to_string).collect()
        };
        let full = || endpoint.req(body.clone());
        let cases: [(&str, Req, bool); 13] = [
            (
                "one byte more than sent, then half-close",
                full().declared(&declared(&[len + 1])),
                true,
            ),
            (
                "twice what is sent, half sent, then half-close",
                endpoint.req(&body[..half]).declared(&declared(&[2 * len])),
                true,
            ),
            (
                "100 and nothing sent, then half-close",
                endpoint.req("").declared(&declared(&[100])),
                true,
            ),
            (
                "a terabyte",
                full().declared(&["1000000000000".into()]),
                false,
            ),
            (
                "one byte over the limit",
                full().declared(&declared(&[over])),
                false,
            ),
            (
                "over the limit with Expect: 100-continue",
                endpoint
                    .req("")
                    .declared(&declared(&[over]))
                    .header("Expect", "100-continue"),
                false,
            ),
            (
                "2^64",
                full().declared(&["18446744073709551616".into()]),
                false,
            ),
            ("negative", full().declared(&["-1".into()]), false),
            ("not a number", full().declared(&["ten".into()]), false),
            ("hexadecimal", full().declared(&["0x10".into()]), false),
            (
                "two that differ",
                full().declared(&declared(&[len, len + 1])),
                false,
            ),
            ("half the body", full().declared(&declared(&[half])), false),
            ("zero with a body", full().declared(&declared(&[0])), false),
        ];
        for (label, req, close) in cases {
            let label = format!("{}: Content-Length {label}", endpoint.name);
            corpus.push_with("lying length", label, req, close);
        }
    }
}

/// Chunked bodies that are malformed, cut short, or not chunked at all.
fn chunked_cases(corpus: &mut Corpus, endpoints: &[Endpoint]) {
    for endpoint in endpoints {
        let body = endpoint.base_bytes();
        let chunk =
            |data: &[u8]| [format!("{:x}\r\n", data.len()).as_bytes(), data, b"\r\n"].concat();
        let truncated = &body[..body.len() / 2];
        let cases: [(&str, Vec<u8>, &str, bool); 7] = [
            (
                "a chunk size that is not hex",
                b"zz\r\nabc\r\n0\r\n\r\n".to_vec(),
                "chunked",
                false,
            ),
            (
                "a chunk size past 2^64, then half-close",
                b"fffffffffffffffffffff\r\n".to_vec(),
                "chunked",
                true,
            ),
            (
                "a chunk longer than sent, then half-close",
                [b"ffff\r\n".as_slice(), &body].concat(),
                "chunked",
                true,
            ),
            (
                "no last chunk, then half-close",
                chunk(&body),
                "chunked",
                true,
            ),
            (
                "a chunk without its CRLF",
                [
                    format!("{:x}\r\n", body.len()).as_bytes(),
                    &body,
                    b"XX0\r\n\r\n",
                ]
                .concat(),
                "chunked",
                false,
            ),
            (
                "a truncated JSON body",
                [chunk(truncated), b"0\r\n\r\n".to_vec()].concat(),
                "chunked",
                false,
            ),
            ("Transfer-Encoding: gzip", body.clone(), "gzip", false),
        ];
        for (label, bytes, coding, close) in cases {
            let req = endpoint
                .req(bytes)
                .no_length()
                .header("Transfer-Encoding", coding);
            let label = format!("{}: {label}", endpoint.name);
            corpus.push_with("chunked", label, req, close);
        }
    }
}

/// Unknown and wrongly spelt methods on every kind of path.
fn method_cases(corpus: &mut Corpus, world: &World) {
    let (seed, rich) = (world.seed_id(), world.rich_id());
    let targets = [
        paths::HEALTH.to_owned(),
        paths::SURVEYS.into(),
        paths::survey(seed),
        paths::responses(rich),
        paths::results(seed),
        paths::REGISTER.into(),
        paths::LOGIN.into(),
        "/api/nowhere/".into(),
    ];
    let methods = [
        "BREW", "PATCH", "TRACE", "CONNECT", "PROPFIND", "MKCOL", "LINK", "get", "Post", "X-CUSTOM",
    ];
    for method in methods {
        for path in &targets {
            let req = Req::new(method, path.as_str()).body("");
            corpus.push("methods", format!("{method} {path}"), req);
        }
    }
}

/// Traversal, odd percent-encodings and ids, under four methods; then raw bytes in the path.
fn path_cases(corpus: &mut Corpus, world: &World) {
    let (seed, rich) = (world.seed_id(), world.rich_id());
    let targets = [
        "/api/../api/surveys/".to_owned(),
        "/api/surveys/../surveys/".into(),
        "/api/%2e%2e/api/surveys/".into(),
        "/api/surveys/%2e%2e/".into(),
        format!("/api/surveys/%2E%2E/{seed}/"),
        "/api/surveys/1%00/".into(),
        format!("/api/surveys/{seed}%00/"),
        "/api/surveys/%ZZ/".into(),
        "/api/surveys/%/".into(),
        "/api/surveys/%31/".into(),
        format!("/api/surveys/{seed}/../{rich}/"),
        format!("/api/surveys/{seed}%2f/"),
        format!("/api/surveys/{seed}/results/..%2f..%2f"),
        format!("/api/surveys/{seed}/responses/.."),
        "/%2e%2e/%2e%2e/etc/passwd".into(),
        "/../../etc/passwd".into(),
        "/api/surveys/-1/".into(),
        "/api/surveys/0/".into(),
        "/api/surveys/9223372036854775807/".into(),
        "/api/surveys/9223372036854775808/".into(),
        "/api/surveys/99999999999999999999/".into(),
        "/api/surveys/0x1/".into(),
        "/api/surveys/1e0/".into(),
        format!("/api/surveys/{seed}.0/"),
        format!("/api/surveys/%20{seed}/"),
        format!("/api/surveys/{seed};/"),
        format!("/api/surveys/{seed}//"),
        format!("/api/surveys/{seed}/results//"),
        "/api//surveys/".into(),
        "//api/surveys/".into(),
        "/API/SURVEYS/".into(),
        "/api/health/%2f".into(),
        "api/surveys/".into(),
        "*".into(),
    ];
    for target in &targets {
        for method in ["GET", "POST", "PUT", "DELETE"] {
            let req = Req::new(method, target.as_str());
            corpus.push("paths", format!("{method} {target}"), req);
        }
    }
    let raw: [&[u8]; 6] = [
        b"/api/surveys/\xff/",
        b"/api/surveys/1\x00/",
        b"/api/\x7f/",
        b"/api/surveys/\xc3\xa9/",
        b"/api/surveys/\t1/",
        b"/api/sur\x01veys/",
    ];
    for target in raw {
        for method in ["GET", "POST"] {
            let label = format!(
                "{method} {}",
                String::from_utf8_lossy(target).escape_debug()
            );
            corpus.push("path bytes", label, Req::new(method, target));
        }
    }
}

/// Bad query parameters on the routes that read them.
fn query_cases(corpus: &mut Corpus, world: &World) {
    let auth = format!("Bearer {}", world.token);
    for query in [
        "page=%ZZ",
        "page=0",
        "page=-1",
        "page=1.5",
        "page=99999999999999999999999",
        "page=",
        "page=1e3",
        "per_page=0",
        "per_page=101",
        "per_page=abc",
        "page=1&per_page=",
        "per_page=%00",
    ] {
        let target = format!("{}?{query}", paths::SURVEYS);
        corpus.push(
            "queries",
            format!("GET {target}"),
            Req::new("GET", target.as_str()),
        );
    }
    for format in ["xml", "", "%00", "JSON", "json%00", "csv,json"] {
        let target = paths::export(world.rich_id(), format);
        let req = Req::new("GET", target.as_str()).header("Authorization", &auth);
        corpus.push("queries", format!("GET {target} as the owner"), req);
    }
    let target = paths::export(world.rich_id(), "json");
    corpus.push(
        "queries",
        format!("GET {target} without a token"),
        Req::new("GET", target.as_str()),
    );
}

/// URLs past the 8 KiB request-line limit (414), and long ones just under it.
fn url_cases(corpus: &mut Corpus, endpoints: &[Endpoint]) {
    let register = &endpoints[0];
    for length in [8_300, 10_000, 100_000] {
        let targets = [
            format!("/api/{}", "a".repeat(length)),
            format!("{}?q={}", paths::HEALTH, "a".repeat(length)),
            format!("/api/surveys/{}/", "1".repeat(length)),
        ];
        for target in targets {
            let label = format!("GET {target:.24}… ({length} bytes)");
            corpus.push("long urls", label, Req::new("GET", target));
        }
        let mut req = register.req(register.base_bytes());
        req.target = format!("{}?{}", paths::REGISTER, "x".repeat(length)).into_bytes();
        corpus.push(
            "long urls",
            format!("register with a {length}-byte query"),
            req,
        );
    }
    let nines = format!("/api/surveys/{}/", "9".repeat(8_000));
    corpus.push(
        "long urls",
        "GET an 8,000-digit survey id".into(),
        Req::new("GET", nines.as_str()),
    );
    let vote = &endpoints[4];
    let mut req = vote.req(vote.base_bytes());
    req.target = nines.into_bytes();
    corpus.push(
        "long urls",
        "PUT a vote to an 8,000-digit survey id".into(),
        req,
    );
}

/// Heads too large, too many headers, malformed header lines.
fn header_cases(corpus: &mut Corpus, endpoints: &[Endpoint]) {
    let register = &endpoints[0];
    let targets = [
        ("GET /api/health/", Req::new("GET", paths::HEALTH)),
        ("register", register.req(register.base_bytes())),
    ];
    let lines: [&[u8]; 9] = [
        b"NoColonHere",
        b"Bad Name: v",
        b": no-name",
        b"X-Control: a\x01b",
        b"X-Utf8: caf\xc3\xa9",
        b"X-Binary: \xff\xfe",
        b" folded: continuation",
        b"X-Nul: a\x00b",
        b"X-Cr: a\rb",
    ];
    for (name, req) in targets {
        for size in [9_000, 40_000, 100_000] {
            let big = req.clone().header("X-Big", &"v".repeat(size));
            corpus.push("headers", format!("{name}: one {size}-byte header"), big);
        }
        for count in [101, 1_000, 10_000] {
            let mut many = req.clone();
            for n in 0..count {
                many = many.header(&format!("X-H{n}"), "v");
            }
            corpus.push("headers", format!("{name}: {count} headers"), many);
        }
        let mut big = req.clone();
        for n in 0..5 {
            big = big.header(&format!("X-Part{n}"), &"v".repeat(7_000));
        }
        corpus.push(
            "headers",
            format!("{name}: a 35 KB head of 7 KB lines"),
            big,
        );
        for line in lines {
            let label = format!(
                "{name}: header {}",
                String::from_utf8_lossy(line).escape_debug()
            );
            corpus.push("headers", label, req.clone().raw_header(line));
        }
        let teapot = req.clone().header("Expect", "teapot");
        corpus.push("headers", format!("{name}: Expect: teapot"), teapot);
    }
}

/// Every authenticated route with an Authorization header that must not authenticate.
fn auth_cases(corpus: &mut Corpus, world: &World) {
    let token = &world.token;
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "not a JWT: {token}");
    let mut tampered = parts[2].as_bytes().to_vec();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        String::from_utf8(tampered).unwrap()
    );
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["exp"] = json!(claims["exp"].as_i64().unwrap() + 1_000_000);
    let forged = URL_SAFE_NO_PAD.encode(claims.to_string());
    let headers = [
        String::new(),
        "Bearer".into(),
        "Bearer ".into(),
        "Bearer x".into(),
        "Bearer a.b.c".into(),
        format!("Bearer {token}x"),
        format!("Bearer {tampered}"),
        format!("Bearer {none_header}.{}.", parts[1]),
        format!("Bearer {}.{}.", parts[0], parts[1]),
        format!("Bearer {}.{forged}.{}", parts[0], parts[2]),
        format!("Bearer {token} extra"),
        token.clone(),
    ];
    let (seed, rich) = (world.seed_id(), world.rich_id());
    let body = rich_survey("Corpus auth", false).to_string();
    let routes = [
        ("POST", paths::SURVEYS.to_owned(), body.as_str()),
        ("GET", paths::ME.into(), ""),
        ("POST", paths::TOKEN_REFRESH.into(), ""),
        ("POST", paths::LOGOUT_ALL.into(), ""),
        ("POST", paths::close(seed), ""),
        ("DELETE", paths::survey(seed), ""),
        ("GET", paths::export(rich, "json"), ""),
    ];
    for (method, path, body) in &routes {
        for (n, header) in headers.iter().enumerate() {
            let req = Req::new(method, path.as_str())
                .header("Content-Type", "application/json")
                .header("Authorization", header)
                .body(*body);
            corpus.push(
                "auth",
                format!("{method} {path} with bad Authorization #{n}"),
                req,
            );
        }
    }
}

// ---- running it ----

/// What a case must get: a 4xx (408 only for lying lengths), JSON, a string `message`.
fn check(case: &Case, reply: Result<Vec<u8>, String>) -> Result<u16, String> {
    let raw = reply?;
    let response =
        Response::parse(&raw).map_err(|e| format!("unparsable reply ({e}): {}", preview(&raw)))?;
    let status = response.status;
    let body = preview(&response.body);
    if !(400..500).contains(&status) || (status == 408 && !case.allow_408) {
        return Err(format!("status {status}, body {body}"));
    }
    let content_type = response.header("content-type").unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(format!(
            "{status} with Content-Type {content_type:?}, body {body}"
        ));
    }
    let json: Value = serde_json::from_slice(&response.body)
        .map_err(|e| format!("{status} whose body is not JSON ({e}): {body}"))?;
    if !json["message"].is_string() {
        return Err(format!("{status} without a string message: {body}"));
    }
    Ok(status)
}

/// What the server stores, as the API shows it and row by row.
#[derive(Debug)]
struct Snapshot {
    surveys: Value,
    results: Vec<Value>,
    rows: Vec<String>,
}

fn snapshot(server: &TestServer, world: &World) -> Snapshot {
    Snapshot {
        surveys: server.get(paths::SURVEYS).expect(200),
        results: [&world.seed, &world.rich]
            .into_iter()
            .map(|survey| server.results(id_of(survey)))
            .collect(),
        rows: match server.postgres_url() {
            Some(url) => postgres_rows(&url),
            None => sqlite_rows(&server.db_path()),
        }
        .into_iter()
        // A refused login is still a failed login: counting it is the throttle's job, and
        // what it stores is a count, not the input.
        .filter(|row| !row.starts_with("login_failures:"))
        .collect(),
    }
}

/// Every row of every table in the server's schema, each as PostgreSQL prints a record.
fn postgres_rows(url: &str) -> Vec<String> {
    let mut db = postgres::connect(url).unwrap();
    let tables = db
        .query(
            "SELECT table_name::TEXT FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
            &[],
        )
        .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let table: String = table.get(0);
        let select = format!("SELECT t::TEXT FROM \"{table}\" t");
        for row in db.query(&select, &[]).unwrap() {
            rows.push(format!("{table}: {}", row.get::<_, String>(0)));
        }
    }
    rows.sort();
    rows
}

/// Every row of every table, read through a read-only connection.
fn sqlite_rows(db: &Path) -> Vec<String> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let db = Connection::open_with_flags(db, flags).unwrap();
    let mut tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap();
    let tables: Vec<String> = tables
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let mut select = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let columns = select.column_count();
        let mut cursor = select.query([]).unwrap();
        while let Some(row) = cursor.next().unwrap() {
            let mut line = format!("{table}:");
            for column in 0..columns {
                let value = match row.get_ref(column).unwrap() {
                    ValueRef::Null => "NULL".to_owned(),
                    ValueRef::Integer(n) => n.to_string(),
                    ValueRef::Real(x) => x.to_string(),
                    ValueRef::Text(text) => String::from_utf8_lossy(text).into_owned(),
                    ValueRef::Blob(blob) => format!("{blob:?}"),
                };
                let _ = write!(line, " {value:?}");
            }
            rows.push(line);
        }
    }
    rows.sort();
    rows
}

fn set_up(server: &TestServer) -> World {
    let token = server.user(OWNER);
    let seed = server.create_survey(&token, &seed_survey("Corpus target"));
    let seed = server.survey(id_of(&seed));
    let rich = server.create_survey(&token, &rich_survey("Corpus rich target", false));
    let rich = server.survey(id_of(&rich));
    let path = paths::survey(survey_id(&seed));
    server
        .put_json(&path, &vote(&seed, &[1, 0]), None)
        .expect(201);
    let answers = json!({"answers": [
        {"question_id": question_id(&rich, 0), "choice_ids": [choice_id(&rich, 0, 1)]},
        {"question_id": question_id(&rich, 1), "choice_ids": [choice_id(&rich, 1, 2)]},
    ]});
    let path = paths::responses(survey_id(&rich));
    server.post_json(&path, &answers, None).expect(201);
    World { token, seed, rich }
}

// See: docs/seed-contract.md Part 2, "non-JSON / oversized / truncated bodies → crash or 500".
#[test]
fn every_case_of_a_generated_bad_input_corpus_gets_a_json_4xx_and_changes_nothing() {
    let server = TestServer::start();
    let world = set_up(&server);
    let endpoints = endpoints(&world);
    let mut corpus = Corpus::default();
    field_cases(&mut corpus, &endpoints);
    body_cases(&mut corpus, &endpoints);
    array_cases(&mut corpus, &endpoints, &world);
    length_cases(&mut corpus, &endpoints);
    chunked_cases(&mut corpus, &endpoints);
    method_cases(&mut corpus, &world);
    path_cases(&mut corpus, &world);
    query_cases(&mut corpus, &world);
    url_cases(&mut corpus, &endpoints);
    header_cases(&mut corpus, &endpoints);
    auth_cases(&mut corpus, &world);
    assert!(
        corpus.cases.len() >= 200,
        "only {} cases",
        corpus.cases.len()
    );

    // Each unbroken body is accepted, so what a case breaks is what gets it refused.
    for endpoint in &endpoints {
        let bytes = endpoint.req(endpoint.base_bytes()).bytes();
        let reply = try_exchange(server.addr(), &bytes, false, CASE_TIMEOUT).unwrap();
        let status = Response::parse(&reply).unwrap().status;
        assert!(
            (200..300).contains(&status),
            "{}: the unbroken body got {status}: {}",
            endpoint.name,
            preview(&reply)
        );
    }
    let before = snapshot(&server, &world);
    let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
    let mut per_status: BTreeMap<u16, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &corpus.cases {
        *per_category.entry(case.category).or_default() += 1;
        let reply = try_exchange(server.addr(), &case.bytes, case.close_write, CASE_TIMEOUT);
        match check(case, reply) {
            Ok(status) => *per_status.entry(status).or_default() += 1,
            Err(problem) => failures.push(format!(
                "[{}] {}: {problem}\n    request: {}",
                case.category,
                case.label,
                preview(&case.bytes)
            )),
        }
    }
    let summary = |counts: Vec<String>| counts.join(", ");
    println!(
        "bad input: {} cases — {}; statuses {}",
        corpus.cases.len(),
        summary(
            per_category
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect()
        ),
        summary(per_status.iter().map(|(s, n)| format!("{s}×{n}")).collect()),
    );
    let health = server.get(paths::HEALTH).expect(200);
    assert_eq!(health["status"], "ok", "health after the corpus: {health}");
    let changes = changes(&before, &snapshot(&server, &world));
    assert!(
        failures.is_empty() && changes.is_empty(),
        "{} of {} bad-input cases failed:\n{}\n\nwhat the corpus changed in the store:\n{}",
        failures.len(),
        corpus.cases.len(),
        failures.join("\n"),
        changes.join("\n")
    );
}

/// What differs between two snapshots, one line per difference.
fn changes(before: &Snapshot, after: &Snapshot) -> Vec<String> {
    let mut changes = Vec::new();
    if before.surveys != after.surveys {
        changes.push("GET /api/surveys/ answers differently".to_owned());
    }
    if before.results != after.results {
        changes.push("the two surveys' results differ".to_owned());
    }
    let gone = before.rows.iter().filter(|row| !after.rows.contains(row));
    changes.extend(gone.map(|row| format!("row gone: {row}")));
    let added = after.rows.iter().filter(|row| !before.rows.contains(row));
    changes.extend(added.map(|row| format!("row added: {row}")));
    changes
}
