//! Putting rows back together, the same for every backend: questions and choices into their
//! surveys, answer rows into the responses they belong to. Backends read flat rows in id
//! order (a few queries, not one per survey) and hand them here.

use std::collections::HashMap;

use crate::domain::{
    Answer, Choice, ChoiceId, Question, QuestionId, ResponseId, ResponseRecord, Survey, SurveyId,
};

/// Hangs each choice under its question and each question under its survey, keeping order.
/// Rows whose parent is not among them are dropped.
pub(super) fn surveys(
    mut surveys: Vec<Survey>,
    mut questions: Vec<Question>,
    choices: impl IntoIterator<Item = Choice>,
) -> Vec<Survey> {
    let question_index: HashMap<QuestionId, usize> = questions
        .iter()
        .enumerate()
        .map(|(i, q)| (q.id, i))
        .collect();
    for choice in choices {
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
    surveys
}

/// One stored answer row: a chosen choice, or a text.
pub(super) struct AnswerRow {
    pub response: ResponseId,
    pub question: QuestionId,
    pub choice: Option<i64>,
    pub text: Option<String>,
}

/// Adds answer rows, in the order they were given, to their responses: the choices of one
/// question gather into one `Answer::Choices`.
pub(super) fn answers(records: &mut [ResponseRecord], rows: impl IntoIterator<Item = AnswerRow>) {
    let index: HashMap<ResponseId, usize> =
        records.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    for row in rows {
        let Some(record) = index.get(&row.response).map(|&i| &mut records[i]) else {
            continue;
        };
        let Some(choice) = row.choice else {
            record.answers.push(Answer::Text {
                question: row.question,
                text: row.text.unwrap_or_default(),
            });
            continue;
        };
        let existing = record.answers.iter_mut().find_map(|a| match a {
            Answer::Choices { question, choices } if *question == row.question => Some(choices),
            _ => None,
        });
        match existing {
            Some(choices) => choices.push(ChoiceId(choice)),
            None => record.answers.push(Answer::Choices {
                question: row.question,
                choices: vec![ChoiceId(choice)],
            }),
        }
    }
}
