//! `canvass survey reopen ID`: the owner lets a closed survey take responses again. The
//! server refuses (409, saying which) when its closing time has passed or its cap is
//! reached; reopening an open survey says so rather than announce a reopening.

use crate::cli::SurveyIdArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::client::session;

pub fn run(args: &SurveyIdArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(false);
    let api = session::authenticated(cx, &out)?;
    // Asked first because the reply looks the same either way (as `close` does).
    let was_closed = api.survey(args.id)?.is_closed();
    let survey = api.reopen(args.id)?;
    let name = render::printable(&survey.name);
    if !was_closed {
        return out.line(&format!(
            "Survey {} was not closed ({}): {name}",
            survey.id,
            survey.status.as_str()
        ));
    }
    out.line(&format!(
        "Reopened survey {} ({}): {name}",
        survey.id,
        survey.status.as_str()
    ))
}
