//! `canvass admin backup`: a consistent copy of an SQLite installation, also while its server
//! runs (issue 17). The copy is written beside OUT and renamed into place, so OUT is never a
//! half-written database, and it is private from the first byte: it holds password hashes and
//! every response.

use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::error::error_chain;
use super::store::inspect::open_inspector;
use super::store::transfer::Table;
use super::store::{DatabaseUrl, SqliteStore, StoreError};
use crate::cli::BackupArgs;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("admin backup copies SQLite files; for PostgreSQL use pg_dump (--db names {0})")]
    Postgres(DatabaseUrl),
    #[error("there is no SQLite database at {}", .0.display())]
    NoDatabase(PathBuf),
    #[error("{} exists; pass --force to replace it", .0.display())]
    Exists(PathBuf),
    #[error("cannot write {}: {error}", path.display())]
    Write { path: PathBuf, error: io::Error },
    #[error("cannot back up {}: {}", db.display(), error_chain(error))]
    Copy { db: PathBuf, error: StoreError },
    #[error("cannot read the backup {} back: {}", out.display(), error_chain(error))]
    Verify { out: PathBuf, error: StoreError },
}

pub fn backup(args: &BackupArgs) -> Result<(), BackupError> {
    let db = match &args.db {
        DatabaseUrl::Sqlite(path) => path,
        postgres @ DatabaseUrl::Postgres(_) => return Err(BackupError::Postgres(postgres.clone())),
    };
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db.clone()));
    }
    let out = &args.out;
    if !args.force && out.exists() {
        return Err(BackupError::Exists(out.clone()));
    }
    let partial = partial_path(out);
    let write = |error| BackupError::Write {
        path: partial.clone(),
        error,
    };
    // Created empty and private first: SQLite then writes into it, keeping its mode.
    let _ = fs::remove_file(&partial);
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .map_err(write)?;
    if let Err(error) = SqliteStore::backup(db, &partial) {
        let _ = fs::remove_file(&partial);
        return Err(BackupError::Copy {
            db: db.clone(),
            error,
        });
    }
    fs::rename(&partial, out).map_err(|error| BackupError::Write {
        path: out.clone(),
        error,
    })?;
    report(out)
}

/// `OUT.partial` beside OUT, so the rename stays within one file system.
fn partial_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    out.with_file_name(name)
}

/// The backup's size and rows, read back from the copy itself: what is printed is what was
/// kept.
fn report(out: &Path) -> Result<(), BackupError> {
    let verify = |error| BackupError::Verify {
        out: out.to_owned(),
        error,
    };
    let size = fs::metadata(out)
        .map_err(|error| BackupError::Write {
            path: out.to_owned(),
            error,
        })?
        .len();
    let mut backup = open_inspector(&DatabaseUrl::Sqlite(out.to_owned())).map_err(verify)?;
    let mut text = format!("{} ({size} bytes)\n", out.display());
    for table in Table::ALL {
        let rows = backup.count(table).map_err(verify)?;
        let _ = writeln!(text, "{:<16}{rows:>12}", table.name());
    }
    let mut stdout = io::stdout().lock();
    match stdout.write_all(text.as_bytes()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(BackupError::Write {
            path: "stdout".into(),
            error: e,
        }),
        _ => Ok(()),
    }
}
