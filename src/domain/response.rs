//! Responses: the answers one respondent gave to one survey, and the rules that make them
//! count (ids from that survey, the right shape for each kind, required questions answered).

use std::collections::HashSet;

use super::answer_error::AnswerError;
use super::ids::{ChoiceId, QuestionId, ResponseId};
use super::survey::{Question, QuestionKind, Survey};
use super::validation::ValidationError;

/// The longest text answer, in characters.
pub const MAX_ANSWER_TEXT: usize = 10_000;

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

    /// The choices this answer picks; none for a text answer.
    pub fn choice_ids(&self) -> &[ChoiceId] {
        match self {
            Answer::Choices { choices, .. } => choices,
            Answer::Text { .. } => &[],
        }
    }

    /// Checks a whole response against `survey`; fields are named `answers[i]…` after the
    /// answer's position, or `answers` for a required question left out.
    pub fn check_all(survey: &Survey, answers: &[Answer]) -> Result<(), ValidationError> {
        Answer::check_each(survey, answers)?;
        match Answer::unanswered(survey, answers) {
            Some(missing) => Err(AnswerError::Unanswered {
                question: missing.id,
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Checks each answer against `survey` and the answers before it (a question of this
    /// survey, answered once, in the shape its kind takes), but not that every required
    /// question is there: `check_all` adds that, and the client's answer sheet checks each
    /// answer this way as it is given.
    pub fn check_each(survey: &Survey, answers: &[Answer]) -> Result<(), AnswerError> {
        let mut answered = HashSet::new();
        for (index, answer) in answers.iter().enumerate() {
            let Some(question) = survey.question(answer.question()) else {
                return Err(AnswerError::UnknownQuestion {
                    index,
                    question: answer.question(),
                    survey: survey.id,
                });
            };
            if !answered.insert(question.id) {
                return Err(AnswerError::AnsweredTwice {
                    index,
                    question: question.id,
                });
            }
            answer.check(index, question)?;
        }
        Ok(())
    }

    /// The first required question of `survey` that `answers` leave out.
    pub fn unanswered<'s>(survey: &'s Survey, answers: &[Answer]) -> Option<&'s Question> {
        survey
            .questions
            .iter()
            .find(|q| q.required && !answers.iter().any(|a| a.question() == q.id))
    }

    /// Checks this answer, the `index`th of its response, against its `question`.
    fn check(&self, index: usize, question: &Question) -> Result<(), AnswerError> {
        let id = question.id;
        match (self, question.kind) {
            (Answer::Text { text, .. }, QuestionKind::Text) => {
                if question.required && text.trim().is_empty() {
                    return Err(AnswerError::EmptyText {
                        index,
                        question: id,
                    });
                }
                if text.chars().count() > MAX_ANSWER_TEXT {
                    return Err(AnswerError::TextTooLong {
                        index,
                        question: id,
                        max: MAX_ANSWER_TEXT,
                    });
                }
                if text.contains('\0') {
                    return Err(AnswerError::NulInText {
                        index,
                        question: id,
                    });
                }
            }
            (
                Answer::Choices { choices, .. },
                kind @ (QuestionKind::Single | QuestionKind::Multiple),
            ) => {
                if choices.is_empty() {
                    return Err(AnswerError::NoChoice {
                        index,
                        question: id,
                    });
                }
                if kind == QuestionKind::Single && choices.len() > 1 {
                    return Err(AnswerError::OneChoiceOnly {
                        index,
                        question: id,
                        given: choices.len(),
                    });
                }
                let mut seen = HashSet::new();
                for &choice in choices {
                    if !question.choices.iter().any(|c| c.id == choice) {
                        return Err(AnswerError::ForeignChoice {
                            index,
                            question: id,
                            choice,
                        });
                    }
                    if !seen.insert(choice) {
                        return Err(AnswerError::RepeatedChoice {
                            index,
                            question: id,
                            choice,
                        });
                    }
                }
            }
            (Answer::Text { .. }, kind) => {
                return Err(AnswerError::TextForChoices {
                    index,
                    question: id,
                    kind,
                });
            }
            (Answer::Choices { .. }, QuestionKind::Text) => {
                return Err(AnswerError::ChoicesForText {
                    index,
                    question: id,
                });
            }
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

    fn text(t: &str) -> Answer {
        Answer::Text {
            question: QuestionId(3),
            text: t.into(),
        }
    }

    #[test]
    fn a_text_answer_is_refused_only_when_its_question_is_required_and_it_is_blank() {
        let mut survey = Survey::sample();
        let first = || choices(1, &[1]);
        assert_eq!(Answer::check_all(&survey, &[first(), text("  ")]), Ok(()));
        assert_eq!(
            Answer::check_all(&survey, &[first(), text("because")]),
            Ok(())
        );
        survey.questions[2].required = true;
        assert_eq!(
            Answer::check_all(&survey, &[first(), text("because")]),
            Ok(())
        );
        assert!(Answer::check_all(&survey, &[first(), text(" \n ")]).is_err());
    }

    #[test]
    fn a_text_answer_may_be_exactly_the_longest_in_characters() {
        let survey = Survey::sample();
        let longest = "é".repeat(MAX_ANSWER_TEXT);
        assert_eq!(
            Answer::check_all(&survey, &[choices(1, &[1]), text(&longest)]),
            Ok(())
        );
        let longer = format!("{longest}é");
        assert!(Answer::check_all(&survey, &[choices(1, &[1]), text(&longer)]).is_err());
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
    fn a_response_being_filled_in_is_checked_answer_by_answer() {
        let survey = Survey::sample();
        assert_eq!(Answer::check_each(&survey, &[choices(2, &[3])]), Ok(()));
        assert_eq!(
            Answer::unanswered(&survey, &[choices(2, &[3])]).map(|q| q.id),
            Some(QuestionId(1))
        );
        assert_eq!(
            Answer::check_each(&survey, &[choices(2, &[3]), choices(2, &[4])]),
            Err(AnswerError::AnsweredTwice {
                index: 1,
                question: QuestionId(2)
            })
        );
        assert_eq!(
            Answer::check_each(&survey, &[choices(2, &[4, 4])]),
            Err(AnswerError::RepeatedChoice {
                index: 0,
                question: QuestionId(2),
                choice: ChoiceId(4)
            })
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
