//! `canvass admin check`: is an installation consistent (issue 17)? The database's own check
//! (SQLite's `integrity_check`), then the counts canvass keeps beside the responses — a
//! survey's response count, a choice's count — against the responses themselves. The seed
//! lost votes by read-modify-write (docs/seed-contract.md Part 2); this is how an operator
//! sees that canvass has not.

use std::io::{self, Write};

use super::error::error_chain;
use super::store::inspect::open_inspector;
use super::store::{DatabaseUrl, StoreError};
use crate::cli::AdminDbArgs;

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("there is no SQLite database at {}", .0.display())]
    NoDatabase(std::path::PathBuf),
    #[error("cannot check {db}: {}", error_chain(error))]
    Store { db: DatabaseUrl, error: StoreError },
    #[error("{db}: {count} problem{s} found (listed above)", s = if *.count == 1 { "" } else { "s" })]
    Found { db: DatabaseUrl, count: usize },
}

pub fn check(args: &AdminDbArgs) -> Result<(), CheckError> {
    let db = &args.db;
    if let DatabaseUrl::Sqlite(path) = db
        && !path.is_file()
    {
        return Err(CheckError::NoDatabase(path.clone()));
    }
    let failed = |error| CheckError::Store {
        db: db.clone(),
        error,
    };
    let mut inspector = open_inspector(db).map_err(failed)?;
    let mut problems: Vec<String> = inspector
        .integrity()
        .map_err(failed)?
        .into_iter()
        .map(|line| format!("integrity: {line}"))
        .collect();
    problems.extend(
        inspector
            .count_mismatches()
            .map_err(failed)?
            .iter()
            .map(ToString::to_string),
    );
    let mut text = String::new();
    if problems.is_empty() {
        text = format!("{db}: ok\n");
    }
    for problem in &problems {
        text.push_str(problem);
        text.push('\n');
    }
    // Written before the verdict, so a script reads the differences and the exit code.
    let _ = io::stdout().lock().write_all(text.as_bytes());
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CheckError::Found {
            db: db.clone(),
            count: problems.len(),
        })
    }
}
