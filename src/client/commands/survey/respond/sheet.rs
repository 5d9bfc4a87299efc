//! The answer sheet: the answers given so far to one survey, each checked by the domain's
//! rules (`Answer::check_each`) as it is added, so a mistake is named by the question's
//! position before anything is sent.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::sheet_error::{IdList, Named, SheetError, Unanswered};
use crate::cli::AnswerFlag;
use crate::client::render::printable;
use crate::domain::{Answer, AnswerError, ChoiceId, Question, QuestionId, Survey};

pub struct Sheet<'a> {
    survey: &'a Survey,
    /// Checked against the survey and each other, in the order given; none is blank.
    answers: Vec<Answer>,
    /// Questions given no choice or blank text: nothing is sent for them, but a second
    /// answer to one is still an answer given twice.
    blank: Vec<QuestionId>,
    /// The answers came keyed by id (`--answers --by-id`): messages name ids too.
    by_id: bool,
}

impl<'a> Sheet<'a> {
    pub fn new(survey: &'a Survey) -> Sheet<'a> {
        Sheet {
            survey,
            answers: Vec::new(),
            blank: Vec::new(),
            by_id: false,
        }
    }

    /// This sheet, for answers keyed by id: its messages name the ids.
    pub fn keyed_by_id(self) -> Sheet<'a> {
        Sheet {
            by_id: true,
            ..self
        }
    }

    /// The question the `--answers` key `key` numbers (1 for the first), with its number.
    pub fn question_by_number(&self, key: &str) -> Result<(usize, &'a Question), SheetError> {
        let survey = self.survey.id;
        let count = self.survey.questions.len();
        let number = key
            .trim()
            .parse::<usize>()
            .map_err(|_| SheetError::NotAQuestionNumber {
                key: key.to_owned(),
                survey,
                count,
            })?;
        number
            .checked_sub(1)
            .and_then(|q| self.survey.questions.get(q))
            .map(|question| (number, question))
            .ok_or(SheetError::NoQuestion {
                number,
                survey,
                count,
            })
    }

    /// `--answer Q=VALUE`: VALUE is choice positions for a question with choices, else text
    /// exactly as given, commas included.
    pub fn by_position(&self, flag: &AnswerFlag) -> Result<Answer, SheetError> {
        let number = flag.question.get();
        let questions = &self.survey.questions;
        let Some(question) = questions.get(number - 1) else {
            return Err(SheetError::NoQuestion {
                number,
                survey: self.survey.id,
                count: questions.len(),
            });
        };
        if !question.kind.has_choices() {
            return Ok(Answer::Text {
                question: question.id,
                text: flag.value.clone(),
            });
        }
        let count = question.choices.len();
        let positions = flag
            .choices()
            .map_err(|piece| SheetError::NotAChoiceNumber {
                number,
                kind: question.kind,
                count,
                given: piece.to_owned(),
            })?;
        let choices = positions
            .into_iter()
            .map(|choice| {
                choice
                    .checked_sub(1)
                    .and_then(|c| question.choices.get(c))
                    .map(|c| c.id)
                    .ok_or(SheetError::NoChoice {
                        number,
                        choice,
                        count,
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(Answer::Choices {
            question: question.id,
            choices,
        })
    }

    /// The question whose id is the `--answers` key `key`, with its 1-based position.
    pub fn question_by_id(&self, key: &str) -> Result<(usize, &'a Question), SheetError> {
        let survey = self.survey.id;
        let ids = || IdList(self.survey.questions.iter().map(|q| q.id).collect());
        let id = key
            .trim()
            .parse::<i64>()
            .map_err(|_| SheetError::NotAQuestionId {
                key: key.to_owned(),
                survey,
                ids: ids(),
            })?;
        self.numbered(QuestionId(id))
            .ok_or_else(|| SheetError::NoQuestionId {
                id: QuestionId(id),
                survey,
                ids: ids(),
            })
    }

    /// Adds `answer` if the survey takes it. No choice, or blank text, is no answer: nothing
    /// is sent for it, and `finish` refuses it where the question is required.
    pub fn add(&mut self, answer: Answer) -> Result<(), SheetError> {
        let question = answer.question();
        if self.blank.contains(&question) {
            return Err(self.explain(AnswerError::AnsweredTwice {
                index: self.answers.len(),
                question,
            }));
        }
        self.answers.push(answer);
        // Every answer before this one passed, so any problem is this one's.
        let blank = match Answer::check_each(self.survey, &self.answers) {
            Ok(()) => {
                matches!(self.answers.last(), Some(Answer::Text { text, .. }) if text.trim().is_empty())
            }
            Err(AnswerError::NoChoice { .. } | AnswerError::EmptyText { .. }) => true,
            Err(problem) => {
                self.answers.pop();
                return Err(self.explain(problem));
            }
        };
        if blank {
            self.answers.pop();
            self.blank.push(question);
        }
        Ok(())
    }

    /// The answers to send, in question order, once every required question has one.
    pub fn finish(mut self) -> Result<Vec<Answer>, Unanswered> {
        let missing = Answer::unanswered(self.survey, &self.answers);
        if let Some((number, question)) = missing.and_then(|q| self.numbered(q.id)) {
            return Err(Unanswered {
                number,
                text: question.text.clone(),
                kind: question.kind,
            });
        }
        let survey = self.survey;
        self.answers.sort_by_key(|answer| {
            survey
                .questions
                .iter()
                .position(|q| q.id == answer.question())
        });
        Ok(self.answers)
    }

    /// Question `id` with its 1-based position, if it is one of this survey's.
    fn numbered(&self, id: QuestionId) -> Option<(usize, &'a Question)> {
        self.survey
            .questions
            .iter()
            .enumerate()
            .find(|(_, q)| q.id == id)
            .map(|(q, question)| (q + 1, question))
    }

    /// The domain's objection in the words of positions.
    fn explain(&self, problem: AnswerError) -> SheetError {
        let id = problem.question();
        let Some((number, question)) = self.numbered(id) else {
            return SheetError::NoQuestionId {
                id,
                survey: self.survey.id,
                ids: IdList(self.survey.questions.iter().map(|q| q.id).collect()),
            };
        };
        match problem {
            AnswerError::AnsweredTwice { .. } => SheetError::AnsweredTwice { number },
            AnswerError::OneChoiceOnly { given, .. } => SheetError::OneChoice {
                number,
                kind: question.kind,
                given,
            },
            AnswerError::ForeignChoice { choice, .. } => SheetError::NoChoiceId {
                number,
                question: id,
                choice,
                known: IdList(question.choices.iter().map(|c| c.id).collect()),
            },
            AnswerError::RepeatedChoice { choice, .. } => {
                match question.choices.iter().position(|c| c.id == choice) {
                    Some(c) => SheetError::RepeatedChoice {
                        number,
                        choice: c + 1,
                    },
                    None => SheetError::Answer {
                        number,
                        source: problem,
                    },
                }
            }
            AnswerError::TextForChoices { kind, .. } => SheetError::TextForChoices { number, kind },
            AnswerError::ChoicesForText { .. } => SheetError::ChoicesForText {
                question: Named {
                    number,
                    id: self.by_id.then_some(id),
                },
            },
            source => SheetError::Answer { number, source },
        }
    }
}

/// An `--answers` value for `question`, number `number`: a choice id, a list of them, or
/// text.
pub fn by_id((number, question): (usize, &Question), value: &Value) -> Result<Answer, SheetError> {
    let not_an_answer = || SheetError::NotAnAnswer {
        question: Named {
            number,
            id: Some(question.id),
        },
        value: value.clone(),
    };
    let ids = match value {
        Value::String(text) => {
            return Ok(Answer::Text {
                question: question.id,
                text: text.clone(),
            });
        }
        Value::Array(items) => items.iter().collect(),
        Value::Number(_) => vec![value],
        _ => return Err(not_an_answer()),
    };
    let choices = ids
        .into_iter()
        .map(|id| id.as_i64().map(ChoiceId).ok_or_else(not_an_answer))
        .collect::<Result<_, _>>()?;
    Ok(Answer::Choices {
        question: question.id,
        choices,
    })
}

/// An `--answers` value for question `number`, by the positions `survey show` prints: a
/// choice number, a list of them, or text.
pub fn by_position(
    (number, question): (usize, &Question),
    value: &Value,
) -> Result<Answer, SheetError> {
    let not_an_answer = || SheetError::NotAnAnswer {
        question: Named { number, id: None },
        value: value.clone(),
    };
    let positions = match value {
        Value::String(text) => {
            return Ok(Answer::Text {
                question: question.id,
                text: text.clone(),
            });
        }
        _ if !question.kind.has_choices() => {
            return Err(SheetError::ChoicesForText {
                question: Named { number, id: None },
            });
        }
        Value::Array(items) => items.iter().collect(),
        Value::Number(_) => vec![value],
        _ => return Err(not_an_answer()),
    };
    let count = question.choices.len();
    let choices = positions
        .into_iter()
        .map(|position| {
            let position = position
                .as_u64()
                .and_then(|p| usize::try_from(p).ok())
                .ok_or_else(not_an_answer)?;
            position
                .checked_sub(1)
                .and_then(|c| question.choices.get(c))
                .map(|c| c.id)
                .ok_or(SheetError::NoChoice {
                    number,
                    choice: position,
                    count,
                })
        })
        .collect::<Result<_, _>>()?;
    Ok(Answer::Choices {
        question: question.id,
        choices,
    })
}

/// One line per question, for the person to check before sending. The survey's text is its
/// creator's, and the answers may be pasted: all of it is made printable.
pub fn summary(survey: &Survey, answers: &[Answer]) -> Vec<String> {
    let mut lines = vec![format!("Your answers to \"{}\":", printable(&survey.name))];
    for (q, question) in survey.questions.iter().enumerate() {
        let answer = match answers.iter().find(|a| a.question() == question.id) {
            None => "(no answer)".to_owned(),
            Some(Answer::Text { text, .. }) => text.clone(),
            Some(Answer::Choices { choices, .. }) => choices
                .iter()
                .filter_map(|id| question.choices.iter().find(|c| c.id == *id))
                .map(|c| c.text.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        };
        lines.push(format!("  {}. {}", q + 1, printable(&question.text)));
        lines.push(format!("     {}", printable(&answer)));
    }
    lines
}

/// The `--answers` object's entries in file order. A map type would keep only the last of a
/// repeated key; this keeps both so the same question given twice is refused, not guessed.
pub struct AnswerEntries(pub Vec<(String, Value)>);

impl<'de> Deserialize<'de> for AnswerEntries {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = AnswerEntries;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#"an object {"<question>": <choice> | [choices] | "text"}"#)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AnswerEntries, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(AnswerEntries(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Survey::sample()`: 1 single and required (choice ids 1, 2), 2 multiple (3, 4), 3 text.
    fn sample() -> Survey {
        Survey::sample()
    }

    fn flag(text: &str) -> AnswerFlag {
        text.parse().unwrap()
    }

    fn add_flag(sheet: &mut Sheet<'_>, text: &str) -> Result<(), String> {
        let answer = sheet.by_position(&flag(text)).map_err(|e| e.to_string())?;
        sheet.add(answer).map_err(|e| e.to_string())
    }

    #[test]
    fn positions_are_one_based_and_text_keeps_its_commas() {
        let survey = sample();
        let mut sheet = Sheet::new(&survey);
        let no_question = add_flag(&mut sheet, "4=1").unwrap_err();
        assert_eq!(
            no_question,
            "there is no question 4: survey 1 has questions 1 to 3"
        );
        add_flag(&mut sheet, "3=a, b").unwrap();
        add_flag(&mut sheet, "2=2,1").unwrap();
        assert_eq!(
            sheet.finish().unwrap_err().to_string(),
            "question 1 (\"q1\") is required and has no answer"
        );
        let mut sheet = Sheet::new(&survey);
        add_flag(&mut sheet, "3=a, b").unwrap();
        add_flag(&mut sheet, "2=2,1").unwrap();
        add_flag(&mut sheet, "1=2").unwrap();
        let answers = sheet.finish().unwrap();
        assert_eq!(
            answers,
            [
                Answer::Choices {
                    question: QuestionId(1),
                    choices: vec![ChoiceId(2)]
                },
                Answer::Choices {
                    question: QuestionId(2),
                    choices: vec![ChoiceId(4), ChoiceId(3)]
                },
                Answer::Text {
                    question: QuestionId(3),
                    text: "a, b".into()
                },
            ]
        );
    }

    #[test]
    fn what_a_question_cannot_take_is_named_by_position() {
        let survey = sample();
        let mut sheet = Sheet::new(&survey);
        let cases = [
            (
                "1=1,2",
                "question 1 is a single-choice question: give one choice, not 2",
            ),
            ("1=3", "question 1 has no choice 3: its choices are 1 to 2"),
            ("1=0", "question 1 has no choice 0: its choices are 1 to 2"),
            (
                "1=Pizza",
                "question 1 is a single-choice question: give choice numbers 1 to 2, not \"Pizza\"",
            ),
            ("2=2,2", "question 2: choice 2 is given twice"),
        ];
        for (given, problem) in cases {
            assert_eq!(add_flag(&mut sheet, given), Err(problem.to_owned()));
        }
        add_flag(&mut sheet, "1=1").unwrap();
        assert_eq!(
            add_flag(&mut sheet, "1=2"),
            Err("question 1 is answered twice".to_owned())
        );
        let long = format!("3={}", "x".repeat(10_001));
        assert_eq!(
            add_flag(&mut sheet, &long),
            Err("question 3: must be at most 10000 characters".to_owned())
        );
    }

    #[test]
    fn answers_by_id_are_checked_by_the_domains_rules() {
        let survey = sample();
        let mut sheet = Sheet::new(&survey).keyed_by_id();
        let by_id = |sheet: &mut Sheet<'_>, key: &str, value: Value| -> Result<(), String> {
            let question = sheet.question_by_id(key).map_err(|e| e.to_string())?;
            let answer = by_id(question, &value).map_err(|e| e.to_string())?;
            sheet.add(answer).map_err(|e| e.to_string())
        };
        let cases = [
            (
                "3",
                serde_json::json!(3),
                "question 3 (id 3) is a text question: give its answer as a string",
            ),
            (
                "1",
                serde_json::json!(3),
                "question 1 (id 1) has no choice with id 3: its choice ids are 1, 2",
            ),
            (
                "1",
                serde_json::json!("x"),
                "question 1 is a single-choice question: give a choice, not text",
            ),
            (
                "1",
                serde_json::json!(1.5),
                "question 1 (id 1): expected a choice id, a list of choice ids or text, not 1.5",
            ),
            (
                "9",
                serde_json::json!(1),
                "survey 1 has no question with id 9: its question ids are 1, 2, 3",
            ),
            (
                "one",
                serde_json::json!(1),
                "\"one\" is not a question id: survey 1's are 1, 2, 3",
            ),
        ];
        for (key, value, problem) in cases {
            assert_eq!(by_id(&mut sheet, key, value), Err(problem.to_owned()));
        }
        by_id(&mut sheet, "2", serde_json::json!([4])).unwrap();
        by_id(&mut sheet, "1", serde_json::json!(1)).unwrap();
        assert_eq!(sheet.finish().unwrap().len(), 2);
    }

    #[test]
    fn answers_by_position_are_named_by_position() {
        let survey = sample();
        let mut sheet = Sheet::new(&survey);
        let add = |sheet: &mut Sheet<'_>, key: &str, value: Value| -> Result<(), String> {
            let question = sheet.question_by_number(key).map_err(|e| e.to_string())?;
            let answer = by_position(question, &value).map_err(|e| e.to_string())?;
            sheet.add(answer).map_err(|e| e.to_string())
        };
        let cases = [
            (
                "4",
                serde_json::json!("Thai"),
                "there is no question 4: survey 1 has questions 1 to 3",
            ),
            (
                "q1",
                serde_json::json!(1),
                "\"q1\" is not a question number: survey 1 has questions 1 to 3 (keys are \
                 question ids only with --by-id)",
            ),
            (
                "3",
                serde_json::json!([1]),
                "question 3 is a text question: give its answer as a string",
            ),
            (
                "1",
                serde_json::json!(3),
                "question 1 has no choice 3: its choices are 1 to 2",
            ),
            (
                "1",
                serde_json::json!(-1),
                "question 1: expected a choice number, a list of choice numbers or text, not -1",
            ),
        ];
        for (key, value, problem) in cases {
            assert_eq!(add(&mut sheet, key, value), Err(problem.to_owned()));
        }
        add(&mut sheet, "1", serde_json::json!(2)).unwrap();
        add(&mut sheet, "2", serde_json::json!([2, 1])).unwrap();
        let answers = sheet.finish().unwrap();
        assert_eq!(
            answers[1],
            Answer::Choices {
                question: QuestionId(2),
                choices: vec![ChoiceId(4), ChoiceId(3)]
            }
        );
    }

    #[test]
    fn blank_answers_are_left_out_but_still_count_as_given() {
        let survey = sample();
        let mut sheet = Sheet::new(&survey);
        add_flag(&mut sheet, "1=1").unwrap();
        add_flag(&mut sheet, "2=").unwrap();
        add_flag(&mut sheet, "3=  ").unwrap();
        assert_eq!(
            add_flag(&mut sheet, "2=1"),
            Err("question 2 is answered twice".to_owned())
        );
        let answers = sheet.finish().unwrap();
        assert_eq!(answers.len(), 1);
        assert_eq!(
            summary(&survey, &answers)[1..],
            [
                "  1. q1",
                "     c1",
                "  2. q2",
                "     (no answer)",
                "  3. q3",
                "     (no answer)"
            ]
        );
    }
}
