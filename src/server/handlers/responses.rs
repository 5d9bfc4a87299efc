//! Responses: the seed's PUT vote, the native response, results and the owner's export.

use super::Ctx;
use super::surveys::survey_json;
use crate::domain::{Answer, Survey, SurveyId, User, ValidationError};
use crate::protocol::{
    ExportBody, IDEMPOTENCY_KEY, IdBody, MyResponseBody, ResponseRequest, ResultsBody,
    SeedVoteRequest, export_csv,
};
use crate::server::auth::AuthError;
use crate::server::error::ApiError;
use crate::server::http::{Reply, Request};
use crate::server::invitation_code;
use crate::server::store::Recorded;

/// `PUT /api/surveys/<id>/`: the seed client's vote, recorded as a real response.
pub fn seed_vote(
    id: SurveyId,
    req: &Request,
    cx: &Ctx,
    by: Option<&User>,
) -> Result<Reply, ApiError> {
    let survey = cx.store.survey_for_answers(id)?;
    let answers = req.json::<SeedVoteRequest>()?.into_answers(&survey)?;
    record(cx, &survey, by, &answers, None, None)?;
    // The seed answers 201 with the survey, counts updated. Votes committed together share
    // one rebuild of it.
    Ok(Reply::json_bytes(201, survey_json(id, cx)?))
}

/// `POST /api/surveys/<id>/responses/`: 201 with the new response's id, or 200 with the
/// same id when its client id (body or `Idempotency-Key`) names one already recorded.
pub fn create(id: SurveyId, req: &Request, cx: &Ctx, by: Option<&User>) -> Result<Reply, ApiError> {
    let survey = cx.store.survey_for_answers(id)?;
    let body = req.json::<ResponseRequest>()?;
    let client_id = body.client_id(req.header(IDEMPOTENCY_KEY))?;
    // Only an invitation-only survey looks at a code (and uses it up).
    let invitation = body
        .invitation()?
        .filter(|_| survey.settings.invitation_only)
        .map(invitation_code::hash);
    let answers = body.into_domain()?;
    match record(
        cx,
        &survey,
        by,
        &answers,
        client_id.as_deref(),
        invitation.as_deref(),
    )? {
        Recorded::New(response) => Ok(Reply::created(&IdBody { id: response.0 })),
        Recorded::Repeat(response) => Ok(Reply::ok(&IdBody { id: response.0 })),
    }
}

fn record(
    cx: &Ctx,
    survey: &Survey,
    by: Option<&User>,
    answers: &[Answer],
    client_id: Option<&str>,
    invitation: Option<&str>,
) -> Result<Recorded, ApiError> {
    if survey.one_response_per_user && by.is_none() {
        return Err(AuthError::InvalidToken.into());
    }
    Answer::check_all(survey, answers)?;
    // An anonymous survey never learns who answered (the store drops it too).
    let by = by.filter(|_| !survey.settings.anonymous).map(|u| u.id);
    Ok(cx
        .store
        .record_response(survey.id, by, answers, client_id, invitation)?)
}

/// `GET /api/surveys/<id>/responses/mine/`: 404 both for an unknown survey and for no
/// response (the message says which).
pub fn mine(id: SurveyId, cx: &Ctx, user: &User) -> Result<Reply, ApiError> {
    let survey = cx.store.get_survey(id)?;
    match cx.store.find_response_by(survey.id, user.id)? {
        Some((response, created_at)) => Ok(Reply::ok(&MyResponseBody {
            id: response.0,
            created_at,
        })),
        None => Err(ApiError::NotFound(format!(
            "you have not responded to survey {}",
            survey.id.0
        ))),
    }
}

pub fn results(id: SurveyId, cx: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::ok(&ResultsBody::from(&cx.store.get_results(id)?)))
}

/// `GET /api/surveys/<id>/responses/?format=json|csv`, for the survey's creator only.
pub fn export(survey: &Survey, req: &Request, cx: &Ctx) -> Result<Reply, ApiError> {
    let records = cx.store.list_responses(survey.id)?;
    match req.query("format").as_deref().unwrap_or("json") {
        "json" => Ok(Reply::ok(&ExportBody::new(survey, &records))),
        "csv" => export_csv(survey, &records)
            .map(Reply::csv)
            .map_err(|e| ApiError::Internal(e.to_string())),
        _ => Err(ValidationError::new("format", "must be json or csv").into()),
    }
}
