//! `canvass admin users delete`: an account and the surveys it created go, after a yes at a
//! terminal or with `--yes`; its responses to other surveys stay, counted, unlinked.

use super::{Ask, UsersError, open, plural, say};
use crate::cli::DeleteUserArgs;

const CONFIRMATION: (&str, &str) = ("the confirmation to delete", "--yes");

pub(super) fn run<A: Ask>(args: &DeleteUserArgs, ask: &A) -> Result<(), UsersError<A::Error>> {
    // Checked first: a script without --yes fails the same way every time.
    if !args.yes {
        let (what, flag) = CONFIRMATION;
        ask.can_ask(what, flag).map_err(UsersError::Ask)?;
    }
    let mut installation = open(&args.admin)?;
    let account = installation.account(&args.email)?;
    let email = account.user.email.visible();
    if !args.yes {
        let question = match account.surveys {
            0 => format!("Delete {email}? It created no surveys."),
            n => format!(
                "Delete {email} and the {} it created, with every response to them?",
                plural(n, "survey")
            ),
        };
        if !ask
            .yes_or_no(&question, CONFIRMATION)
            .map_err(UsersError::Ask)?
        {
            return say(&format!("kept {email}\n"));
        }
    }
    let deleted = installation
        .users
        .delete_account(account.user.id)
        .map_err(|error| installation.failed(error))?;
    say(&format!(
        "deleted {email} and {}; {} to other surveys kept, no longer linked to anyone\n",
        plural(deleted.surveys, "survey"),
        plural(deleted.responses_kept, "response"),
    ))
}
