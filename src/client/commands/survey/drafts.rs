//! `canvass survey drafts`: the surveys kept on this machine, not yet sent, as a table or JSON.
//! Also how the other draft commands find and keep one.

use serde::Serialize;

use crate::cli::{DraftArgs, OutputArgs};
use crate::client::Context;
use crate::client::cache::{Cache, Draft};
use crate::client::error::ClientError;
use crate::client::render::{self, Align, Output, Table, Tone};
use crate::domain::NewSurvey;
use crate::protocol::CreateSurveyRequest;

use super::create::request_for;

const EMPTY: &str = "No drafts — `canvass survey create --draft` keeps one";

/// One draft in `--json`: the survey as it would be sent, and a summary of it.
#[derive(Serialize)]
struct DraftReport<'a> {
    id: i64,
    name: &'a str,
    questions: usize,
    updated_at: String,
    survey: &'a CreateSurveyRequest,
}

/// `--json` after a draft is saved.
#[derive(Serialize)]
struct SavedReport<'a> {
    draft: i64,
    name: &'a str,
}

pub fn run(args: &OutputArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.json);
    let drafts = cx.cache()?.drafts()?;
    if out.json {
        let reports: Vec<DraftReport<'_>> = drafts
            .iter()
            .map(|draft| DraftReport {
                id: draft.id,
                name: &draft.survey.name,
                questions: draft.survey.questions.len(),
                updated_at: render::rfc3339(draft.updated_at),
                survey: &draft.survey,
            })
            .collect();
        return out.json(&reports);
    }
    if drafts.is_empty() {
        return out.line(EMPTY);
    }
    let mut table = Table::new(&[
        ("id", Align::Right),
        ("name", Align::Left),
        ("questions", Align::Right),
        ("updated", Align::Left),
    ]);
    for draft in &drafts {
        table.row([
            draft.id.to_string(),
            draft.survey.name.clone(),
            draft.survey.questions.len().to_string(),
            render::local_time(draft.updated_at),
        ]);
    }
    for line in table.render(&out, render::width()) {
        out.line(&line)?;
    }
    Ok(())
}

/// Draft `id`, or an error that says how to find the right one.
pub(super) fn find(cache: &Cache, id: i64) -> Result<Draft, ClientError> {
    cache.draft(id)?.ok_or(ClientError::NoDraft { id })
}

/// Keeps `survey` as a new draft (`id` None) or over draft `id`; returns the draft's id.
pub(super) fn store(
    cache: &Cache,
    id: Option<i64>,
    survey: &CreateSurveyRequest,
) -> Result<i64, ClientError> {
    cache
        .save_draft(id, survey, render::now())?
        // Only a draft deleted meanwhile (a `publish` in another terminal) is not there.
        .ok_or(ClientError::NoDraft {
            id: id.unwrap_or_default(),
        })
}

/// Stores `survey` (see `store`) and says so: `Saved draft <id>: <name> — …`.
pub(super) fn save(
    cache: &Cache,
    out: &Output,
    id: Option<i64>,
    survey: &NewSurvey,
) -> Result<(), ClientError> {
    let id = store(cache, id, &request_for(survey))?;
    if out.json {
        return out.json(&SavedReport {
            draft: id,
            name: &survey.name,
        });
    }
    out.line(&format!(
        "Saved draft {id}: {} — `canvass survey publish {id}` sends it.",
        out.paint(Tone::Strong, &render::printable(&survey.name))
    ))
}

/// `canvass survey delete-draft ID`: drafts never reached the server, so nothing to ask.
pub fn delete(args: &DraftArgs, cx: &Context) -> Result<(), ClientError> {
    if !cx.cache()?.delete_draft(args.draft)? {
        return Err(ClientError::NoDraft { id: args.draft });
    }
    Output::new(false).line(&format!("Deleted draft {}.", args.draft))
}
