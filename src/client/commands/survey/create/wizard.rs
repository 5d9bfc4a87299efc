//! The survey wizard: a person builds a survey question by question at a terminal (or reworks
//! a draft or a survey on the server, its values offered as they stand), with the rarer
//! settings behind "More options?", sees all of it, and says what becomes of it.
//! Each value is checked at its own prompt by the rules the server applies (`domain`), so
//! nothing typed is refused at the end; what was typed is kept in a `Progress` meanwhile, for
//! the caller to save as a draft if the wizard is interrupted (issue 14, item 1).

use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{Output, Tone, printable};
use crate::domain::{
    MAX_CHOICES, MAX_QUESTIONS, NewQuestion, NewSurvey, QuestionKind, SurveySettings,
};
use crate::protocol::{CreateSurveyRequest, QuestionRequest};

use super::super::show;
use super::{options, request_for};

/// What every prompt here names when there is no terminal.
pub(super) const WANTED: (&str, &str) = ("the survey", "--file");

pub use super::ending::{CHANGE, CREATE, Decision, EDIT, SAVE, decide};

/// The kinds in the order the wizard offers them.
const KINDS: [QuestionKind; 3] = [
    QuestionKind::Single,
    QuestionKind::Multiple,
    QuestionKind::Text,
];

/// Where the wizard starts: from nothing, a draft, or a survey on the server (`survey edit`).
#[derive(Debug, Clone, Copy)]
pub enum Start<'a> {
    New,
    Draft(&'a CreateSurveyRequest),
    /// A survey with `answered` set once it has responses: then only its name and the
    /// settings that may still change are asked for, and the rest is kept.
    Survey {
        survey: &'a CreateSurveyRequest,
        answered: bool,
    },
}

impl<'a> Start<'a> {
    fn values(self) -> Option<&'a CreateSurveyRequest> {
        match self {
            Start::New => None,
            Start::Draft(survey) | Start::Survey { survey, .. } => Some(survey),
        }
    }

    fn answered(self) -> bool {
        matches!(self, Start::Survey { answered: true, .. })
    }
}

/// What has been typed so far: the name once given, the finished questions, and the one
/// being written.
#[derive(Debug, Default)]
pub struct Progress {
    name: Option<String>,
    one_response_per_user: bool,
    questions: Vec<NewQuestion>,
    current: Option<NewQuestion>,
    settings: SurveySettings,
}

impl Progress {
    /// What was typed, as a draft to reopen with `edit-draft`; `None` before the name was
    /// given, when there is nothing worth keeping. A question cut short is kept as far as it
    /// got: the wizard repairs a draft that breaks a rule when it is reopened.
    pub fn draft(&self) -> Option<CreateSurveyRequest> {
        let name = self.name.clone()?;
        let survey = NewSurvey {
            name,
            one_response_per_user: self.one_response_per_user,
            settings: self.settings.clone(),
            questions: self
                .questions
                .iter()
                .chain(self.current.iter())
                .cloned()
                .collect(),
        };
        Some(request_for(&survey))
    }
}

/// The survey the person built, checked and shown back to them; `start` (a draft, or a
/// survey being edited) offers its values as defaults. `progress` follows along, for the
/// caller to keep if this fails.
pub fn ask(
    cx: &Context,
    out: &Output,
    start: Start<'_>,
    progress: &mut Progress,
) -> Result<NewSurvey, ClientError> {
    let answered = start.answered();
    let start = start.values();
    progress.settings = start.map(options::drafted).unwrap_or_default();
    let name = ask_name(cx, start.map_or("", |s| s.name.as_str()))?;
    progress.name = Some(name.clone());
    if answered {
        // What respondents answered, and how, stays as they saw it.
        out.warn("it has responses, so its questions and one response per user cannot change");
        progress.one_response_per_user = start.is_some_and(|s| s.one_response_per_user);
        progress.questions = start
            .map_or(&[][..], |s| &s.questions)
            .iter()
            .map(as_drafted)
            .collect();
    } else {
        progress.one_response_per_user = loop {
            let one = cx.prompt.confirm(
                "One response per user? (answering then needs a login)",
                start.is_some_and(|s| s.one_response_per_user),
                WANTED,
            )?;
            // A draft (or survey) that is anonymous cannot also take one per user; only that
            // rule is checked here, the settings' own are checked under "More options?".
            let anonymity = SurveySettings {
                anonymous: progress.settings.anonymous,
                ..SurveySettings::default()
            };
            match anonymity.check(one) {
                Ok(()) => break one,
                Err(refused) => out.warn(&refused.to_string()),
            }
        };
        ask_questions(cx, out, start, progress)?;
    }
    // Rarely wanted, so asked for only on request; what a draft set is kept either way.
    if cx.prompt.confirm(
        "More options? (opening and closing times, a cap, anonymity, invitations)",
        false,
        WANTED,
    )? {
        let mut settings = std::mem::take(&mut progress.settings);
        let asked = options::ask(
            cx,
            out,
            &mut settings,
            progress.one_response_per_user,
            answered,
        );
        progress.settings = settings;
        asked?;
    }
    // Every value passed its prompt, so this only trims and confirms; a draft's questions
    // kept as they were may still break a rule, and are named here, as may a draft's
    // settings, kept as they were (anonymous with one response per user, say).
    let survey = NewSurvey::new(
        &name,
        progress.one_response_per_user,
        progress.questions.clone(),
    )
    .and_then(|survey| survey.with_settings(progress.settings.clone()))
    .map_err(|e| ClientError::Usage(format!("the survey cannot be created: {e}")))?;
    // The summary is for the person; with --json stdout is kept for the result.
    if !out.json {
        show(out, &survey)?;
    }
    Ok(survey)
}

/// The questions: a draft's each kept, edited or removed, then new ones while the person
/// wants more.
fn ask_questions(
    cx: &Context,
    out: &Output,
    start: Option<&CreateSurveyRequest>,
    progress: &mut Progress,
) -> Result<(), ClientError> {
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
            0 => progress.questions.push(existing),
            1 => {
                let number = progress.questions.len() + 1;
                if let Some(question) = ask_question(cx, out, progress, Some(&existing))? {
                    progress.questions.push(question);
                } else {
                    out.warn(&format!("question {number} is kept as it was"));
                    progress.questions.push(existing);
                }
            }
            _ => {}
        }
        progress.current = None;
    }
    // A new survey usually has several questions; a draft being touched up usually has all.
    let more_by_default = start.is_none();
    while progress.questions.len() < MAX_QUESTIONS
        && (progress.questions.is_empty()
            || cx
                .prompt
                .confirm("Add another question?", more_by_default, WANTED)?)
    {
        let number = progress.questions.len() + 1;
        if let Some(question) = ask_question(cx, out, progress, None)? {
            progress.questions.push(question);
        } else if progress.questions.is_empty() {
            out.warn(&format!(
                "question {number} is dropped; a survey needs at least one, so here it is again"
            ));
        } else {
            out.warn(&format!("question {number} is dropped"));
        }
        progress.current = None;
    }
    Ok(())
}

/// The survey's name, asked until the domain takes it; a refusal says why at the prompt.
fn ask_name(cx: &Context, initial: &str) -> Result<String, ClientError> {
    let check = |text: &str| {
        if text.trim().is_empty() {
            return Err("A survey needs a name, and spaces alone are not one".to_owned());
        }
        NewSurvey::check_name(text)
            .map(drop)
            .map_err(|e| format!("The name {}", e.problem))
    };
    let name = cx
        .prompt
        .checked_text("Survey name", initial, check, WANTED)?;
    Ok(name.trim().to_owned())
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

/// A new question, or `existing` reworked with its values offered as they stand; `None` when
/// the person backs out of it (Esc at its kind, or an empty text). Each value is checked as
/// question number `progress.questions.len() + 1`, and kept in `progress.current` as typed.
fn ask_question(
    cx: &Context,
    out: &Output,
    progress: &mut Progress,
    existing: Option<&NewQuestion>,
) -> Result<Option<NewQuestion>, ClientError> {
    let index = progress.questions.len();
    let number = index + 1;
    let labels: Vec<String> = KINDS.iter().map(|&k| kind_label(k).to_owned()).collect();
    let current = existing.and_then(|q| KINDS.iter().position(|&k| k == q.kind));
    let Some(kind) = cx.prompt.select_or_back(
        &format!("Question {number}: kind (Esc backs out)"),
        &labels,
        current.unwrap_or(0),
        WANTED,
    )?
    else {
        return Ok(None);
    };
    let kind = KINDS[kind];
    let check = |text: &str| {
        if text.trim().is_empty() {
            return Ok(());
        }
        NewQuestion::check_text(index, text)
            .map(drop)
            .map_err(|e| format!("The question {}", e.problem))
    };
    let text = cx.prompt.checked_text(
        &format!("Question {number}: text (an empty line backs out)"),
        existing.map_or("", |q| q.text.as_str()),
        check,
        WANTED,
    )?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    let question = progress.current.insert(NewQuestion {
        text: text.trim().to_owned(),
        kind,
        required: existing.is_none_or(|q| q.required),
        choices: Vec::new(),
    });
    if kind.has_choices() {
        for choice in existing.map_or(&[][..], |q| &q.choices) {
            let prompt = format!(
                "  Choice {} (clear it to remove it)",
                question.choices.len() + 1
            );
            if let Some(choice) = ask_choice(cx, index, question, &prompt, choice, true)? {
                question.choices.push(choice);
            }
        }
        while question.choices.len() < MAX_CHOICES {
            let prompt = format!(
                "  Choice {} (an empty line ends)",
                question.choices.len() + 1
            );
            match ask_choice(cx, index, question, &prompt, "", false)? {
                Some(choice) => question.choices.push(choice),
                None => break,
            }
        }
        if question.choices.len() == MAX_CHOICES {
            out.warn(&format!(
                "question {number} has {MAX_CHOICES} choices, the most a question may have"
            ));
        }
    }
    question.required = cx.prompt.confirm("Required?", question.required, WANTED)?;
    let question = question.clone().check(index).map_err(|e| {
        ClientError::Usage(format!("question {number} cannot be used: {}", e.problem))
    })?;
    Ok(Some(question))
}

/// One more choice for `question` (number `index + 1`), checked with those before it; `None`
/// for an empty line, which ends the list once the question has enough choices, and removes
/// a drafted choice (`removing`) at any time.
fn ask_choice(
    cx: &Context,
    index: usize,
    question: &NewQuestion,
    prompt: &str,
    initial: &str,
    removing: bool,
) -> Result<Option<String>, ClientError> {
    let with = |choice: &str| {
        let mut candidate = question.clone();
        if !choice.trim().is_empty() {
            candidate.choices.push(choice.to_owned());
        }
        candidate.check(index)
    };
    let check = |choice: &str| match with(choice) {
        Ok(_) => Ok(()),
        Err(_) if removing && choice.trim().is_empty() => Ok(()),
        Err(e) if choice.trim().is_empty() => Err(format!("The question {}", e.problem)),
        Err(e) => Err(format!("This choice {}", e.problem)),
    };
    let choice = cx.prompt.checked_text(prompt, initial, check, WANTED)?;
    let choice = choice.trim();
    Ok((!choice.is_empty()).then(|| choice.to_owned()))
}

fn show(out: &Output, survey: &NewSurvey) -> Result<(), ClientError> {
    out.line("")?;
    out.line(&out.paint(Tone::Strong, &survey.name))?;
    if survey.one_response_per_user {
        out.line(&out.paint(Tone::Faint, "  one response per user"))?;
    }
    if let Some(settings) = show::settings_line(&survey.settings) {
        out.line(&out.paint(Tone::Faint, &format!("  {settings}")))?;
    }
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
