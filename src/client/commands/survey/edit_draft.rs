//! `canvass survey edit-draft`: a draft replaced from a JSON file, or reopened in the wizard
//! with its values offered as they stand, then saved, created on the server, or left as it was.

use crate::cli::EditDraftArgs;
use crate::client::Context;
use crate::client::error::ClientError;
use crate::client::render::Output;

use super::create::{self, request_for, wizard};
use super::{drafts, publish};
use wizard::Decision;

pub fn run(args: &EditDraftArgs, cx: &Context) -> Result<(), ClientError> {
    let out = Output::new(false);
    let cache = cx.cache()?;
    let draft = drafts::find(cache, args.draft)?;
    if let Some(path) = &args.file {
        let survey = create::read_survey(path)?;
        return drafts::save(cache, &out, Some(draft.id), &survey);
    }
    if !cx.prompt.is_interactive() {
        return Err(cx.prompt.needs("the survey", "--file"));
    }
    // Interrupted, the draft stays as it was: the changes are what is dropped.
    let survey = wizard::ask(
        cx,
        &out,
        wizard::Start::Draft(&draft.survey),
        &mut wizard::Progress::default(),
    )?;
    match wizard::decide(cx, &wizard::EDIT)? {
        Decision::Save => drafts::save(cache, &out, Some(draft.id), &survey),
        Decision::Create => {
            // Kept first, so a refusal or a dead server loses none of the editing.
            let request = request_for(&survey);
            let id = drafts::store(cache, Some(draft.id), &request)?;
            publish::send(cx, &out, cache, id, &request)
        }
        Decision::Discard => out.line(&format!("Draft {} is unchanged.", draft.id)),
    }
}
