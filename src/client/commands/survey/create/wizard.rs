//! The survey wizard: a person builds a survey question by question at a terminal (or reworks
//! a draft, its values offered as they stand), sees all of it, and says what becomes of it.

use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{Output, Tone, printable};
use crate::domain::{NewQuestion, NewSurvey, QuestionKind};
use crate::protocol::{CreateSurveyRequest, QuestionRequest};

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

/// What becomes of the survey once it is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Create,
    Save,
    Discard,
}

/// The wizard's last question and its answers, the first the default.
pub struct Ending {
    prompt: &'static str,
    options: &'static [(Decision, &'static str)],
}

/// `survey create`. The prompt keeps the yes/no question's words: Enter still creates.
pub const CREATE: Ending = Ending {
    prompt: "Create this survey?",
    options: &[
        (Decision::Create, "Create it on the server"),
        (Decision::Save, "Save it as a draft"),
        (Decision::Discard, "Discard it"),
    ],
};

/// `survey create --draft`: the server is not even asked about.
pub const SAVE: Ending = Ending {
    prompt: "Save this survey as a draft?",
    options: &[
        (Decision::Save, "Save the draft"),
        (Decision::Discard, "Discard it"),
    ],
};

/// `survey edit-draft`: discarding drops the changes, never the draft.
pub const EDIT: Ending = Ending {
    prompt: "Save this draft?",
    options: &[
        (Decision::Save, "Save the draft"),
        (Decision::Create, "Create it on the server"),
        (Decision::Discard, "Discard the changes"),
    ],
};

/// The survey the person built, checked and shown back to them; `start` (a draft) offers its
/// values as defaults. Its `one_response_per_user`, which the wizard does not ask, is kept.
pub fn ask(
    cx: &Context,
    out: &Output,
    start: Option<&CreateSurveyRequest>,
) -> Result<NewSurvey, ClientError> {
    let name = ask_text(cx, "Survey name", start.map_or("", |s| s.name.as_str()))?;
    let mut questions = Vec::new();
    for (i, existing) in start.map_or(&[][..], |s| &s.questions).iter().enumerate() {
        let existing = as_drafted(existing);
        let prompt = format!(
            "Question {}: {} ({})",
            i + 1,
            existing.text,
            kind_label(existing.kind)
        );
        let labels = ["Keep it", "Edit it", "Remove it"].map(String::from);
        match cx.prompt.select(&prompt, &labels, WANTED)? {
            0 => questions.push(existing),
            1 => questions.push(ask_question(cx, out, questions.len() + 1, Some(&existing))?),
            _ => {}
        }
    }
    // A new survey usually has several questions; a draft being touched up usually has all.
    let more_by_default = start.is_none();
    while questions.is_empty()
        || cx
            .prompt
            .confirm("Add another question?", more_by_default, WANTED)?
    {
        questions.push(ask_question(cx, out, questions.len() + 1, None)?);
    }
    // The prompts refuse empty values; what is left (a name too long, say) is named here.
    let one_response_per_user = start.is_some_and(|s| s.one_response_per_user);
    let survey = NewSurvey::new(&name, one_response_per_user, questions)
        .map_err(|e| ClientError::Usage(format!("the survey cannot be created: {e}")))?;
    // The summary is for the person; with --json stdout is kept for the result.
    if !out.json {
        show(out, &survey)?;
    }
    Ok(survey)
}

/// The person's answer to `ending`'s question.
pub fn decide(cx: &Context, ending: &Ending) -> Result<Decision, ClientError> {
    let labels: Vec<String> = ending
        .options
        .iter()
        .map(|&(_, label)| label.to_owned())
        .collect();
    let picked = cx.prompt.select(ending.prompt, &labels, WANTED)?;
    Ok(ending.options[picked].0)
}

/// A drafted question as the wizard offers it. Not checked: a draft that no longer passes
/// the rules is repaired here, and the finished survey is checked as a whole.
fn as_drafted(question: &QuestionRequest) -> NewQuestion {
    let kind = question
        .kind
        .as_deref()
        .and_then(|kind| kind.parse().ok())
        .unwrap_or(QuestionKind::Single);
    NewQuestion {
        text: question
            .text
            .clone()
            .or_else(|| question.question.clone())
            .unwrap_or_default(),
        kind,
        required: question.required.unwrap_or(true),
        choices: question.choices.clone(),
    }
}

/// A new question, or `existing` reworked with its values offered as they stand.
fn ask_question(
    cx: &Context,
    out: &Output,
    number: usize,
    existing: Option<&NewQuestion>,
) -> Result<NewQuestion, ClientError> {
    let labels: Vec<String> = KINDS.iter().map(|&k| kind_label(k).to_owned()).collect();
    let current = existing.and_then(|q| KINDS.iter().position(|&k| k == q.kind));
    let kind = KINDS[cx.prompt.select_from(
        &format!("Question {number}: kind"),
        &labels,
        current.unwrap_or(0),
        WANTED,
    )?];
    let text = ask_text(
        cx,
        &format!("Question {number}: text"),
        existing.map_or("", |q| q.text.as_str()),
    )?;
    let mut choices = Vec::new();
    if kind.has_choices() {
        for choice in existing.map_or(&[][..], |q| &q.choices) {
            let prompt = format!("  Choice {} (clear it to remove it)", choices.len() + 1);
            let choice = cx.prompt.edit_text(&prompt, choice, true, WANTED)?;
            if !choice.trim().is_empty() {
                choices.push(choice.trim().to_owned());
            }
        }
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
    let required = existing.is_none_or(|q| q.required);
    let required = cx.prompt.confirm("Required?", required, WANTED)?;
    Ok(NewQuestion {
        text,
        kind,
        required,
        choices,
    })
}

/// A line that is not blank, asked again until it is; `initial` is there to edit.
fn ask_text(cx: &Context, prompt: &str, initial: &str) -> Result<String, ClientError> {
    loop {
        let text = if initial.is_empty() {
            cx.prompt.text(prompt, false, WANTED)?
        } else {
            cx.prompt.edit_text(prompt, initial, false, WANTED)?
        };
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
        // A draft's text may come from anyone's file.
        out.line(&format!(
            "  {}. {} {}",
            i + 1,
            printable(&question.text),
            out.paint(
                Tone::Faint,
                &format!("({}, {required})", kind_label(question.kind))
            )
        ))?;
        for (j, choice) in question.choices.iter().enumerate() {
            out.line(&format!("       {}. {}", j + 1, printable(choice)))?;
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
