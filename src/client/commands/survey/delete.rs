//! `canvass survey delete ID`: the owner deletes a survey and its responses, after saying yes
//! at a terminal or with `--yes`; nothing is ever deleted on a guess.

use crate::cli::DeleteArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::client::session;

const CONFIRMATION: (&str, &str) = ("the confirmation to delete", "--yes");

pub fn run(args: &DeleteArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(false);
    let id = args.survey.id;
    // Checked before any request: a script without --yes fails the same way every time,
    // whatever the server or the session would have said.
    if !args.yes && !cx.prompt.is_interactive() {
        let (what, flag) = CONFIRMATION;
        return Err(cx.prompt.needs(what, flag));
    }
    let api = session::authenticated(cx, &out)?;
    if !args.yes {
        let survey = api.survey(id)?;
        let question = format!(
            "Delete survey {id} \"{}\" and its {}?",
            render::printable(&survey.name),
            render::plural(survey.responses, "response")
        );
        if !cx.prompt.confirm(&question, false, CONFIRMATION)? {
            return out.line(&format!("Kept survey {id}"));
        }
    }
    api.delete(id)?;
    out.line(&format!("Deleted survey {id}"))
}
