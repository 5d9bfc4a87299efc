//! Recording responses, the hot write, with group commit: one thread takes every response
//! waiting, writes each inside a savepoint of one transaction, commits once, then answers
//! them all. A commit costs the same for one response or a hundred (the same few B-tree
//! pages are appended to the WAL), so under load this multiplies throughput; alone, a
//! response is a batch of one and waits for nobody. Nobody is answered before the commit,
//! so a 2xx still means the response survives `kill -9`.
//!
//! Counts are tallied per batch and written once at its end, one statement per survey and
//! per choice answered, inside the same transaction: a response refused in its savepoint
//! adds nothing, and nobody is answered before the commit, so counts stay exact. Whether a
//! survey still takes a response is decided on its count as stored plus the batch's own
//! responses to it so far (`Tally`).
//!
//! A response may carry its client's id for it (issue 7: an offline client resends). The
//! unique index on `responses.client_id` decides which of two sends is the response: the
//! other is refused inside its savepoint, which is rolled back, and then answered with the
//! id of the response already stored. Within a batch the later send sees the earlier one,
//! across batches the committed one, so however many arrive at once, one is counted.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::{Connection, OptionalExtension, params};

use super::{Commits, is_unique_violation};
use crate::domain::{
    Answer, ChoiceId, InvitationRefusal, ResponseId, SurveyId, SurveySettings, Timestamp, UserId,
};
use crate::server::store::{Entity, Recorded, StoreError, StoreObserver};

/// At most this many responses share a commit, bounding the time the first one waits.
const MAX_BATCH: usize = 256;

struct Job {
    survey: SurveyId,
    by: Option<UserId>,
    answers: Vec<Answer>,
    client_id: Option<String>,
    /// The hash of the invitation code sent, if any.
    invitation: Option<String>,
    reply: Sender<Result<Recorded, StoreError>>,
}

pub(super) struct ResponseWriter {
    jobs: Mutex<Sender<Job>>,
}

impl ResponseWriter {
    /// Starts the writing thread on `conn`; `writer` is the store's lock that every write
    /// transaction holds; `observer` hears each batch's size once it is committed.
    pub(super) fn start(
        conn: Connection,
        commits: Arc<Commits>,
        observer: Option<Arc<dyn StoreObserver>>,
    ) -> Result<Self, StoreError> {
        // Its checkpoints are the checkpointer's job (`checkpointer.rs`), not its commits'.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let (jobs, queue) = channel();
        std::thread::Builder::new()
            .name("canvass-responses".into())
            .spawn(move || write_batches(&conn, &commits, &queue, observer.as_deref()))
            .map_err(StoreError::backend)?;
        Ok(Self {
            jobs: Mutex::new(jobs),
        })
    }

    /// Records one response and returns once it is committed (`Store::record_response`).
    pub(super) fn record(
        &self,
        survey: SurveyId,
        by: Option<UserId>,
        answers: &[Answer],
        client_id: Option<&str>,
        invitation: Option<&str>,
    ) -> Result<Recorded, StoreError> {
        let (reply, answer) = channel();
        let job = Job {
            survey,
            by,
            answers: answers.to_vec(),
            client_id: client_id.map(ToOwned::to_owned),
            invitation: invitation.map(ToOwned::to_owned),
            reply,
        };
        let stopped = || StoreError::Internal("the response writer has stopped");
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job);
        sent.map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }
}

/// Waits for a job, then takes what else is queued behind it, up to `MAX_BATCH` in all;
/// `None` once the store (the last sender) is dropped.
fn next_batch<T>(queue: &Receiver<T>) -> Option<Vec<T>> {
    let first = queue.recv().ok()?;
    let mut batch = vec![first];
    batch.extend(queue.try_iter().take(MAX_BATCH - 1));
    Some(batch)
}

/// Runs until the store (the last sender) is dropped.
fn write_batches(
    conn: &Connection,
    commits: &Commits,
    queue: &Receiver<Job>,
    observer: Option<&dyn StoreObserver>,
) {
    while let Some(batch) = next_batch(queue) {
        let outcome = {
            let _writing = commits
                .writer
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let outcome = write_batch(conn, &batch).map(|(results, counted)| {
                // Published before the generation moves on: whoever sees the new generation
                // finds these counts (`live_counts.rs`).
                if commits.live.publish(&counted.surveys, &counted.choices) {
                    commits.definition_changes.fetch_add(1, Ordering::Release);
                }
                results
            });
            commits.generation.fetch_add(1, Ordering::Release);
            outcome
        };
        match outcome {
            Ok(results) => {
                if let Some(observer) = observer {
                    observer.committed_responses(batch.len());
                }
                for (job, result) in batch.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            // The commit itself failed: nothing of the batch is stored.
            Err(e) => {
                for job in batch {
                    let _ = job.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

/// One transaction for the batch, one savepoint per response, so a refused response (closed
/// survey, second response, a resend) leaves the others in. The transaction statements are
/// prepared once and reused: rusqlite's `Transaction`/`Savepoint` parse theirs on every call.
fn write_batch(
    conn: &Connection,
    batch: &[Job],
) -> Result<(Vec<Result<Recorded, StoreError>>, Counted), StoreError> {
    let run = |sql: &str| -> Result<(), StoreError> {
        conn.prepare_cached(sql)?.execute([])?;
        Ok(())
    };
    // IMMEDIATE takes SQLite's write lock up front: no read-to-write upgrade to fail.
    run("BEGIN IMMEDIATE")?;
    let mut tally = Tally::default();
    let mut results = Vec::with_capacity(batch.len());
    let written = batch.iter().try_for_each(|job| {
        run("SAVEPOINT response")?;
        let mut result = insert_response(conn, job, &mut tally);
        if result.is_err() {
            run("ROLLBACK TO response")?;
            result = settle(conn, job, result);
        } else if let Some(gate) = tally.gates.get_mut(&job.survey) {
            // Counted only once the response is surely in.
            gate.responses += 1;
            for choice in job.answers.iter().flat_map(Answer::choice_ids) {
                tally.choices.entry(*choice).or_insert((job.survey, 0)).1 += 1;
            }
        }
        run("RELEASE response")?;
        results.push(result);
        Ok(())
    });
    match written
        .and_then(|()| tally.write(conn))
        .and_then(|counted| run("COMMIT").map(|()| counted))
    {
        Ok(counted) => Ok((results, counted)),
        Err(e) => {
            // Nothing of the batch may stay half-written.
            let _ = run("ROLLBACK");
            Err(e)
        }
    }
}

/// A batch's counts, written at its end.
#[derive(Default)]
struct Tally {
    /// Per survey answered: what decides whether it takes a response, its count including
    /// the batch's responses so far, and how many those are.
    gates: HashMap<SurveyId, Gate>,
    /// Per choice: its survey, and how many of the batch's responses picked it.
    choices: HashMap<ChoiceId, (SurveyId, u64)>,
}

impl Tally {
    /// The gate of `survey`: read from the database on its first response in the batch.
    fn gate(&mut self, conn: &Connection, survey: SurveyId) -> Result<&mut Gate, StoreError> {
        Ok(match self.gates.entry(survey) {
            Entry::Occupied(gate) => gate.into_mut(),
            Entry::Vacant(slot) => slot.insert(read_gate(conn, survey)?),
        })
    }

    /// Adds the batch's counts, in SQL (docs/seed-contract.md Part 2: the seed lost votes
    /// to a read-modify-write), and returns the totals they came to.
    fn write(&self, conn: &Connection) -> Result<Counted, StoreError> {
        let mut counted = Counted::default();
        let mut surveys = conn.prepare_cached(
            "UPDATE surveys SET response_count = response_count + ?2 WHERE id = ?1
             RETURNING response_count",
        )?;
        for (survey, gate) in &self.gates {
            let added = gate.responses - gate.stored;
            if added > 0 {
                let total = surveys.query_row(params![survey.0, added], |r| r.get(0))?;
                counted.surveys.push((*survey, total));
            }
        }
        let mut choices = conn.prepare_cached(
            "UPDATE choices SET selected = selected + ?2 WHERE id = ?1 RETURNING selected",
        )?;
        for (choice, (survey, added)) in &self.choices {
            let total = choices.query_row(params![choice.0, added], |r| r.get(0))?;
            counted.choices.push((*survey, *choice, total));
        }
        Ok(counted)
    }
}

/// The totals a batch's counts came to, for `LiveCounts::publish`.
#[derive(Default)]
struct Counted {
    surveys: Vec<(SurveyId, u64)>,
    choices: Vec<(SurveyId, ChoiceId, u64)>,
}

/// A refused response whose client id is already taken was not refused but sent before:
/// the answer is the stored response's id (`Repeat`), or `ClientIdTaken` when that one
/// answers another survey. Any other refusal stands.
fn settle(
    conn: &Connection,
    job: &Job,
    refused: Result<Recorded, StoreError>,
) -> Result<Recorded, StoreError> {
    let Some(client_id) = &job.client_id else {
        return refused;
    };
    // A resend finds its survey closed or full, its invitation used: by itself.
    if !matches!(
        refused,
        Err(StoreError::AlreadyResponded | StoreError::NotTaking(_) | StoreError::Invitation(_))
    ) {
        return refused;
    }
    let earlier: Option<(i64, i64)> = conn
        .prepare_cached("SELECT id, survey_id FROM responses WHERE client_id = ?1")?
        .query_row([client_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match earlier {
        None => refused,
        Some((id, survey)) if survey == job.survey.0 => Ok(Recorded::Repeat(ResponseId(id))),
        Some(_) => Err(StoreError::ClientIdTaken),
    }
}

/// Writes the response; the batch counts it (`Tally`). `NotTaking` (closed, full, outside
/// its window) and `Invitation` are decided here, inside the batch's transaction, where no
/// other writer can move the count or use the code in between; `AlreadyResponded` when a
/// unique index refuses it (a second response where one per user, or a client id already
/// taken).
fn insert_response(
    conn: &Connection,
    job: &Job,
    tally: &mut Tally,
) -> Result<Recorded, StoreError> {
    let gate = tally.gate(conn, job.survey)?;
    gate.settings
        .taking(job.survey.0, gate.closed, gate.responses, Timestamp::now())
        .map_err(StoreError::NotTaking)?;
    let (exclusive, anonymous) = (gate.exclusive, gate.settings.anonymous);
    if gate.settings.invitation_only {
        use_invitation(conn, job.survey, job.invitation.as_deref())?;
    }
    // Anonymous: who responded is never written down, whatever the caller passed.
    let respondent = job.by.map(|u| u.0).filter(|_| !anonymous);
    let response: i64 = conn
        .prepare_cached(
            "INSERT INTO responses (survey_id, respondent_id, exclusive_respondent_id, client_id)
             VALUES (?1, ?2, ?3, ?4) RETURNING id",
        )?
        .query_row(
            params![
                job.survey.0,
                respondent,
                respondent.filter(|_| exclusive),
                job.client_id
            ],
            |r| r.get(0),
        )
        .map_err(|e| {
            if is_unique_violation(&e) {
                StoreError::AlreadyResponded
            } else {
                e.into()
            }
        })?;
    insert_answers(conn, response, &job.answers)?;
    Ok(Recorded::New(ResponseId(response)))
}

/// Answer rows per `INSERT`: a response's answers go in a statement or two, not one each.
const ROWS_PER_INSERT: usize = 8;

fn insert_answers(conn: &Connection, response: i64, answers: &[Answer]) -> Result<(), StoreError> {
    let rows: Vec<(i64, Option<i64>, Option<&str>)> = answers
        .iter()
        .flat_map(|answer| -> Vec<(i64, Option<i64>, Option<&str>)> {
            match answer {
                Answer::Choices { question, choices } => choices
                    .iter()
                    .map(|choice| (question.0, Some(choice.0), None))
                    .collect(),
                Answer::Text { question, text } => vec![(question.0, None, Some(text.as_str()))],
            }
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        // One statement text per chunk length, each prepared once per connection.
        let values = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut insert = conn.prepare_cached(&format!(
            "INSERT INTO answers (response_id, question_id, choice_id, text) VALUES {values}"
        ))?;
        let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 4);
        for (question, choice, text) in chunk {
            params.extend([&response as &dyn rusqlite::ToSql, question, choice, text]);
        }
        insert.execute(params.as_slice())?;
    }
    Ok(())
}

/// What decides whether a survey takes a response, read once per batch.
struct Gate {
    closed: bool,
    exclusive: bool,
    /// Its count as stored when the batch began.
    stored: u64,
    /// That, plus the batch's responses to it so far.
    responses: u64,
    settings: SurveySettings,
}

fn read_gate(conn: &Connection, survey: SurveyId) -> Result<Gate, StoreError> {
    conn.prepare_cached(
        "SELECT closed_at IS NOT NULL, one_response_per_user, response_count, opens_at,
                closes_at, max_responses, anonymous, invitation_only
         FROM surveys WHERE id = ?1",
    )?
    .query_row([survey.0], |r| {
        let stored = r.get(2)?;
        Ok(Gate {
            closed: r.get(0)?,
            exclusive: r.get(1)?,
            stored,
            responses: stored,
            settings: SurveySettings {
                opens_at: r.get::<_, Option<i64>>(3)?.map(Timestamp::from_unix),
                closes_at: r.get::<_, Option<i64>>(4)?.map(Timestamp::from_unix),
                max_responses: r.get(5)?,
                anonymous: r.get(6)?,
                invitation_only: r.get(7)?,
                public_results: false,
            },
        })
    })
    .optional()?
    .ok_or(StoreError::NotFound(Entity::Survey))
}

/// Marks the invitation whose code hashes to `hash` used, if it is this survey's and unused;
/// otherwise says why not. Inside the response's savepoint: a response refused later gives
/// the code back.
fn use_invitation(
    conn: &Connection,
    survey: SurveyId,
    hash: Option<&str>,
) -> Result<(), StoreError> {
    let Some(hash) = hash else {
        return Err(StoreError::Invitation(InvitationRefusal::Required {
            survey: survey.0,
        }));
    };
    let used = conn
        .prepare_cached(
            "UPDATE invitations SET used_at = strftime('%Y-%m-%d %H:%M:%S', 'now')
             WHERE survey_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
        )?
        .execute(params![survey.0, hash])?;
    if used == 1 {
        return Ok(());
    }
    let known = conn
        .prepare_cached("SELECT 1 FROM invitations WHERE survey_id = ?1 AND code_hash = ?2")?
        .query_row(params![survey.0, hash], |_| Ok(()))
        .optional()?;
    Err(StoreError::Invitation(match known {
        Some(()) => InvitationRefusal::Used,
        None => InvitationRefusal::Unknown { survey: survey.0 },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_takes_what_is_queued_up_to_its_limit() {
        let (jobs, queue) = channel();
        for job in 0..MAX_BATCH + 10 {
            jobs.send(job).unwrap();
        }
        let first = next_batch(&queue).unwrap();
        assert_eq!(first, (0..MAX_BATCH).collect::<Vec<_>>());
        assert_eq!(next_batch(&queue).unwrap().len(), 10);
        drop(jobs);
        assert!(next_batch(&queue).is_none());
    }
}
