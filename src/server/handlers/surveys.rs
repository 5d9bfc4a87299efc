//! Surveys: list (bare, paged, or the caller's own), create, show, close, delete.

use std::sync::Arc;

use super::Ctx;
use super::listing;
use crate::domain::{Survey, SurveyId, Timestamp, User, ValidationError};
use crate::protocol::{CreateSurveyRequest, SurveyBody, SurveyEditRequest, SurveyPage};
use crate::server::auth::AuthError;
use crate::server::cache::{CacheKey, Fresh};
use crate::server::error::ApiError;
use crate::server::http::{Reply, Request};
use crate::server::store::Page;

const DEFAULT_PER_PAGE: u64 = 20;
const MAX_PER_PAGE: u64 = 100;
/// The one value `creator` takes: the caller's own surveys (there is no listing by e-mail).
const CREATOR_ME: &str = "me";

pub fn list(req: &Request, cx: &Ctx, caller: Option<&User>) -> Result<Reply, ApiError> {
    let (page, per_page) = (req.query("page"), req.query("per_page"));
    let creator = req.query("creator");
    // The seed's `GET /api/surveys/` is a bare array; only canvass's params ask for a page.
    if page.is_none() && per_page.is_none() && creator.is_none() {
        let generation = cx.store.generation();
        let json = cx
            .cache
            .get_or_build(CacheKey::AllSurveys, generation, || {
                let bounds = (cx.listing_limit, listing::MAX_BYTES);
                listing::build(cx.store.as_ref(), bounds, Timestamp::now())
            })?;
        return Ok(Reply::json_bytes(200, json));
    }
    let creator = match creator.as_deref() {
        None => None,
        Some(CREATOR_ME) => Some(caller.ok_or(AuthError::InvalidToken)?.id),
        Some(_) => return Err(ValidationError::new("creator", "must be me").into()),
    };
    let number = number_param("page", page.as_deref(), 1, u64::MAX)?;
    let size = number_param(
        "per_page",
        per_page.as_deref(),
        DEFAULT_PER_PAGE,
        MAX_PER_PAGE,
    )?;
    let slice = Page { number, size };
    let (surveys, total) = match creator {
        None => cx.store.list_surveys(slice)?,
        Some(user) => cx.store.list_surveys_by(user, slice)?,
    };
    Ok(Reply::ok(&SurveyPage {
        items: surveys.iter().map(SurveyBody::from).collect(),
        page: number,
        per_page: size,
        total,
    }))
}

fn number_param(name: &str, value: Option<&str>, default: u64, max: u64) -> Result<u64, ApiError> {
    let Some(value) = value else {
        return Ok(default);
    };
    match value.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(
            ValidationError::new(name, format!("must be a whole number from 1 to {max}")).into(),
        ),
    }
}

pub fn create(req: &Request, cx: &Ctx, author: &User) -> Result<Reply, ApiError> {
    let survey = req.json::<CreateSurveyRequest>()?.into_domain()?;
    cx.survey_quota
        .take(author.id)
        .map_err(|retry_after| ApiError::SurveyQuota { retry_after })?;
    let created = cx.store.create_survey(author.id, &survey)?;
    Ok(Reply::created(&SurveyBody::from(&created)))
}

pub fn get(id: SurveyId, cx: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::json_bytes(200, survey_json(id, cx)?))
}

/// The survey as JSON, from the reply cache when nothing was written since it was built.
/// Read after a write of the caller's own, it includes that write: the generation moved on.
pub(super) fn survey_json(id: SurveyId, cx: &Ctx) -> Result<Arc<Vec<u8>>, ApiError> {
    let generation = cx.store.generation();
    cx.cache.get_or_build(CacheKey::Survey(id), generation, || {
        let survey = cx.store.get_survey(id)?;
        Ok(Fresh {
            bytes: Reply::encode(&SurveyBody::from(&survey))?,
            // Its status changes by the clock at its next opens_at or closes_at.
            until: survey.settings.next_change(Timestamp::now()),
        })
    })
}

pub fn close(survey: &Survey, cx: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::ok(&SurveyBody::from(
        &cx.store.close_survey(survey.id)?,
    )))
}

/// `PATCH /api/surveys/<id>/`.
pub fn edit(survey: &Survey, req: &Request, cx: &Ctx) -> Result<Reply, ApiError> {
    let edited = req
        .json::<SurveyEditRequest>()?
        .into_domain()?
        .apply(survey)?;
    Ok(Reply::ok(&SurveyBody::from(
        &cx.store.update_survey(survey.id, &edited)?,
    )))
}

pub fn reopen(survey: &Survey, cx: &Ctx) -> Result<Reply, ApiError> {
    Ok(Reply::ok(&SurveyBody::from(
        &cx.store.reopen_survey(survey.id)?,
    )))
}

pub fn delete(survey: &Survey, cx: &Ctx) -> Result<Reply, ApiError> {
    cx.store.delete_survey(survey.id)?;
    Ok(Reply::no_content())
}
