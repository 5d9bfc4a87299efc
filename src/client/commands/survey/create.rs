//! `canvass survey create`: a survey from a JSON file (or stdin) for scripts, or from a wizard
//! at a terminal. Either way it is checked against the domain rules before anything is sent,
//! or kept, with `--draft`, on this machine. Also home to `JsonInput`, the `FILE | -` reader
//! `survey respond --answers` shares.

mod ending;
mod options;
mod unknown_keys;
pub(super) mod wizard;

use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::cli::CreateArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{Output, Tone};
use crate::client::session;
use crate::domain::{NewSurvey, Survey};
use crate::protocol::{
    CreateSurveyRequest, QuestionRequest, SurveyBody, SurveyEditRequest, check_objects,
};

use super::drafts;
use wizard::{Decision, Progress};

pub fn run(args: &CreateArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    if args.file.is_none() && !cx.prompt.is_interactive() {
        return Err(cx.prompt.needs("the survey", "--file"));
    }
    // Checked before the wizard: nobody should type a whole survey only to learn they are
    // logged out. The token itself is fetched (and refreshed if ageing) just before sending.
    // A draft needs neither a login nor the server.
    if !args.draft {
        let session = session::required(cx)?;
        if session.is_expired() {
            return Err(session.expired_error());
        }
    }
    let (survey, decision) = match &args.file {
        Some(path) if args.draft => (read_survey(path)?, Decision::Save),
        Some(path) => (read_survey(path)?, Decision::Create),
        None => {
            let ending = if args.draft {
                &wizard::SAVE
            } else {
                &wizard::CREATE
            };
            let mut progress = Progress::default();
            let asked = wizard::ask(cx, &out, wizard::Start::New, &mut progress)
                .and_then(|survey| Ok((survey, wizard::decide(cx, ending)?)));
            match asked {
                Ok(asked) => asked,
                Err(error @ ClientError::Interrupted) => {
                    if let Some(draft) = progress.draft() {
                        keep_as_draft(cx, &out, &draft, "Interrupted")?;
                    }
                    return Err(error);
                }
                Err(error) => return Err(error),
            }
        }
    };
    match decision {
        Decision::Create => {
            let request = request_for(&survey);
            let created =
                session::authenticated(cx, &out).and_then(|api| api.create_survey(&request));
            match created {
                Ok(created) => print_created(&out, &created),
                // What was typed at the wizard exists nowhere else: kept before the error
                // is shown. A file passed with --file is the person's own copy.
                Err(error) if args.file.is_none() => {
                    keep_as_draft(cx, &out, &request, "Not created")?;
                    Err(error)
                }
                Err(error) => Err(error),
            }
        }
        Decision::Save => drafts::save(cx.cache()?, &out, None, &survey),
        Decision::Discard if out.json => Ok(()),
        Decision::Discard if args.draft => out.line("Nothing was saved."),
        Decision::Discard => out.line("Nothing was created."),
    }
}

/// Saves what the wizard was given as a new draft and says how to reopen it, on stderr:
/// the command is failing, and with `--json` stdout stays empty.
fn keep_as_draft(
    cx: &Context,
    out: &Output,
    draft: &CreateSurveyRequest,
    why: &str,
) -> Result<(), ClientError> {
    let id = drafts::store(cx.cache()?, None, draft)?;
    out.warn(&format!(
        "{why}; what you typed is kept as draft {id}: `canvass survey edit-draft {id}` \
         reopens it"
    ));
    Ok(())
}

/// `Created survey <id>: <name>`, or the survey as the server returned it with `--json`.
pub(super) fn print_created(out: &Output, created: &SurveyBody) -> Result<(), ClientError> {
    if out.json {
        return out.json(created);
    }
    out.line(&format!(
        "Created survey {}: {}",
        created.id,
        out.paint(Tone::Strong, &created.name)
    ))
}

/// The survey in `path` (or stdin for `-`), in the seed's shape or the rich one, with every
/// domain rule checked: the error names the file and the field.
pub(super) fn read_survey(path: &Path) -> Result<NewSurvey, ClientError> {
    let input = JsonInput::read(path)?;
    // The server's order: an array where an object belongs is refused before serde, which
    // would otherwise read it field by field.
    let value: serde_json::Value = input.parse()?;
    check_objects::<CreateSurveyRequest>(&value).map_err(|e| input.invalid(e))?;
    // The server ignores keys it does not know (the seed's clients send extra ones); a
    // person's file with one has a typo in it.
    unknown_keys::check(&value).map_err(|e| input.invalid(e))?;
    input
        .parse::<CreateSurveyRequest>()?
        .into_domain()
        .map_err(|e| input.invalid(e))
}

/// The changes in `path` (or stdin for `-`) to `survey`: a survey file's keys, each one
/// given replacing what the survey has. Checked as `read_survey` checks a new survey, and
/// the survey it would leave is checked too, so a mistake is named before anything is sent.
pub(super) fn read_edit(path: &Path, survey: &Survey) -> Result<SurveyEditRequest, ClientError> {
    let input = JsonInput::read(path)?;
    let value: serde_json::Value = input.parse()?;
    check_objects::<SurveyEditRequest>(&value).map_err(|e| input.invalid(e))?;
    unknown_keys::check_as::<SurveyEditRequest>(&value).map_err(|e| input.invalid(e))?;
    input
        .parse::<SurveyEditRequest>()?
        .into_domain()
        .and_then(|edit| edit.apply(survey))
        .map_err(|e| input.invalid(e))?;
    input.parse()
}

/// The body to send (or keep as a draft): the validated (trimmed) values, in the rich shape.
pub(super) fn request_for(survey: &NewSurvey) -> CreateSurveyRequest {
    let settings = &survey.settings;
    CreateSurveyRequest {
        name: survey.name.clone(),
        one_response_per_user: survey.one_response_per_user,
        opens_at: settings.opens_at.map(|t| t.to_string()),
        closes_at: settings.closes_at.map(|t| t.to_string()),
        max_responses: settings.max_responses.map(crate::protocol::Count),
        anonymous: settings.anonymous,
        invitation_only: settings.invitation_only,
        public_results: settings.public_results,
        questions: survey
            .questions
            .iter()
            .map(|q| QuestionRequest {
                question: None,
                text: Some(q.text.clone()),
                kind: Some(q.kind.as_str().to_owned()),
                choices: q.choices.clone(),
                required: Some(q.required),
            })
            .collect(),
    }
}

/// A JSON document named by a `FILE | -` flag, read whole so it can be parsed more than once
/// and every error can name where it came from.
pub(super) struct JsonInput {
    /// The path as given, or `stdin`.
    name: PathBuf,
    text: String,
}

impl JsonInput {
    pub(super) fn read(path: &Path) -> Result<JsonInput, ClientError> {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            io::stdin()
                .lock()
                .read_to_string(&mut text)
                .map_err(ClientError::Stdin)?;
            return Ok(JsonInput {
                name: PathBuf::from("stdin"),
                text,
            });
        }
        let text = std::fs::read_to_string(path).map_err(|source| ClientError::File {
            action: "read",
            path: path.to_owned(),
            source,
        })?;
        Ok(JsonInput {
            name: path.to_owned(),
            text,
        })
    }

    /// The document as `T`; a wrong type names its path (`questions[1].choices: …`).
    pub(super) fn parse<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        let mut de = serde_json::Deserializer::from_str(&self.text);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            // A syntax error in an object has an unknown last segment, shown as `?`.
            let path = e.path().to_string();
            let path = path.trim_end_matches(".?");
            let inner = e.into_inner();
            if path == "." || path == "?" {
                inner.to_string()
            } else {
                format!("{path}: {inner}")
            }
        });
        let value = value.and_then(|value| de.end().map(|()| value).map_err(|e| e.to_string()));
        value.map_err(|problem| self.error("parse", problem))
    }

    /// `cannot use FILE: <problem>`: the document parsed but says something impossible.
    /// The problem stays the error's source, typed.
    pub(super) fn invalid(
        &self,
        problem: impl std::error::Error + Send + Sync + 'static,
    ) -> ClientError {
        self.error("use", problem)
    }

    /// A mistake in what the person passed: a usage error (exit 2), as with a flag.
    fn error(
        &self,
        action: &'static str,
        problem: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> ClientError {
        ClientError::BadInput {
            action,
            path: self.name.clone(),
            source: io::Error::new(io::ErrorKind::InvalidData, problem),
        }
    }
}
