//! Working offline: every survey fetched is kept in the local database, and when the server
//! cannot be reached the kept copy is read instead — with a warning saying how old it is,
//! never silently — and a response goes to the outbox, unless the copy says it cannot count.

use crate::client::Context;
use crate::client::api::ApiClient;
use crate::client::error::{ClientError, NotQueued};
use crate::client::render::{self, Output};
use crate::domain::Survey;
use crate::protocol::{ResponseRequest, SurveyBody};

/// Survey `id` from the server, else from the local copy when the server is unreachable.
pub fn survey(cx: &Context, api: &ApiClient, out: &Output, id: i64) -> Result<Survey, ClientError> {
    match api.survey(id) {
        Ok(survey) => {
            cx.cache()?.keep_survey(&survey, render::now())?;
            Ok(survey)
        }
        Err(unreachable @ ClientError::Unreachable { .. }) => {
            let Some(kept) = cx.cache()?.survey(id)? else {
                return Err(unreachable);
            };
            warn_offline(out, &unreachable, kept.fetched_at);
            Ok(kept.value)
        }
        Err(gone @ ClientError::NoSurvey { .. }) => {
            // Deleted on the server: the local copy would only mislead.
            cx.cache()?.forget_survey(id)?;
            Err(gone)
        }
        Err(other) => Err(other),
    }
}

/// Puts a response to `survey` in the outbox for `canvass sync`, unless what this machine
/// knows already rules it out: queued anyway, it would be refused at every sync and stay
/// there for good (issue 14, item 2). What is known: whether the survey is closed, in
/// `survey` or the kept copy, whichever says so; and, for a one-per-user survey, whether a
/// response to it is already waiting here. Whether the user answered it from elsewhere only
/// the server knows; `sync` reports that refusal, and `canvass outbox drop` clears it.
pub fn queue(cx: &Context, survey: &Survey, request: &ResponseRequest) -> Result<(), ClientError> {
    let cache = cx.cache()?;
    let id = survey.id.0;
    let closed = survey.is_closed() || cache.survey(id)?.is_some_and(|kept| kept.value.is_closed());
    let refusal = if closed {
        Some(NotQueued::Closed { id })
    } else if survey.one_response_per_user && cache.is_queued_for(id)? {
        Some(NotQueued::AlreadyQueued { id })
    } else {
        None
    };
    if let Some(reason) = refusal {
        return Err(ClientError::NotQueued {
            server: cx.server.clone(),
            reason,
        });
    }
    // What it was written against goes with it: `sync` refuses it if the survey under this
    // id is another one by then (issue 15).
    cache.queue((id, &survey.created_at), request, render::now())?;
    Ok(())
}

/// Every survey from `fetch` (all pages), else every kept survey when the server is
/// unreachable. A complete fetch replaces the local list.
pub fn surveys(
    cx: &Context,
    out: &Output,
    fetch: impl FnOnce() -> Result<Vec<SurveyBody>, ClientError>,
) -> Result<Vec<SurveyBody>, ClientError> {
    match fetch() {
        Ok(surveys) => {
            cx.cache()?.keep_all_surveys(&surveys, render::now())?;
            Ok(surveys)
        }
        Err(unreachable @ ClientError::Unreachable { .. }) => {
            let kept = cx.cache()?.surveys()?;
            if kept.value.is_empty() {
                return Err(unreachable);
            }
            warn_offline(out, &unreachable, kept.fetched_at);
            Ok(kept.value)
        }
        Err(other) => Err(other),
    }
}

fn warn_offline(out: &Output, why: &ClientError, fetched_at: i64) {
    out.warn(&format!(
        "offline — cached {} ({why})",
        render::relative(fetched_at, render::now())
    ));
}
