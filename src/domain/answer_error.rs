//! Why a response does not count, in ids: the server turns it into the `ValidationError` its
//! API shows (`answers[i].…: …`), the client's answer sheet into words about positions.

use super::ids::{ChoiceId, QuestionId, SurveyId};
use super::survey::QuestionKind;
use super::validation::{NUL_PROBLEM, ValidationError};

/// One broken rule of a response. `index` is the offending answer's position in the
/// response; `question` the question it answers (or, for `Unanswered`, leaves out).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("question {question} is not part of survey {survey}")]
    UnknownQuestion {
        index: usize,
        question: QuestionId,
        survey: SurveyId,
    },
    #[error("question {question} is answered twice")]
    AnsweredTwice { index: usize, question: QuestionId },
    #[error("must not be empty: the question is required")]
    EmptyText { index: usize, question: QuestionId },
    #[error("must be at most {max} characters")]
    TextTooLong {
        index: usize,
        question: QuestionId,
        max: usize,
    },
    #[error("{}", NUL_PROBLEM)]
    NulInText { index: usize, question: QuestionId },
    #[error("must name at least one choice")]
    NoChoice { index: usize, question: QuestionId },
    #[error("question {question} takes exactly one choice")]
    OneChoiceOnly {
        index: usize,
        question: QuestionId,
        given: usize,
    },
    #[error("choice {choice} is not a choice of question {question}")]
    ForeignChoice {
        index: usize,
        question: QuestionId,
        choice: ChoiceId,
    },
    #[error("choice {choice} is given twice")]
    RepeatedChoice {
        index: usize,
        question: QuestionId,
        choice: ChoiceId,
    },
    /// Text for a question of `kind` (single or multiple), which takes choices.
    #[error("question {question} is answered with choice_ids, not text")]
    TextForChoices {
        index: usize,
        question: QuestionId,
        kind: QuestionKind,
    },
    #[error("question {question} is answered with text, not choice_ids")]
    ChoicesForText { index: usize, question: QuestionId },
    /// A required question the response leaves out.
    #[error("question {question} is required")]
    Unanswered { question: QuestionId },
}

impl AnswerError {
    /// The question the problem is about.
    pub fn question(&self) -> QuestionId {
        match self {
            AnswerError::UnknownQuestion { question, .. }
            | AnswerError::AnsweredTwice { question, .. }
            | AnswerError::EmptyText { question, .. }
            | AnswerError::TextTooLong { question, .. }
            | AnswerError::NulInText { question, .. }
            | AnswerError::NoChoice { question, .. }
            | AnswerError::OneChoiceOnly { question, .. }
            | AnswerError::ForeignChoice { question, .. }
            | AnswerError::RepeatedChoice { question, .. }
            | AnswerError::TextForChoices { question, .. }
            | AnswerError::ChoicesForText { question, .. }
            | AnswerError::Unanswered { question } => *question,
        }
    }

    /// The field the API names: `answers[i].question_id`, `….text` or `….choice_ids` after
    /// the answer's position, or `answers` for a question left out.
    pub fn field(&self) -> String {
        let (index, part) = match self {
            AnswerError::UnknownQuestion { index, .. }
            | AnswerError::AnsweredTwice { index, .. } => (index, "question_id"),
            AnswerError::EmptyText { index, .. }
            | AnswerError::TextTooLong { index, .. }
            | AnswerError::NulInText { index, .. }
            | AnswerError::TextForChoices { index, .. } => (index, "text"),
            AnswerError::NoChoice { index, .. }
            | AnswerError::OneChoiceOnly { index, .. }
            | AnswerError::ForeignChoice { index, .. }
            | AnswerError::RepeatedChoice { index, .. }
            | AnswerError::ChoicesForText { index, .. } => (index, "choice_ids"),
            AnswerError::Unanswered { .. } => return "answers".to_owned(),
        };
        format!("answers[{index}].{part}")
    }
}

impl From<AnswerError> for ValidationError {
    fn from(error: AnswerError) -> Self {
        ValidationError::new(error.field(), error.to_string())
    }
}
