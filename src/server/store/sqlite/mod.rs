//! The SQLite backend: a small connection pool, embedded append-only migrations, and SQL
//! that keeps every count exact under concurrency.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, ToSql, TransactionBehavior, params};

mod responses;

use responses::ResponseWriter;

use super::{Page, Recorded, Store, StoreError};
use crate::domain::{
    Answer, Choice, ChoiceId, Email, NewSurvey, Question, QuestionId, QuestionKind, ResponseId,
    ResponseRecord, Results, Survey, SurveyId, SurveyStatus, User, UserId,
};

/// Applied in order; `PRAGMA user_version` records how many ran. Append only.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_surveys_by_creator.sql"),
    include_str!("migrations/0003_response_client_id.sql"),
];

/// How long a writer waits for the database lock before giving up. SQLite has one writer at
/// a time; under load the others queue here instead of failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct SqliteStore {
    path: PathBuf,
    /// Idle connections. A request takes one and gives it back; the lock is held only for
    /// the push or pop, never across a query.
    idle: Mutex<Vec<Connection>>,
    /// Held for every write transaction. SQLite allows one writer at a time anyway; waiting
    /// here wakes the next writer the moment the last commits, where SQLite's busy handler
    /// would poll with sleeps of up to 100 ms (measured: seed votes at p99 128 ms, 3,200/s).
    /// Readers never take it: WAL lets them run beside the writer.
    writer: Arc<Mutex<()>>,
    /// Bumped after every commit, while the writer lock is still held.
    generation: Arc<AtomicU64>,
    /// Responses, the hot write, are committed in batches by one thread (`responses.rs`).
    responses: ResponseWriter,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e {
            rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
            other => StoreError::Backend(other.to_string()),
        }
    }
}

pub(super) fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let mut conn = connect(path)?;
        // WAL lets readers run while one writer commits; the mode is stored in the file.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        migrate(&mut conn)?;
        let writer = Arc::new(Mutex::new(()));
        let generation = Arc::new(AtomicU64::new(0));
        let responses =
            ResponseWriter::start(connect(path)?, Arc::clone(&writer), Arc::clone(&generation))?;
        Ok(SqliteStore {
            path: path.to_owned(),
            idle: Mutex::new(vec![conn]),
            writer,
            generation,
            responses,
        })
    }

    fn with_conn<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let popped = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut conn = match popped {
            Some(conn) => conn,
            None => connect(&self.path)?,
        };
        let result = f(&mut conn);
        // A connection left inside a transaction (a panic mid-way) must not be reused.
        if conn.is_autocommit() {
            self.give_back(conn);
        }
        result
    }

    /// Like `with_conn`, one writer at a time.
    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let _writing = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let result = self.with_conn(f);
        self.generation.fetch_add(1, Ordering::Release);
        result
    }

    fn give_back(&self, conn: Connection) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(conn);
    }
}

fn connect(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Per connection, off by default in SQLite: without it ON DELETE CASCADE does nothing.
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // In WAL mode NORMAL syncs at checkpoints, not at every commit: a committed
    // transaction survives a process crash (kill -9), and only an OS crash or power loss
    // can roll back the last few. FULL would cost an fsync per response.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // rusqlite keeps 16 prepared statements by default; the store uses more than that, and
    // an evicted one is parsed again on its next use (seen in profiles of the vote path).
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index + 1)?;
        tx.commit()?;
    }
    Ok(())
}

const USER_COLUMNS: &str = "id, email, created_at, token_generation";

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(row.get(0)?),
        email: Email::from_trusted(row.get(1)?),
        created_at: row.get(2)?,
        token_generation: row.get(3)?,
    })
}

/// Which surveys `load_surveys` reads.
enum Selection {
    One(SurveyId),
    All,
    Page(Page),
    /// A page of the surveys one user created.
    CreatorPage(UserId, Page),
}

/// A page as SQL's `LIMIT` and `OFFSET`.
fn slice(page: &Page) -> (i64, i64) {
    (
        i64::try_from(page.size).unwrap_or(i64::MAX),
        i64::try_from(page.number.saturating_sub(1).saturating_mul(page.size)).unwrap_or(i64::MAX),
    )
}

/// Reads surveys with their questions and choices in three queries (not one per survey).
fn load_surveys(conn: &Connection, selection: &Selection) -> Result<Vec<Survey>, StoreError> {
    let (filter, key, (limit, offset)) = match selection {
        Selection::One(id) => ("WHERE s.id = ?1", id.0, (1, 0)),
        Selection::All => ("WHERE ?1 = ?1", 0, (-1, 0)),
        Selection::Page(p) => ("WHERE ?1 = ?1", 0, slice(p)),
        Selection::CreatorPage(creator, p) => ("WHERE s.creator_id = ?1", creator.0, slice(p)),
    };
    let sql = format!(
        "SELECT s.id, s.name, s.created_at, s.creator_id, u.email, s.closed_at IS NOT NULL,
                s.one_response_per_user, s.response_count
         FROM surveys s LEFT JOIN users u ON u.id = s.creator_id
         {filter} ORDER BY s.id LIMIT ?2 OFFSET ?3"
    );
    let mut surveys = conn
        .prepare_cached(&sql)?
        .query_map(params![key, limit, offset], |row| {
            Ok(Survey {
                id: SurveyId(row.get(0)?),
                name: row.get(1)?,
                created_at: row.get(2)?,
                creator_id: row.get::<_, Option<i64>>(3)?.map(UserId),
                creator: row.get(4)?,
                status: if row.get(5)? {
                    SurveyStatus::Closed
                } else {
                    SurveyStatus::Open
                },
                one_response_per_user: row.get(6)?,
                responses: row.get(7)?,
                questions: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let (Some(first), Some(last)) = (surveys.first(), surveys.last()) else {
        return Ok(surveys);
    };
    // Surveys come ordered by id, so the page is exactly the ids between its ends; of one
    // creator's page, only that creator's among them (other surveys may lie in between).
    let (first, last) = (first.id.0, last.id.0);
    let (scope, creator) = match selection {
        Selection::CreatorPage(creator, _) => (
            "survey_id IN (SELECT id FROM surveys WHERE creator_id = ?3 AND id BETWEEN ?1 AND ?2)",
            Some(creator.0),
        ),
        _ => ("survey_id BETWEEN ?1 AND ?2", None),
    };
    let bounds: [&dyn ToSql; 3] = [&first, &last, &creator];
    let range = &bounds[..if creator.is_some() { 3 } else { 2 }];
    let mut questions: Vec<Question> = conn
        .prepare_cached(&format!(
            "SELECT id, survey_id, text, kind, required, created_at FROM questions
             WHERE {scope} ORDER BY id"
        ))?
        .query_map(range, |row| {
            let kind: String = row.get(3)?;
            Ok(Question {
                id: QuestionId(row.get(0)?),
                survey_id: SurveyId(row.get(1)?),
                text: row.get(2)?,
                kind: kind.parse().unwrap_or(QuestionKind::Single),
                required: row.get(4)?,
                created_at: row.get(5)?,
                choices: Vec::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let question_index: HashMap<QuestionId, usize> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id, i))
        .collect();
    let mut choices = conn.prepare_cached(&format!(
        "SELECT c.id, c.question_id, c.text, c.created_at, c.selected
         FROM choices c JOIN questions q ON q.id = c.question_id
         WHERE q.{scope} ORDER BY c.id"
    ))?;
    let rows = choices.query_map(range, |row| {
        Ok(Choice {
            id: ChoiceId(row.get(0)?),
            question_id: QuestionId(row.get(1)?),
            text: row.get(2)?,
            created_at: row.get(3)?,
            selected: row.get(4)?,
        })
    })?;
    for choice in rows {
        let choice = choice?;
        if let Some(&i) = question_index.get(&choice.question_id) {
            questions[i].choices.push(choice);
        }
    }
    let survey_index: HashMap<SurveyId, usize> =
        surveys.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    for question in questions {
        if let Some(&i) = survey_index.get(&question.survey_id) {
            surveys[i].questions.push(question);
        }
    }
    Ok(surveys)
}

fn load_survey(conn: &Connection, id: SurveyId) -> Result<Survey, StoreError> {
    load_surveys(conn, &Selection::One(id))?
        .pop()
        .ok_or(StoreError::NotFound)
}

impl Store for SqliteStore {
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn create_user(&self, email: &Email, password_hash: &str) -> Result<User, StoreError> {
        self.with_writer(|conn| {
            conn.prepare_cached(&format!(
                "INSERT INTO users (email, password_hash) VALUES (?1, ?2) RETURNING {USER_COLUMNS}"
            ))?
            .query_row(params![email.as_str(), password_hash], user_from_row)
            .map_err(|e| {
                if is_unique_violation(&e) {
                    StoreError::DuplicateEmail
                } else {
                    e.into()
                }
            })
        })
    }

    fn find_credentials(&self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?1"
                ))?
                .query_row([email], |row| Ok((user_from_row(row)?, row.get(4)?)))
                .optional()?)
        })
    }

    fn find_user(&self, email: &str) -> Result<Option<User>, StoreError> {
        self.with_conn(|conn| {
            Ok(conn
                .prepare_cached(&format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE email = ?1"
                ))?
                .query_row([email], user_from_row)
                .optional()?)
        })
    }

    fn update_token_generation(&self, user: UserId) -> Result<i64, StoreError> {
        self.with_writer(|conn| {
            Ok(conn
                .prepare_cached(
                    "UPDATE users SET token_generation = token_generation + 1 WHERE id = ?1
                     RETURNING token_generation",
                )?
                .query_row([user.0], |row| row.get(0))?)
        })
    }

    fn create_survey(&self, creator: UserId, survey: &NewSurvey) -> Result<Survey, StoreError> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let id: i64 = tx
                .prepare_cached(
                    "INSERT INTO surveys (name, creator_id, one_response_per_user) VALUES (?1, ?2, ?3)
                     RETURNING id",
                )?
                .query_row(params![survey.name, creator.0, survey.one_response_per_user], |r| {
                    r.get(0)
                })?;
            for question in &survey.questions {
                let question_id: i64 = tx
                    .prepare_cached(
                        "INSERT INTO questions (survey_id, text, kind, required) VALUES (?1, ?2, ?3, ?4)
                         RETURNING id",
                    )?
                    .query_row(
                        params![id, question.text, question.kind.as_str(), question.required],
                        |r| r.get(0),
                    )?;
                let mut insert_choice = tx
                    .prepare_cached("INSERT INTO choices (question_id, text) VALUES (?1, ?2)")?;
                for choice in &question.choices {
                    insert_choice.execute(params![question_id, choice])?;
                }
            }
            let created = load_survey(&tx, SurveyId(id))?;
            tx.commit()?;
            Ok(created)
        })
    }

    fn get_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.with_conn(|conn| load_survey(conn, id))
    }

    fn list_surveys(&self, page: Option<Page>) -> Result<(Vec<Survey>, u64), StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            let surveys = load_surveys(&tx, &page.map_or(Selection::All, Selection::Page))?;
            let total = match page {
                None => surveys.len() as u64,
                Some(_) => tx.query_row("SELECT COUNT(*) FROM surveys", [], |r| r.get(0))?,
            };
            Ok((surveys, total))
        })
    }

    fn list_surveys_by(
        &self,
        creator: UserId,
        page: Page,
    ) -> Result<(Vec<Survey>, u64), StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            let surveys = load_surveys(&tx, &Selection::CreatorPage(creator, page))?;
            let total = tx
                .prepare_cached("SELECT COUNT(*) FROM surveys WHERE creator_id = ?1")?
                .query_row([creator.0], |r| r.get(0))?;
            Ok((surveys, total))
        })
    }

    fn record_response(
        &self,
        survey: SurveyId,
        by: Option<UserId>,
        answers: &[Answer],
        client_id: Option<&str>,
    ) -> Result<Recorded, StoreError> {
        self.responses.record(survey, by, answers, client_id)
    }

    fn get_results(&self, id: SurveyId) -> Result<Results, StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            let survey = load_survey(&tx, id)?;
            let mut texts = tx.prepare_cached(
                "SELECT a.text FROM answers a JOIN responses r ON r.id = a.response_id
                 WHERE a.question_id = ?1 AND a.text IS NOT NULL AND a.text != '' ORDER BY r.id",
            )?;
            let text_answers = survey
                .questions
                .iter()
                .map(|q| {
                    if q.kind == QuestionKind::Text {
                        texts.query_map([q.id.0], |r| r.get(0))?.collect()
                    } else {
                        Ok(Vec::new())
                    }
                })
                .collect::<rusqlite::Result<_>>()?;
            drop(texts);
            Ok(Results {
                survey,
                text_answers,
            })
        })
    }

    fn list_responses(&self, id: SurveyId) -> Result<Vec<ResponseRecord>, StoreError> {
        self.with_conn(|conn| {
            let tx = conn.transaction()?;
            load_survey(&tx, id)?;
            let mut records: Vec<ResponseRecord> = tx
                .prepare_cached(
                    "SELECT r.id, r.created_at, u.email FROM responses r
                     LEFT JOIN users u ON u.id = r.respondent_id
                     WHERE r.survey_id = ?1 ORDER BY r.id",
                )?
                .query_map([id.0], |r| {
                    Ok(ResponseRecord {
                        id: ResponseId(r.get(0)?),
                        created_at: r.get(1)?,
                        respondent: r.get(2)?,
                        answers: Vec::new(),
                    })
                })?
                .collect::<Result<_, _>>()?;
            let index: HashMap<ResponseId, usize> =
                records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
            let mut answers = tx.prepare_cached(
                "SELECT a.response_id, a.question_id, a.choice_id, a.text FROM answers a
                 JOIN responses r ON r.id = a.response_id
                 WHERE r.survey_id = ?1 ORDER BY a.rowid",
            )?;
            let rows = answers.query_map([id.0], |r| {
                Ok((
                    ResponseId(r.get(0)?),
                    QuestionId(r.get(1)?),
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?;
            for row in rows {
                let (response, question, choice, text) = row?;
                let Some(record) = index.get(&response).map(|&i| &mut records[i]) else {
                    continue;
                };
                match (choice, text) {
                    (Some(choice), _) => {
                        let existing = record.answers.iter_mut().find_map(|a| match a {
                            Answer::Choices {
                                question: q,
                                choices,
                            } if *q == question => Some(choices),
                            _ => None,
                        });
                        match existing {
                            Some(choices) => choices.push(ChoiceId(choice)),
                            None => record.answers.push(Answer::Choices {
                                question,
                                choices: vec![ChoiceId(choice)],
                            }),
                        }
                    }
                    (None, text) => {
                        record.answers.push(Answer::Text {
                            question,
                            text: text.unwrap_or_default(),
                        });
                    }
                }
            }
            drop(answers);
            Ok(records)
        })
    }

    fn close_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.with_writer(|conn| {
            let changed = conn.execute(
                "UPDATE surveys SET closed_at = COALESCE(closed_at, strftime('%Y-%m-%d %H:%M:%S', 'now'))
                 WHERE id = ?1",
                [id.0],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            load_survey(conn, id)
        })
    }

    fn delete_survey(&self, id: SurveyId) -> Result<(), StoreError> {
        self.with_writer(|conn| {
            match conn.execute("DELETE FROM surveys WHERE id = ?1", [id.0])? {
                0 => Err(StoreError::NotFound),
                _ => Ok(()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::NewQuestion;

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        (dir, store)
    }

    fn survey() -> NewSurvey {
        NewSurvey::new(
            "Lunch",
            true,
            vec![NewQuestion {
                text: "Where?".into(),
                kind: QuestionKind::Single,
                required: true,
                choices: vec!["Pub".into(), "Cafe".into()],
            }],
        )
        .unwrap()
    }

    #[test]
    fn migrations_run_once_and_record_the_schema_version() {
        let (dir, store) = store();
        drop(store);
        let again = SqliteStore::open(&dir.path().join("t.db")).unwrap();
        let version: usize = again
            .with_conn(|c| Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
    }

    #[test]
    fn emails_are_unique_regardless_of_case() {
        let (_dir, store) = store();
        store
            .create_user(&Email::parse("ann@example.com").unwrap(), "h")
            .unwrap();
        let again = store.create_user(&Email::parse("ANN@example.com").unwrap(), "h");
        assert!(matches!(again, Err(StoreError::DuplicateEmail)));
    }

    #[test]
    fn responses_count_and_one_per_user_holds() {
        let (_dir, store) = store();
        let ann = store
            .create_user(&Email::parse("ann@example.com").unwrap(), "h")
            .unwrap();
        let created = store.create_survey(ann.id, &survey()).unwrap();
        let q = &created.questions[0];
        let answer = [Answer::Choices {
            question: q.id,
            choices: vec![q.choices[1].id],
        }];
        store
            .record_response(created.id, Some(ann.id), &answer, None)
            .unwrap();
        store
            .record_response(created.id, None, &answer, None)
            .unwrap();
        assert!(matches!(
            store.record_response(created.id, Some(ann.id), &answer, None),
            Err(StoreError::AlreadyResponded)
        ));
        let after = store.get_survey(created.id).unwrap();
        assert_eq!(after.responses, 2);
        assert_eq!(after.questions[0].choices[1].selected, 2);
        assert_eq!(store.list_responses(created.id).unwrap().len(), 2);
        store.close_survey(created.id).unwrap();
        assert!(matches!(
            store.record_response(created.id, None, &answer, None),
            Err(StoreError::Closed)
        ));
        store.delete_survey(created.id).unwrap();
        assert!(matches!(
            store.get_survey(created.id),
            Err(StoreError::NotFound)
        ));
    }

    #[test]
    fn a_client_id_records_a_response_once_and_names_it_for_one_survey_only() {
        let (_dir, store) = store();
        let ann = store
            .create_user(&Email::parse("ann@example.com").unwrap(), "h")
            .unwrap();
        let once = store.create_survey(ann.id, &survey()).unwrap();
        let other = store.create_survey(ann.id, &survey()).unwrap();
        let answer = |survey: &Survey| {
            let q = &survey.questions[0];
            [Answer::Choices {
                question: q.id,
                choices: vec![q.choices[0].id],
            }]
        };
        let send = |survey: &Survey, client_id| {
            store.record_response(survey.id, Some(ann.id), &answer(survey), client_id)
        };
        let Ok(Recorded::New(first)) = send(&once, Some("a")) else {
            panic!("the first send is not new");
        };
        // One response per user, yet a resend is not a second response.
        assert_eq!(send(&once, Some("a")).unwrap(), Recorded::Repeat(first));
        assert!(matches!(
            send(&once, Some("b")),
            Err(StoreError::AlreadyResponded)
        ));
        assert!(matches!(
            send(&other, Some("a")),
            Err(StoreError::ClientIdTaken)
        ));
        store.close_survey(once.id).unwrap();
        assert_eq!(send(&once, Some("a")).unwrap(), Recorded::Repeat(first));
        assert!(matches!(send(&once, Some("c")), Err(StoreError::Closed)));
        let after = store.get_survey(once.id).unwrap();
        assert_eq!(after.responses, 1);
        assert_eq!(after.questions[0].choices[0].selected, 1);
        assert_eq!(store.get_survey(other.id).unwrap().responses, 0);
        // Responses without a client id never collide on it.
        let unnamed = |s: &Survey| store.record_response(s.id, None, &answer(s), None);
        assert!(matches!(unnamed(&other), Ok(Recorded::New(_))));
        assert!(matches!(unnamed(&other), Ok(Recorded::New(_))));
    }

    #[test]
    fn a_creators_page_holds_only_their_surveys_with_their_questions() {
        let (_dir, store) = store();
        let ann = store
            .create_user(&Email::parse("ann@example.com").unwrap(), "h")
            .unwrap();
        let bob = store
            .create_user(&Email::parse("bob@example.com").unwrap(), "h")
            .unwrap();
        // Interleaved, so bob's surveys lie between ann's ids.
        let mut anns = Vec::new();
        for _ in 0..3 {
            anns.push(store.create_survey(ann.id, &survey()).unwrap().id);
            store.create_survey(bob.id, &survey()).unwrap();
        }
        let page = |number| Page { number, size: 2 };
        let (first, total) = store.list_surveys_by(ann.id, page(1)).unwrap();
        assert_eq!(total, 3);
        assert_eq!(first.iter().map(|s| s.id).collect::<Vec<_>>(), anns[..2]);
        assert!(first.iter().all(|s| s.questions.len() == 1));
        assert!(first.iter().all(|s| s.questions[0].choices.len() == 2));
        let (second, _) = store.list_surveys_by(ann.id, page(2)).unwrap();
        assert_eq!(second.iter().map(|s| s.id).collect::<Vec<_>>(), anns[2..]);
        let (beyond, total) = store.list_surveys_by(ann.id, page(3)).unwrap();
        assert!(beyond.is_empty());
        assert_eq!(total, 3);
        let nobody = UserId(ann.id.0 + bob.id.0 + 1);
        assert_eq!(
            store.list_surveys_by(nobody, page(1)).unwrap(),
            (Vec::new(), 0)
        );
    }
}
