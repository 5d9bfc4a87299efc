//! `canvass admin copy-db`: moves an installation from one database to another (issue 12),
//! table by table in chunks through `store::transfer`, then checks every table's count.
//! Progress goes to stderr; the table of counts is the one thing written to stdout.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::error::error_chain;
use super::store::transfer::{self, CopySource, CopyTarget, Table};
use super::store::{DatabaseUrl, StoreError};
use super::{ServerError, own_sqlite_file};
use crate::cli::CopyDbArgs;

/// Rows per read and per insert. A chunk costs one round trip to PostgreSQL each way, so
/// larger chunks save little past this (measured: 5,000 was no faster), while memory grows
/// with them; 1,000 answers are about 100 KB.
const CHUNK_ROWS: usize = 1000;

/// Why a copy did not happen. From `TargetNotEmpty` to `Commit`, the error is met inside the
/// target's transaction, which then ends without a commit: the target is left as it was.
/// `Summary` comes after the commit.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("--from and --to both name {0}")]
    SameDatabase(DatabaseUrl),
    #[error("there is no SQLite database at {}", .0.display())]
    NoSource(PathBuf),
    #[error("cannot create {}: {error}", path.display())]
    CreateDir { path: PathBuf, error: io::Error },
    #[error(
        "a `canvass serve` is using {}; stop it first, or it would go on serving what it has \
         cached instead of the copy",
        .0.display()
    )]
    TargetServed(PathBuf),
    #[error(transparent)]
    TargetLock(ServerError),
    #[error("cannot open {db}: {}", error_chain(error))]
    Open { db: DatabaseUrl, error: StoreError },
    #[error(
        "{db} already holds data ({} in {table}); copy-db copies only into an empty database",
        row_count(*rows)
    )]
    TargetNotEmpty {
        db: DatabaseUrl,
        table: Table,
        rows: u64,
    },
    #[error(
        "cannot read {table} from {db}: {}; nothing was copied",
        error_chain(error)
    )]
    Read {
        db: DatabaseUrl,
        table: Table,
        error: StoreError,
    },
    #[error(
        "cannot write {table} to {db}: {}; nothing was copied",
        error_chain(error)
    )]
    Write {
        db: DatabaseUrl,
        table: Table,
        error: StoreError,
    },
    #[error("{table} holds {copied} rows in {db} but {expected} in the source; nothing was copied")]
    Mismatch {
        db: DatabaseUrl,
        table: Table,
        expected: u64,
        copied: u64,
    },
    #[error("cannot commit the copy to {db}: {}", error_chain(error))]
    Commit { db: DatabaseUrl, error: StoreError },
    #[error("the copy is complete, but its summary cannot be written: {0}")]
    Summary(#[source] io::Error),
}

/// One table's rows on each side once the copy is done.
#[derive(Debug, Clone, Copy)]
struct Tally {
    table: Table,
    source: u64,
    target: u64,
}

/// Runs `canvass admin copy-db`.
pub fn copy_db(args: &CopyDbArgs) -> Result<(), CopyError> {
    let (from, to) = (&args.from, &args.to);
    if is_same_database(from, to) {
        return Err(CopyError::SameDatabase(to.clone()));
    }
    if let Some(path) = from.sqlite_path().filter(|path| !path.is_file()) {
        return Err(CopyError::NoSource(path.to_owned()));
    }
    if let Some(dir) = to
        .sqlite_path()
        .and_then(|path| path.parent())
        .filter(|dir| !dir.as_os_str().is_empty())
    {
        // As `serve` does: the new installation may go where none was before.
        std::fs::create_dir_all(dir).map_err(|error| CopyError::CreateDir {
            path: dir.to_owned(),
            error,
        })?;
    }
    // Held until the copy is done, as `serve` holds it: no server starts on the file meanwhile.
    let _owner = match to.sqlite_path().map(own_sqlite_file) {
        Some(Err(ServerError::DatabaseInUse { db })) => return Err(CopyError::TargetServed(db)),
        Some(Err(other)) => return Err(CopyError::TargetLock(other)),
        Some(Ok(lock)) => Some(lock),
        None => None,
    };
    let started = Instant::now();
    let open_error = |db: &DatabaseUrl| {
        let db = db.clone();
        move |error| CopyError::Open { db, error }
    };
    let mut source = transfer::open_source(from).map_err(open_error(from))?;
    let target = transfer::open_target(to).map_err(open_error(to))?;
    let mut progress = Progress::new();
    let tallies = copy(&mut *source, target, from, to, &mut progress)?;
    Progress::finish(from, to, &tallies, started.elapsed());
    print_summary(&tallies).map_err(CopyError::Summary)
}

/// Whether both name one database, as far as can be told without asking a server: one
/// SQLite file, or the same URL.
fn is_same_database(from: &DatabaseUrl, to: &DatabaseUrl) -> bool {
    match (from, to) {
        (DatabaseUrl::Sqlite(a), DatabaseUrl::Sqlite(b)) => {
            // A target not made yet is not the source, whatever its spelling.
            match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
                (Ok(real_a), Ok(real_b)) => real_a == real_b,
                _ => false,
            }
        }
        (DatabaseUrl::Postgres(a), DatabaseUrl::Postgres(b)) => a == b,
        _ => false,
    }
}

/// Refuses a target with any row in it, copies each table in chunks, checks the counts, and
/// commits only when they all match.
fn copy(
    source: &mut dyn CopySource,
    mut target: Box<dyn CopyTarget>,
    from: &DatabaseUrl,
    to: &DatabaseUrl,
    progress: &mut Progress,
) -> Result<Vec<Tally>, CopyError> {
    let read = |table| {
        move |error| CopyError::Read {
            db: from.clone(),
            table,
            error,
        }
    };
    let write = |table| {
        move |error| CopyError::Write {
            db: to.clone(),
            table,
            error,
        }
    };
    // Any row, not only accounts and surveys: copied ids and keys would collide with it, and
    // a copy that merges is not one anybody can check.
    for table in Table::ALL {
        let rows = target.count(table).map_err(write(table))?;
        if rows > 0 {
            return Err(CopyError::TargetNotEmpty {
                db: to.clone(),
                table,
                rows,
            });
        }
    }
    let mut tallies = Vec::with_capacity(Table::ALL.len());
    for table in Table::ALL {
        let expected = source.count(table).map_err(read(table))?;
        progress.start(table, expected);
        let mut copied = 0;
        let mut after = None;
        loop {
            let chunk = source
                .read(table, after.as_ref(), CHUNK_ROWS)
                .map_err(read(table))?;
            if chunk.is_empty() {
                break;
            }
            target.write(table, &chunk).map_err(write(table))?;
            copied += chunk.len() as u64;
            progress.advance(copied);
            // A short chunk is the last; a key is never NULL, but were it, reading on from
            // the start would never end.
            match chunk.last_key() {
                Some(key) if chunk.len() == CHUNK_ROWS => after = Some(key),
                _ => break,
            }
        }
        progress.done(copied);
        tallies.push(Tally {
            table,
            source: expected,
            target: 0,
        });
    }
    // Counted again inside the transaction, before the commit: a difference rolls it all back.
    for tally in &mut tallies {
        tally.target = target.count(tally.table).map_err(write(tally.table))?;
        if tally.target != tally.source {
            return Err(CopyError::Mismatch {
                db: to.clone(),
                table: tally.table,
                expected: tally.source,
                copied: tally.target,
            });
        }
    }
    target.commit().map_err(|error| CopyError::Commit {
        db: to.clone(),
        error,
    })?;
    Ok(tallies)
}

/// What stderr shows while copying, on a terminal only: a line per table that counts up as
/// chunks arrive, and stays, with its time, once the table is done. Off a terminal, stderr is
/// kept for the one `error:` line scripts read (STYLE.md §2.4); the closing line and the
/// table on stdout say what was copied.
struct Progress {
    /// The table being copied, its row count in the source, and when it began; `None` off a
    /// terminal.
    table: Option<(Table, u64, Instant)>,
    terminal: bool,
}

impl Progress {
    fn new() -> Self {
        Progress {
            table: None,
            terminal: io::stderr().is_terminal(),
        }
    }

    fn start(&mut self, table: Table, expected: u64) {
        if self.terminal {
            self.table = Some((table, expected, Instant::now()));
            self.advance(0);
        }
    }

    fn advance(&self, copied: u64) {
        if let Some((table, expected, _)) = self.table {
            // `\r` and no newline: the next chunk's line replaces this one.
            let _ = write!(
                io::stderr().lock(),
                "\r{table:<16}{copied:>12} of {expected}"
            );
        }
    }

    fn done(&mut self, copied: u64) {
        if let Some((table, _, started)) = self.table.take() {
            let seconds = started.elapsed().as_secs_f64();
            let line = format!("{table:<16}{copied:>12} rows in {seconds:.1} s");
            // Padded past the counting line it overwrites, so no digit of that is left behind.
            let _ = writeln!(io::stderr().lock(), "\r{line:<48}");
        }
    }

    fn finish(from: &DatabaseUrl, to: &DatabaseUrl, tallies: &[Tally], took: Duration) {
        let rows: u64 = tallies.iter().map(|t| t.target).sum();
        let seconds = took.as_secs_f64();
        // Rounded down, and never a division by zero for an instant copy.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "a rate to show, not to compute with"
        )]
        let rate = (rows as f64 / seconds.max(0.001)) as u64;
        let _ = writeln!(
            io::stderr().lock(),
            "copied {rows} rows from {from} to {to} in {seconds:.1} s ({rate} rows/s)"
        );
    }
}

/// `1 row`, `3 rows`.
fn row_count(rows: u64) -> String {
    format!("{rows} row{}", if rows == 1 { "" } else { "s" })
}

/// The counts on both sides, one table a line: the summary scripts and people read.
fn print_summary(tallies: &[Tally]) -> io::Result<()> {
    let mut out = io::stdout().lock();
    let mut text = format!("{:<16}{:>12}{:>12}\n", "table", "source", "target");
    for tally in tallies {
        let _ = writeln!(
            text,
            "{:<16}{:>12}{:>12}",
            tally.table.name(),
            tally.source,
            tally.target
        );
    }
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // `copy-db … | head -1` is a reader that stopped early, not a failed copy.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        result => result,
    }
}
