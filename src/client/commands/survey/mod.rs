//! `canvass survey …`: one module per verb.

mod close;
mod create;
mod delete;
mod drafts;
mod edit;
mod edit_draft;
mod export;
mod invitations;
mod invite;
mod list;
mod offline;
mod publish;
mod reopen;
mod respond;
mod results;
mod share;
mod show;

pub(crate) use list::every_page as every_survey;
pub(crate) use respond::{SheetError, Unanswered};

use crate::cli::SurveyCommand;
use crate::client::Context;
use crate::client::error::ClientError;

pub fn run(command: SurveyCommand, cx: &Context) -> Result<(), ClientError> {
    match command {
        SurveyCommand::List(args) => list::run(&args, cx),
        SurveyCommand::Show(args) => show::run(&args, cx),
        SurveyCommand::Create(args) => create::run(&args, cx),
        SurveyCommand::Respond(args) => respond::run(&args, cx),
        SurveyCommand::Results(args) => results::run(&args, cx),
        SurveyCommand::Export(args) => export::run(&args, cx),
        SurveyCommand::Close(args) => close::run(&args, cx),
        SurveyCommand::Reopen(args) => reopen::run(&args, cx),
        SurveyCommand::Edit(args) => edit::run(&args, cx),
        SurveyCommand::Invite(args) => invite::run(&args, cx),
        SurveyCommand::Invitations(args) => invitations::run(&args, cx),
        SurveyCommand::Share(args) => share::run(&args, cx),
        SurveyCommand::Delete(args) => delete::run(&args, cx),
        SurveyCommand::Drafts(args) => drafts::run(&args, cx),
        SurveyCommand::EditDraft(args) => edit_draft::run(&args, cx),
        SurveyCommand::Publish(args) => publish::run(&args, cx),
        SurveyCommand::DeleteDraft(args) => drafts::delete(&args, cx),
    }
}
