//! PostgreSQL's ends of a copy between databases (`store/transfer.rs`): rows read in key
//! order inside one REPEATABLE READ snapshot, rows written a chunk per statement inside one
//! transaction, and the identity sequences moved past the copied ids before the commit.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Statement};

use super::{NOTIFY, PostgresStore, migrate};
use crate::server::store::StoreError;
use crate::server::store::transfer::{Cells, Chunk, CopySource, CopyTarget, Key, Kind, Table};

fn connect(url: &str) -> Result<Client, StoreError> {
    let config: Config = url.parse().map_err(StoreError::backend)?;
    let mut client = config.connect(NoTls)?;
    migrate(&mut client)?;
    Ok(client)
}

fn count(client: &mut Client, table: Table) -> Result<u64, StoreError> {
    let rows: i64 = client
        .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])?
        .get(0);
    Ok(u64::try_from(rows).unwrap_or(0))
}

fn column_list(table: Table) -> String {
    table
        .columns()
        .iter()
        .map(|column| column.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn sql_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Int => "BIGINT",
        Kind::Text => "TEXT",
        Kind::Bool => "BOOLEAN",
    }
}

struct Source {
    client: Client,
    /// Per table, the first chunk's statement and the one that reads on after a key: each is
    /// prepared once, not once per chunk.
    statements: HashMap<(&'static str, bool), Statement>,
}

struct Target {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

impl PostgresStore {
    /// The database at `url`, read in one snapshot.
    pub(in crate::server::store) fn copy_source(
        url: &str,
    ) -> Result<Box<dyn CopySource>, StoreError> {
        let mut client = connect(url)?;
        // One snapshot for every read: replicas still serving cannot make a response appear
        // without its answers, or a count disagree with its rows.
        client.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        Ok(Box::new(Source {
            client,
            statements: HashMap::new(),
        }))
    }

    /// The database at `url`, its schema created if missing, with one transaction begun that
    /// keeps every other writer out until it ends.
    pub(in crate::server::store) fn copy_target(
        url: &str,
    ) -> Result<Box<dyn CopyTarget>, StoreError> {
        let mut client = connect(url)?;
        // The whole copy is one transaction, so a copy that fails half way (a lost connection,
        // a row the schema refuses) leaves the database empty and can simply be run again.
        // PostgreSQL holds a large transaction without trouble; the client sends it a chunk at
        // a time, so memory here stays flat.
        //
        // EXCLUSIVE lets a replica already running on the target read but not write until the
        // commit: no account or survey can slip in between the emptiness check and the copy.
        client.batch_execute(&format!(
            "BEGIN; LOCK TABLE {} IN EXCLUSIVE MODE",
            Table::ALL.map(Table::name).join(", ")
        ))?;
        Ok(Box::new(Target {
            client,
            statements: HashMap::new(),
        }))
    }
}

impl Source {
    /// `SELECT … ORDER BY key LIMIT $n`, from the first row or (`resuming`) after `$1`.
    fn read_statement(&mut self, table: Table, resuming: bool) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(&(table.name(), resuming)) {
            return Ok(statement.clone());
        }
        let key = table.columns().first().map_or("id", |column| column.name);
        let (filter, limit) = if resuming {
            (format!("WHERE {key} > $1"), "$2")
        } else {
            (String::new(), "$1")
        };
        let statement = self.client.prepare(&format!(
            "SELECT {} FROM {table} {filter} ORDER BY {key} LIMIT {limit}",
            column_list(table)
        ))?;
        self.statements
            .insert((table.name(), resuming), statement.clone());
        Ok(statement)
    }
}

impl CopySource for Source {
    fn count(&mut self, table: Table) -> Result<u64, StoreError> {
        count(&mut self.client, table)
    }

    fn read(
        &mut self,
        table: Table,
        after: Option<&Key>,
        limit: usize,
    ) -> Result<Chunk, StoreError> {
        let statement = self.read_statement(table, after.is_some())?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = match after {
            None => self.client.query(&statement, &[&limit])?,
            Some(Key::Int(id)) => self.client.query(&statement, &[id, &limit])?,
            Some(Key::Text(text)) => self.client.query(&statement, &[text, &limit])?,
        };
        let mut chunk = Chunk::new(table, rows.len());
        for row in &rows {
            for (i, cells) in chunk.columns_mut().iter_mut().enumerate() {
                match cells {
                    Cells::Int(values) => values.push(row.try_get(i)?),
                    Cells::Text(values) => values.push(row.try_get(i)?),
                    Cells::Bool(values) => values.push(row.try_get(i)?),
                }
            }
        }
        Ok(chunk)
    }
}

impl Target {
    /// `INSERT … SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], …)`: a whole chunk in one
    /// statement, one round trip, with the rows in the order given.
    fn insert_statement(&mut self, table: Table) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(table.name()) {
            return Ok(statement.clone());
        }
        let names: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
        let arrays: Vec<String> = table
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| format!("${}::{}[]", i + 1, sql_type(c.kind)))
            .collect();
        let statement = self.client.prepare(&format!(
            "INSERT INTO {table} ({}) SELECT * FROM UNNEST({})",
            names.join(", "),
            arrays.join(", ")
        ))?;
        self.statements.insert(table.name(), statement.clone());
        Ok(statement)
    }
}

impl CopyTarget for Target {
    fn count(&mut self, table: Table) -> Result<u64, StoreError> {
        count(&mut self.client, table)
    }

    fn write(&mut self, table: Table, rows: &Chunk) -> Result<(), StoreError> {
        let statement = self.insert_statement(table)?;
        let params: Vec<&(dyn ToSql + Sync)> = rows
            .columns()
            .iter()
            .map(|cells| match cells {
                Cells::Int(values) => values as &(dyn ToSql + Sync),
                Cells::Text(values) => values as &(dyn ToSql + Sync),
                Cells::Bool(values) => values as &(dyn ToSql + Sync),
            })
            .collect();
        self.client.execute(&statement, &params)?;
        Ok(())
    }

    fn commit(mut self: Box<Self>) -> Result<(), StoreError> {
        // The copied rows came with their ids, which identity columns accept without moving
        // their sequences: without this the next survey would be given id 1 again. setval is
        // not undone by a rollback, which is why it runs last, just before the commit (and a
        // later copy sets it afresh anyway).
        for table in Table::ALL.into_iter().filter(|t| t.has_generated_id()) {
            self.client.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id))
                     FROM {table} HAVING max(id) IS NOT NULL"
                ),
                &[],
            )?;
        }
        // Replicas running on this database drop their cached replies at the commit, as they
        // do after any write, so none serves the empty installation a moment longer.
        self.client.execute(NOTIFY, &[])?;
        self.client.batch_execute("COMMIT")?;
        Ok(())
    }
}
