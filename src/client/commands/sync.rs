//! `canvass sync`: deliver the outbox, then refresh the local copy of every survey. Each
//! queued response carries the id it was queued with, so the server counts a repeat once:
//! a sync cut short, or two at once, never double counts. A refused response stays queued
//! and the command exits 1, naming how to drop it: exit 0 would let a script believe every
//! response was counted (issue 14, item 2). A response is sent only to the survey it was
//! written against: one whose id now names another survey (its `created_at` differs) is
//! refused here, never delivered (issue 15).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde::Serialize;

use crate::cli::OutputArgs;
use crate::client::Context;
use crate::client::api::ApiClient;
use crate::client::cache::Queued;
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
    /// The server's status; `null` when this client refused to send it (the survey was
    /// replaced).
    status: Option<u16>,
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
    // Each survey's `created_at` now, asked once per survey; `None` once it is gone.
    let mut current = HashMap::new();
    for queued in cache.queued()? {
        if let Some((status, message)) = not_to_send(&api, &mut current, &queued)? {
            cache.refused(&queued.client_id, &message)?;
            report.refused.push(Refused {
                number: queued.number,
                client_id: queued.client_id,
                survey_id: queued.survey_id,
                status,
                message,
            });
            continue;
        }
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
                    status: Some(status),
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

/// Why `queued` must not be sent, if it must not: its survey is gone (404), or the survey
/// under its id is not the one it was written against. A response queued before
/// `created_at` was kept with it is sent as before. `current` remembers each survey asked
/// about.
fn not_to_send(
    api: &ApiClient,
    current: &mut HashMap<i64, Option<String>>,
    queued: &Queued,
) -> Result<Option<(Option<u16>, String)>, ClientError> {
    let Some(written_against) = &queued.survey_created_at else {
        return Ok(None);
    };
    let id = queued.survey_id;
    let now = match current.entry(id) {
        Entry::Occupied(known) => known.into_mut(),
        Entry::Vacant(unknown) => unknown.insert(match api.survey(id) {
            Ok(survey) => Some(survey.created_at),
            Err(ClientError::NoSurvey { .. }) => None,
            Err(other) => return Err(other),
        }),
    };
    Ok(match now {
        Some(created_at) if created_at == written_against => None,
        Some(created_at) => Some((
            None,
            format!(
                "survey {id} is not the survey this response was written for (that one was                  created at {written_against} UTC, this one at {created_at} UTC): it was                  not sent",
                written_against = render::printable(written_against),
                created_at = render::printable(created_at),
            ),
        )),
        None => Some((
            Some(404),
            ClientError::NoSurvey {
                id,
                server: api.server().to_owned(),
            }
            .to_string(),
        )),
    })
}
