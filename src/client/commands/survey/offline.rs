//! Reads that keep working offline: every survey fetched is kept in the local database, and
//! when the server cannot be reached the kept copy is used instead — with a warning saying
//! how old it is, never silently.

use crate::client::Context;
use crate::client::api::ApiClient;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::domain::Survey;
use crate::protocol::SurveyBody;

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
        Err(ClientError::Refused {
            status: 404,
            message,
        }) => {
            // Deleted on the server: the local copy would only mislead.
            cx.cache()?.forget_survey(id)?;
            Err(ClientError::Refused {
                status: 404,
                message,
            })
        }
        Err(other) => Err(other),
    }
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
