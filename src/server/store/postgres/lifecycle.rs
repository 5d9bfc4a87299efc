//! A survey's life after its creation on PostgreSQL (issue 15): writing its questions,
//! editing it, reopening it, its invitations. Each runs inside the store's write
//! transaction (`PostgresStore::write`), so a retry repeats all of it.

use postgres::Transaction;

use super::surveys::load_survey;
use crate::domain::{
    Edited, Invitation, NewQuestion, NewSurvey, Survey, SurveyId, Timestamp, UserId,
};
use crate::server::store::{Entity, StoreError, reopenable, too_many};

/// Creates the survey row and its questions; returns the new id.
pub(super) fn insert_survey(
    tx: &mut Transaction<'_>,
    creator: UserId,
    survey: &NewSurvey,
) -> Result<i64, StoreError> {
    let settings = &survey.settings;
    let max = settings.max_responses.map(signed);
    let id: i64 = tx
        .query_one(
            "INSERT INTO surveys (name, creator_id, one_response_per_user, opens_at, closes_at,
                                  max_responses, anonymous, invitation_only, public_results)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[
                &survey.name,
                &creator.0,
                &survey.one_response_per_user,
                &settings.opens_at.map(Timestamp::unix),
                &settings.closes_at.map(Timestamp::unix),
                &max,
                &settings.anonymous,
                &settings.invitation_only,
                &settings.public_results,
            ],
        )?
        .get(0);
    insert_questions(tx, id, &survey.questions)?;
    Ok(id)
}

fn insert_questions(
    tx: &mut Transaction<'_>,
    survey: i64,
    questions: &[NewQuestion],
) -> Result<(), StoreError> {
    for question in questions {
        let question_id: i64 = tx
            .query_one(
                "INSERT INTO questions (survey_id, text, kind, required)
                 VALUES ($1, $2, $3, $4) RETURNING id",
                &[
                    &survey,
                    &question.text,
                    &question.kind.as_str(),
                    &question.required,
                ],
            )?
            .get(0);
        // One statement for all of a question's choices, in order.
        tx.execute(
            "INSERT INTO choices (question_id, text)
             SELECT $1, text FROM UNNEST($2::TEXT[]) WITH ORDINALITY AS c(text, n)
             ORDER BY n",
            &[&question_id, &question.choices],
        )?;
    }
    Ok(())
}

/// `Store::update_survey`. The "no responses yet" condition is part of the `UPDATE`, whose
/// row lock a response's count update also takes: one of the two waits for the other.
pub(super) fn update_survey(
    tx: &mut Transaction<'_>,
    id: SurveyId,
    edit: &Edited,
) -> Result<Survey, StoreError> {
    let survey = &edit.survey;
    let settings = &survey.settings;
    let max = settings.max_responses.map(signed);
    let changed = tx.execute(
        "UPDATE surveys SET name = $2, one_response_per_user = $3, opens_at = $4,
             closes_at = $5, max_responses = $6, anonymous = $7, invitation_only = $8,
             public_results = $9
         WHERE id = $1 AND (NOT $10 OR response_count = 0)",
        &[
            &id.0,
            &survey.name,
            &survey.one_response_per_user,
            &settings.opens_at.map(Timestamp::unix),
            &settings.closes_at.map(Timestamp::unix),
            &max,
            &settings.anonymous,
            &settings.invitation_only,
            &settings.public_results,
            &edit.changes_what_is_answered,
        ],
    )?;
    if changed == 0 {
        load_survey(tx, id)?;
        return Err(StoreError::HasResponses(id.0));
    }
    if edit.replaces_questions {
        tx.execute("DELETE FROM questions WHERE survey_id = $1", &[&id.0])?;
        insert_questions(tx, id.0, &survey.questions)?;
    }
    load_survey(tx, id)
}

/// `Store::reopen_survey`.
pub(super) fn reopen_survey(tx: &mut Transaction<'_>, id: SurveyId) -> Result<Survey, StoreError> {
    let survey = load_survey(tx, id)?;
    reopenable(&survey)?;
    tx.execute(
        "UPDATE surveys SET closed_at = NULL WHERE id = $1",
        &[&id.0],
    )?;
    load_survey(tx, id)
}

pub(super) fn create_invitations(
    tx: &mut Transaction<'_>,
    survey: SurveyId,
    codes: &[(String, String)],
) -> Result<Vec<Invitation>, StoreError> {
    exists(tx, survey)?;
    // The survey's row lock makes two concurrent requests count one after the other.
    tx.execute(
        "SELECT 1 FROM surveys WHERE id = $1 FOR UPDATE",
        &[&survey.0],
    )?;
    let have: i64 = tx
        .query_one(
            "SELECT COUNT(*) FROM invitations WHERE survey_id = $1",
            &[&survey.0],
        )?
        .get(0);
    too_many(survey, u64::try_from(have).unwrap_or(0), codes.len())?;
    let (prefixes, hashes): (Vec<&str>, Vec<&str>) = codes
        .iter()
        .map(|(prefix, hash)| (prefix.as_str(), hash.as_str()))
        .unzip();
    // One statement for all of them, in order.
    let rows = tx.query(
        "INSERT INTO invitations (survey_id, prefix, code_hash)
         SELECT $1, prefix, code_hash
         FROM UNNEST($2::TEXT[], $3::TEXT[]) WITH ORDINALITY AS c(prefix, code_hash, n)
         ORDER BY n
         RETURNING id, prefix, created_at, used_at",
        &[&survey.0, &prefixes, &hashes],
    )?;
    let mut made: Vec<Invitation> = rows.iter().map(invitation).collect();
    made.sort_by_key(|i| i.id);
    Ok(made)
}

pub(super) fn list_invitations(
    client: &mut impl postgres::GenericClient,
    survey: SurveyId,
) -> Result<Vec<Invitation>, StoreError> {
    exists(client, survey)?;
    Ok(client
        .query(
            "SELECT id, prefix, created_at, used_at FROM invitations WHERE survey_id = $1
             ORDER BY id",
            &[&survey.0],
        )?
        .iter()
        .map(invitation)
        .collect())
}

fn invitation(row: &postgres::Row) -> Invitation {
    Invitation {
        id: row.get(0),
        prefix: row.get(1),
        created_at: row.get(2),
        used_at: row.get(3),
    }
}

fn exists(client: &mut impl postgres::GenericClient, survey: SurveyId) -> Result<(), StoreError> {
    client
        .query_opt("SELECT 1 FROM surveys WHERE id = $1", &[&survey.0])?
        .map(|_| ())
        .ok_or(StoreError::NotFound(Entity::Survey))
}

fn signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
