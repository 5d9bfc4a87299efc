//! `canvass survey publish`: a draft sent to the server as a new survey. The draft is
//! forgotten only once the server has created the survey; until then it stays.

use crate::cli::PublishArgs;
use crate::client::Context;
use crate::client::cache::Cache;
use crate::client::error::ClientError;
use crate::client::render::Output;
use crate::client::session;
use crate::protocol::CreateSurveyRequest;

use super::{create, drafts};

pub fn run(args: &PublishArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(args.output.json);
    let cache = cx.cache()?;
    let draft = drafts::find(cache, args.draft)?;
    send(cx, &out, cache, draft.id, &draft.survey)
}

/// Creates `survey` on the server, prints it as `create` does, then deletes draft `id`.
/// The server checks it as it checks any new survey: a draft is stored already checked, so
/// a refusal means the rules changed, and the error says what to fix.
pub(super) fn send(
    cx: &Context,
    out: &Output,
    cache: &Cache,
    id: i64,
    survey: &CreateSurveyRequest,
) -> Result<(), ClientError> {
    let created = session::authenticated(cx, out).and_then(|api| api.create_survey(survey));
    let created = match created {
        Ok(created) => created,
        Err(error) => {
            // The error line says why; this says nothing was lost.
            out.warn(&format!(
                "the survey was not created; draft {id} is kept (`canvass survey publish {id}` tries again)"
            ));
            return Err(error);
        }
    };
    // The survey exists now: failing here would invite a second publish and a duplicate.
    if let Err(error) = cache.delete_draft(id) {
        out.warn(&format!(
            "survey {} was created, but draft {id} is still kept: {error}",
            created.id
        ));
    }
    create::print_created(out, &created)
}
