//! The form's handlers: show it, take it, thank. Each parses, makes one store call and
//! renders a page; the rules are the domain's (`Answer::check_all`) and the store's (closed,
//! full, invitation, a repeated client id).

use super::form::{Filled, Posted};
use super::headers;
use super::mistakes;
use super::notice;
use super::page_error::PageError;
use super::survey_form::{self, FormState};
use crate::domain::{Answer, InvitationRefusal, Survey, SurveyId, SurveyStatus, Timestamp};
use crate::protocol::paths;
use crate::server::handlers::Ctx;
use crate::server::http::{Reply, Request};
use crate::server::invitation_code;

/// `GET /s/<id>`: the form, with a fresh token (and the invitation code of `?i=`).
pub fn show(id: SurveyId, req: &Request, cx: &Ctx) -> Result<Reply, PageError> {
    let survey = cx.store.get_survey(id)?;
    answerable_here(&survey)?;
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
    let token = cx
        .forms
        .issue(id, Timestamp::now())
        .map_err(|e| PageError::Internal(format!("no randomness for a form token: {e}")))?;
    let state = FormState {
        filled: &Filled::default(),
        mistakes: &[],
        token: &token,
        invitation: invitation.as_deref(),
    };
    Ok(headers::form(survey_form::render(&survey, &state)))
}

/// `POST /s/<id>/answer`: 303 to the thanks page once recorded (or recorded before: the token is
/// the response's client id); 422 with the form again, answers kept, when they break a rule.
pub fn submit(id: SurveyId, req: &Request, cx: &Ctx) -> Result<Reply, PageError> {
    let survey = cx.store.get_survey(id)?;
    answerable_here(&survey)?;
    let posted = Posted::read(&survey, &req.form());
    cx.forms.verify(&posted.token, id, Timestamp::now())?;
    if Answer::check_all(&survey, &posted.answers).is_err() {
        // A survey that closed while the form was open says so rather than asking for fixes.
        taking(&survey)?;
        let state = FormState {
            filled: &posted.filled,
            mistakes: &mistakes::find(&survey, &posted.answers),
            token: &posted.token,
            invitation: posted.invitation.as_deref(),
        };
        return Ok(headers::page(422, survey_form::render(&survey, &state)));
    }
    // Only an invitation-only survey looks at a code (and uses it up), as in the API.
    let invitation = posted
        .invitation
        .as_deref()
        .filter(|_| survey.settings.invitation_only)
        .map(invitation_code::hash);
    // The page has no sign-in: every response from it is anonymous (`by` is `None`).
    cx.store.record_response(
        id,
        None,
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

/// A survey that takes one response per user needs its respondent signed in, and these pages
/// have no sign-in: such a survey is answered with the CLI for now.
fn answerable_here(survey: &Survey) -> Result<(), PageError> {
    if survey.one_response_per_user {
        return Err(PageError::NeedsAccount(survey.id));
    }
    Ok(())
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
