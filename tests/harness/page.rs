//! Reading and posting the web pages (issue 16) as a browser would: the hidden fields of a
//! page, its form posted to its action, and the headers every page carries.

use std::sync::atomic::{AtomicUsize, Ordering};

use canvass::protocol::paths;
use serde_json::Value;

use crate::harness::http::Response;
use crate::harness::server::TestServer;
use crate::harness::survey::{choice_id, id_of, question_id, rich_survey, survey_id};

pub const CSP: &str = "default-src 'none'; style-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

/// `rich_survey` ("Lunch?" single and required, "Drinks?" multiple and required, "Anything
/// else?" optional text) with `settings` merged in, created by a fresh owner: the survey
/// and the owner's token.
pub fn create(server: &TestServer, name: &str, settings: &Value) -> (Value, String) {
    static OWNERS: AtomicUsize = AtomicUsize::new(0);
    let jwt = server.user(&format!(
        "owner{}@example.com",
        OWNERS.fetch_add(1, Ordering::Relaxed)
    ));
    let mut body = rich_survey(name, false);
    for (key, value) in settings.as_object().unwrap() {
        body[key] = value.clone();
    }
    (server.create_survey(&jwt, &body), jwt)
}

pub fn page_of(survey: &Value) -> String {
    paths::page(survey_id(survey))
}

/// The value of the hidden input `name` in a page.
#[track_caller]
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!(r#"name="{name}" value=""#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no hidden {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// GETs the form, asserting 200, and returns its token.
#[track_caller]
pub fn token(server: &TestServer, path: &str) -> String {
    let form = server.get(path);
    assert_eq!(form.status, 200, "{}", form.text());
    hidden(&form.text(), "token")
}

/// Sends the form of the page at `path` as a browser does: to its action, `…/answer`.
pub fn post_form(server: &TestServer, path: &str, fields: &[(&str, String)]) -> Response {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let action = format!("{}/answer", path.trim_end_matches('/'));
    server.request(
        "POST",
        &action,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
}

/// Pizza, Tea and Coffee, and a text answer, with `token`.
pub fn full_answers(survey: &Value, token: &str) -> Vec<(&'static str, String)> {
    let field = |q| format!("q{}", question_id(survey, q));
    vec![
        ("token", token.to_owned()),
        (leak(field(0)), choice_id(survey, 0, 0).to_string()),
        (leak(field(1)), choice_id(survey, 1, 0).to_string()),
        (leak(field(1)), choice_id(survey, 1, 1).to_string()),
        (leak(field(2)), "More salad <please>".to_owned()),
    ]
}

pub fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

pub fn responses(server: &TestServer, survey: &Value) -> u64 {
    server.survey(id_of(survey))["responses"].as_u64().unwrap()
}

#[track_caller]
pub fn assert_secured(reply: &Response, what: &str) {
    assert_eq!(reply.header("content-security-policy"), Some(CSP), "{what}");
    assert_eq!(
        reply.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        reply.header("referrer-policy"),
        Some("no-referrer"),
        "{what}"
    );
    assert_eq!(reply.header("set-cookie"), None, "{what}");
}

#[track_caller]
pub fn assert_html(reply: &Response, status: u16, what: &str) -> String {
    assert_eq!(reply.status, status, "{what}: {}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{what}"
    );
    assert_secured(reply, what);
    reply.text()
}
