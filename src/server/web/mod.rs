//! The server's web pages for respondents (issue 16): a survey as an HTML form at `/s/<id>`,
//! its confirmation, its public results and one stylesheet. Nothing needs JavaScript and no
//! request leaves the origin; the one cookie is the sign-in a survey that takes one
//! response per user needs (`session`). Dispatch is here; markup, form reading,
//! the form token and headers have a file each.

mod form;
mod form_token;
mod headers;
mod layout;
mod mistakes;
mod notice;
mod page_error;
mod respond;
mod results;
mod results_page;
mod route;
mod session;
mod sign_in;
mod sign_in_form;
mod signer;
mod style;
mod survey_form;

pub use form_token::FormTokens;
pub use route::{TEMPLATES, hashes_a_password, owns};
pub use session::Sessions;

use super::error::retry_after_secs;
use super::handlers::Ctx;
use super::http::{Reply, Request};
use super::route_name::RouteName;
use page_error::PageError;
use route::{Lookup, Page};

/// Answers a request for a path under `/s/`: always a page, errors included, never JSON;
/// with the page's template, for metrics and logs.
pub fn handle(req: &Request, cx: &Ctx) -> (RouteName, Reply) {
    let (name, reply) = match route::find(&req.method, &req.path) {
        Lookup::Page { page, post } => (
            RouteName::of(page.template()),
            match (page, post) {
                (Page::Form(id), _) => respond::show(id, req, cx),
                (Page::Answer(id), _) => respond::submit(id, req, cx),
                (Page::SignIn(id), _) => sign_in::submit(id, req, cx),
                (Page::SignOut(id), _) => sign_in::sign_out(id, req, cx),
                (Page::Thanks(id), _) => respond::thanks(id, cx),
                (Page::Results(id), _) => results::show(id, cx),
                (Page::Stylesheet, _) => Ok(style::reply()),
            },
        ),
        Lookup::MethodNotAllowed(allowed, page) => (
            RouteName::of(page.template()),
            Err(PageError::MethodNotAllowed { allowed }),
        ),
        Lookup::NotFound => (RouteName::UNMATCHED, Err(PageError::NotFound)),
    };
    let reply = headers::secured(reply.unwrap_or_else(|error| error_page(&error)));
    (name, reply)
}

/// The page `method` and `path` ask for, named without answering (`RouteName::resolve`).
pub fn name(method: &super::http::Method, path: &str) -> RouteName {
    match route::find(method, path) {
        Lookup::Page { page, .. } | Lookup::MethodNotAllowed(_, page) => {
            RouteName::of(page.template())
        }
        Lookup::NotFound => RouteName::UNMATCHED,
    }
}

fn error_page(error: &PageError) -> Reply {
    match error {
        PageError::Internal(detail) => tracing::error!("web page: {detail}"),
        PageError::StaleForm(why) => tracing::info!("form refused: {why}"),
        _ => {}
    }
    let reply = headers::page(error.status(), notice::error(error));
    match error {
        PageError::MethodNotAllowed { allowed } => reply.with_header("Allow", *allowed),
        PageError::Throttled { retry_after } => {
            reply.with_header("Retry-After", retry_after_secs(*retry_after).to_string())
        }
        PageError::Busy => reply.with_header("Retry-After", "1"),
        _ => reply,
    }
}
