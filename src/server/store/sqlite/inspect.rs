//! SQLite's side of `admin check` and `admin backup`.

use std::path::Path;

use rusqlite::Connection;

use super::SqliteStore;
use super::connection::{connect, migrate};
use crate::server::store::StoreError;
use crate::server::store::inspect::{COUNT_MISMATCHES, CountMismatch, Inspect, mismatch};
use crate::server::store::transfer::Table;

struct Inspector {
    conn: Connection,
}

impl SqliteStore {
    pub(in crate::server::store) fn inspector(path: &Path) -> Result<Box<dyn Inspect>, StoreError> {
        let mut conn = connect(path)?;
        migrate(&mut conn)?;
        Ok(Box::new(Inspector { conn }))
    }

    /// A consistent copy of the database at `path` in `out`, an empty or missing file, taken
    /// while a server may be writing: `VACUUM INTO` reads one snapshot (WAL lets the writer
    /// go on) and writes a compacted database with nothing of the WAL left to replay.
    pub fn backup(path: &Path, out: &Path) -> Result<(), StoreError> {
        let mut conn = connect(path)?;
        migrate(&mut conn)?;
        let out = out.to_str().ok_or_else(|| {
            StoreError::backend(std::io::Error::other(format!(
                "{} is not a UTF-8 path, which SQLite needs",
                out.display()
            )))
        })?;
        conn.execute("VACUUM INTO ?1", [out])?;
        Ok(())
    }
}

impl Inspect for Inspector {
    fn integrity(&mut self) -> Result<Vec<String>, StoreError> {
        let found: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(found.into_iter().filter(|line| line != "ok").collect())
    }

    fn count_mismatches(&mut self) -> Result<Vec<CountMismatch>, StoreError> {
        Ok(self
            .conn
            .prepare(COUNT_MISMATCHES)?
            .query_map([], |row| {
                Ok(mismatch(
                    &row.get::<_, String>(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                ))
            })?
            .collect::<Result<_, _>>()?)
    }

    fn count(&mut self, table: Table) -> Result<u64, StoreError> {
        let rows: i64 =
            self.conn
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                    row.get(0)
                })?;
        Ok(u64::try_from(rows).unwrap_or(0))
    }
}
