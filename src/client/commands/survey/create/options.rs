//! The wizard's "More options?" (issue 15): when a survey takes responses and how — its
//! window, its cap, anonymity, invitations, public results. Each value is checked at its own
//! prompt by `SurveySettings::check`, the rule the server applies, so a refusal says why
//! while the value can still be changed.

use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::Output;
use crate::domain::{SurveySettings, Timestamp, ValidationError};
use crate::protocol::CreateSurveyRequest;

use super::wizard::WANTED;

/// How a time is typed, for every prompt and refusal that asks for one.
const TIME_FORM: &str = "RFC 3339 in UTC, like 2026-12-24T09:00:00Z";

/// A draft's settings as the wizard offers them. A draft was checked when it was kept, so a
/// time that no longer reads is offered as none rather than refused.
pub fn drafted(draft: &CreateSurveyRequest) -> SurveySettings {
    let time = |text: Option<&str>| text.and_then(|text| Timestamp::parse("", text).ok());
    SurveySettings {
        opens_at: time(draft.opens_at.as_deref()),
        closes_at: time(draft.closes_at.as_deref()),
        max_responses: draft.max_responses.map(|n| n.0),
        anonymous: draft.anonymous,
        invitation_only: draft.invitation_only,
        public_results: draft.public_results,
    }
}

/// Asks for each setting in turn, offering its value in `settings` and keeping each answer
/// there as it is given (so an interrupted wizard keeps it in its draft). With `answered`
/// (an edit of a survey that has responses) the settings that decide how respondents
/// answer — the opening time, anonymity, invitations — are not offered: they cannot change.
pub fn ask(
    cx: &Context,
    out: &Output,
    settings: &mut SurveySettings,
    one_response_per_user: bool,
    answered: bool,
) -> Result<(), ClientError> {
    // Each check sees the settings asked so far and defaults for the rest, so a refusal is
    // about the value just typed, never one still to come.
    let mut asked = SurveySettings::default();
    if answered {
        asked.opens_at = settings.opens_at;
    } else {
        asked.opens_at = ask_time(
            cx,
            "Opens at",
            settings.opens_at,
            |at| SurveySettings {
                opens_at: at,
                ..SurveySettings::default()
            },
            one_response_per_user,
        )?;
        settings.opens_at = asked.opens_at;
    }
    let so_far = asked.clone();
    asked.closes_at = ask_time(
        cx,
        "Closes at",
        settings.closes_at,
        |at| SurveySettings {
            closes_at: at,
            ..so_far.clone()
        },
        one_response_per_user,
    )?;
    settings.closes_at = asked.closes_at;
    asked.max_responses = ask_cap(cx, &asked, settings.max_responses, one_response_per_user)?;
    settings.max_responses = asked.max_responses;
    if answered {
        out.warn(
            "it has responses, so whether it is anonymous or by invitation only stays as it is",
        );
    } else {
        asked.anonymous = loop {
            let anonymous = cx.prompt.confirm(
                "Anonymous? (no response records who gave it)",
                settings.anonymous,
                WANTED,
            )?;
            let candidate = SurveySettings {
                anonymous,
                ..asked.clone()
            };
            match candidate.check(one_response_per_user) {
                Ok(()) => break anonymous,
                // Said, then asked again: a yes/no prompt cannot show it under itself.
                Err(refused) => out.warn(&refused.to_string()),
            }
        };
        settings.anonymous = asked.anonymous;
        settings.invitation_only = cx.prompt.confirm(
            "Invitation only? (each response needs a single-use code from `canvass survey \
             invite`)",
            settings.invitation_only,
            WANTED,
        )?;
    }
    settings.public_results = cx.prompt.confirm(
        "Results public? (anyone may see them)",
        settings.public_results,
        WANTED,
    )?;
    Ok(())
}

/// A time or none (an empty line), offered as `current`; `with` places it among the
/// settings asked so far, for the check.
fn ask_time(
    cx: &Context,
    label: &str,
    current: Option<Timestamp>,
    with: impl Fn(Option<Timestamp>) -> SurveySettings,
    one_response_per_user: bool,
) -> Result<Option<Timestamp>, ClientError> {
    let field = field_of(label);
    let read = |text: &str| -> Result<Option<Timestamp>, ValidationError> {
        let text = text.trim();
        let at = if text.is_empty() {
            None
        } else {
            Some(Timestamp::parse(&field, text)?)
        };
        with(at).check(one_response_per_user)?;
        Ok(at)
    };
    let text = cx.prompt.checked_text(
        &format!("{label} ({TIME_FORM}; empty for none)"),
        &current.map(|at| at.to_string()).unwrap_or_default(),
        |text| read(text).map(drop).map_err(|e| e.to_string()),
        WANTED,
    )?;
    // The prompt took it, so it reads.
    Ok(read(&text).unwrap_or_default())
}

/// The most responses to take, or no cap (an empty line).
fn ask_cap(
    cx: &Context,
    asked: &SurveySettings,
    current: Option<u64>,
    one_response_per_user: bool,
) -> Result<Option<u64>, ClientError> {
    let read = |text: &str| -> Result<Option<u64>, ValidationError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let cap = text.parse::<u64>().map_err(|_| {
            ValidationError::new("max_responses", "must be a whole number, at least 1")
        })?;
        SurveySettings {
            max_responses: Some(cap),
            ..asked.clone()
        }
        .check(one_response_per_user)?;
        Ok(Some(cap))
    };
    let text = cx.prompt.checked_text(
        "Most responses (the survey closes at this many; empty for no cap)",
        &current.map(|cap| cap.to_string()).unwrap_or_default(),
        |text| read(text).map(drop).map_err(|e| e.to_string()),
        WANTED,
    )?;
    Ok(read(&text).unwrap_or_default())
}

/// `Opens at` → `opens_at`: the name a survey file gives the field, which refusals use.
fn field_of(label: &str) -> String {
    label.to_lowercase().replace(' ', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drafts_settings_are_offered_as_they_were_kept() {
        let draft: CreateSurveyRequest = serde_json::from_value(serde_json::json!({
            "name": "S",
            "questions": [],
            "opens_at": "2026-12-24T09:00:00Z",
            "closes_at": "not a time",
            "max_responses": 50,
            "invitation_only": true,
        }))
        .unwrap();
        let settings = drafted(&draft);
        assert_eq!(
            settings.opens_at.map(|t| t.to_string()).as_deref(),
            Some("2026-12-24T09:00:00Z")
        );
        assert_eq!(settings.closes_at, None);
        assert_eq!(settings.max_responses, Some(50));
        assert!(settings.invitation_only && !settings.anonymous);
        assert_eq!(field_of("Closes at"), "closes_at");
    }
}
