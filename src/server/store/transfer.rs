//! Moving an installation between databases (`canvass admin copy-db`, issue 12): every table
//! as plain rows of a few value kinds, read from one backend in key order and written to
//! another. This file knows tables and columns; the SQL of each side is in the backends'
//! `transfer.rs`.

use std::fmt;

use super::{DatabaseUrl, PostgresStore, SqliteStore, StoreError};

/// A table of the schema, as both backends have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Users,
    Surveys,
    Questions,
    Choices,
    Responses,
    Answers,
    Invitations,
    LoginFailures,
}

impl Table {
    /// Every table, parents before children: each foreign key points at a row copied earlier,
    /// so the target checks its constraints as usual and needs no deferring.
    pub const ALL: [Table; 8] = [
        Table::Users,
        Table::Surveys,
        Table::Questions,
        Table::Choices,
        Table::Responses,
        Table::Answers,
        Table::Invitations,
        Table::LoginFailures,
    ];

    /// The table's name in SQL, in both backends.
    pub fn name(self) -> &'static str {
        match self {
            Table::Users => "users",
            Table::Surveys => "surveys",
            Table::Questions => "questions",
            Table::Choices => "choices",
            Table::Responses => "responses",
            Table::Answers => "answers",
            Table::Invitations => "invitations",
            Table::LoginFailures => "login_failures",
        }
    }

    /// The columns both backends hold, key first. Rows are read in key order, and the key is
    /// copied too: ids stay what they were, so links, exports and tokens (which name the user
    /// id) still point at the same things.
    pub(super) fn columns(self) -> &'static [Column] {
        match self {
            Table::Users => USERS,
            Table::Surveys => SURVEYS,
            Table::Questions => QUESTIONS,
            Table::Choices => CHOICES,
            Table::Responses => RESPONSES,
            Table::Answers => ANSWERS,
            Table::Invitations => INVITATIONS,
            Table::LoginFailures => LOGIN_FAILURES,
        }
    }

    /// Whether the key is an id the database hands out, whose counter must continue after
    /// the copied ids.
    pub(super) fn has_generated_id(self) -> bool {
        self != Table::LoginFailures
    }
}

const fn column(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

const USERS: &[Column] = &[
    column("id", Kind::Int),
    column("email", Kind::Text),
    // Copied, not recomputed: an account a key migration set aside (`store::rekeyed`) stays
    // set aside rather than colliding with its older twin.
    column("email_key", Kind::Text),
    // Hashes are copied as they are, so every password keeps working.
    column("password_hash", Kind::Text),
    // Tokens carry the generation they were issued in: kept, they stay valid.
    column("token_generation", Kind::Int),
    column("created_at", Kind::Text),
    // A disabled account stays disabled on the new database.
    column("disabled", Kind::Bool),
];

const SURVEYS: &[Column] = &[
    column("id", Kind::Int),
    column("name", Kind::Text),
    column("creator_id", Kind::Int),
    column("one_response_per_user", Kind::Bool),
    column("closed_at", Kind::Text),
    column("response_count", Kind::Int),
    column("created_at", Kind::Text),
    column("opens_at", Kind::Int),
    column("closes_at", Kind::Int),
    column("max_responses", Kind::Int),
    column("anonymous", Kind::Bool),
    column("invitation_only", Kind::Bool),
    column("public_results", Kind::Bool),
];

const QUESTIONS: &[Column] = &[
    column("id", Kind::Int),
    column("survey_id", Kind::Int),
    column("text", Kind::Text),
    column("kind", Kind::Text),
    column("required", Kind::Bool),
    column("created_at", Kind::Text),
];

const CHOICES: &[Column] = &[
    column("id", Kind::Int),
    column("question_id", Kind::Int),
    column("text", Kind::Text),
    column("selected", Kind::Int),
    column("created_at", Kind::Text),
];

const RESPONSES: &[Column] = &[
    column("id", Kind::Int),
    column("survey_id", Kind::Int),
    column("respondent_id", Kind::Int),
    column("exclusive_respondent_id", Kind::Int),
    column("client_id", Kind::Text),
    column("created_at", Kind::Text),
];

/// SQLite's answers have no id column: their rowid plays its part (the order the answers
/// were given in), and `sqlite/transfer.rs` reads and writes it as `id`.
const ANSWERS: &[Column] = &[
    column("id", Kind::Int),
    column("response_id", Kind::Int),
    column("question_id", Kind::Int),
    column("choice_id", Kind::Int),
    column("text", Kind::Text),
];

/// Only the codes' hashes exist to copy; the codes keep working after a copy.
const INVITATIONS: &[Column] = &[
    column("id", Kind::Int),
    column("survey_id", Kind::Int),
    column("code_hash", Kind::Text),
    column("prefix", Kind::Text),
    column("created_at", Kind::Text),
    column("used_at", Kind::Text),
];

const LOGIN_FAILURES: &[Column] = &[
    column("key", Kind::Text),
    column("count", Kind::Int),
    column("since", Kind::Int),
];

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad`, not `write_str`: progress lines line tables up with `{:<16}`.
        f.pad(self.name())
    }
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Column {
    pub name: &'static str,
    pub kind: Kind,
}

/// What a column holds. Every value may be NULL here; the target's schema says where it may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// INTEGER in SQLite, BIGINT in PostgreSQL.
    Int,
    Text,
    /// 0/1 INTEGER in SQLite, BOOLEAN in PostgreSQL.
    Bool,
}

/// One column's values in a chunk, in row order: the shape PostgreSQL's `UNNEST` takes whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cells {
    Int(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
}

impl Cells {
    fn with_capacity(kind: Kind, rows: usize) -> Self {
        match kind {
            Kind::Int => Cells::Int(Vec::with_capacity(rows)),
            Kind::Text => Cells::Text(Vec::with_capacity(rows)),
            Kind::Bool => Cells::Bool(Vec::with_capacity(rows)),
        }
    }

    fn len(&self) -> usize {
        match self {
            Cells::Int(values) => values.len(),
            Cells::Text(values) => values.len(),
            Cells::Bool(values) => values.len(),
        }
    }
}

/// A key to resume reading after: the first column of the last row read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Int(i64),
    Text(String),
}

/// Consecutive rows of one table, column by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    columns: Vec<Cells>,
}

impl Chunk {
    /// No rows yet, room for `rows` of `table`'s columns.
    pub(super) fn new(table: Table, rows: usize) -> Self {
        Chunk {
            columns: table
                .columns()
                .iter()
                .map(|column| Cells::with_capacity(column.kind, rows))
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Cells::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The columns, in `Table::columns` order.
    pub(super) fn columns(&self) -> &[Cells] {
        &self.columns
    }

    /// The columns, for a reader to push one value onto each per row.
    pub(super) fn columns_mut(&mut self) -> &mut [Cells] {
        &mut self.columns
    }

    /// The key of the last row, to read on after it; `None` when empty (or the key is NULL,
    /// which no schema allows).
    pub fn last_key(&self) -> Option<Key> {
        match self.columns.first()? {
            Cells::Int(values) => values.last().copied().flatten().map(Key::Int),
            Cells::Text(values) => values.last().cloned().flatten().map(Key::Text),
            Cells::Bool(_) => None,
        }
    }
}

/// The database a copy reads: every read happens in one snapshot, so the rows fit together
/// even while a server still writes (its later writes are not copied).
pub trait CopySource {
    /// How many rows `table` holds in the snapshot.
    fn count(&mut self, table: Table) -> Result<u64, StoreError>;
    /// Up to `limit` rows of `table` with keys after `after` (from the first when `None`), in
    /// key order.
    fn read(
        &mut self,
        table: Table,
        after: Option<&Key>,
        limit: usize,
    ) -> Result<Chunk, StoreError>;
}

/// The database a copy fills: everything happens in one transaction, begun when it is opened
/// and ended by `commit`; dropped before that, nothing was written.
pub trait CopyTarget {
    /// How many rows `table` holds, this transaction's included.
    fn count(&mut self, table: Table) -> Result<u64, StoreError>;
    /// Inserts the rows as they are, ids included.
    fn write(&mut self, table: Table, rows: &Chunk) -> Result<(), StoreError>;
    /// Makes new ids continue after the copied ones, then commits.
    fn commit(self: Box<Self>) -> Result<(), StoreError>;
}

/// Opens `url` for reading, bringing its schema up to date first (as `serve` would), so an
/// installation last served by an older canvass can be copied too.
pub fn open_source(url: &DatabaseUrl) -> Result<Box<dyn CopySource>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => SqliteStore::copy_source(path),
        DatabaseUrl::Postgres(url) => PostgresStore::copy_source(url),
    }
}

/// Opens `url` for filling: creates or migrates its schema and begins the transaction.
///
/// Not through `store::open`: that starts what a server needs (PostgreSQL's pool and
/// notification listener, SQLite's response writer thread), and a copy needs one connection
/// holding one transaction. The schema comes from the same migrations.
pub fn open_target(url: &DatabaseUrl) -> Result<Box<dyn CopyTarget>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => SqliteStore::copy_target(path),
        DatabaseUrl::Postgres(url) => PostgresStore::copy_target(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_copied_after_the_tables_it_refers_to() {
        let position = |t: Table| Table::ALL.iter().position(|&x| x == t).unwrap();
        let parents = [
            (Table::Surveys, Table::Users),
            (Table::Questions, Table::Surveys),
            (Table::Choices, Table::Questions),
            (Table::Responses, Table::Surveys),
            (Table::Responses, Table::Users),
            (Table::Answers, Table::Responses),
            (Table::Answers, Table::Choices),
        ];
        for (child, parent) in parents {
            assert!(
                position(parent) < position(child),
                "{child} before {parent}"
            );
        }
    }

    #[test]
    fn a_chunk_resumes_after_its_last_key() {
        let mut chunk = Chunk::new(Table::LoginFailures, 2);
        assert_eq!(chunk.last_key(), None);
        for (key, count) in [("a@example.com", 1), ("b@example.com", 2)] {
            let [Cells::Text(keys), Cells::Int(counts), Cells::Int(since)] = chunk.columns_mut()
            else {
                panic!("login_failures is key, count, since");
            };
            keys.push(Some(key.to_owned()));
            counts.push(Some(count));
            since.push(Some(0));
        }
        assert_eq!(chunk.len(), 2);
        assert_eq!(chunk.last_key(), Some(Key::Text("b@example.com".into())));
    }
}
