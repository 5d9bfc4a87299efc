//! `canvass survey edit ID`: the owner changes a survey on the server, from a survey file
//! (`--file`, only the keys it gives) or in the wizard reopened on the survey's values, as
//! `edit-draft` reopens a draft. Only what changed is sent (`PATCH`). Once a survey has
//! responses its questions and how it is answered stay as respondents saw them, so the
//! wizard offers only the rest; the server says why when a file tries.

use crate::cli::EditArgs;
use crate::client::Context;
use crate::client::api::ApiClient;
use crate::client::error::ClientError;
use crate::client::render::{self, Output, Tone};
use crate::client::session;
use crate::domain::{NewQuestion, NewSurvey, Survey};
use crate::protocol::{SurveyBody, SurveyEditRequest};

use super::create::{self, request_for, wizard};
use super::show;
use wizard::{Decision, Start};

pub fn run(args: &EditArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let id = args.survey.id;
    if args.file.is_none() && !cx.prompt.is_interactive() {
        return Err(cx.prompt.needs("the changes", "--file"));
    }
    let session = session::required(cx)?;
    let api = session::authenticated(cx, &out)?;
    let survey = api.survey(id)?;
    if let Some(path) = &args.file {
        let edit = create::read_edit(path, &survey)?;
        return send(&api, &out, &survey, &edit);
    }
    // Nobody should rework a survey only to be told at the end it is not theirs. The token
    // names its user by e-mail, as the survey names its creator.
    let mine = match (&session.claims.sub, &survey.creator) {
        (Some(me), Some(creator)) => me.to_lowercase() == creator.to_lowercase(),
        _ => true,
    };
    if !mine {
        return Err(ClientError::Refused {
            status: 403,
            message: format!("survey {id} is not yours: only its creator may edit it"),
        });
    }
    match ask(cx, &out, &survey)? {
        Some(edit) => send(&api, &out, &survey, &edit),
        None if out.json => Ok(()),
        None => out.line(&format!("Survey {id} is unchanged.")),
    }
}

/// The wizard on `survey`'s values; the changes to send, or `None` when the person
/// discards them.
fn ask(
    cx: &Context,
    out: &Output,
    survey: &Survey,
) -> Result<Option<SurveyEditRequest>, ClientError> {
    let start = request_for(&as_new(survey));
    let answered = survey.responses > 0;
    let edited = wizard::ask(
        cx,
        out,
        Start::Survey {
            survey: &start,
            answered,
        },
        &mut wizard::Progress::default(),
    )?;
    Ok(match wizard::decide(cx, &wizard::CHANGE)? {
        Decision::Create => Some(changes(survey, &edited, answered)),
        Decision::Save | Decision::Discard => None,
    })
}

fn send(
    api: &ApiClient,
    out: &Output,
    survey: &Survey,
    edit: &SurveyEditRequest,
) -> Result<(), ClientError> {
    let id = survey.id.0;
    let nothing = serde_json::to_value(edit).is_ok_and(|sent| sent == serde_json::json!({}));
    if nothing {
        if out.json {
            return out.json(&SurveyBody::from(survey));
        }
        return out.line(&format!("Nothing changed: survey {id} is as it was."));
    }
    let changed = api.edit_survey(id, edit)?;
    if out.json {
        return out.json(&SurveyBody::from(&changed));
    }
    out.line(&format!(
        "Changed survey {id}: {}",
        out.paint(Tone::Strong, &render::printable(&changed.name))
    ))?;
    if let Some(settings) = show::settings_line(&changed.settings) {
        out.line(&format!("  {settings}"))?;
    }
    Ok(())
}

/// `survey` as the wizard takes a survey to rework.
fn as_new(survey: &Survey) -> NewSurvey {
    NewSurvey {
        name: survey.name.clone(),
        one_response_per_user: survey.one_response_per_user,
        questions: questions_of(survey),
        settings: survey.settings.clone(),
    }
}

fn questions_of(survey: &Survey) -> Vec<NewQuestion> {
    survey.questions.iter().map(NewQuestion::from).collect()
}

/// What differs between `survey` and `edited`: each part given only when it changed, so an
/// edit of the name alone is allowed after the first response. The questions are never sent
/// once there are responses (`answered`): the wizard did not offer them.
fn changes(survey: &Survey, edited: &NewSurvey, answered: bool) -> SurveyEditRequest {
    let was = &survey.settings;
    let now = &edited.settings;
    let differs = |before, after| (before != after).then_some(after);
    let time = |before: Option<_>, after: Option<_>| {
        (before != after).then(|| after.map(|at: crate::domain::Timestamp| at.to_string()))
    };
    let questions_changed = !answered && questions_of(survey) != edited.questions;
    SurveyEditRequest {
        name: (survey.name != edited.name).then(|| edited.name.clone()),
        questions: questions_changed.then(|| request_for(edited).questions),
        one_response_per_user: differs(survey.one_response_per_user, edited.one_response_per_user),
        opens_at: time(was.opens_at, now.opens_at),
        closes_at: time(was.closes_at, now.closes_at),
        max_responses: (was.max_responses != now.max_responses)
            .then_some(now.max_responses.map(crate::protocol::Count)),
        anonymous: differs(was.anonymous, now.anonymous),
        invitation_only: differs(was.invitation_only, now.invitation_only),
        public_results: differs(was.public_results, now.public_results),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Timestamp;

    #[test]
    fn only_what_changed_is_sent_and_a_cleared_setting_is_null() {
        let mut survey = Survey::sample();
        survey.settings.closes_at = Some(Timestamp::from_unix(2_000_000_000));
        let mut edited = as_new(&survey);
        assert_eq!(
            serde_json::to_value(changes(&survey, &edited, false)).unwrap(),
            serde_json::json!({})
        );
        edited.name = "Renamed".into();
        edited.settings.closes_at = None;
        edited.settings.max_responses = Some(5);
        edited.questions.pop();
        let sent = serde_json::to_value(changes(&survey, &edited, false)).unwrap();
        assert_eq!(sent["name"], "Renamed");
        assert_eq!(sent["closes_at"], serde_json::Value::Null);
        assert!(sent.as_object().unwrap().contains_key("closes_at"));
        assert_eq!(sent["max_responses"], 5);
        assert!(sent["questions"].is_array());
        assert!(!sent.as_object().unwrap().contains_key("anonymous"));
        // With responses, the questions are never sent.
        let sent = serde_json::to_value(changes(&survey, &edited, true)).unwrap();
        assert!(!sent.as_object().unwrap().contains_key("questions"));
    }
}
