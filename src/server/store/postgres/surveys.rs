//! Reading surveys back from PostgreSQL: a survey, a page of them or one creator's page, each
//! with its questions and choices in three queries, plus results and the responses behind an
//! export. Callers that read several times wrap these in one read-only transaction.

use postgres::GenericClient;

use crate::domain::{
    Choice, ChoiceId, Question, QuestionId, QuestionKind, ResponseId, ResponseRecord, Results,
    Survey, SurveyId, SurveySettings, Timestamp, UserId,
};
use crate::server::store::assemble::{self, AnswerRow};
use crate::server::store::selection::{Selection, slice};
use crate::server::store::{Entity, StoreError};

const SURVEY_COLUMNS: &str = "SELECT s.id, s.name, s.created_at, s.creator_id, u.email,
    s.closed_at IS NOT NULL, s.one_response_per_user, s.response_count, s.opens_at, s.closes_at,
    s.max_responses, s.anonymous, s.invitation_only, s.public_results
    FROM surveys s LEFT JOIN users u ON u.id = s.creator_id";

/// Reads surveys with their questions and choices in three queries (not one per survey).
pub(super) fn load_surveys(
    client: &mut impl GenericClient,
    selection: &Selection,
) -> Result<Vec<Survey>, StoreError> {
    // One statement per shape: a generic plan for `id = $1 OR $1 IS NULL` would scan.
    let rows = match selection {
        Selection::One(id) => {
            client.query(&format!("{SURVEY_COLUMNS} WHERE s.id = $1"), &[&id.0])?
        }
        Selection::Page(page) => {
            let (limit, offset) = slice(page);
            client.query(
                &format!("{SURVEY_COLUMNS} ORDER BY s.id LIMIT $1 OFFSET $2"),
                &[&limit, &offset],
            )?
        }
        Selection::CreatorPage(creator, page) => {
            let (limit, offset) = slice(page);
            client.query(
                &format!(
                    "{SURVEY_COLUMNS} WHERE s.creator_id = $1 ORDER BY s.id LIMIT $2 OFFSET $3"
                ),
                &[&creator.0, &limit, &offset],
            )?
        }
    };
    let surveys: Vec<Survey> = rows
        .iter()
        .map(|row| {
            let settings = SurveySettings {
                opens_at: row.get::<_, Option<i64>>(8).map(Timestamp::from_unix),
                closes_at: row.get::<_, Option<i64>>(9).map(Timestamp::from_unix),
                max_responses: row.get::<_, Option<i64>>(10).map(unsigned),
                anonymous: row.get(11),
                invitation_only: row.get(12),
                public_results: row.get(13),
            };
            let responses = unsigned(row.get(7));
            Survey {
                id: SurveyId(row.get(0)),
                name: row.get(1),
                created_at: row.get(2),
                creator_id: row.get::<_, Option<i64>>(3).map(UserId),
                creator: row.get(4),
                status: settings.status(row.get(5), responses, Timestamp::now()),
                one_response_per_user: row.get(6),
                responses,
                questions: Vec::new(),
                settings,
            }
        })
        .collect();
    if surveys.is_empty() {
        return Ok(surveys);
    }
    let ids: Vec<i64> = surveys.iter().map(|s| s.id.0).collect();
    let questions: Vec<Question> = client
        .query(
            "SELECT id, survey_id, text, kind, required, created_at FROM questions
             WHERE survey_id = ANY($1) ORDER BY id",
            &[&ids],
        )?
        .iter()
        .map(|row| Question {
            id: QuestionId(row.get(0)),
            survey_id: SurveyId(row.get(1)),
            text: row.get(2),
            kind: row
                .get::<_, &str>(3)
                .parse()
                .unwrap_or(QuestionKind::Single),
            required: row.get(4),
            created_at: row.get(5),
            choices: Vec::new(),
        })
        .collect();
    let choices: Vec<Choice> = client
        .query(
            "SELECT c.id, c.question_id, c.text, c.created_at, c.selected
             FROM choices c JOIN questions q ON q.id = c.question_id
             WHERE q.survey_id = ANY($1) ORDER BY c.id",
            &[&ids],
        )?
        .iter()
        .map(|row| Choice {
            id: ChoiceId(row.get(0)),
            question_id: QuestionId(row.get(1)),
            text: row.get(2),
            created_at: row.get(3),
            selected: unsigned(row.get(4)),
        })
        .collect();
    Ok(assemble::surveys(surveys, questions, choices))
}

pub(super) fn load_survey(
    client: &mut impl GenericClient,
    id: SurveyId,
) -> Result<Survey, StoreError> {
    load_surveys(client, &Selection::One(id))?
        .pop()
        .ok_or(StoreError::NotFound(Entity::Survey))
}

/// A survey with its text answers, oldest first.
pub(super) fn load_results(
    client: &mut impl GenericClient,
    id: SurveyId,
) -> Result<Results, StoreError> {
    let survey = load_survey(client, id)?;
    let mut text_answers = Vec::with_capacity(survey.questions.len());
    for question in &survey.questions {
        let texts = if question.kind == QuestionKind::Text {
            client
                .query(
                    "SELECT a.text FROM answers a
                     WHERE a.question_id = $1 AND a.text IS NOT NULL AND a.text != ''
                     ORDER BY a.response_id, a.id",
                    &[&question.id.0],
                )?
                .iter()
                .map(|row| row.get(0))
                .collect()
        } else {
            Vec::new()
        };
        text_answers.push(texts);
    }
    Ok(Results {
        survey,
        text_answers,
    })
}

/// Every response to a survey with its answers, oldest first.
pub(super) fn load_responses(
    client: &mut impl GenericClient,
    id: SurveyId,
) -> Result<Vec<ResponseRecord>, StoreError> {
    load_survey(client, id)?;
    let mut records: Vec<ResponseRecord> = client
        .query(
            "SELECT r.id, r.created_at, u.email FROM responses r
             LEFT JOIN users u ON u.id = r.respondent_id
             WHERE r.survey_id = $1 ORDER BY r.id",
            &[&id.0],
        )?
        .iter()
        .map(|row| ResponseRecord {
            id: ResponseId(row.get(0)),
            created_at: row.get(1),
            respondent: row.get(2),
            answers: Vec::new(),
        })
        .collect();
    let rows = client.query(
        "SELECT a.response_id, a.question_id, a.choice_id, a.text FROM answers a
         JOIN responses r ON r.id = a.response_id
         WHERE r.survey_id = $1 ORDER BY a.id",
        &[&id.0],
    )?;
    assemble::answers(
        &mut records,
        rows.iter().map(|row| AnswerRow {
            response: ResponseId(row.get(0)),
            question: QuestionId(row.get(1)),
            choice: row.get(2),
            text: row.get(3),
        }),
    );
    Ok(records)
}

/// Counts are BIGINT (PostgreSQL has no unsigned type) and never negative.
pub(super) fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
