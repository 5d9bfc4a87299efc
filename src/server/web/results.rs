//! `GET /s/<id>/results`: the results page, for a survey whose owner made results public;
//! otherwise 404, as if there were no such page.

use super::headers;
use super::page_error::PageError;
use super::results_page;
use crate::domain::SurveyId;
use crate::server::handlers::Ctx;
use crate::server::http::Reply;

pub fn show(id: SurveyId, cx: &Ctx) -> Result<Reply, PageError> {
    let results = cx.store.get_results(id)?;
    if !results.survey.settings.public_results {
        return Err(PageError::NotFound);
    }
    Ok(headers::page(200, results_page::render(&results)))
}
