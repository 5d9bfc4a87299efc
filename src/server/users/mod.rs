//! `canvass admin users` (issue 17): accounts looked after on the database itself, while
//! servers run on it; no server or login is involved. Each command opens the store's
//! `Users` seam, finds the account as a login would, changes it in one transaction, and says
//! what it did on stdout (the one writer here is `say`).

mod access;
mod delete;
mod list;
mod reset_password;

use std::io::{self, Write};
use std::path::PathBuf;

use super::error::error_chain;
use super::password::HashError;
use super::store::users::{Account, Users, open_users};
use super::store::{DatabaseUrl, StoreError};
use crate::cli::{AdminDbArgs, UsersCommand};
use crate::domain::ValidationError;

/// What `admin users` may ask the person at the terminal. The server keeps no prompts of its
/// own: `lib.rs` lends it the client's (dialoguer on stderr, Ctrl-C ending in 130), whose
/// errors come back whole in `UsersError::Ask` and keep their exit codes.
pub trait Ask {
    type Error;
    /// Fails, naming `flag`, when nobody can answer (stdin or stderr is not a terminal).
    fn can_ask(&self, what: &'static str, flag: &'static str) -> Result<(), Self::Error>;
    /// Yes or no, no unless answered.
    fn yes_or_no(
        &self,
        question: &str,
        wanted: (&'static str, &'static str),
    ) -> Result<bool, Self::Error>;
    /// A new password, typed twice.
    fn new_password(&self) -> Result<String, Self::Error>;
}

/// Why an `admin users` command did nothing; `A` is the prompter's error.
#[derive(Debug, thiserror::Error)]
pub enum UsersError<A> {
    #[error("there is no SQLite database at {}", .0.display())]
    NoDatabase(PathBuf),
    #[error("{db}: {}", error_chain(error))]
    Store { db: DatabaseUrl, error: StoreError },
    #[error("{db} has no account with the e-mail {email:?}")]
    UnknownUser { db: DatabaseUrl, email: String },
    #[error("the new password {}; nothing was changed", .0.problem)]
    Password(ValidationError),
    #[error("cannot read the new password from stdin: {0}")]
    Stdin(#[source] io::Error),
    #[error("{0}")]
    Hash(HashError),
    #[error("cannot write the output: {0}")]
    Output(#[source] io::Error),
    #[error(transparent)]
    Ask(A),
}

impl<A> UsersError<A> {
    /// The exit code `--help` documents; the prompter's errors keep theirs (`ask`).
    pub fn exit_code(&self, ask: impl Fn(&A) -> u8) -> u8 {
        match self {
            // A value that cannot be used, as a bad flag would be.
            UsersError::Password(_) => 2,
            UsersError::Ask(error) => ask(error),
            _ => 1,
        }
    }
}

/// Runs one `admin users` command, asking through `ask` where it must.
pub fn users<A: Ask>(command: &UsersCommand, ask: &A) -> Result<(), UsersError<A::Error>> {
    match command {
        UsersCommand::List(args) => list::run(args),
        UsersCommand::Disable(args) => access::run(args, true),
        UsersCommand::Enable(args) => access::run(args, false),
        UsersCommand::ResetPassword(args) => reset_password::run(args, ask),
        UsersCommand::Delete(args) => delete::run(args, ask),
    }
}

/// The installation's accounts; an SQLite file must exist (opening would create it).
fn open<A>(args: &AdminDbArgs) -> Result<Installation, UsersError<A>> {
    if let DatabaseUrl::Sqlite(path) = &args.db
        && !path.is_file()
    {
        return Err(UsersError::NoDatabase(path.clone()));
    }
    let users = open_users(&args.db).map_err(|error| UsersError::Store {
        db: args.db.clone(),
        error,
    })?;
    Ok(Installation {
        db: args.db.clone(),
        users,
    })
}

/// An open installation, named in every error about it.
struct Installation {
    db: DatabaseUrl,
    users: Box<dyn Users>,
}

impl Installation {
    /// A store error about this installation.
    fn failed<A>(&self, error: StoreError) -> UsersError<A> {
        UsersError::Store {
            db: self.db.clone(),
            error,
        }
    }

    /// The account `email` names, as a login finds it; `UnknownUser` when none.
    fn account<A>(&mut self, email: &str) -> Result<Account, UsersError<A>> {
        match self.users.find_account(email) {
            Ok(Some(account)) => Ok(account),
            Ok(None) => Err(UsersError::UnknownUser {
                db: self.db.clone(),
                email: email.to_owned(),
            }),
            Err(error) => Err(self.failed(error)),
        }
    }
}

/// Writes `text` to stdout, the only place `admin users` does; a closed pipe is no error.
fn say<A>(text: &str) -> Result<(), UsersError<A>> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(UsersError::Output(e)),
        _ => Ok(()),
    }
}

/// "1 survey", "2 surveys".
fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
