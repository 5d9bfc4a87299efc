//! SQLite's ends of a copy between databases (`store/transfer.rs`): rows read in key order
//! inside one read transaction, rows written inside one write transaction.

use std::path::Path;

use rusqlite::{Connection, ToSql};

use super::SqliteStore;
use super::connection::{connect, migrate};
use crate::server::store::StoreError;
use crate::server::store::transfer::{Cells, Chunk, CopySource, CopyTarget, Key, Table};

/// The column as SQLite names it: answers have no id, their rowid is one.
fn column_sql(table: Table, column: &str) -> &str {
    match (table, column) {
        (Table::Answers, "id") => "rowid",
        _ => column,
    }
}

fn key_sql(table: Table) -> &'static str {
    table
        .columns()
        .first()
        .map_or("rowid", |key| column_sql(table, key.name))
}

fn column_list(table: Table) -> String {
    table
        .columns()
        .iter()
        .map(|column| column_sql(table, column.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn count(conn: &Connection, table: Table) -> Result<u64, StoreError> {
    let rows: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM {table}"))?
        .query_row([], |row| row.get(0))?;
    Ok(u64::try_from(rows).unwrap_or(0))
}

struct Source {
    conn: Connection,
}

struct Target {
    conn: Connection,
}

impl SqliteStore {
    /// The file at `path`, read in one snapshot. Like any SQLite open, this creates a missing
    /// file: the caller checks that it exists (`canvass admin copy-db` says so if not).
    pub(in crate::server::store) fn copy_source(
        path: &Path,
    ) -> Result<Box<dyn CopySource>, StoreError> {
        let mut conn = connect(path)?;
        migrate(&mut conn)?;
        // A deferred transaction's snapshot starts at its first read and holds to the end: in
        // WAL mode a server still writing cannot make a response appear without its answers.
        conn.execute_batch("BEGIN DEFERRED")?;
        Ok(Box::new(Source { conn }))
    }

    /// The file at `path`, created if missing, with one write transaction begun.
    pub(in crate::server::store) fn copy_target(
        path: &Path,
    ) -> Result<Box<dyn CopyTarget>, StoreError> {
        let mut conn = connect(path)?;
        // As `SqliteStore::open` leaves it, so the file is the same as one a server made.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        migrate(&mut conn)?;
        // IMMEDIATE takes the write lock now: nothing else writes between the copy's check
        // that the file is empty and its commit, and a failed copy leaves the file as it was.
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(Box::new(Target { conn }))
    }
}

impl CopySource for Source {
    fn count(&mut self, table: Table) -> Result<u64, StoreError> {
        count(&self.conn, table)
    }

    fn read(
        &mut self,
        table: Table,
        after: Option<&Key>,
        limit: usize,
    ) -> Result<Chunk, StoreError> {
        let key = key_sql(table);
        let filter = if after.is_some() {
            format!("WHERE {key} > ?1")
        } else {
            "WHERE ?1 IS NULL".to_owned()
        };
        let sql = format!(
            "SELECT {} FROM {table} {filter} ORDER BY {key} LIMIT ?2",
            column_list(table)
        );
        let after: Option<&dyn ToSql> = after.map(|key| match key {
            Key::Int(id) => id as &dyn ToSql,
            Key::Text(text) => text as &dyn ToSql,
        });
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut statement = self.conn.prepare_cached(&sql)?;
        let mut rows = statement.query(rusqlite::params![after, limit])?;
        let mut chunk = Chunk::new(table, usize::try_from(limit).unwrap_or(0));
        while let Some(row) = rows.next()? {
            for (i, cells) in chunk.columns_mut().iter_mut().enumerate() {
                match cells {
                    Cells::Int(values) => values.push(row.get(i)?),
                    Cells::Text(values) => values.push(row.get(i)?),
                    // 0 or 1 in an INTEGER column; rusqlite reads any non-zero as true.
                    Cells::Bool(values) => values.push(row.get(i)?),
                }
            }
        }
        Ok(chunk)
    }
}

impl CopyTarget for Target {
    fn count(&mut self, table: Table) -> Result<u64, StoreError> {
        count(&self.conn, table)
    }

    fn write(&mut self, table: Table, rows: &Chunk) -> Result<(), StoreError> {
        let columns = table.columns();
        let placeholders = (1..=columns.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut statement = self.conn.prepare_cached(&format!(
            "INSERT INTO {table} ({}) VALUES ({placeholders})",
            column_list(table)
        ))?;
        // One statement per row is SQLite's fast path: no round trips, one transaction.
        for row in 0..rows.len() {
            for (i, cells) in rows.columns().iter().enumerate() {
                match cells {
                    Cells::Int(values) => statement.raw_bind_parameter(i + 1, values[row])?,
                    Cells::Text(values) => {
                        statement.raw_bind_parameter(i + 1, values[row].as_deref())?;
                    }
                    Cells::Bool(values) => statement.raw_bind_parameter(i + 1, values[row])?,
                }
            }
            statement.raw_execute()?;
        }
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<(), StoreError> {
        // Nothing to move on: an INTEGER PRIMARY KEY (or rowid) without AUTOINCREMENT takes
        // the largest id so far plus one, so new rows follow the copied ones by themselves.
        self.conn.execute_batch("COMMIT")?;
        Ok(())
    }
}
