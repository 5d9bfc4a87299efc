//! Reading surveys back: a survey, a page of them or one creator's page, each with its
//! questions and choices in three queries, plus results and the responses behind an export.

use rusqlite::{Connection, ToSql, params};

use crate::domain::{
    Choice, ChoiceId, Question, QuestionId, QuestionKind, ResponseId, ResponseRecord, Results,
    Survey, SurveyId, SurveySettings, Timestamp, UserId,
};
use crate::server::store::assemble::{self, AnswerRow};
use crate::server::store::selection::{Selection, slice};
use crate::server::store::{Entity, StoreError};

/// Reads surveys with their questions and choices in three queries (not one per survey).
pub(super) fn load_surveys(
    conn: &Connection,
    selection: &Selection,
) -> Result<Vec<Survey>, StoreError> {
    let (filter, key, (limit, offset)) = match selection {
        Selection::One(id) => ("WHERE s.id = ?1", id.0, (1, 0)),
        Selection::Page(p) => ("WHERE ?1 = ?1", 0, slice(p)),
        Selection::CreatorPage(creator, p) => ("WHERE s.creator_id = ?1", creator.0, slice(p)),
    };
    let sql = format!(
        "SELECT s.id, s.name, s.created_at, s.creator_id, u.email, s.closed_at IS NOT NULL,
                s.one_response_per_user, s.response_count, s.opens_at, s.closes_at,
                s.max_responses, s.anonymous, s.invitation_only, s.public_results
         FROM surveys s LEFT JOIN users u ON u.id = s.creator_id
         {filter} ORDER BY s.id LIMIT ?2 OFFSET ?3"
    );
    let surveys = conn
        .prepare_cached(&sql)?
        .query_map(params![key, limit, offset], |row| {
            let settings = SurveySettings {
                opens_at: row.get::<_, Option<i64>>(8)?.map(Timestamp::from_unix),
                closes_at: row.get::<_, Option<i64>>(9)?.map(Timestamp::from_unix),
                max_responses: row.get(10)?,
                anonymous: row.get(11)?,
                invitation_only: row.get(12)?,
                public_results: row.get(13)?,
            };
            let (closed, responses) = (row.get(5)?, row.get(7)?);
            Ok(Survey {
                id: SurveyId(row.get(0)?),
                name: row.get(1)?,
                created_at: row.get(2)?,
                creator_id: row.get::<_, Option<i64>>(3)?.map(UserId),
                creator: row.get(4)?,
                status: settings.status(closed, responses, Timestamp::now()),
                one_response_per_user: row.get(6)?,
                responses,
                questions: Vec::new(),
                settings,
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
    let questions: Vec<Question> = conn
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
    let choices = rows.collect::<Result<Vec<_>, _>>()?;
    Ok(assemble::surveys(surveys, questions, choices))
}

pub(super) fn load_survey(conn: &Connection, id: SurveyId) -> Result<Survey, StoreError> {
    load_surveys(conn, &Selection::One(id))?
        .pop()
        .ok_or(StoreError::NotFound(Entity::Survey))
}

/// A survey with its text answers, oldest first.
pub(super) fn load_results(conn: &mut Connection, id: SurveyId) -> Result<Results, StoreError> {
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
}

/// Every response to a survey with its answers, oldest first.
pub(super) fn load_responses(
    conn: &mut Connection,
    id: SurveyId,
) -> Result<Vec<ResponseRecord>, StoreError> {
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
    let mut answers = tx.prepare_cached(
        "SELECT a.response_id, a.question_id, a.choice_id, a.text FROM answers a
             JOIN responses r ON r.id = a.response_id
             WHERE r.survey_id = ?1 ORDER BY a.rowid",
    )?;
    let rows = answers.query_map([id.0], |r| {
        Ok(AnswerRow {
            response: ResponseId(r.get(0)?),
            question: QuestionId(r.get(1)?),
            choice: r.get(2)?,
            text: r.get(3)?,
        })
    })?;
    assemble::answers(&mut records, rows.collect::<Result<Vec<_>, _>>()?);
    drop(answers);
    Ok(records)
}
