//! `canvass survey close ID`: the owner stops a survey taking responses (closing twice is
//! fine: the server keeps the first closing time).

use crate::cli::SurveyIdArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::{self, Output};
use crate::client::session;

pub fn run(args: &SurveyIdArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(false);
    let survey = session::authenticated(cx, &out)?.close(args.id)?;
    out.line(&format!(
        "Closed survey {}: {}",
        survey.id,
        render::printable(&survey.name)
    ))
}
