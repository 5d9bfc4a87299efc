//! `canvass survey respond ID`: answers by the positions `survey show` prints (`--answer`), by
//! id (`--answers FILE`), or prompted at a terminal; all checked against the survey first.

mod sheet;
mod sheet_error;

pub(crate) use sheet_error::{SheetError, Unanswered};

use std::path::Path;

use crate::cli::{AnswerFlag, RespondArgs};
use crate::client::Context;
use crate::client::cache;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::client::session;
use crate::domain::{Answer, Question, QuestionKind, Survey};
use crate::protocol::{AnswerBody, ResponseRequest};

use super::create::JsonInput;
use super::offline;
use sheet::{AnswerEntries, Sheet};

const WANTED: (&str, &str) = ("the answers", "--answer Q=C or --answers FILE");

pub fn run(args: &RespondArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(false);
    let id = args.survey.id;
    let prompted = args.answer.is_empty() && args.answers.is_none();
    if prompted && !cx.prompt.is_interactive() {
        return Err(ClientError::NeedsFlag {
            what: WANTED.0,
            flag: WANTED.1,
        });
    }
    // The token goes along whenever there is a session: a one-per-user survey needs it, and
    // the owner's export shows who answered.
    let (api, logged_in) = session::authenticated_if_logged_in(cx, &out)?;
    let survey = offline::survey(cx, &api, &out, id)?;
    if survey.one_response_per_user && !logged_in {
        return Err(ClientError::NotLoggedIn {
            server: cx.server.clone(),
        });
    }
    let mut sheet = Sheet::new(&survey);
    let answers = if let Some(path) = &args.answers {
        from_file(sheet, path)?
    } else if !args.answer.is_empty() {
        from_flags(sheet, &args.answer)?
    } else {
        // Nobody should answer every question only to be told the survey is closed.
        if survey.is_closed() {
            return Err(ClientError::Refused {
                status: 409,
                message: format!("survey {id} is closed: it takes no more responses"),
            });
        }
        ask(cx, &out, &survey, &mut sheet)?;
        // Every required question was asked until answered, so none is missing here.
        let answers = sheet
            .finish()
            .map_err(|source| ClientError::Unanswered { source })?;
        for line in sheet::summary(&survey, &answers) {
            out.line(&line)?;
        }
        if !args.yes
            && !cx
                .prompt
                .confirm("Submit these answers?", true, ("the confirmation", "--yes"))?
        {
            return out.line("Nothing was sent.");
        }
        answers
    };
    // The id goes with the response from the first try, so a retry — or the outbox's later
    // send — is the same response to the server, never a second one.
    let request = ResponseRequest {
        answers: answers.iter().map(AnswerBody::from).collect(),
        client_id: Some(cache::new_client_id()),
    };
    match api.respond(id, &request) {
        Ok(recorded) => out.line(&format!(
            "Response {} recorded for \"{}\".",
            recorded.id,
            render::printable(&survey.name)
        )),
        Err(ClientError::Unreachable { url, reason }) => {
            cx.cache()?.queue(id, &request, render::now())?;
            out.warn(&format!("cannot reach {url} ({reason})"));
            out.line(&format!(
                "Response to \"{}\" queued on this machine; `canvass sync` sends it.",
                render::printable(&survey.name)
            ))
        }
        Err(other) => Err(other),
    }
}

/// `--answer Q=C`, by position; any mistake is a usage error naming the flag as given.
fn from_flags(mut sheet: Sheet<'_>, flags: &[AnswerFlag]) -> Result<Vec<Answer>, ClientError> {
    for flag in flags {
        let wrong = |source| ClientError::Answer {
            flag: flag.clone(),
            source,
        };
        let answer = sheet.by_position(flag).map_err(wrong)?;
        sheet.add(answer).map_err(wrong)?;
    }
    sheet
        .finish()
        .map_err(|source| ClientError::Unanswered { source })
}

/// `--answers FILE|-`: `{"<question id>": <choice id> | [choice ids] | "text"}`.
fn from_file(mut sheet: Sheet<'_>, path: &Path) -> Result<Vec<Answer>, ClientError> {
    let input = JsonInput::read(path)?;
    let AnswerEntries(entries) = input.parse()?;
    for (key, value) in entries {
        let question = sheet.question_by_id(&key).map_err(|e| input.invalid(e))?;
        let answer = sheet::by_id(question, &value).map_err(|e| input.invalid(e))?;
        sheet.add(answer).map_err(|e| input.invalid(e))?;
    }
    sheet.finish().map_err(|e| input.invalid(e))
}

/// Each question in turn; required ones are asked until answered.
fn ask(
    cx: &Context,
    out: &Output,
    survey: &Survey,
    sheet: &mut Sheet<'_>,
) -> Result<(), ClientError> {
    let total = survey.questions.len();
    for (q, question) in survey.questions.iter().enumerate() {
        let prompt = format!("Question {} of {total}: {}", q + 1, question.text);
        loop {
            let answer = ask_one(cx, out, q + 1, question, &prompt)?;
            match sheet.add(answer) {
                Ok(()) => break,
                // The prompts offer only what the question takes, but a typed text can still
                // break a rule (too long): say which, and ask again.
                Err(problem) => out.warn(&problem.to_string()),
            }
        }
    }
    Ok(())
}

/// Question `number`'s answer as picked or typed; a required one is asked until given.
fn ask_one(
    cx: &Context,
    out: &Output,
    number: usize,
    question: &Question,
    prompt: &str,
) -> Result<Answer, ClientError> {
    let choices: Vec<String> = question.choices.iter().map(|c| c.text.clone()).collect();
    let picked = |positions: Vec<usize>| Answer::Choices {
        question: question.id,
        choices: positions
            .into_iter()
            .filter_map(|c| question.choices.get(c).map(|choice| choice.id))
            .collect(),
    };
    Ok(match question.kind {
        QuestionKind::Single => {
            let mut items = choices.clone();
            if !question.required {
                items.push("(skip)".to_owned());
            }
            // The "(skip)" item has no choice: no answer.
            picked(vec![cx.prompt.select(prompt, &items, WANTED)?])
        }
        QuestionKind::Multiple => loop {
            let prompt = format!("{prompt} (space toggles, enter confirms)");
            let positions = cx.prompt.multi_select(&prompt, &choices, WANTED)?;
            if !positions.is_empty() || !question.required {
                break picked(positions);
            }
            out.warn(&format!(
                "question {number} is required: pick at least one choice with space"
            ));
        },
        QuestionKind::Text => loop {
            let prompt = if question.required {
                prompt.to_owned()
            } else {
                format!("{prompt} (optional, enter skips)")
            };
            let text = cx.prompt.text(&prompt, !question.required, WANTED)?;
            if !text.trim().is_empty() || !question.required {
                break Answer::Text {
                    question: question.id,
                    text,
                };
            }
        },
    })
}
