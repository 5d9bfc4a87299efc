//! `canvass survey close ID`: the owner stops a survey taking responses. Closing twice is
//! fine (the server keeps the first closing time), and the second time says so rather
//! than announce a closing that did not happen (issue 14).

use crate::cli::SurveyIdArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::client::session;

pub fn run(args: &SurveyIdArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(false);
    let api = session::authenticated(cx, &out)?;
    // Asked first because the close reply looks the same either way. Another owner's
    // session closing it in between only makes this say "Closed" once too often.
    let was_closed = api.survey(args.id)?.is_closed();
    let survey = api.close(args.id)?;
    let name = render::printable(&survey.name);
    if was_closed {
        return out.line(&format!("Survey {} was already closed: {name}", survey.id));
    }
    out.line(&format!("Closed survey {}: {name}", survey.id))
}
