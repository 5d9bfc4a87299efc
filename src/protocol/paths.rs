//! Every endpoint's path, one function or constant each, so no path is formatted by hand
//! twice: the client's `api.rs`, the server's route-table tests and the test harness all
//! build paths here (sccache's `urls`). The route table (`server/routes.rs`) holds the same
//! paths as templates; a test there checks that each of these routes where it should.

pub const HEALTH: &str = "/api/health/";
/// Liveness and readiness probes, at the root as orchestrators expect them.
pub const LIVE: &str = "/healthz";
pub const READY: &str = "/readyz";
pub const OPENAPI: &str = "/api/openapi.json";
pub const REGISTER: &str = "/api/register/";
pub const LOGIN: &str = "/api/login/";
pub const ME: &str = "/api/me/";
pub const TOKEN_REFRESH: &str = "/api/token/refresh/";
pub const LOGOUT_ALL: &str = "/api/logout-all/";
/// Listing (the seed's bare array) and creating.
pub const SURVEYS: &str = "/api/surveys/";

/// One page of the listing; `mine` keeps the caller's own surveys.
pub fn surveys_page(page: u64, per_page: u64, mine: bool) -> String {
    let creator = if mine { "&creator=me" } else { "" };
    format!("{SURVEYS}?page={page}&per_page={per_page}{creator}")
}

/// One survey: GET it, PUT the seed's vote, PATCH (edit) it, DELETE it.
pub fn survey(id: i64) -> String {
    format!("{SURVEYS}{id}/")
}

/// POST a response; GET the owner's export (with `export`'s query).
pub fn responses(id: i64) -> String {
    format!("{SURVEYS}{id}/responses/")
}

/// The owner's export, `format` being `json` or `csv`.
pub fn export(id: i64, format: &str) -> String {
    format!("{}?format={format}", responses(id))
}

/// The caller's own response to a survey, if they gave one.
pub fn my_response(id: i64) -> String {
    format!("{SURVEYS}{id}/responses/mine/")
}

pub fn results(id: i64) -> String {
    format!("{SURVEYS}{id}/results/")
}

pub fn close(id: i64) -> String {
    format!("{SURVEYS}{id}/close/")
}

/// The survey's web page for respondents.
pub fn page(id: i64) -> String {
    format!("/s/{id}")
}

/// Where the web form sends the respondent once their answers are recorded.
/// Where the survey's form posts its answers.
pub fn page_answer(id: i64) -> String {
    format!("/s/{id}/answer")
}

/// The survey's page opened with invitation `code` (hex, as the server makes them).
pub fn page_invited(id: i64, code: &str) -> String {
    format!("/s/{id}?i={code}")
}

/// Signing in to answer a survey that takes one response per user, and signing out.
pub fn page_sign_in(id: i64) -> String {
    format!("/s/{id}/signin")
}

pub fn page_sign_out(id: i64) -> String {
    format!("/s/{id}/signout")
}

pub fn page_thanks(id: i64) -> String {
    format!("/s/{id}/thanks")
}

/// The survey's public results page (404 unless its owner made results public).
pub fn page_results(id: i64) -> String {
    format!("/s/{id}/results")
}

/// The web pages' one stylesheet.
pub const PAGE_STYLESHEET: &str = "/s/style.css";

pub fn reopen(id: i64) -> String {
    format!("{SURVEYS}{id}/reopen/")
}

/// POST to make single-use invitation codes, GET to list them.
pub fn invitations(id: i64) -> String {
    format!("{SURVEYS}{id}/invitations/")
}
