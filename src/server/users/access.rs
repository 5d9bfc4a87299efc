//! `canvass admin users disable` and `enable`. A running server reads the user's row on
//! every request, so a disabled user's next request is refused (the usual 401s: an invalid
//! token, or bad credentials at login).

use super::{UsersError, open, say};
use crate::cli::UserArgs;

pub(super) fn run<A>(args: &UserArgs, disable: bool) -> Result<(), UsersError<A>> {
    let mut installation = open(&args.admin)?;
    let account = installation.account(&args.email)?;
    let email = account.user.email.visible();
    let changed = installation
        .users
        .update_disabled(account.user.id, disable)
        .map_err(|error| installation.failed(error))?;
    say(&match (disable, changed) {
        (true, true) => {
            format!("disabled {email}: its tokens no longer work and its logins are refused\n")
        }
        (true, false) => format!("{email} was already disabled\n"),
        (false, true) => format!("enabled {email}: it can log in again\n"),
        (false, false) => format!("{email} was not disabled\n"),
    })
}
