//! A survey's life after its creation on SQLite (issue 15): writing its questions, editing
//! it, reopening it, its invitations.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::surveys::load_survey;
use crate::domain::{
    Edited, Invitation, NewQuestion, NewSurvey, Survey, SurveyId, Timestamp, UserId,
};
use crate::server::store::{Entity, StoreError};
use crate::server::store::{reopenable, too_many};

/// Creates the survey row and its questions; returns the new id.
pub(super) fn insert_survey(
    tx: &Transaction<'_>,
    creator: UserId,
    survey: &NewSurvey,
) -> Result<i64, StoreError> {
    let settings = &survey.settings;
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO surveys (name, creator_id, one_response_per_user, opens_at, closes_at,
                                  max_responses, anonymous, invitation_only, public_results)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
        )?
        .query_row(
            params![
                survey.name,
                creator.0,
                survey.one_response_per_user,
                settings.opens_at.map(Timestamp::unix),
                settings.closes_at.map(Timestamp::unix),
                settings.max_responses,
                settings.anonymous,
                settings.invitation_only,
                settings.public_results,
            ],
            |r| r.get(0),
        )?;
    insert_questions(tx, id, &survey.questions)?;
    Ok(id)
}

fn insert_questions(
    tx: &Transaction<'_>,
    survey: i64,
    questions: &[NewQuestion],
) -> Result<(), StoreError> {
    for question in questions {
        let question_id: i64 = tx
            .prepare_cached(
                "INSERT INTO questions (survey_id, text, kind, required) VALUES (?1, ?2, ?3, ?4)
                 RETURNING id",
            )?
            .query_row(
                params![
                    survey,
                    question.text,
                    question.kind.as_str(),
                    question.required
                ],
                |r| r.get(0),
            )?;
        let mut insert_choice =
            tx.prepare_cached("INSERT INTO choices (question_id, text) VALUES (?1, ?2)")?;
        for choice in &question.choices {
            insert_choice.execute(params![question_id, choice])?;
        }
    }
    Ok(())
}

/// `Store::update_survey`. The "no responses yet" condition is part of the `UPDATE`, so a
/// response committed just before cannot slip under a change of questions.
pub(super) fn update_survey(
    conn: &mut Connection,
    id: SurveyId,
    edit: &Edited,
) -> Result<Survey, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let survey = &edit.survey;
    let settings = &survey.settings;
    let changed = tx
        .prepare_cached(
            "UPDATE surveys SET name = ?2, one_response_per_user = ?3, opens_at = ?4,
                 closes_at = ?5, max_responses = ?6, anonymous = ?7, invitation_only = ?8,
                 public_results = ?9
             WHERE id = ?1 AND (?10 = 0 OR response_count = 0)",
        )?
        .execute(params![
            id.0,
            survey.name,
            survey.one_response_per_user,
            settings.opens_at.map(Timestamp::unix),
            settings.closes_at.map(Timestamp::unix),
            settings.max_responses,
            settings.anonymous,
            settings.invitation_only,
            settings.public_results,
            edit.changes_what_is_answered,
        ])?;
    if changed == 0 {
        // Either it is gone, or it has responses.
        load_survey(&tx, id)?;
        return Err(StoreError::HasResponses(id.0));
    }
    if edit.replaces_questions {
        // Choices go with their questions (ON DELETE CASCADE); no answer points at them, as
        // there are no responses.
        tx.execute("DELETE FROM questions WHERE survey_id = ?1", [id.0])?;
        insert_questions(&tx, id.0, &survey.questions)?;
    }
    let edited = load_survey(&tx, id)?;
    tx.commit()?;
    Ok(edited)
}

/// `Store::reopen_survey`.
pub(super) fn reopen_survey(conn: &mut Connection, id: SurveyId) -> Result<Survey, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let survey = load_survey(&tx, id)?;
    reopenable(&survey)?;
    tx.execute("UPDATE surveys SET closed_at = NULL WHERE id = ?1", [id.0])?;
    let reopened = load_survey(&tx, id)?;
    tx.commit()?;
    Ok(reopened)
}

pub(super) fn create_invitations(
    conn: &mut Connection,
    survey: SurveyId,
    codes: &[(String, String)],
) -> Result<Vec<Invitation>, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    exists(&tx, survey)?;
    let have: u64 = tx
        .prepare_cached("SELECT COUNT(*) FROM invitations WHERE survey_id = ?1")?
        .query_row([survey.0], |r| r.get(0))?;
    too_many(survey, have, codes.len())?;
    let mut insert = tx.prepare_cached(
        "INSERT INTO invitations (survey_id, prefix, code_hash) VALUES (?1, ?2, ?3)
         RETURNING id, prefix, created_at, used_at",
    )?;
    let made = codes
        .iter()
        .map(|(prefix, hash)| insert.query_row(params![survey.0, prefix, hash], invitation))
        .collect::<Result<Vec<_>, _>>()?;
    drop(insert);
    tx.commit()?;
    Ok(made)
}

pub(super) fn list_invitations(
    conn: &Connection,
    survey: SurveyId,
) -> Result<Vec<Invitation>, StoreError> {
    exists(conn, survey)?;
    Ok(conn
        .prepare_cached(
            "SELECT id, prefix, created_at, used_at FROM invitations WHERE survey_id = ?1
             ORDER BY id",
        )?
        .query_map([survey.0], invitation)?
        .collect::<Result<_, _>>()?)
}

fn invitation(row: &rusqlite::Row<'_>) -> rusqlite::Result<Invitation> {
    Ok(Invitation {
        id: row.get(0)?,
        prefix: row.get(1)?,
        created_at: row.get(2)?,
        used_at: row.get(3)?,
    })
}

fn exists(conn: &Connection, survey: SurveyId) -> Result<(), StoreError> {
    conn.prepare_cached("SELECT 1 FROM surveys WHERE id = ?1")?
        .query_row([survey.0], |_| Ok(()))
        .optional()?
        .ok_or(StoreError::NotFound(Entity::Survey))
}
