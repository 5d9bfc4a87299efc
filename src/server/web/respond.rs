//! The form's handlers: show it, take it, thank. Each parses, makes a store call or two and
//! renders a page; the rules are the domain's (`Answer::check_all`) and the store's (closed,
//! full, invitation, a repeated client id).

use super::form::{Filled, Posted};
use super::headers;
use super::mistakes;
use super::notice;
use super::page_error::PageError;
use super::session::SignedIn;
use super::sign_in;
use super::survey_form::{self, FormState};
use crate::domain::{Answer, InvitationRefusal, Survey, SurveyId, SurveyStatus, Timestamp, User};
use crate::protocol::paths;
use crate::server::handlers::Ctx;
use crate::server::http::{Reply, Request};
use crate::server::invitation_code;

/// `GET /s/<id>`: the form, with a fresh token (and the invitation code of `?i=`). A survey
/// that takes one response per user shows the sign-in form first, and to a signed-in
/// respondent who has answered, a page saying so.
pub fn show(id: SurveyId, req: &Request, cx: &Ctx) -> Result<Reply, PageError> {
    let survey = cx.store.get_survey(id)?;
    taking(&survey)?;
    let invitation = req
        .query(super::form::INVITATION)
        .map(|c| c.trim().to_owned());
    let invitation = invitation.filter(|c| !c.is_empty() && survey.settings.invitation_only);
    if survey.settings.invitation_only && invitation.is_none() {
        return Err(PageError::Invitation(InvitationRefusal::Required {
            survey: id.0,
        }));
    }
    let now = Timestamp::now();
    let respondent = Respondent::of(&survey, req, cx, now)?;
    if let Respondent::SignedOut = respondent {
        return sign_in::page(&survey, cx, 200, None, "", invitation.as_deref());
    }
    let user = respondent.user();
    if let Some(user) = user
        && cx.store.find_response_by(id, user.id)?.is_some()
    {
        return Err(PageError::AlreadyAnswered);
    }
    let token = cx.forms.issue(id, now, user.map(|u| u.id))?;
    let state = FormState {
        filled: &Filled::default(),
        mistakes: &[],
        token: &token,
        invitation: invitation.as_deref(),
        signed_in: user.map(|u| u.email.as_str()),
    };
    let reply = headers::form(survey_form::render(&survey, &state));
    // Each page shown signed in starts the sign-in's time again (`session`).
    Ok(match respondent {
        Respondent::SignedIn(r) => {
            reply.with_header("Set-Cookie", cx.sessions.cookie(&r.user, r.since, now))
        }
        Respondent::Anyone | Respondent::SignedOut => reply,
    })
}

/// `POST /s/<id>/answer`: 303 to the thanks page once recorded (or recorded before: the token is
/// the response's client id); 422 with the form again, answers kept, when they break a rule.
pub fn submit(id: SurveyId, req: &Request, cx: &Ctx) -> Result<Reply, PageError> {
    let survey = cx.store.get_survey(id)?;
    let posted = Posted::read(&survey, &req.form());
    let now = Timestamp::now();
    let respondent = Respondent::of(&survey, req, cx, now)?;
    if let Respondent::SignedOut = respondent {
        taking(&survey)?;
        let problem = "Your sign-in has ended. Sign in again, then answer.";
        let invitation = posted.invitation.as_deref();
        return sign_in::page(&survey, cx, 401, Some(problem), "", invitation);
    }
    let user = respondent.user();
    cx.forms
        .verify(&posted.token, id, now, user.map(|u| u.id))?;
    if Answer::check_all(&survey, &posted.answers).is_err() {
        // A survey that closed while the form was open says so rather than asking for fixes.
        taking(&survey)?;
        let state = FormState {
            filled: &posted.filled,
            mistakes: &mistakes::find(&survey, &posted.answers),
            token: &posted.token,
            invitation: posted.invitation.as_deref(),
            signed_in: user.map(|u| u.email.as_str()),
        };
        return Ok(headers::page(422, survey_form::render(&survey, &state)));
    }
    // Only an invitation-only survey looks at a code (and uses it up), as in the API.
    let invitation = posted
        .invitation
        .as_deref()
        .filter(|_| survey.settings.invitation_only)
        .map(invitation_code::hash);
    cx.store.record_response(
        id,
        user.map(|u| u.id),
        &posted.answers,
        Some(&posted.token),
        invitation.as_deref(),
    )?;
    Ok(Reply::see_other(&paths::page_thanks(id.0)))
}

/// `GET /s/<id>/thanks`.
pub fn thanks(id: SurveyId, cx: &Ctx) -> Result<Reply, PageError> {
    let survey = cx.store.get_survey(id)?;
    Ok(headers::page(200, notice::thanks(&survey)))
}

/// Who answers a survey.
enum Respondent {
    /// Anyone: the survey takes any number of responses, anonymous ones included.
    Anyone,
    /// The signed-in respondent of a survey that takes one response per user.
    SignedIn(SignedIn),
    /// Nobody yet: that survey's respondent is not signed in.
    SignedOut,
}

impl Respondent {
    fn of(survey: &Survey, req: &Request, cx: &Ctx, now: Timestamp) -> Result<Self, PageError> {
        if !survey.one_response_per_user {
            return Ok(Respondent::Anyone);
        }
        Ok(match cx.sessions.current(req, cx.store.as_ref(), now)? {
            Some(signed_in) => Respondent::SignedIn(signed_in),
            None => Respondent::SignedOut,
        })
    }

    fn user(&self) -> Option<&User> {
        match self {
            Respondent::SignedIn(signed_in) => Some(&signed_in.user),
            Respondent::Anyone | Respondent::SignedOut => None,
        }
    }
}

/// Whether the survey takes responses, by its status when read (the store decides for good
/// when a response is recorded).
fn taking(survey: &Survey) -> Result<(), PageError> {
    match survey.status {
        SurveyStatus::Open => Ok(()),
        SurveyStatus::Closed => Err(PageError::Closed),
        SurveyStatus::Scheduled => Err(PageError::NotYetOpen {
            opens_at: survey.settings.opens_at,
        }),
    }
}
