//! The `survey create` wizard: a person builds the survey question by question at a terminal,
//! sees all of it, and says whether to create it.

use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{Output, Tone};
use crate::domain::{NewQuestion, NewSurvey, QuestionKind};

/// What every prompt here names when there is no terminal.
const WANTED: (&str, &str) = ("the survey", "--file");

/// The kinds in the order the wizard offers them.
const KINDS: [QuestionKind; 3] = [
    QuestionKind::Single,
    QuestionKind::Multiple,
    QuestionKind::Text,
];

/// A choice question with one choice is no question; the server allows it, the wizard nudges.
const MIN_CHOICES: usize = 2;

/// The survey the person built, or `None` when they decline to create it.
pub fn ask(cx: &Context, out: &Output) -> Result<Option<NewSurvey>, ClientError> {
    let name = ask_text(cx, "Survey name")?;
    let mut questions = Vec::new();
    loop {
        questions.push(ask_question(cx, out, questions.len() + 1)?);
        if !cx.prompt.confirm("Add another question?", true, WANTED)? {
            break;
        }
    }
    // The prompts refuse empty values; what is left (a name too long, say) is named here.
    let survey = NewSurvey::new(&name, false, questions)
        .map_err(|e| ClientError::Usage(format!("the survey cannot be created: {e}")))?;
    // The summary is for the person; with --json stdout is kept for the created survey.
    if !out.json {
        show(out, &survey)?;
    }
    Ok(cx
        .prompt
        .confirm("Create this survey?", true, WANTED)?
        .then_some(survey))
}

fn ask_question(cx: &Context, out: &Output, number: usize) -> Result<NewQuestion, ClientError> {
    let labels: Vec<String> = KINDS.iter().map(|&k| kind_label(k).to_owned()).collect();
    let kind = KINDS[cx
        .prompt
        .select(&format!("Question {number}: kind"), &labels, WANTED)?];
    let text = ask_text(cx, &format!("Question {number}: text"))?;
    let mut choices = Vec::new();
    if kind.has_choices() {
        loop {
            let prompt = format!("  Choice {} (an empty line ends)", choices.len() + 1);
            let choice = cx.prompt.text(&prompt, true, WANTED)?;
            let choice = choice.trim();
            if !choice.is_empty() {
                choices.push(choice.to_owned());
            } else if choices.len() >= MIN_CHOICES {
                break;
            } else {
                out.warn(&format!(
                    "a {} question needs at least {MIN_CHOICES} choices",
                    kind_label(kind)
                ));
            }
        }
    }
    let required = cx.prompt.confirm("Required?", true, WANTED)?;
    Ok(NewQuestion {
        text,
        kind,
        required,
        choices,
    })
}

/// A line that is not blank, asked again until it is.
fn ask_text(cx: &Context, prompt: &str) -> Result<String, ClientError> {
    loop {
        let text = cx.prompt.text(prompt, false, WANTED)?;
        if !text.trim().is_empty() {
            return Ok(text.trim().to_owned());
        }
    }
}

fn show(out: &Output, survey: &NewSurvey) -> Result<(), ClientError> {
    out.line("")?;
    out.line(&out.paint(Tone::Strong, &survey.name))?;
    for (i, question) in survey.questions.iter().enumerate() {
        let required = if question.required {
            "required"
        } else {
            "optional"
        };
        out.line(&format!(
            "  {}. {} {}",
            i + 1,
            question.text,
            out.paint(
                Tone::Faint,
                &format!("({}, {required})", kind_label(question.kind))
            )
        ))?;
        for (j, choice) in question.choices.iter().enumerate() {
            out.line(&format!("       {}. {choice}", j + 1))?;
        }
    }
    out.line("")
}

fn kind_label(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => "single choice",
        QuestionKind::Multiple => "multiple choice",
        QuestionKind::Text => "text",
    }
}
