//! Responses: the answers one respondent gave to one survey, and the rules that make them
//! count (ids from that survey, the right shape for each kind, required questions answered).

use std::collections::HashSet;

use super::ids::{ChoiceId, QuestionId, ResponseId};
use super::survey::{QuestionKind, Survey};
use super::validation::{ValidationError, refuse_nul};

const MAX_ANSWER_TEXT: usize = 10_000;

/// One answer to one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Choices {
        question: QuestionId,
        choices: Vec<ChoiceId>,
    },
    Text {
        question: QuestionId,
        text: String,
    },
}

impl Answer {
    pub fn question(&self) -> QuestionId {
        match self {
            Answer::Choices { question, .. } | Answer::Text { question, .. } => *question,
        }
    }

    /// Checks a whole response against `survey`; fields are named `answers[i]…` after the
    /// answer's position, or `answers` for a required question left out.
    pub fn check_all(survey: &Survey, answers: &[Answer]) -> Result<(), ValidationError> {
        let mut answered = HashSet::new();
        for (i, answer) in answers.iter().enumerate() {
            let field = format!("answers[{i}]");
            let Some(question) = survey.question(answer.question()) else {
                return Err(ValidationError::new(
                    format!("{field}.question_id"),
                    format!(
                        "question {} is not part of survey {}",
                        answer.question(),
                        survey.id
                    ),
                ));
            };
            if !answered.insert(question.id) {
                return Err(ValidationError::new(
                    format!("{field}.question_id"),
                    format!("question {} is answered twice", question.id),
                ));
            }
            match (answer, question.kind) {
                (Answer::Text { text, .. }, QuestionKind::Text) => {
                    if question.required && text.trim().is_empty() {
                        return Err(ValidationError::new(
                            format!("{field}.text"),
                            "must not be empty: the question is required",
                        ));
                    }
                    if text.chars().count() > MAX_ANSWER_TEXT {
                        return Err(ValidationError::new(
                            format!("{field}.text"),
                            format!("must be at most {MAX_ANSWER_TEXT} characters"),
                        ));
                    }
                    refuse_nul(&format!("{field}.text"), text)?;
                }
                (
                    Answer::Choices { choices, .. },
                    kind @ (QuestionKind::Single | QuestionKind::Multiple),
                ) => {
                    let field = format!("{field}.choice_ids");
                    if choices.is_empty() {
                        return Err(ValidationError::new(field, "must name at least one choice"));
                    }
                    if kind == QuestionKind::Single && choices.len() > 1 {
                        return Err(ValidationError::new(
                            field,
                            format!("question {} takes exactly one choice", question.id),
                        ));
                    }
                    let mut seen = HashSet::new();
                    for choice in choices {
                        if !question.choices.iter().any(|c| c.id == *choice) {
                            return Err(ValidationError::new(
                                field,
                                format!(
                                    "choice {choice} is not a choice of question {}",
                                    question.id
                                ),
                            ));
                        }
                        if !seen.insert(choice) {
                            return Err(ValidationError::new(
                                field,
                                format!("choice {choice} is given twice"),
                            ));
                        }
                    }
                }
                (Answer::Text { .. }, _) => {
                    return Err(ValidationError::new(
                        format!("{field}.text"),
                        format!(
                            "question {} is answered with choice_ids, not text",
                            question.id
                        ),
                    ));
                }
                (Answer::Choices { .. }, QuestionKind::Text) => {
                    return Err(ValidationError::new(
                        format!("{field}.choice_ids"),
                        format!(
                            "question {} is answered with text, not choice_ids",
                            question.id
                        ),
                    ));
                }
            }
        }
        if let Some(missing) = survey
            .questions
            .iter()
            .find(|q| q.required && !answered.contains(&q.id))
        {
            return Err(ValidationError::new(
                "answers",
                format!("question {} is required", missing.id),
            ));
        }
        Ok(())
    }
}

/// A stored response, as its survey's owner exports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseRecord {
    pub id: ResponseId,
    pub created_at: String,
    /// `None` for anonymous responses.
    pub respondent: Option<String>,
    pub answers: Vec<Answer>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choices(q: i64, cs: &[i64]) -> Answer {
        Answer::Choices {
            question: QuestionId(q),
            choices: cs.iter().copied().map(ChoiceId).collect(),
        }
    }

    #[test]
    fn a_complete_response_passes() {
        let text = Answer::Text {
            question: QuestionId(3),
            text: "because".into(),
        };
        assert_eq!(
            Answer::check_all(
                &Survey::sample(),
                &[choices(1, &[2]), choices(2, &[3, 4]), text]
            ),
            Ok(())
        );
    }

    #[test]
    fn broken_responses_name_what_is_wrong() {
        let cases: [(Vec<Answer>, &str); 7] = [
            (vec![], "answers"),
            (vec![choices(1, &[1, 2])], "answers[0].choice_ids"),
            (vec![choices(1, &[3])], "answers[0].choice_ids"),
            (
                vec![choices(1, &[1]), choices(1, &[1])],
                "answers[1].question_id",
            ),
            (vec![choices(9, &[1])], "answers[0].question_id"),
            (
                vec![choices(1, &[1]), choices(3, &[1])],
                "answers[1].choice_ids",
            ),
            (
                vec![Answer::Text {
                    question: QuestionId(1),
                    text: "x".into(),
                }],
                "answers[0].text",
            ),
        ];
        for (answers, field) in cases {
            assert_eq!(
                Answer::check_all(&Survey::sample(), &answers)
                    .unwrap_err()
                    .field,
                field,
                "{answers:?}"
            );
        }
    }
}
