//! What is wrong with an answer given to `survey respond`, worded by the positions `survey
//! show` prints (question 2, choice 3), with ids where the answers came keyed by id. The
//! rules themselves are the domain's (`AnswerError`); this only says them for a person.

use std::fmt;

use serde_json::Value;

use crate::domain::{AnswerError, ChoiceId, QuestionId, QuestionKind, SurveyId};

/// One answer the survey cannot take. `number` is the question's 1-based position.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("there is no question {number}: survey {survey} has questions 1 to {count}")]
    NoQuestion {
        number: usize,
        survey: SurveyId,
        count: usize,
    },
    /// An `--answers` key that is not a position.
    #[error(
        "{key:?} is not a question number: survey {survey} has questions 1 to {count} (keys \
         are question ids only with --by-id)"
    )]
    NotAQuestionNumber {
        key: String,
        survey: SurveyId,
        count: usize,
    },
    #[error("{key:?} is not a question id: survey {survey}'s are {ids}")]
    NotAQuestionId {
        key: String,
        survey: SurveyId,
        ids: IdList<QuestionId>,
    },
    #[error("survey {survey} has no question with id {id}: its question ids are {ids}")]
    NoQuestionId {
        id: QuestionId,
        survey: SurveyId,
        ids: IdList<QuestionId>,
    },
    #[error("question {number} has no choice {choice}: its choices are 1 to {count}")]
    NoChoice {
        number: usize,
        choice: usize,
        count: usize,
    },
    /// `given` is the piece of the value that is not a number.
    #[error(
        "question {number} is {}: give choice numbers 1 to {count}, not {given:?}",
        described(*.kind)
    )]
    NotAChoiceNumber {
        number: usize,
        kind: QuestionKind,
        count: usize,
        given: String,
    },
    #[error(
        "question {number} (id {question}) has no choice with id {choice}: its choice ids are {known}"
    )]
    NoChoiceId {
        number: usize,
        question: QuestionId,
        choice: ChoiceId,
        known: IdList<ChoiceId>,
    },
    /// An `--answers` value that is neither a choice (an id with --by-id, else a number), a
    /// list of them, nor text.
    #[error("{question}: expected {}, not {value}", .question.choice_forms())]
    NotAnAnswer { question: Named, value: Value },
    #[error("question {number} is {}: give a choice, not text", described(*.kind))]
    TextForChoices { number: usize, kind: QuestionKind },
    /// Only `--answers` can give a text question choices, hence "as a string".
    #[error("{question} is a text question: give its answer as a string")]
    ChoicesForText { question: Named },
    #[error("question {number} is {}: give one choice, not {given}", described(*.kind))]
    OneChoice {
        number: usize,
        kind: QuestionKind,
        given: usize,
    },
    /// `choice` is the repeated choice's 1-based position.
    #[error("question {number}: choice {choice} is given twice")]
    RepeatedChoice { number: usize, choice: usize },
    #[error("question {number} is answered twice")]
    AnsweredTwice { number: usize },
    /// Any other rule (a text too long, or holding a NUL), as the domain words it.
    #[error("question {number}: {source}")]
    Answer { number: usize, source: AnswerError },
}

/// A question as a message names it: by the position `survey show` prints, and by its id
/// too where the answers came keyed by id (`--answers --by-id`), so the message uses the
/// numbering the person used.
#[derive(Debug)]
pub struct Named {
    pub number: usize,
    pub id: Option<QuestionId>,
}

impl Named {
    /// What an `--answers` value may be, in the file's numbering.
    fn choice_forms(&self) -> &'static str {
        if self.id.is_some() {
            "a choice id, a list of choice ids or text"
        } else {
            "a choice number, a list of choice numbers or text"
        }
    }
}

impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "question {}", self.number)?;
        match self.id {
            Some(id) => write!(f, " (id {id})"),
            None => Ok(()),
        }
    }
}

/// A required question left without an answer.
#[derive(Debug, thiserror::Error)]
#[error("question {number} ({text:?}) is required and has no answer")]
pub struct Unanswered {
    pub number: usize,
    pub text: String,
    pub kind: QuestionKind,
}

impl Unanswered {
    /// What `--answer {number}=…` takes for this question.
    pub fn placeholder(&self) -> &'static str {
        if self.kind.has_choices() {
            "CHOICE"
        } else {
            "TEXT"
        }
    }
}

/// Ids as a message lists them: `4, 5, 6`.
#[derive(Debug)]
pub struct IdList<T>(pub Vec<T>);

impl<T: fmt::Display> fmt::Display for IdList<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, id) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            id.fmt(f)?;
        }
        Ok(())
    }
}

fn described(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => "a single-choice question",
        QuestionKind::Multiple => "a multiple-choice question",
        QuestionKind::Text => "a text question",
    }
}
