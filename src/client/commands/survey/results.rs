//! `canvass survey results ID`: per question, each choice's count and share of the responses
//! as a bar, and the text answers; `--json` passes the server's results through.

use crate::cli::SurveyArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Chart, Output, Tone};
use crate::domain::QuestionKind;
use crate::protocol::ResultsBody;

use super::show;

/// Where a question's choices and answers start, under its number.
const INDENT: &str = "     ";

pub fn run(args: &SurveyArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let results = cx.anonymous()?.results(args.survey.id)?;
    if out.json {
        return out.json(&results);
    }
    for line in describe(&out, &results, render::width()) {
        out.line(&line)?;
    }
    Ok(())
}

fn describe(out: &Output, results: &ResultsBody, width: usize) -> Vec<String> {
    let mut lines = vec![format!(
        "{} — {}, {}",
        out.paint(Tone::Strong, &render::printable(&results.name)),
        render::plural(results.responses, "response"),
        show::status(out, results.status),
    )];
    let question_width = results.questions.len().to_string().len();
    for (q, question) in results.questions.iter().enumerate() {
        lines.push(String::new());
        lines.push(format!(
            "  {:>question_width$}. {}  ({})",
            q + 1,
            render::printable(&question.text),
            show::kind(question.kind),
        ));
        if question.kind == QuestionKind::Text {
            let answers = question.answers.len() as u64;
            if answers == 0 {
                lines.push(format!("{INDENT}no answers yet"));
            } else {
                lines.push(format!("{INDENT}{}:", render::plural(answers, "answer")));
            }
            lines.extend(
                question
                    .answers
                    .iter()
                    .map(|answer| format!("{INDENT}- {}", render::printable(answer))),
            );
            continue;
        }
        // Shares of every response, so a multiple-choice question's may add up past 100%.
        let mut chart = Chart::new(results.responses);
        for choice in &question.choices {
            chart.row(&choice.text, choice.count);
        }
        let room = width.saturating_sub(INDENT.len());
        lines.extend(
            chart
                .render(out, room)
                .into_iter()
                .map(|line| format!("{INDENT}{line}")),
        );
    }
    lines
}
