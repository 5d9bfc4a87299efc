//! `canvass survey respond ID`: answers by the positions `survey show` prints (`--answer`), by
//! id (`--answers FILE`), or prompted at a terminal; all checked against the survey first.

mod sheet;

use std::path::Path;

use crate::cli::RespondArgs;
use crate::client::Context;
use crate::client::cache;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::client::session;
use crate::domain::QuestionKind;
use crate::protocol::{ResponseRequest, SurveyBody};

use super::create::JsonInput;
use super::offline;
use sheet::{AnswerEntries, Given, Sheet};

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
    let kinds = survey
        .questions
        .iter()
        .map(|q| {
            q.kind
                .parse::<QuestionKind>()
                .map_err(|()| ClientError::BadReply {
                    url: format!("{}/api/surveys/{id}/", api.server()),
                    reason: format!("question {} has the unknown kind {:?}", q.id, q.kind),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut sheet = Sheet::new(&survey, kinds);
    if let Some(path) = &args.answers {
        from_file(&mut sheet, path)?;
    } else if !args.answer.is_empty() {
        from_flags(&mut sheet, &args.answer)?;
    } else {
        // Nobody should answer every question only to be told the survey is closed.
        if survey.status == "closed" {
            return Err(ClientError::Refused {
                status: 409,
                message: format!("survey {id} is closed: it takes no more responses"),
            });
        }
        ask(cx, &out, &survey, &mut sheet)?;
        for line in sheet.summary() {
            out.line(&line)?;
        }
        if !args.yes
            && !cx
                .prompt
                .confirm("Submit these answers?", true, ("the confirmation", "--yes"))?
        {
            return out.line("Nothing was sent.");
        }
    }
    // The id goes with the response from the first try, so a retry — or the outbox's later
    // send — is the same response to the server, never a second one.
    let request = ResponseRequest {
        answers: sheet.into_answers(),
        client_id: Some(cache::new_client_id()),
    };
    match api.respond(id, &request) {
        Ok(recorded) => out.line(&format!(
            "Response {} recorded for \"{}\".",
            recorded.id, survey.name
        )),
        Err(ClientError::Unreachable { url, reason }) => {
            cx.cache()?.queue(id, &request, render::now())?;
            out.warn(&format!("cannot reach {url} ({reason})"));
            out.line(&format!(
                "Response to \"{}\" queued on this machine; `canvass sync` sends it.",
                survey.name
            ))
        }
        Err(other) => Err(other),
    }
}

/// `--answer Q=C`, by position; any mistake is a usage error naming the flag as given.
fn from_flags(sheet: &mut Sheet<'_>, flags: &[String]) -> Result<(), ClientError> {
    for raw in flags {
        let usage = |problem: String| ClientError::Usage(format!("--answer {raw}: {problem}"));
        let Some((question, value)) = raw.split_once('=') else {
            return Err(usage(
                "expected QUESTION=CHOICE, e.g. --answer 1=2 or --answer 2=1,3".to_owned(),
            ));
        };
        let q = sheet.position(question.trim()).map_err(usage)?;
        let given = sheet.given_by_position(q, value).map_err(usage)?;
        sheet.set(q, given).map_err(usage)?;
    }
    match sheet.missing() {
        Some(q) => Err(ClientError::Usage(format!(
            "{}: pass --answer {}={}",
            sheet.missing_problem(q),
            q + 1,
            if sheet.kind(q).has_choices() {
                "CHOICE"
            } else {
                "TEXT"
            }
        ))),
        None => Ok(()),
    }
}

/// `--answers FILE|-`: `{"<question id>": <choice id> | [choice ids] | "text"}`.
fn from_file(sheet: &mut Sheet<'_>, path: &Path) -> Result<(), ClientError> {
    let input = JsonInput::read(path)?;
    let AnswerEntries(entries) = input.parse()?;
    for (key, value) in entries {
        let q = sheet.position_of_id(&key).map_err(|e| input.invalid(&e))?;
        let given = sheet
            .given_by_id(q, &value)
            .map_err(|e| input.invalid(&e))?;
        sheet.set(q, given).map_err(|e| input.invalid(&e))?;
    }
    match sheet.missing() {
        Some(q) => Err(input.invalid(&sheet.missing_problem(q))),
        None => Ok(()),
    }
}

/// Each question in turn; required ones are asked until answered.
fn ask(
    cx: &Context,
    out: &Output,
    survey: &SurveyBody,
    sheet: &mut Sheet<'_>,
) -> Result<(), ClientError> {
    let total = survey.questions.len();
    for (q, question) in survey.questions.iter().enumerate() {
        let prompt = format!("Question {} of {total}: {}", q + 1, question.text);
        let choices: Vec<String> = question.choices.iter().map(|c| c.text.clone()).collect();
        let given = match sheet.kind(q) {
            QuestionKind::Single => {
                let mut items = choices.clone();
                if !question.required {
                    items.push("(skip)".to_owned());
                }
                let picked = cx.prompt.select(&prompt, &items, WANTED)?;
                Given::Choices(if picked < choices.len() {
                    vec![picked]
                } else {
                    Vec::new()
                })
            }
            QuestionKind::Multiple => loop {
                let prompt = format!("{prompt} (space toggles, enter confirms)");
                let picked = cx.prompt.multi_select(&prompt, &choices, WANTED)?;
                if !picked.is_empty() || !question.required {
                    break Given::Choices(picked);
                }
                out.warn(&format!(
                    "question {} is required: pick at least one choice with space",
                    q + 1
                ));
            },
            QuestionKind::Text => loop {
                let prompt = if question.required {
                    prompt.clone()
                } else {
                    format!("{prompt} (optional, enter skips)")
                };
                let text = cx.prompt.text(&prompt, !question.required, WANTED)?;
                if !text.trim().is_empty() || !question.required {
                    break Given::Text(text);
                }
            },
        };
        sheet.set(q, given).map_err(ClientError::Usage)?;
    }
    Ok(())
}
