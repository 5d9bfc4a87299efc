//! `canvass admin users reset-password`: a new password, checked as registration checks it,
//! hashed as the server hashes it, stored with a new token generation so every session of
//! the account ends.

use std::io::BufRead;

use super::{Ask, UsersError, open, say};
use crate::cli::ResetPasswordArgs;
use crate::domain::Password;
use crate::server::password::Passwords;

const PASSWORD: (&str, &str) = ("the new password", "--password-stdin");

pub(super) fn run<A: Ask>(args: &ResetPasswordArgs, ask: &A) -> Result<(), UsersError<A::Error>> {
    // Before anything else: a script without the flag fails the same way every time.
    if !args.password_stdin {
        let (what, flag) = PASSWORD;
        ask.can_ask(what, flag).map_err(UsersError::Ask)?;
    }
    let mut installation = open(&args.admin)?;
    let account = installation.account(&args.email)?;
    let typed = if args.password_stdin {
        first_line()?
    } else {
        ask.new_password().map_err(UsersError::Ask)?
    };
    let password = Password::parse(typed).map_err(UsersError::Password)?;
    let hash = Passwords::new()
        .and_then(|passwords| passwords.hash(&password))
        .map_err(UsersError::Hash)?;
    installation
        .users
        .update_password(account.user.id, &hash)
        .map_err(|error| installation.failed(error))?;
    say(&format!(
        "{} has a new password; every token issued before is revoked\n",
        account.user.email.visible()
    ))
}

/// The first line of stdin without its line ending, as the client's `--password-stdin`
/// reads it.
fn first_line<A>() -> Result<String, UsersError<A>> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(UsersError::Stdin)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
