//! `canvass survey list`: every survey (or, with `--mine`, the caller's own) as a table, all
//! pages fetched in turn, or the one page `--page` asks for.

use crate::cli::ListArgs;
use crate::client::Context;
use crate::client::api::ApiClient;
use crate::client::error::ClientError;
use crate::client::render::{self, Align, Output, Table};
use crate::client::session;
use crate::protocol::{SurveyBody, SurveyPage};

use super::{offline, show};

/// Surveys per request, and per `--page` (the server allows up to 100).
const PER_PAGE: u64 = 50;

const EMPTY: &str = "No surveys yet — create one with `canvass survey create`";

pub fn run(args: &ListArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let api = if args.mine {
        session::authenticated(cx, &out)?
    } else {
        cx.anonymous()?
    };
    let Some(number) = args.page else {
        // Only the whole list replaces the local copy, and only it is there offline.
        let surveys = if args.mine {
            every_page(&api, true)?
        } else {
            offline::surveys(cx, &out, || every_page(&api, false))?
        };
        if out.json {
            return out.json(&surveys);
        }
        if surveys.is_empty() {
            return out.line(EMPTY);
        }
        return print_table(&out, &surveys);
    };
    let page = api.surveys(number, PER_PAGE, args.mine)?;
    if out.json {
        return out.json(&page);
    }
    if page.total == 0 {
        return out.line(EMPTY);
    }
    let pages = page.total.div_ceil(PER_PAGE);
    let count = render::plural(page.total, "survey");
    if page.items.is_empty() {
        return out.line(&format!(
            "Page {number} is empty: there {} ({count})",
            match pages {
                1 => "is 1 page".to_owned(),
                n => format!("are {n} pages"),
            }
        ));
    }
    print_table(&out, &page.items)?;
    out.line(&format!("page {number} of {pages} ({count})"))
}

/// Every page in turn, until one comes back short. Not a snapshot: a survey created or
/// deleted meanwhile can shift the pages under the walk.
pub(crate) fn every_page(api: &ApiClient, mine: bool) -> Result<Vec<SurveyBody>, ClientError> {
    let mut surveys = Vec::new();
    for number in 1.. {
        let SurveyPage { items, total, .. } = api.surveys(number, PER_PAGE, mine)?;
        let last =
            (items.len() as u64) < PER_PAGE || surveys.len() as u64 + items.len() as u64 >= total;
        surveys.extend(items);
        if last {
            break;
        }
    }
    Ok(surveys)
}

fn print_table(out: &Output, surveys: &[SurveyBody]) -> Result<(), ClientError> {
    // On a narrow terminal the name matters more than who made it and when: those columns
    // go, the creator first, before the name is cut (issue 14).
    let mut table = Table::new(&[
        ("id", Align::Right),
        ("name", Align::Left),
        ("questions", Align::Right),
        ("responses", Align::Right),
        ("status", Align::Left),
        ("created", Align::Left),
        ("creator", Align::Left),
    ])
    .droppable(&["creator", "created"]);
    for survey in surveys {
        table.row([
            survey.id.to_string(),
            survey.name.clone(),
            survey.questions.len().to_string(),
            show::responses(survey.responses, survey.max_responses),
            survey.status.as_str().to_owned(),
            render::local_minute(&survey.created_at),
            show::creator(survey.creator.as_deref()),
        ]);
    }
    for line in table.render(out, render::width()) {
        out.line(&line)?;
    }
    Ok(())
}
