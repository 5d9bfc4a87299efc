//! `canvass survey respond ID`: answers by the positions `survey show` prints (`--answer`, or
//! `--answers FILE`; ids with `--by-id`), or prompted at a terminal; all checked against the
//! survey first. A one-per-user survey already answered, or one not open, is refused before
//! any question, and an invitation-only survey's code is asked for before them.

mod sheet;
mod sheet_error;

pub(crate) use sheet_error::{SheetError, Unanswered};

use std::path::Path;

use serde::Serialize;

use crate::cli::{AnswerFlag, RespondArgs};
use crate::client::Context;
use crate::client::api::ApiClient;
use crate::client::cache;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::client::session;
use crate::domain::{Answer, NotTaking, Question, QuestionKind, Survey, SurveyStatus, Timestamp};
use crate::protocol::{AnswerBody, ResponseRequest};

use super::create::JsonInput;
use super::offline;
use sheet::{AnswerEntries, Sheet};

const WANTED: (&str, &str) = ("the answers", "--answer Q=C or --answers FILE");

/// `--json`: what a script needs to find the response again. `id` is absent while the
/// response waits in the outbox (`queued`).
#[derive(Serialize)]
struct Responded {
    id: Option<i64>,
    survey_id: i64,
    queued: bool,
}

pub fn run(args: &RespondArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let id = args.survey.id;
    let prompted = args.answer.is_empty() && args.answers.is_none();
    if prompted && !cx.prompt.is_interactive() {
        return Err(cx.prompt.needs(WANTED.0, WANTED.1));
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
    if survey.one_response_per_user {
        refuse_if_answered(&api, &survey)?;
    }
    // Nobody should answer every question only to be told the survey is closed, or not
    // open yet. Answers from flags or a file go to the server, which says so itself.
    if prompted {
        refuse_unless_taking(&survey)?;
    }
    let invitation = invitation(cx, args, &survey)?;
    let mut sheet = Sheet::new(&survey);
    let answers = if let Some(path) = &args.answers {
        from_file(sheet, path, args.by_id)?
    } else if !args.answer.is_empty() {
        from_flags(sheet, &args.answer)?
    } else {
        ask(cx, &out, &survey, &mut sheet)?;
        // Every required question was asked until answered, so none is missing here.
        let answers = sheet
            .finish()
            .map_err(|source| ClientError::Unanswered { source })?;
        // With --json stdout is for the result; the answers were just given at the prompts.
        if !out.json {
            for line in sheet::summary(&survey, &answers) {
                out.line(&line)?;
            }
        }
        if !args.yes
            && !cx
                .prompt
                .confirm("Submit these answers?", true, ("the confirmation", "--yes"))?
        {
            return if out.json {
                Ok(())
            } else {
                out.line("Nothing was sent.")
            };
        }
        answers
    };
    // The id goes with the response from the first try, so a retry — or the outbox's later
    // send — is the same response to the server, never a second one.
    let request = ResponseRequest {
        answers: answers.iter().map(AnswerBody::from).collect(),
        client_id: Some(cache::new_client_id()),
        invitation,
    };
    let (recorded, queued) = match api.respond(id, &request) {
        Ok(recorded) => (Some(recorded.id), false),
        Err(ClientError::Unreachable { .. }) => {
            offline::queue(cx, &survey, &request)?;
            (None, true)
        }
        Err(other) => return Err(other),
    };
    if out.json {
        return out.json(&Responded {
            id: recorded,
            survey_id: id,
            queued,
        });
    }
    let name = render::printable(&survey.name);
    match recorded {
        Some(response) => out.line(&format!("Response {response} recorded for \"{name}\".")),
        // Why the server cannot be reached was said once already, by the warning that the
        // survey came from the local copy, or by none if it answered a moment ago: this
        // line says what became of the response, not the reason a second time (issue 14).
        None => out.line(&format!(
            "{} cannot be reached: the response to \"{name}\" is queued on this machine; \
             `canvass sync` sends it.",
            cx.server
        )),
    }
}

/// A survey that takes no response now is refused with the reason the server would give
/// (`NotTaking`, as the survey's settings explain it), before any question is asked. Only
/// the server's status is trusted to say it is not open: a local clock that disagrees with
/// it decides nothing.
fn refuse_unless_taking(survey: &Survey) -> Result<(), ClientError> {
    if survey.takes_responses() {
        return Ok(());
    }
    let id = survey.id.0;
    let explained = survey
        .settings
        .taking(id, false, survey.responses, Timestamp::now());
    let message = match explained {
        Err(reason) => reason.to_string(),
        // Scheduled when it was read, open by now: the server decides.
        Ok(()) if survey.status == SurveyStatus::Scheduled => return Ok(()),
        // No setting explains it: its owner closed it.
        Ok(()) => NotTaking::ClosedByOwner { survey: id }.to_string(),
    };
    Err(ClientError::Refused {
        status: 409,
        message,
    })
}

/// The invitation code to send: `--invitation`, else, for an invitation-only survey, asked
/// for before the questions at a terminal; without one that is a usage error naming the
/// flag, since the server would refuse the response (403) after the answers were given.
fn invitation(
    cx: &Context,
    args: &RespondArgs,
    survey: &Survey,
) -> Result<Option<String>, ClientError> {
    if let Some(code) = &args.invitation {
        return Ok(Some(code.trim().to_owned()));
    }
    if !survey.settings.invitation_only {
        return Ok(None);
    }
    let check = |code: &str| {
        if code.trim().is_empty() {
            Err(format!(
                "Survey {} takes responses by invitation only: type the code you were given",
                survey.id
            ))
        } else {
            Ok(())
        }
    };
    let code = cx.prompt.checked_text(
        "Invitation code",
        "",
        check,
        ("the invitation code", "--invitation CODE"),
    )?;
    Ok(Some(code.trim().to_owned()))
}

/// A one-per-user survey this user has already answered is refused here, before any
/// question is asked, where the server can tell (issue 14, item 8). A server that cannot
/// (an older one, 405) or cannot be reached lets the answers be given as before; the
/// server still refuses the second response when it arrives.
fn refuse_if_answered(api: &ApiClient, survey: &Survey) -> Result<(), ClientError> {
    match api.my_response(survey.id.0) {
        Ok(Some(mine)) => Err(ClientError::Refused {
            status: 409,
            message: format!(
                "you have already responded to survey {} (response {}, at {} UTC): it takes \
                 one response per user",
                survey.id, mine.id, mine.created_at
            ),
        }),
        Ok(None) | Err(_) => Ok(()),
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

/// `--answers FILE|-`: `{"<question>": <choice> | [choices] | "text"}`, by the positions
/// `survey show` prints, or by the server's ids with `--by-id`. Messages use the numbering
/// the file used.
fn from_file(sheet: Sheet<'_>, path: &Path, by_id: bool) -> Result<Vec<Answer>, ClientError> {
    let input = JsonInput::read(path)?;
    let AnswerEntries(entries) = input.parse()?;
    let mut sheet = if by_id { sheet.keyed_by_id() } else { sheet };
    for (key, value) in entries {
        let answer = if by_id {
            sheet
                .question_by_id(&key)
                .and_then(|question| sheet::by_id(question, &value))
        } else {
            sheet
                .question_by_number(&key)
                .and_then(|question| sheet::by_position(question, &value))
        };
        sheet
            .add(answer.map_err(|e| input.invalid(e))?)
            .map_err(|e| input.invalid(e))?;
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
