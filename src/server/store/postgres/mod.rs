//! The PostgreSQL backend, for when one machine is not enough: any number of `canvass serve`
//! replicas share one database and behave as one server (issue 12).
//!
//! - Every exact write is one statement or one transaction, retried on serialization failures
//!   and deadlocks (`pool::with_retry`); counts are increments in SQL.
//! - A response is recorded by one statement (one round trip): writes on several replicas
//!   interleave in the database, where the counting happens, so no group commit is needed.
//! - Other replicas' writes reach this one's reply cache through LISTEN/NOTIFY
//!   (`listener.rs`); login failures and token generations are rows, read by every replica.

mod inspect;
mod lifecycle;
mod listener;
mod pool;
mod surveys;
mod transfer;
mod users;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use postgres::{Client, Config, NoTls};

use super::selection::Selection;
use listener::Generation;
use pool::{Pool, is_unique_violation, with_retry};
use surveys::{load_responses, load_results, load_survey, load_surveys, unsigned};

use super::{
    Entity, LoginFailures, Page, Recorded, Store, StoreError, epoch_millis, from_epoch_millis,
    rekeyed,
};
use crate::domain::{
    Answer, Edited, Email, Invitation, InvitationRefusal, NewSurvey, ResponseId, ResponseRecord,
    Results, Survey, SurveyId, SurveySettings, Timestamp, User, UserId,
};

/// Applied in order inside one transaction; `canvass_migrations` records which ran. Append
/// only.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_responses_by_respondent_and_email_key.sql"),
    include_str!("migrations/0003_survey_settings_and_invitations.sql"),
    include_str!("migrations/0004_users_disabled.sql"),
];

/// The migration after which `email_key` is computed anew (by `fill_email_keys`).
const EMAIL_KEY_CHANGED: usize = 2;

/// Any fixed number: the advisory lock that lets one starting replica migrate at a time.
const MIGRATION_LOCK: i64 = 0x0063_616e_7661_7373; // "canvass"

pub struct PostgresStore {
    pool: Pool,
    generation: Arc<Generation>,
}

impl PostgresStore {
    /// Connects to `url`, migrates, and starts listening for other replicas' writes.
    /// `connections` bounds the pool.
    pub fn open(url: &str, connections: usize) -> Result<Self, StoreError> {
        let config: Config = url.parse().map_err(StoreError::backend)?;
        let mut client = config.connect(NoTls)?;
        migrate(&mut client)?;
        drop(client);
        let generation = Generation::new();
        listener::start(config.clone(), Arc::clone(&generation)).map_err(StoreError::backend)?;
        Ok(Self {
            pool: pool::pool(config, connections)?,
            generation,
        })
    }

    /// Runs a write transaction (retried as a whole when the database asks), then moves this
    /// replica's generation on; other replicas hear of it from the notification.
    fn write<T>(
        &self,
        mut work: impl FnMut(&mut postgres::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let result = with_retry(&self.pool, |conn| {
            let notify = conn.prepared(NOTIFY)?;
            let mut tx = conn.client.transaction()?;
            let value = work(&mut tx)?;
            tx.execute(&notify, &[])?;
            tx.commit()?;
            Ok(value)
        });
        self.generation.bump();
        result
    }

    fn read<T>(
        &self,
        work: impl FnMut(&mut pool::PgConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        with_retry(&self.pool, work)
    }
}

const NOTIFY: &str = "SELECT pg_notify('canvass_writes', '')";

/// Brings the schema up to date. Replicas starting at the same instant queue on an advisory
/// lock (PostgreSQL's; CockroachDB accepts and ignores it, and its DDL then races: start one
/// replica first there), so the migrations run once.
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS canvass_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at TEXT NOT NULL DEFAULT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
         )",
    )?;
    let applied: i64 = tx
        .query_one("SELECT COUNT(*) FROM canvass_migrations", &[])?
        .get(0);
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(applied).unwrap_or(usize::MAX))
    {
        tx.batch_execute(sql)?;
        if index + 1 == EMAIL_KEY_CHANGED {
            fill_email_keys(&mut tx)?;
        }
        let version = i32::try_from(index + 1).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO canvass_migrations (version) VALUES ($1)",
            &[&version],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Every user's key, computed in Rust as `create_user` computes it (SQL has no NFKC).
fn fill_email_keys(tx: &mut postgres::Transaction<'_>) -> Result<(), StoreError> {
    let users = tx
        .query("SELECT id, email FROM users ORDER BY id", &[])?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let rekeyed = rekeyed(users);
    let update = tx.prepare("UPDATE users SET email_key = $2 WHERE id = $1")?;
    for (id, key) in &rekeyed.keys {
        tx.execute(&update, &[id, key])?;
    }
    rekeyed.warn();
    Ok(())
}

const USER_COLUMNS: &str = "id, email, created_at, token_generation, disabled";

/// A user from the first columns of `row`, as `USER_COLUMNS` names them.
fn user_from_row(row: &postgres::Row) -> User {
    User {
        id: UserId(row.get(0)),
        email: Email::from_trusted(row.get(1)),
        created_at: row.get(2),
        token_generation: row.get(3),
        disabled: row.get(4),
    }
}

/// One statement records a response: the response row (unless the survey is missing, closed,
/// full or outside its window, an invitation it needs is missing or used, or a unique
/// constraint says it was sent before or is a second one), its answers, and the counts.
/// Nothing is written unless all of it is.
///
/// `FOR UPDATE` makes responses to one survey take turns from the start: a waiting one
/// re-reads the row after the other commits (READ COMMITTED re-checks the `WHERE` on the new
/// version), so `response_count < max_responses` admits exactly `max_responses`, however
/// many race. The same row is locked by the count's `UPDATE` anyway.
///
/// `UNNEST` and `= ANY` are PostgreSQL's (CockroachDB and YugabyteDB have them too).
const RECORD_RESPONSE: &str = "
WITH survey AS (
    SELECT id, one_response_per_user, anonymous, invitation_only FROM surveys
    WHERE id = $1::BIGINT AND closed_at IS NULL
        AND (opens_at IS NULL OR opens_at <= $8::BIGINT)
        AND (closes_at IS NULL OR closes_at > $8::BIGINT)
        AND (max_responses IS NULL OR response_count < max_responses)
    FOR UPDATE
), invitation AS (
    UPDATE invitations SET used_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')
    WHERE survey_id = $1::BIGINT AND code_hash = $9::TEXT AND used_at IS NULL
        AND EXISTS (SELECT 1 FROM survey WHERE invitation_only)
    RETURNING id
), response AS (
    INSERT INTO responses (survey_id, respondent_id, exclusive_respondent_id, client_id)
    SELECT id, CASE WHEN NOT anonymous THEN $2::BIGINT END,
        CASE WHEN one_response_per_user THEN $2::BIGINT END, $3::TEXT
    FROM survey
    WHERE NOT invitation_only OR EXISTS (SELECT 1 FROM invitation)
    ON CONFLICT DO NOTHING
    RETURNING id
), answer AS (
    INSERT INTO answers (response_id, question_id, choice_id, text)
    SELECT response.id, a.question_id, a.choice_id, a.text
    FROM response, UNNEST($4::BIGINT[], $5::BIGINT[], $6::TEXT[])
        WITH ORDINALITY AS a(question_id, choice_id, text, n)
    ORDER BY a.n
), counted AS (
    UPDATE choices SET selected = selected + 1
    WHERE id = ANY($7::BIGINT[]) AND EXISTS (SELECT 1 FROM response)
), tallied AS (
    UPDATE surveys SET response_count = response_count + 1
    WHERE id = $1 AND EXISTS (SELECT 1 FROM response)
)
SELECT id, pg_notify('canvass_writes', '') FROM response";

/// Answers as the parallel arrays `RECORD_RESPONSE` unnests, and the choices to count.
struct AnswerColumns {
    questions: Vec<i64>,
    choices: Vec<Option<i64>>,
    texts: Vec<Option<String>>,
    counted: Vec<i64>,
}

impl AnswerColumns {
    fn new(answers: &[Answer]) -> Self {
        let mut columns = AnswerColumns {
            questions: Vec::new(),
            choices: Vec::new(),
            texts: Vec::new(),
            counted: Vec::new(),
        };
        for answer in answers {
            match answer {
                Answer::Choices { question, choices } => {
                    for choice in choices {
                        columns.questions.push(question.0);
                        columns.choices.push(Some(choice.0));
                        columns.texts.push(None);
                        columns.counted.push(choice.0);
                    }
                }
                Answer::Text { question, text } => {
                    columns.questions.push(question.0);
                    columns.choices.push(None);
                    columns.texts.push(Some(text.clone()));
                }
            }
        }
        columns
    }
}

impl Store for PostgresStore {
    fn generation(&self) -> u64 {
        self.generation.current()
    }

    fn ping(&self) -> Result<(), StoreError> {
        self.read(|conn| {
            conn.client.simple_query("SELECT 1")?;
            Ok(())
        })
    }

    fn create_user(&self, email: &Email, password_hash: &str) -> Result<User, StoreError> {
        let key = Email::key(email.as_str());
        self.write(|tx| {
            let inserted = tx.query_one(
                &format!(
                    "INSERT INTO users (email, email_key, password_hash) VALUES ($1, $2, $3)
                     RETURNING {USER_COLUMNS}"
                ),
                &[&email.as_str(), &key, &password_hash],
            );
            match inserted {
                Ok(row) => Ok(user_from_row(&row)),
                Err(e) if is_unique_violation(&e) => Err(StoreError::DuplicateEmail),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn find_credentials(&self, email: &str) -> Result<Option<(User, String)>, StoreError> {
        // TEXT cannot hold NUL, so no stored e-mail has one; PostgreSQL would refuse the query.
        if email.contains('\0') {
            return Ok(None);
        }
        let key = Email::key(email);
        self.read(|conn| {
            let statement = conn.prepared(
                "SELECT id, email, created_at, token_generation, disabled, password_hash
                 FROM users WHERE email_key = $1",
            )?;
            Ok(conn
                .client
                .query_opt(&statement, &[&key])?
                .map(|row| (user_from_row(&row), row.get(5))))
        })
    }

    fn find_user(&self, email: &str) -> Result<Option<User>, StoreError> {
        if email.contains('\0') {
            return Ok(None);
        }
        let key = Email::key(email);
        self.read(|conn| {
            let statement = conn.prepared(
                "SELECT id, email, created_at, token_generation, disabled
                 FROM users WHERE email_key = $1",
            )?;
            Ok(conn
                .client
                .query_opt(&statement, &[&key])?
                .map(|row| user_from_row(&row)))
        })
    }

    fn update_token_generation(&self, user: UserId) -> Result<i64, StoreError> {
        self.write(|tx| {
            tx.query_opt(
                "UPDATE users SET token_generation = token_generation + 1 WHERE id = $1
                 RETURNING token_generation",
                &[&user.0],
            )?
            .map(|row| row.get(0))
            .ok_or(StoreError::NotFound(Entity::User))
        })
    }

    fn create_survey(&self, creator: UserId, survey: &NewSurvey) -> Result<Survey, StoreError> {
        self.write(|tx| {
            let id = lifecycle::insert_survey(tx, creator, survey)?;
            load_survey(tx, SurveyId(id))
        })
    }

    fn update_survey(&self, id: SurveyId, edit: &Edited) -> Result<Survey, StoreError> {
        self.write(|tx| lifecycle::update_survey(tx, id, edit))
    }

    fn reopen_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.write(|tx| lifecycle::reopen_survey(tx, id))
    }

    fn create_invitations(
        &self,
        survey: SurveyId,
        codes: &[(String, String)],
    ) -> Result<Vec<Invitation>, StoreError> {
        self.write(|tx| lifecycle::create_invitations(tx, survey, codes))
    }

    fn list_invitations(&self, survey: SurveyId) -> Result<Vec<Invitation>, StoreError> {
        self.read(|conn| lifecycle::list_invitations(&mut conn.client, survey))
    }

    fn get_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.read(|conn| load_survey(&mut conn.client, id))
    }

    fn list_surveys(&self, page: Page) -> Result<(Vec<Survey>, u64), StoreError> {
        self.read(|conn| {
            // One snapshot for the slice and its total.
            let mut tx = conn.client.build_transaction().read_only(true).start()?;
            let surveys = load_surveys(&mut tx, &Selection::Page(page))?;
            let total = unsigned(tx.query_one("SELECT COUNT(*) FROM surveys", &[])?.get(0));
            tx.commit()?;
            Ok((surveys, total))
        })
    }

    fn list_surveys_by(
        &self,
        creator: UserId,
        page: Page,
    ) -> Result<(Vec<Survey>, u64), StoreError> {
        self.read(|conn| {
            let mut tx = conn.client.build_transaction().read_only(true).start()?;
            let surveys = load_surveys(&mut tx, &Selection::CreatorPage(creator, page))?;
            let total = tx
                .query_one(
                    "SELECT COUNT(*) FROM surveys WHERE creator_id = $1",
                    &[&creator.0],
                )?
                .get(0);
            tx.commit()?;
            Ok((surveys, unsigned(total)))
        })
    }

    fn record_response(
        &self,
        survey: SurveyId,
        by: Option<UserId>,
        answers: &[Answer],
        client_id: Option<&str>,
        invitation: Option<&str>,
    ) -> Result<Recorded, StoreError> {
        let columns = AnswerColumns::new(answers);
        let respondent = by.map(|u| u.0);
        let now = Timestamp::now().unix();
        let recorded = self.read(|conn| {
            let statement = conn.prepared(RECORD_RESPONSE)?;
            let params: [&(dyn postgres::types::ToSql + Sync); 9] = [
                &survey.0,
                &respondent,
                &client_id,
                &columns.questions,
                &columns.choices,
                &columns.texts,
                &columns.counted,
                &now,
                &invitation,
            ];
            if invitation.is_none() {
                return Ok(conn
                    .client
                    .query_opt(&statement, &params)?
                    .map(|row| ResponseId(row.get(0))));
            }
            // A code may be used up by a response that is then not recorded (a second one
            // where one per user): in a transaction, such a use is rolled back with it.
            let mut tx = conn.client.transaction()?;
            let id = tx
                .query_opt(&statement, &params)?
                .map(|row| ResponseId(row.get(0)));
            if id.is_some() {
                tx.commit()?;
            }
            Ok(id)
        })?;
        match recorded {
            Some(id) => {
                self.generation.bump();
                Ok(Recorded::New(id))
            }
            None => self.why_not_recorded(survey, client_id, invitation),
        }
    }

    fn find_response_by(
        &self,
        survey: SurveyId,
        user: UserId,
    ) -> Result<Option<(ResponseId, String)>, StoreError> {
        self.read(|conn| {
            let statement = conn.prepared(
                "SELECT id, created_at FROM responses
                 WHERE respondent_id = $1 AND survey_id = $2 ORDER BY id DESC LIMIT 1",
            )?;
            Ok(conn
                .client
                .query_opt(&statement, &[&user.0, &survey.0])?
                .map(|row| (ResponseId(row.get(0)), row.get(1))))
        })
    }

    fn get_results(&self, id: SurveyId) -> Result<Results, StoreError> {
        self.read(|conn| {
            let mut tx = conn.client.build_transaction().read_only(true).start()?;
            let results = load_results(&mut tx, id)?;
            tx.commit()?;
            Ok(results)
        })
    }

    fn list_responses(&self, id: SurveyId) -> Result<Vec<ResponseRecord>, StoreError> {
        self.read(|conn| {
            let mut tx = conn.client.build_transaction().read_only(true).start()?;
            let responses = load_responses(&mut tx, id)?;
            tx.commit()?;
            Ok(responses)
        })
    }

    fn close_survey(&self, id: SurveyId) -> Result<Survey, StoreError> {
        self.write(|tx| {
            let changed = tx.execute(
                "UPDATE surveys SET closed_at = COALESCE(closed_at,
                     to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))
                 WHERE id = $1",
                &[&id.0],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(Entity::Survey));
            }
            load_survey(tx, id)
        })
    }

    fn delete_survey(&self, id: SurveyId) -> Result<(), StoreError> {
        self.write(
            |tx| match tx.execute("DELETE FROM surveys WHERE id = $1", &[&id.0])? {
                0 => Err(StoreError::NotFound(Entity::Survey)),
                _ => Ok(()),
            },
        )
    }

    fn find_login_failures(
        &self,
        key: &str,
        since: SystemTime,
    ) -> Result<Option<LoginFailures>, StoreError> {
        let since = epoch_millis(since);
        self.read(|conn| {
            let statement = conn.prepared(
                "SELECT count, since FROM login_failures WHERE key = $1 AND since > $2",
            )?;
            Ok(conn
                .client
                .query_opt(&statement, &[&key, &since])?
                .map(|row| LoginFailures {
                    count: u32::try_from(row.get::<_, i64>(0)).unwrap_or(u32::MAX),
                    since: from_epoch_millis(row.get(1)),
                }))
        })
    }

    fn record_login_failure(
        &self,
        key: &str,
        now: SystemTime,
        window: Duration,
    ) -> Result<(), StoreError> {
        let (now, expired) = (epoch_millis(now), epoch_millis(now - window));
        with_retry(&self.pool, |conn| {
            let mut tx = conn.client.transaction()?;
            // Old windows go, so a spray of random e-mails cannot grow the table for ever.
            tx.execute("DELETE FROM login_failures WHERE since <= $1", &[&expired])?;
            // Counted in SQL: two replicas failing one e-mail at once are two failures.
            tx.execute(
                "INSERT INTO login_failures (key, count, since) VALUES ($1, 1, $2)
                 ON CONFLICT (key) DO UPDATE SET count = login_failures.count + 1",
                &[&key, &now],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn delete_login_failures(&self, key: &str) -> Result<(), StoreError> {
        self.read(|conn| {
            conn.client
                .execute("DELETE FROM login_failures WHERE key = $1", &[&key])?;
            Ok(())
        })
    }
}

impl PostgresStore {
    /// A response the statement did not record: a resend (`Repeat`), a client id used for
    /// another survey, a missing or closed survey, or a second response where one per user.
    /// Its conflicting row, if any, is committed by now: `ON CONFLICT` waited for it.
    fn why_not_recorded(
        &self,
        survey: SurveyId,
        client_id: Option<&str>,
        invitation: Option<&str>,
    ) -> Result<Recorded, StoreError> {
        self.read(|conn| {
            if let Some(client_id) = client_id {
                let earlier = conn.client.query_opt(
                    "SELECT id, survey_id FROM responses WHERE client_id = $1",
                    &[&client_id],
                )?;
                if let Some(row) = earlier {
                    return if row.get::<_, i64>(1) == survey.0 {
                        Ok(Recorded::Repeat(ResponseId(row.get(0))))
                    } else {
                        Err(StoreError::ClientIdTaken)
                    };
                }
            }
            let Some(gate) = conn.client.query_opt(
                "SELECT closed_at IS NOT NULL, response_count, opens_at, closes_at,
                        max_responses, invitation_only
                 FROM surveys WHERE id = $1",
                &[&survey.0],
            )?
            else {
                return Err(StoreError::NotFound(Entity::Survey));
            };
            let settings = SurveySettings {
                opens_at: gate.get::<_, Option<i64>>(2).map(Timestamp::from_unix),
                closes_at: gate.get::<_, Option<i64>>(3).map(Timestamp::from_unix),
                max_responses: gate.get::<_, Option<i64>>(4).map(unsigned),
                invitation_only: gate.get(5),
                ..SurveySettings::default()
            };
            settings
                .taking(
                    survey.0,
                    gate.get(0),
                    unsigned(gate.get(1)),
                    Timestamp::now(),
                )
                .map_err(StoreError::NotTaking)?;
            if settings.invitation_only {
                let Some(hash) = invitation else {
                    return Err(StoreError::Invitation(InvitationRefusal::Required {
                        survey: survey.0,
                    }));
                };
                let used: Option<bool> = conn
                    .client
                    .query_opt(
                        "SELECT used_at IS NOT NULL FROM invitations
                         WHERE survey_id = $1 AND code_hash = $2",
                        &[&survey.0, &hash],
                    )?
                    .map(|row| row.get(0));
                match used {
                    None => {
                        return Err(StoreError::Invitation(InvitationRefusal::Unknown {
                            survey: survey.0,
                        }));
                    }
                    Some(true) => return Err(StoreError::Invitation(InvitationRefusal::Used)),
                    // Unused: the response was refused for being a second one (and gave the
                    // code back).
                    Some(false) => {}
                }
            }
            Err(StoreError::AlreadyResponded)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::listener::CHANNEL;
    use super::*;

    #[test]
    fn every_write_statement_notifies_the_channel_the_replicas_listen_on() {
        let notify = format!("pg_notify('{CHANNEL}', '')");
        assert!(NOTIFY.contains(&notify), "{NOTIFY}");
        assert!(RECORD_RESPONSE.contains(&notify), "{RECORD_RESPONSE}");
    }
}
