//! The OpenAPI 3.1 document, generated from the route table (`routes.rs`) and the wire types'
//! derived schemas (`protocol`, utoipa). Nothing here is written by hand per route: a route
//! added to the table is documented, with every status `Route::statuses` says it can answer.
//! Served at `GET /api/openapi.json` and committed as `docs/openapi.json` (a test keeps the
//! copy fresh).

use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{ComponentsBuilder, RefOr};

use super::routes::{Access, Body, Endpoint, ROUTES, Route};
use crate::protocol::{
    CreateSurveyRequest, CredentialsRequest, ErrorBody, ExportBody, HealthBody, IdBody,
    InvitationsBody, InvitationsRequest, MeBody, MessageBody, MyResponseBody, NewInvitationsBody,
    QuestionRequest, RegisteredBody, ResponseRequest, ResultsBody, SeedVoteRequest, SurveyBody,
    SurveyEditRequest, SurveyPage, TokenBody,
};

/// The document as served and committed (pretty JSON, a final newline), built on first use.
pub fn document() -> Arc<Vec<u8>> {
    static DOCUMENT: OnceLock<Arc<Vec<u8>>> = OnceLock::new();
    Arc::clone(DOCUMENT.get_or_init(|| {
        // A `Value` always serialises: its keys are strings.
        let mut bytes = serde_json::to_vec_pretty(&build()).unwrap_or_default();
        bytes.push(b'\n');
        Arc::new(bytes)
    }))
}

/// The whole document.
pub fn build() -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "canvass",
            "version": env!("CARGO_PKG_VERSION"),
            "description": DESCRIPTION,
            "license": {"name": "MIT OR Apache-2.0", "identifier": "MIT OR Apache-2.0"},
        },
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The token from `POST /api/login/`. The seed's web client \
                        sends `Authorization: Bearer: <jwt>` (with a colon); that form is \
                        accepted too.",
                },
            },
        },
    })
}

const DESCRIPTION: &str = "The survey API of `canvass serve`. It keeps the HTTP contract of the \
    Flask + Vue.js tutorial it grew from (paths end in `/`, and work without it; the survey list \
    is a bare array unless a page is asked for; a vote is the survey sent back with a `choice` \
    per question), and adds what a survey tool needs. Every error is JSON with a `message`; a \
    401 also says `\"authenticated\": false`.";

/// Every route under its path, one operation per method.
fn paths() -> Map<String, Value> {
    let mut paths = Map::new();
    for route in ROUTES {
        let item = paths
            .entry(route.path)
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(route.method.as_str().to_lowercase(), operation(route));
        }
    }
    paths
}

fn operation(route: &Route) -> Value {
    let mut operation = Map::new();
    operation.insert("operationId".into(), json!(operation_id(route.endpoint)));
    operation.insert("summary".into(), json!(route.summary));
    let parameters = parameters(route);
    if !parameters.is_empty() {
        operation.insert("parameters".into(), Value::Array(parameters));
    }
    if let Some(body) = route.request {
        operation.insert(
            "requestBody".into(),
            json!({"required": true, "content": {"application/json": {"schema": schema(body)}}}),
        );
    }
    let responses: Map<String, Value> = route
        .statuses()
        .into_iter()
        .map(|status| (status.to_string(), response(route, status)))
        .collect();
    operation.insert("responses".into(), Value::Object(responses));
    let security = match route.access {
        Access::Anyone => json!([]),
        // Anonymous or with a token: `{}` is "no requirement".
        Access::Optional => json!([{}, {"bearer": []}]),
        Access::User | Access::Owner => json!([{"bearer": []}]),
    };
    operation.insert("security".into(), security);
    Value::Object(operation)
}

/// `GetSurvey` → `getSurvey`.
fn operation_id(endpoint: Endpoint) -> String {
    let name = format!("{endpoint:?}");
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

fn parameters(route: &Route) -> Vec<Value> {
    let mut parameters = Vec::new();
    if route.path.contains("{id}") {
        parameters.push(json!({
            "name": "id",
            "in": "path",
            "required": true,
            "description": "The survey's id",
            "schema": {"type": "integer", "minimum": 0, "maximum": i64::MAX},
        }));
    }
    for query in route.query {
        parameters.push(json!({
            "name": query.name,
            "in": "query",
            "required": false,
            "description": query.description,
            "schema": query.schema(),
        }));
    }
    if route.endpoint == Endpoint::CreateResponse {
        parameters.push(json!({
            "name": crate::protocol::IDEMPOTENCY_KEY,
            "in": "header",
            "required": false,
            "description": "The response's client id, instead of `client_id` in the body",
            "schema": {"type": "string", "pattern": crate::protocol::pattern::client_id()},
        }));
    }
    parameters
}

fn response(route: &Route, status: u16) -> Value {
    let success = (200..300).contains(&status);
    let mut response = Map::new();
    response.insert("description".into(), json!(describe(route, status)));
    let body = if success { Some(route.ok.1) } else { None };
    match body {
        Some(Body::Empty) => {}
        Some(Body::Export) => {
            response.insert(
                "content".into(),
                json!({
                    "application/json": {"schema": schema(Body::Export)},
                    "text/csv": {"schema": {"type": "string"}},
                }),
            );
        }
        Some(body) => {
            response.insert(
                "content".into(),
                json!({"application/json": {"schema": schema(body)}}),
            );
        }
        None => {
            response.insert(
                "content".into(),
                json!({"application/json": {"schema": reference("ErrorBody")}}),
            );
        }
    }
    let header = match status {
        405 => Some(("Allow", "The methods this path answers")),
        429 | 503 => Some(("Retry-After", "Seconds to wait before trying again")),
        _ => None,
    };
    if let Some((name, description)) = header {
        let schema = if name == "Allow" {
            json!({"type": "string"})
        } else {
            json!({"type": "integer", "minimum": 1})
        };
        response.insert(
            "headers".into(),
            json!({name: {"description": description, "required": true, "schema": schema}}),
        );
    }
    Value::Object(response)
}

/// Why a route answers `status`, for the document's readers.
fn describe(route: &Route, status: u16) -> &'static str {
    match status {
        200 if route.endpoint == Endpoint::CreateResponse => {
            "The same client id was sent before: the first response's id, nothing counted again"
        }
        200..=299 => "Done",
        // The schema cannot say which ids a survey has or which of its questions are
        // required: these 400s are the survey's, and `.ci/schemathesis.toml` expects them.
        400 if route.endpoint == Endpoint::CreateResponse => {
            "The request is malformed, or the answers do not fit this survey: a `question_id` \
             that is not one of its questions or is answered twice, `choice_ids` for a text \
             question or `text` for a choice question, a choice that is not of its question, \
             more than one choice for a single-choice question, empty text for a required \
             question, or a required question left out; or `client_id` and the \
             `Idempotency-Key` header differ. `field` names what was wrong"
        }
        400 if route.endpoint == Endpoint::SeedVote => {
            "The request is malformed, or the votes do not fit this survey: a `choice` that is \
             not a choice of the question whose `id` it is sent under (of any of its questions \
             when `id` is absent or null), two choices for one question, or a required \
             question without a choice. `field` names what was wrong"
        }
        400 => "The request is malformed or breaks a rule; `field` names what was wrong",
        401 if route.endpoint == Endpoint::Login => {
            "Unknown e-mail or wrong password: `{\"message\": \"Invalid credentials\", \
             \"authenticated\": false}`"
        }
        401 => {
            "No usable token: `Invalid token. Registeration and / or authentication required` \
             (missing, malformed, badly signed, revoked, or for an unknown user) or `Expired \
             token. Reauthentication required.`, each with `\"authenticated\": false` (the \
             seed's exact texts, misspelling included)"
        }
        403 => "Only the survey's creator may do that",
        404 => "No such survey",
        405 => "The path does not answer this method; `Allow` lists those it does",
        409 if route.endpoint == Endpoint::Register => "That e-mail is already registered",
        409 => {
            "The survey is closed, the caller has already responded where one response per \
             user is allowed, or the client id names a response to another survey"
        }
        413 => "The body is larger than the server's limit",
        429 if route.endpoint == Endpoint::CreateSurvey => {
            "This account has created its surveys for the hour; `Retry-After` says when to try \
             again"
        }
        429 => "Too many failed logins for this e-mail or address; `Retry-After` says how long",
        503 => "The server is at capacity; `Retry-After` says when to try again",
        _ => "See the message",
    }
}

fn reference(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// The schema of a body, by the protocol type that carries it.
fn schema(body: Body) -> Value {
    match body {
        Body::Health => reference("HealthBody"),
        Body::OpenApi => json!({"type": "object", "description": "An OpenAPI 3.1 document"}),
        Body::Credentials => reference("CredentialsRequest"),
        Body::Registered => reference("RegisteredBody"),
        Body::Token => reference("TokenBody"),
        Body::Me => reference("MeBody"),
        Body::Message => reference("MessageBody"),
        Body::SurveyListing => json!({
            "oneOf": [
                {"type": "array", "items": reference("SurveyBody"),
                 "description": "Without `page`, `per_page` or `creator`: the seed's bare array"},
                reference("SurveyPage"),
            ],
        }),
        Body::CreateSurvey => reference("CreateSurveyRequest"),
        Body::Survey => reference("SurveyBody"),
        Body::SeedVote => reference("SeedVoteRequest"),
        Body::Response => reference("ResponseRequest"),
        Body::Id => reference("IdBody"),
        Body::MyResponse => reference("MyResponseBody"),
        Body::SurveyEdit => reference("SurveyEditRequest"),
        Body::InvitationsRequest => reference("InvitationsRequest"),
        Body::NewInvitations => reference("NewInvitationsBody"),
        Body::Invitations => reference("InvitationsBody"),
        Body::Results => reference("ResultsBody"),
        Body::Export => reference("ExportBody"),
        Body::Empty => json!({}),
    }
}

/// Every wire type's schema, as utoipa derives it from the serde types, with the schemas
/// they refer to (`QuestionBody` under `SurveyBody`, …).
fn schemas() -> Value {
    fn add<T: ToSchema>(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
    let mut schemas = Vec::new();
    add::<CreateSurveyRequest>(&mut schemas);
    add::<CredentialsRequest>(&mut schemas);
    add::<ErrorBody>(&mut schemas);
    add::<ExportBody>(&mut schemas);
    // `CreateSurveyRequest` refers to it from a hand-written schema, which the derive cannot
    // follow.
    add::<QuestionRequest>(&mut schemas);
    add::<HealthBody>(&mut schemas);
    add::<IdBody>(&mut schemas);
    add::<MeBody>(&mut schemas);
    add::<MessageBody>(&mut schemas);
    add::<MyResponseBody>(&mut schemas);
    add::<SurveyEditRequest>(&mut schemas);
    add::<InvitationsRequest>(&mut schemas);
    add::<NewInvitationsBody>(&mut schemas);
    add::<InvitationsBody>(&mut schemas);
    add::<RegisteredBody>(&mut schemas);
    add::<ResponseRequest>(&mut schemas);
    add::<ResultsBody>(&mut schemas);
    add::<SeedVoteRequest>(&mut schemas);
    add::<SurveyBody>(&mut schemas);
    add::<SurveyPage>(&mut schemas);
    add::<TokenBody>(&mut schemas);
    let components = ComponentsBuilder::new().schemas_from_iter(schemas).build();
    serde_json::to_value(components.schemas).unwrap_or_else(|_| json!({}))
}

impl super::routes::Query {
    /// The parameter's schema: what the handler accepts, no more.
    fn schema(&self) -> Value {
        match self.name {
            "page" => json!({"type": "integer", "minimum": 1, "maximum": u64::MAX}),
            "per_page" => json!({"type": "integer", "minimum": 1, "maximum": 100}),
            "creator" => json!({"type": "string", "enum": ["me"]}),
            "format" => json!({"type": "string", "enum": ["json", "csv"]}),
            _ => json!({"type": "string"}),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::routes::{Lookup, find};

    /// Every operation in the document, as (method, path template, statuses).
    fn operations(document: &Value) -> Vec<(String, String, Vec<u16>)> {
        let mut operations = Vec::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let statuses = operation["responses"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(|s| s.parse().unwrap())
                    .collect();
                operations.push((method.to_uppercase(), path.clone(), statuses));
            }
        }
        operations
    }

    #[test]
    fn the_document_holds_every_route_of_the_table_and_nothing_else() {
        let document = build();
        let operations = operations(&document);
        assert_eq!(operations.len(), ROUTES.len());
        for route in ROUTES {
            let documented = operations
                .iter()
                .find(|(m, p, _)| *m == route.method.as_str() && p == route.path);
            let Some((_, _, statuses)) = documented else {
                panic!("{} {} is not in the document", route.method, route.path);
            };
            let mut statuses = statuses.clone();
            statuses.sort_unstable();
            assert_eq!(
                statuses,
                route.statuses(),
                "{} {}",
                route.method,
                route.path
            );
        }
        // And each documented operation is what the router dispatches there.
        for (method, path, _) in &operations {
            let method = ROUTES.iter().find(|r| r.method.as_str() == method).unwrap();
            let concrete = path.replace("{id}", "3");
            assert!(
                matches!(find(&method.method, &concrete), Lookup::Route { route, .. } if route.path == path),
                "{} {path}",
                method.method
            );
        }
    }

    #[test]
    fn every_reference_names_a_schema_of_the_document() {
        fn references(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        out.push(target.clone());
                    }
                    map.values().for_each(|v| references(v, out));
                }
                Value::Array(items) => items.iter().for_each(|v| references(v, out)),
                _ => {}
            }
        }
        let document = build();
        let mut found = Vec::new();
        references(&document, &mut found);
        assert!(found.len() > 20, "{found:?}");
        for target in found {
            let name = target.strip_prefix("#/components/schemas/").unwrap();
            assert!(
                document["components"]["schemas"].get(name).is_some(),
                "{target} is not defined"
            );
        }
    }

    #[test]
    fn only_routes_that_take_a_token_ask_for_one() {
        let document = build();
        for route in ROUTES {
            let security =
                &document["paths"][route.path][route.method.as_str().to_lowercase()]["security"];
            let asks = security.as_array().unwrap();
            match route.access {
                Access::Anyone => assert!(asks.is_empty(), "{}", route.path),
                Access::Optional => assert_eq!(asks.len(), 2, "{}", route.path),
                Access::User | Access::Owner => {
                    assert_eq!(*security, json!([{"bearer": []}]), "{}", route.path);
                }
            }
        }
    }
}
