//! Looking an installation over without serving it (`canvass admin check`, issue 17): the
//! database's own consistency check where it has one, and whether the counts the store keeps
//! (a survey's `response_count`, a choice's `selected`) equal what the responses say.

use std::fmt;

use super::transfer::Table;
use super::{DatabaseUrl, PostgresStore, SqliteStore, StoreError};

/// A kept count that disagrees with the rows it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountMismatch {
    pub what: Counted,
    pub id: i64,
    pub stored: i64,
    pub counted: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// `surveys.response_count` against its responses.
    SurveyResponses,
    /// `choices.selected` against the answers that chose it.
    ChoiceSelections,
}

impl fmt::Display for CountMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, counted) = match self.what {
            Counted::SurveyResponses => ("survey", "responses"),
            Counted::ChoiceSelections => ("choice", "answers choosing it"),
        };
        write!(
            f,
            "{what} {}: {} kept, {} {counted}",
            self.id, self.stored, self.counted
        )
    }
}

/// The same query on both backends (standard SQL): every kept count that disagrees.
pub(super) const COUNT_MISMATCHES: &str = "
SELECT CAST('survey' AS TEXT), s.id, s.response_count, COUNT(r.id)
FROM surveys s LEFT JOIN responses r ON r.survey_id = s.id
GROUP BY s.id, s.response_count HAVING s.response_count <> COUNT(r.id)
UNION ALL
SELECT CAST('choice' AS TEXT), c.id, c.selected, COUNT(a.choice_id)
FROM choices c LEFT JOIN answers a ON a.choice_id = c.id
GROUP BY c.id, c.selected HAVING c.selected <> COUNT(a.choice_id)
ORDER BY 1 DESC, 2";

/// A row of `COUNT_MISMATCHES`.
pub(super) fn mismatch(kind: &str, id: i64, stored: i64, counted: i64) -> CountMismatch {
    CountMismatch {
        what: if kind == "survey" {
            Counted::SurveyResponses
        } else {
            Counted::ChoiceSelections
        },
        id,
        stored,
        counted,
    }
}

/// What `admin check` asks of an installation.
pub trait Inspect {
    /// The problems the database's own check reports (SQLite's `integrity_check`); empty
    /// when it finds none or has no such check (PostgreSQL).
    fn integrity(&mut self) -> Result<Vec<String>, StoreError>;
    fn count_mismatches(&mut self) -> Result<Vec<CountMismatch>, StoreError>;
    /// How many rows `table` holds.
    fn count(&mut self, table: Table) -> Result<u64, StoreError>;
}

/// Opens `url` to be inspected, its schema brought up to date as `serve` would.
pub fn open_inspector(url: &DatabaseUrl) -> Result<Box<dyn Inspect>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => SqliteStore::inspector(path),
        DatabaseUrl::Postgres(url) => PostgresStore::inspector(url),
    }
}
