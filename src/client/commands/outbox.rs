//! `canvass outbox list|drop`: the responses queued on this machine for `sync`, and a way to
//! throw one away — a response the server refuses would otherwise stay queued for good
//! (issue 14, item 2). Dropping asks first at a terminal and needs `--yes` in a script.

use serde::Serialize;

use crate::cli::{OutboxDropArgs, OutputArgs};
use crate::client::Context;
use crate::client::cache::Queued;
use crate::client::error::ClientError;
use crate::client::render::{self, Align, Output, Table};

const CONFIRMATION: (&str, &str) = ("the confirmation to drop", "--yes");

const EMPTY: &str = "Nothing is queued.";

#[derive(Serialize)]
struct Entry<'a> {
    number: i64,
    survey_id: i64,
    client_id: &'a str,
    queued_at: String,
    /// Why the server refused it at the last `sync`, if it did.
    last_error: Option<&'a str>,
}

pub fn list(args: &OutputArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.json);
    let queued = cx.cache()?.queued()?;
    if out.json {
        let entries: Vec<_> = queued
            .iter()
            .map(|q| Entry {
                number: q.number,
                survey_id: q.survey_id,
                client_id: &q.client_id,
                queued_at: render::rfc3339(q.since),
                last_error: q.last_error.as_deref(),
            })
            .collect();
        return out.json(&entries);
    }
    if queued.is_empty() {
        return out.line(EMPTY);
    }
    let mut table = Table::new(&[
        ("number", Align::Right),
        ("survey", Align::Right),
        ("queued", Align::Left),
        ("state", Align::Left),
    ]);
    for q in &queued {
        table.row([
            q.number.to_string(),
            q.survey_id.to_string(),
            render::local_minute_of(q.since),
            q.last_error.as_deref().map_or_else(
                || "waiting for `canvass sync`".to_owned(),
                |error| format!("refused: {error}"),
            ),
        ]);
    }
    for line in table.render(&out, render::width()) {
        out.line(&line)?;
    }
    Ok(())
}

pub fn drop(args: &OutboxDropArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(false);
    // Checked before anything else, so a script without --yes fails the same way every time.
    if !args.yes && !cx.prompt.is_interactive() {
        let (what, flag) = CONFIRMATION;
        return Err(cx.prompt.needs(what, flag));
    }
    let cache = cx.cache()?;
    let queued = cache.queued()?;
    let Some(number) = args.number.filter(|_| !args.all) else {
        if queued.is_empty() {
            return out.line(EMPTY);
        }
        let count = render::plural(queued.len() as u64, "queued response");
        if !args.yes
            && !cx
                .prompt
                .confirm(&format!("Drop {count}, unsent?"), false, CONFIRMATION)?
        {
            return out.line("Nothing was dropped.");
        }
        let dropped = cache.drop_all_queued()?;
        return out.line(&format!(
            "Dropped {}.",
            render::plural(dropped as u64, "queued response")
        ));
    };
    let Some(entry) = queued.iter().find(|q| q.number == number) else {
        return Err(ClientError::NoQueued { number });
    };
    if !args.yes && !cx.prompt.confirm(&describe(entry), false, CONFIRMATION)? {
        return out.line("Nothing was dropped.");
    }
    if !cache.drop_queued(number)? {
        // A `sync` running meanwhile delivered it.
        return Err(ClientError::NoQueued { number });
    }
    out.line(&format!(
        "Dropped queued response {number} (to survey {}).",
        entry.survey_id
    ))
}

fn describe(entry: &Queued) -> String {
    let refused = entry
        .last_error
        .as_deref()
        .map_or_else(String::new, |error| format!(" (refused: {error})"));
    format!(
        "Drop queued response {} to survey {}{refused}, unsent?",
        entry.number, entry.survey_id
    )
}
