//! `canvass sync`: deliver the outbox, then refresh the local copy of every survey. Each
//! queued response carries the id it was queued with, so the server counts a repeat once:
//! a sync cut short, or two at once, never double counts. A refused response stays queued
//! and the command exits 1, naming how to drop it: exit 0 would let a script believe every
//! response was counted (issue 14, item 2).

use serde::Serialize;

use crate::cli::OutputArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Output, Tone};
use crate::client::session;

use super::survey::every_survey;

#[derive(Serialize)]
struct Report {
    sent: Vec<Sent>,
    refused: Vec<Refused>,
    /// Still queued afterwards (the refused ones).
    pending: u64,
    /// Surveys now in the local copy.
    refreshed: usize,
}

#[derive(Serialize)]
#[expect(
    clippy::struct_field_names,
    reason = "three ids of three things, named as the JSON report names them"
)]
struct Sent {
    client_id: String,
    survey_id: i64,
    response_id: i64,
}

#[derive(Serialize)]
struct Refused {
    /// Its number in `canvass outbox list`, for `canvass outbox drop`.
    number: i64,
    client_id: String,
    survey_id: i64,
    status: u16,
    message: String,
}

pub fn run(args: &OutputArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.json);
    let cache = cx.cache()?;
    let (api, _) = session::authenticated_if_logged_in(cx, &out)?;
    let mut report = Report {
        sent: Vec::new(),
        refused: Vec::new(),
        pending: 0,
        refreshed: 0,
    };
    for queued in cache.queued()? {
        match api.respond(queued.survey_id, &queued.request) {
            Ok(recorded) => {
                cache.delivered(&queued.client_id)?;
                report.sent.push(Sent {
                    client_id: queued.client_id,
                    survey_id: queued.survey_id,
                    response_id: recorded.id,
                });
            }
            Err(refusal @ (ClientError::Refused { .. } | ClientError::NoSurvey { .. })) => {
                let (status, message) = match refusal {
                    ClientError::Refused { status, message } => (status, message),
                    gone => (404, gone.to_string()),
                };
                cache.refused(&queued.client_id, &message)?;
                report.refused.push(Refused {
                    number: queued.number,
                    client_id: queued.client_id,
                    survey_id: queued.survey_id,
                    status,
                    message,
                });
            }
            // Unreachable or failing: what is left stays queued for the next sync.
            Err(other) => return Err(other),
        }
    }
    let surveys = every_survey(&api, false)?;
    cache.keep_all_surveys(&surveys, render::now())?;
    report.refreshed = surveys.len();
    report.pending = cache.pending()?;
    let refused = report
        .refused
        .first()
        .map(|first| ClientError::SyncRefused {
            count: report.refused.len() as u64,
            first: first.number,
        });
    if out.json {
        out.json(&report)?;
        return refused.map_or(Ok(()), Err);
    }
    if report.sent.is_empty() && report.refused.is_empty() {
        out.line("Nothing was queued.")?;
    }
    if !report.sent.is_empty() {
        out.line(&format!(
            "Sent {}.",
            render::plural(report.sent.len() as u64, "queued response")
        ))?;
    }
    if !report.refused.is_empty() {
        out.line(&out.paint(
            Tone::Warning,
            &format!(
                "Refused {}, kept in the queue:",
                render::plural(report.refused.len() as u64, "response")
            ),
        ))?;
        for refused in &report.refused {
            out.line(&format!(
                "  {}. survey {}: {}",
                refused.number,
                refused.survey_id,
                render::printable(&refused.message)
            ))?;
        }
    }
    out.line(&format!(
        "Refreshed {} from {}.",
        render::plural(report.refreshed as u64, "survey"),
        cx.server
    ))?;
    refused.map_or(Ok(()), Err)
}
