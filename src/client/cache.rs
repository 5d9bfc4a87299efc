//! The client's own SQLite database, one per server: surveys as last seen (for offline
//! `list` and `show`), drafts that never need the server, and the outbox of responses
//! typed while the server was unreachable.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension as _, params};

use super::private_file;
use crate::domain::Survey;
use crate::protocol::{CreateSurveyRequest, ResponseRequest, SurveyBody};

/// Applied in order, tracked by `PRAGMA user_version`; append only, like the server's.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE surveys (
        id INTEGER PRIMARY KEY,
        body TEXT NOT NULL,
        fetched_at INTEGER NOT NULL
    );
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        client_id TEXT NOT NULL UNIQUE,
        survey_id INTEGER NOT NULL,
        body TEXT NOT NULL,
        queued_at INTEGER NOT NULL,
        last_error TEXT
    );
",
    // Issue 15: the `created_at` of the survey a queued response was written against, so
    // `sync` can tell a survey deleted and replaced under the same id and never deliver the
    // response to it. Rows queued before this have none and are sent as they were.
    "ALTER TABLE outbox ADD COLUMN survey_created_at TEXT;",
];

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot open the local database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create {path}: {source}")]
    Dir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the local database failed: {0}")]
    Query(#[from] rusqlite::Error),
    #[error("the local database holds a record canvass cannot read: {0}")]
    Record(#[from] serde_json::Error),
}

/// A value and when it came from the server (Unix seconds).
#[derive(Debug)]
pub struct Cached<T> {
    pub value: T,
    pub fetched_at: i64,
}

/// A response waiting for the server.
#[derive(Debug)]
pub struct Queued {
    /// Its place in the queue, as `canvass outbox list` shows it and `drop` takes it.
    pub number: i64,
    pub client_id: String,
    pub survey_id: i64,
    /// The survey's `created_at` as it was when the response was written, if known.
    pub survey_created_at: Option<String>,
    pub request: ResponseRequest,
    /// When it was queued (Unix seconds).
    pub since: i64,
    /// Why the server refused it last time, if it did; it stays queued until dealt with.
    pub last_error: Option<String>,
}

#[derive(Debug)]
pub struct Draft {
    pub id: i64,
    pub survey: CreateSurveyRequest,
    pub updated_at: i64,
}

pub struct Cache {
    db: Connection,
}

impl Cache {
    /// Opens (creating if need be) the database for `server` under `dir`.
    pub fn open(dir: &Path, server: &str) -> Result<Cache, CacheError> {
        create_private_dir(dir)?;
        let path = dir.join(format!("{}.db", file_name(server)));
        let open_error = |source| CacheError::Open {
            path: path.clone(),
            source,
        };
        let db = Connection::open(&path).map_err(open_error)?;
        // Two `canvass sync` runs may meet here; WAL and a busy timeout let them take turns.
        db.busy_timeout(Duration::from_secs(5))
            .and_then(|()| db.pragma_update(None, "journal_mode", "WAL"))
            .map_err(open_error)?;
        let applied: usize = db
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(open_error)?;
        for (number, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
            let tx = db.unchecked_transaction().map_err(open_error)?;
            tx.execute_batch(sql).map_err(open_error)?;
            tx.pragma_update(None, "user_version", number + 1)
                .map_err(open_error)?;
            tx.commit().map_err(open_error)?;
        }
        Ok(Cache { db })
    }

    // ---- surveys as last seen ----

    /// Kept as the server's JSON, like the whole list `keep_all_surveys` keeps.
    pub fn keep_survey(&self, survey: &Survey, now: i64) -> Result<(), CacheError> {
        self.db.execute(
            "INSERT INTO surveys (id, body, fetched_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, fetched_at = excluded.fetched_at",
            params![
                survey.id.0,
                serde_json::to_string(&SurveyBody::from(survey))?,
                now
            ],
        )?;
        Ok(())
    }

    /// Replaces the whole list with a complete one from the server: surveys deleted there
    /// disappear here too.
    pub fn keep_all_surveys(&self, surveys: &[SurveyBody], now: i64) -> Result<(), CacheError> {
        let tx = self.db.unchecked_transaction()?;
        tx.execute("DELETE FROM surveys", [])?;
        for survey in surveys {
            tx.execute(
                "INSERT INTO surveys (id, body, fetched_at) VALUES (?1, ?2, ?3)",
                params![survey.id, serde_json::to_string(survey)?, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn survey(&self, id: i64) -> Result<Option<Cached<Survey>>, CacheError> {
        let row: Option<(String, i64)> = self
            .db
            .query_row(
                "SELECT body, fetched_at FROM surveys WHERE id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        row.map(|(body, fetched_at)| {
            Ok(Cached {
                value: Survey::from(serde_json::from_str::<SurveyBody>(&body)?),
                fetched_at,
            })
        })
        .transpose()
    }

    /// Every cached survey in id order; `fetched_at` is the oldest of them.
    pub fn surveys(&self) -> Result<Cached<Vec<SurveyBody>>, CacheError> {
        let mut statement = self
            .db
            .prepare("SELECT body, fetched_at FROM surveys ORDER BY id")?;
        let mut oldest = i64::MAX;
        let mut surveys = Vec::new();
        let rows = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get(1)?)))?;
        for row in rows {
            let (body, fetched_at) = row?;
            oldest = oldest.min(fetched_at);
            surveys.push(serde_json::from_str(&body)?);
        }
        Ok(Cached {
            value: surveys,
            fetched_at: if oldest == i64::MAX { 0 } else { oldest },
        })
    }

    pub fn forget_survey(&self, id: i64) -> Result<(), CacheError> {
        self.db.execute("DELETE FROM surveys WHERE id = ?1", [id])?;
        Ok(())
    }

    // ---- the outbox ----

    /// Queues a response to `survey` (which was created at `created_at`); its `client_id`
    /// makes the eventual send idempotent.
    pub fn queue(
        &self,
        (survey_id, created_at): (i64, &str),
        request: &ResponseRequest,
        now: i64,
    ) -> Result<(), CacheError> {
        let client_id = request.client_id.clone().unwrap_or_else(new_client_id);
        self.db.execute(
            "INSERT INTO outbox (client_id, survey_id, survey_created_at, body, queued_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                client_id,
                survey_id,
                created_at,
                serde_json::to_string(request)?,
                now
            ],
        )?;
        Ok(())
    }

    /// Everything queued, oldest first.
    pub fn queued(&self) -> Result<Vec<Queued>, CacheError> {
        let mut statement = self.db.prepare(
            "SELECT seq, client_id, survey_id, body, queued_at, last_error, survey_created_at
             FROM outbox ORDER BY seq",
        )?;
        let rows = statement.query_map([], |row| {
            Ok((
                (row.get(0)?, row.get::<_, String>(1)?, row.get(2)?),
                row.get::<_, String>(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
            ))
        })?;
        let mut queued = Vec::new();
        for row in rows {
            let ((number, client_id, survey_id), body, since, last_error, survey_created_at) = row?;
            queued.push(Queued {
                number,
                client_id,
                survey_id,
                survey_created_at,
                request: serde_json::from_str(&body)?,
                since,
                last_error,
            });
        }
        Ok(queued)
    }

    pub fn pending(&self) -> Result<u64, CacheError> {
        Ok(self
            .db
            .query_row("SELECT count(*) FROM outbox", [], |row| row.get(0))?)
    }

    /// Whether a response to `survey_id` is waiting.
    pub fn is_queued_for(&self, survey_id: i64) -> Result<bool, CacheError> {
        Ok(self.db.query_row(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE survey_id = ?1)",
            [survey_id],
            |row| row.get(0),
        )?)
    }

    /// Throws queued response `number` away unsent; returns whether there was one.
    pub fn drop_queued(&self, number: i64) -> Result<bool, CacheError> {
        Ok(self
            .db
            .execute("DELETE FROM outbox WHERE seq = ?1", [number])?
            == 1)
    }

    /// Empties the outbox; returns how many were dropped.
    pub fn drop_all_queued(&self) -> Result<usize, CacheError> {
        Ok(self.db.execute("DELETE FROM outbox", [])?)
    }

    /// The server has it: gone from the outbox.
    pub fn delivered(&self, client_id: &str) -> Result<(), CacheError> {
        self.db
            .execute("DELETE FROM outbox WHERE client_id = ?1", [client_id])?;
        Ok(())
    }

    /// The server refused it: kept, with the reason, for the user to see.
    pub fn refused(&self, client_id: &str, reason: &str) -> Result<(), CacheError> {
        self.db.execute(
            "UPDATE outbox SET last_error = ?2 WHERE client_id = ?1",
            params![client_id, reason],
        )?;
        Ok(())
    }

    // ---- drafts ----

    /// Saves a new draft (`id` None) or replaces one; returns its id.
    pub fn save_draft(
        &self,
        id: Option<i64>,
        survey: &CreateSurveyRequest,
        now: i64,
    ) -> Result<Option<i64>, CacheError> {
        let body = serde_json::to_string(survey)?;
        match id {
            None => {
                self.db.execute(
                    "INSERT INTO drafts (body, created_at, updated_at) VALUES (?1, ?2, ?2)",
                    params![body, now],
                )?;
                Ok(Some(self.db.last_insert_rowid()))
            }
            Some(id) => {
                let changed = self.db.execute(
                    "UPDATE drafts SET body = ?2, updated_at = ?3 WHERE id = ?1",
                    params![id, body, now],
                )?;
                Ok((changed == 1).then_some(id))
            }
        }
    }

    pub fn drafts(&self) -> Result<Vec<Draft>, CacheError> {
        self.select_drafts("ORDER BY id", [])
    }

    pub fn draft(&self, id: i64) -> Result<Option<Draft>, CacheError> {
        Ok(self.select_drafts("WHERE id = ?1", [id])?.pop())
    }

    fn select_drafts<P: rusqlite::Params>(
        &self,
        clause: &str,
        params: P,
    ) -> Result<Vec<Draft>, CacheError> {
        let mut statement = self
            .db
            .prepare(&format!("SELECT id, body, updated_at FROM drafts {clause}"))?;
        let rows = statement.query_map(params, |row| {
            Ok((row.get(0)?, row.get::<_, String>(1)?, row.get(2)?))
        })?;
        let mut drafts = Vec::new();
        for row in rows {
            let (id, body, updated_at) = row?;
            drafts.push(Draft {
                id,
                survey: serde_json::from_str(&body)?,
                updated_at,
            });
        }
        Ok(drafts)
    }

    /// Returns whether there was such a draft.
    pub fn delete_draft(&self, id: i64) -> Result<bool, CacheError> {
        Ok(self.db.execute("DELETE FROM drafts WHERE id = ?1", [id])? == 1)
    }
}

/// A random (v4) UUID: the id a queued response keeps through every retry.
pub fn new_client_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `https://surveys.example.com:8443` → `https-surveys.example.com-8443`: one file per server,
/// readable in a directory listing.
fn file_name(server: &str) -> String {
    server
        .replace("://", "-")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn create_private_dir(dir: &Path) -> Result<(), CacheError> {
    private_file::create_dir(dir).map_err(|source| CacheError::Dir {
        path: dir.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AnswerBody;

    fn response(client_id: &str) -> ResponseRequest {
        ResponseRequest {
            answers: vec![AnswerBody {
                question_id: 1,
                choice_ids: Some(vec![2]),
                text: None,
            }],
            client_id: Some(client_id.to_owned()),
            invitation: None,
        }
    }

    const CREATED: &str = "2026-01-02 03:04:05";

    #[test]
    fn the_outbox_keeps_order_and_refusals_until_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), "http://127.0.0.1:5000").unwrap();
        cache.queue((7, CREATED), &response("a"), 100).unwrap();
        cache.queue((8, CREATED), &response("b"), 101).unwrap();
        cache.refused("b", "survey 8 is closed").unwrap();
        let queued = cache.queued().unwrap();
        let ids: Vec<_> = queued.iter().map(|q| q.client_id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(queued[1].last_error.as_deref(), Some("survey 8 is closed"));
        assert_eq!(queued[1].survey_created_at.as_deref(), Some(CREATED));
        assert!(cache.is_queued_for(8).unwrap());
        assert!(!cache.is_queued_for(9).unwrap());
        cache.delivered("a").unwrap();
        assert_eq!(cache.pending().unwrap(), 1);
        // The same database, opened again, as the next command would.
        let again = Cache::open(dir.path(), "http://127.0.0.1:5000").unwrap();
        assert_eq!(again.queued().unwrap()[0].survey_id, 8);
    }

    #[test]
    fn queued_responses_are_dropped_by_number_or_all_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), "http://h").unwrap();
        for (survey, id) in [(1, "a"), (2, "b"), (3, "c")] {
            cache.queue((survey, CREATED), &response(id), 1).unwrap();
        }
        let second = cache.queued().unwrap()[1].number;
        assert!(cache.drop_queued(second).unwrap());
        assert!(!cache.drop_queued(second).unwrap());
        let left: Vec<_> = cache
            .queued()
            .unwrap()
            .into_iter()
            .map(|q| q.survey_id)
            .collect();
        assert_eq!(left, [1, 3]);
        assert_eq!(cache.drop_all_queued().unwrap(), 2);
        assert_eq!(cache.pending().unwrap(), 0);
    }

    #[test]
    fn each_server_has_its_own_database() {
        let dir = tempfile::tempdir().unwrap();
        let one = Cache::open(dir.path(), "http://127.0.0.1:5000").unwrap();
        one.queue((1, CREATED), &response("x"), 1).unwrap();
        let other = Cache::open(dir.path(), "https://example.com").unwrap();
        assert_eq!(other.pending().unwrap(), 0);
        assert_eq!(
            file_name("https://example.com:8443/x"),
            "https-example.com-8443-x"
        );
    }

    #[test]
    fn a_response_queued_before_the_created_at_column_is_kept_without_one() {
        let dir = tempfile::tempdir().unwrap();
        let server = "http://h";
        // The database as the first migration left it, with one response queued then.
        let path = dir.path().join(format!("{}.db", file_name(server)));
        let old = Connection::open(&path).unwrap();
        old.execute_batch(MIGRATIONS[0]).unwrap();
        old.pragma_update(None, "user_version", 1).unwrap();
        let body = serde_json::to_string(&response("old")).unwrap();
        old.execute(
            "INSERT INTO outbox (client_id, survey_id, body, queued_at) VALUES ('old', 3, ?1, 9)",
            [body],
        )
        .unwrap();
        drop(old);
        let cache = Cache::open(dir.path(), server).unwrap();
        cache.queue((4, CREATED), &response("new"), 10).unwrap();
        let queued = cache.queued().unwrap();
        assert_eq!(queued[0].client_id, "old");
        assert_eq!(queued[0].survey_created_at, None);
        assert_eq!(queued[1].survey_created_at.as_deref(), Some(CREATED));
    }

    #[test]
    fn drafts_round_trip_and_replace() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path(), "http://h").unwrap();
        let mut survey: CreateSurveyRequest =
            serde_json::from_str(r#"{"name": "Lunch", "questions": []}"#).unwrap();
        let id = cache.save_draft(None, &survey, 5).unwrap().unwrap();
        survey.name = "Dinner".into();
        assert_eq!(cache.save_draft(Some(id), &survey, 6).unwrap(), Some(id));
        assert_eq!(cache.save_draft(Some(id + 1), &survey, 6).unwrap(), None);
        assert_eq!(cache.draft(id).unwrap().unwrap().survey.name, "Dinner");
        assert!(cache.delete_draft(id).unwrap());
        assert!(cache.drafts().unwrap().is_empty());
    }
}
