//! Signing in and out on the pages (issue 16), for a survey that takes one response per
//! user. The sign-in checks the password as the API's login does (`handlers::sign_in`:
//! the same throttle, the same work for an unknown e-mail) and runs on the login workers;
//! its form carries a form token as any other, so a page elsewhere cannot sign someone in.

use super::form::{self, value};
use super::headers;
use super::page_error::PageError;
use super::sign_in_form::{self, SignInState};
use crate::domain::{Survey, SurveyId, Timestamp};
use crate::protocol::paths;
use crate::server::error::ApiError;
use crate::server::handlers::{Ctx, sign_in};
use crate::server::http::{Reply, Request};

/// The sign-in form's fields.
pub const EMAIL: &str = "email";
pub const PASSWORD: &str = "password";

/// The sign-in page for `survey` with `status`, saying `problem` at the top.
pub fn page(
    survey: &Survey,
    cx: &Ctx,
    status: u16,
    problem: Option<&str>,
    email: &str,
    invitation: Option<&str>,
) -> Result<Reply, PageError> {
    let token = cx.forms.issue(survey.id, Timestamp::now(), None)?;
    let state = SignInState {
        token: &token,
        email,
        problem,
        invitation,
    };
    Ok(headers::page(status, sign_in_form::render(survey, &state)))
}

/// `POST /s/<id>/signin`: 303 back to the form with the sign-in cookie; the form again with
/// the problem said (401 for a wrong e-mail or password, 422 for an empty one) otherwise.
pub fn submit(id: SurveyId, req: &Request, cx: &Ctx) -> Result<Reply, PageError> {
    let survey = cx.store.get_survey(id)?;
    if !survey.one_response_per_user {
        return Err(PageError::NotFound);
    }
    let pairs = req.form();
    let now = Timestamp::now();
    cx.forms
        .verify(value(&pairs, form::TOKEN).unwrap_or(""), id, now, None)?;
    let invitation = value(&pairs, form::INVITATION).filter(|code| !code.trim().is_empty());
    let email = value(&pairs, EMAIL).unwrap_or("");
    let password = value(&pairs, PASSWORD).unwrap_or("").to_owned();
    let again = |status, problem: &str| page(&survey, cx, status, Some(problem), email, invitation);
    match sign_in(cx, email, password, req.remote) {
        Ok(user) => {
            // Back to the page as it was opened. A code the server made is hex; anything
            // else is no code of this survey's, and is left out rather than escaped.
            let back = match invitation {
                Some(code) if code.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                    paths::page_invited(id.0, code)
                }
                _ => paths::page(id.0),
            };
            Ok(Reply::see_other(&back)
                .with_header("Set-Cookie", cx.sessions.cookie(&user, now, now)))
        }
        Err(ApiError::Unauthorized(_)) => again(401, "The e-mail or the password is wrong."),
        Err(ApiError::BadRequest { message, field }) => {
            let problem = message
                .split_once(": ")
                .map_or(message.as_str(), |(_, p)| p);
            let what = if field.as_deref() == Some(PASSWORD) {
                "password"
            } else {
                "e-mail"
            };
            again(422, &format!("The {what} {problem}."))
        }
        Err(ApiError::TooManyRequests { retry_after }) => Err(PageError::Throttled { retry_after }),
        Err(ApiError::Busy) => Err(PageError::Busy),
        Err(ApiError::Internal(detail)) => Err(PageError::Internal(detail)),
        Err(other) => Err(PageError::Internal(other.to_string())),
    }
}

/// `POST /s/<id>/signout`: 303 back to the survey, the cookie cleared. A signed-in caller
/// must post a form token shown to them.
pub fn sign_out(id: SurveyId, req: &Request, cx: &Ctx) -> Result<Reply, PageError> {
    let now = Timestamp::now();
    if let Some(signed_in) = cx.sessions.current(req, cx.store.as_ref(), now)? {
        let pairs = req.form();
        let token = value(&pairs, form::TOKEN).unwrap_or("");
        cx.forms.verify(token, id, now, Some(signed_in.user.id))?;
    }
    Ok(Reply::see_other(&paths::page(id.0)).with_header("Set-Cookie", cx.sessions.clear()))
}
