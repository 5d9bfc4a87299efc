//! `canvass survey show ID`: one survey, its questions numbered 1…n and each one's choices
//! 1…m — the positions `survey respond --answer Q=C` takes — and its settings in a line.
//! Also how `list` and the wizard write a survey's status, cap and settings.

use crate::cli::SurveyArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Output, Tone};
use crate::domain::{QuestionKind, Survey, SurveySettings, SurveyStatus, Timestamp};
use crate::protocol::SurveyBody;

use super::offline;

pub fn run(args: &SurveyArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let survey = offline::survey(cx, &cx.anonymous()?, &out, args.survey.id)?;
    if out.json {
        // The server's JSON as it sent it: `SurveyBody::from` is how the server writes it.
        return out.json(&SurveyBody::from(&survey));
    }
    for line in describe(&out, &survey) {
        out.line(&line)?;
    }
    Ok(())
}

fn describe(out: &Output, survey: &Survey) -> Vec<String> {
    // An unreadable time is shown as sent, so it is the server's text like the name.
    let created = render::server_time(&survey.created_at)
        .map_or_else(|| render::printable(&survey.created_at), render::local_time);
    let per_user = if survey.one_response_per_user {
        " (one per user)"
    } else {
        ""
    };
    let mut lines = vec![
        out.paint(Tone::Strong, &render::printable(&survey.name)),
        format!("  id:         {}", survey.id),
        format!("  status:     {}", status(out, survey.status)),
        format!("  creator:    {}", creator(survey.creator.as_deref())),
        format!("  created:    {created}"),
        format!(
            "  responses:  {}{per_user}",
            responses(survey.responses, survey.settings.max_responses)
        ),
    ];
    if let Some(settings) = settings_line(&survey.settings) {
        lines.push(format!("  {settings}"));
    }
    lines.extend([
        String::new(),
        format!(
            "Questions (answer with `canvass survey respond {} --answer Q=C`):",
            survey.id
        ),
    ]);
    let question_width = survey.questions.len().to_string().len();
    for (q, question) in survey.questions.iter().enumerate() {
        let need = if question.required {
            "required"
        } else {
            "optional"
        };
        lines.push(format!(
            "  {:>question_width$}. {}  ({}, {need})",
            q + 1,
            render::printable(&question.text),
            kind(question.kind),
        ));
        let choice_width = question.choices.len().to_string().len();
        let indent = " ".repeat(question_width + 4);
        for (c, choice) in question.choices.iter().enumerate() {
            lines.push(format!(
                "{indent}{:>choice_width$}. {}",
                c + 1,
                render::printable(&choice.text)
            ));
        }
    }
    lines
}

/// A question's kind as people say it.
pub(super) fn kind(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => "single choice",
        QuestionKind::Multiple => "multiple choice",
        QuestionKind::Text => "free text",
    }
}

/// `open` or `closed`, coloured when colour is on.
pub(super) fn status(out: &Output, status: SurveyStatus) -> String {
    let tone = match status {
        SurveyStatus::Open => Tone::Good,
        SurveyStatus::Scheduled | SurveyStatus::Closed => Tone::Warning,
    };
    out.paint(tone, status.as_str())
}

/// `37` or, with a cap, `37/50`.
pub(super) fn responses(count: u64, cap: Option<u64>) -> String {
    match cap {
        Some(cap) => format!("{count}/{cap}"),
        None => count.to_string(),
    }
}

/// `Opens 2026-12-24 09:00 UTC · closes 2026-12-31 17:00 UTC · anonymous · invitation only ·
/// results public`: what a survey's owner set, in local time, or `None` when nothing was
/// (the cap is shown with the responses).
pub(super) fn settings_line(settings: &SurveySettings) -> Option<String> {
    let now = Timestamp::now();
    let when = |at: Timestamp, ahead: &str, past: &str| {
        let verb = if at > now { ahead } else { past };
        format!("{verb} {}", render::local_minute_of(at.unix()))
    };
    let parts: Vec<String> = [
        settings.opens_at.map(|at| when(at, "opens", "opened")),
        settings.closes_at.map(|at| when(at, "closes", "closed")),
        settings.anonymous.then(|| "anonymous".to_owned()),
        settings
            .invitation_only
            .then(|| "invitation only".to_owned()),
        settings.public_results.then(|| "results public".to_owned()),
    ]
    .into_iter()
    .flatten()
    .collect();
    let line = parts.join(" · ");
    let mut chars = line.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// The creator's e-mail, or a dash when the account is gone (the survey outlives it).
pub(super) fn creator(creator: Option<&str>) -> String {
    creator.map_or_else(|| "—".to_owned(), render::printable)
}
