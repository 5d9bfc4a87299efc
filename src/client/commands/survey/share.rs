//! `canvass survey share ID [--qr]`: the web page respondents open (`/s/ID` on the server),
//! for a mail, a chat or — drawn as a QR code — a slide. The survey is looked up first, so a
//! typo in the id is caught here rather than by the people the link is sent to, and what
//! they will meet (a closed survey, invitations, an account) is said.

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use serde::Serialize;

use super::offline;
use crate::cli::ShareArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::Output;
use crate::domain::Survey;
use crate::protocol::paths;

#[derive(Serialize)]
struct Shared<'a> {
    id: i64,
    url: &'a str,
    status: &'a str,
}

pub fn run(args: &ShareArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let api = cx.anonymous()?;
    let survey = offline::survey(cx, &api, &out, args.survey.id)?;
    let url = api.url_of(&paths::page(survey.id.0));
    if out.json {
        return out.json(&Shared {
            id: survey.id.0,
            url: &url,
            status: survey.status.as_str(),
        });
    }
    out.line(&url)?;
    if args.qr {
        for line in qr(&url)?.lines() {
            out.line(line)?;
        }
    }
    for note in notes(&survey) {
        out.warn(&note);
    }
    Ok(())
}

/// The link as a QR code of half-height blocks, dark on light with its quiet zone, so it
/// scans from a dark terminal too.
fn qr(url: &str) -> Result<String, ClientError> {
    let code = QrCode::new(url.as_bytes())
        .map_err(|e| ClientError::Usage(format!("cannot draw {url} as a QR code: {e}")))?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// What respondents will meet that the link alone does not say.
fn notes(survey: &Survey) -> Vec<String> {
    let id = survey.id.0;
    let mut notes = Vec::new();
    if !survey.takes_responses() {
        notes.push(format!(
            "survey {id} is {} and takes no responses now",
            survey.status.as_str()
        ));
    }
    if survey.settings.invitation_only {
        notes.push(format!(
            "survey {id} takes responses by invitation only: send each person their own link \
             from `canvass survey invite {id}`"
        ));
    }
    if survey.one_response_per_user {
        notes.push(format!(
            "survey {id} takes one response per account: respondents answer it with `canvass \
             survey respond {id}`"
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_qr_code_is_a_square_of_block_characters_with_its_quiet_zone() {
        let drawn = qr("http://example.org/s/7").unwrap();
        let lines: Vec<&str> = drawn.lines().collect();
        let width = lines[0].chars().count();
        // Version 2 (25 modules) plus a 4-module quiet zone on each side; two rows a line.
        assert_eq!(width, 33);
        assert_eq!(lines.len(), 33_usize.div_ceil(2));
        assert!(lines.iter().all(|l| l.chars().count() == width));
        assert!(drawn.contains('█') && drawn.contains('▀'), "{drawn}");
    }

    #[test]
    fn what_the_link_does_not_say_is_said() {
        let mut survey = Survey::sample();
        assert!(notes(&survey).is_empty());
        survey.settings.invitation_only = true;
        survey.one_response_per_user = true;
        survey.status = crate::domain::SurveyStatus::Closed;
        let said = notes(&survey).join("\n");
        assert!(said.contains("is closed"), "{said}");
        assert!(said.contains("canvass survey invite 1"), "{said}");
        assert!(said.contains("canvass survey respond 1"), "{said}");
    }
}
