//! The answer sheet: what each question of one survey has been given, checked as it is filled
//! in, so a mistake is named by the question's position before anything is sent.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::domain::QuestionKind;
use crate::protocol::{AnswerBody, QuestionBody, SurveyBody};

/// One question's answer: choices by their position (0-based here), or text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    Choices(Vec<usize>),
    Text(String),
}

pub struct Sheet<'a> {
    survey: &'a SurveyBody,
    kinds: Vec<QuestionKind>,
    given: Vec<Option<Given>>,
}

impl<'a> Sheet<'a> {
    /// `kinds` holds each question's kind, in order.
    pub fn new(survey: &'a SurveyBody, kinds: Vec<QuestionKind>) -> Sheet<'a> {
        Sheet {
            given: vec![None; survey.questions.len()],
            survey,
            kinds,
        }
    }

    pub fn kind(&self, q: usize) -> QuestionKind {
        self.kinds[q]
    }

    fn question(&self, q: usize) -> &QuestionBody {
        &self.survey.questions[q]
    }

    /// The question at a 1-based position as `survey show` numbers them.
    pub fn position(&self, text: &str) -> Result<usize, String> {
        let count = self.survey.questions.len();
        let exists = format!("survey {} has questions 1 to {count}", self.survey.id);
        match text.parse::<usize>() {
            Ok(n) if (1..=count).contains(&n) => Ok(n - 1),
            Ok(n) => Err(format!("there is no question {n}: {exists}")),
            Err(_) => Err(format!("{text:?} is not a question number: {exists}")),
        }
    }

    /// `value` of `--answer Q=value`: comma-separated choice positions, or for a text
    /// question everything as it is, commas included.
    pub fn given_by_position(&self, q: usize, value: &str) -> Result<Given, String> {
        let kind = self.kind(q);
        if !kind.has_choices() {
            return Ok(Given::Text(value.to_owned()));
        }
        if value.trim().is_empty() {
            return Ok(Given::Choices(Vec::new()));
        }
        let count = self.question(q).choices.len();
        value
            .split(',')
            .map(str::trim)
            .map(|choice| match choice.parse::<usize>() {
                Ok(c) if (1..=count).contains(&c) => Ok(c - 1),
                Ok(c) => Err(format!(
                    "question {} has no choice {c}: its choices are 1 to {count}",
                    q + 1
                )),
                Err(_) => Err(format!(
                    "question {} is {}: give choice numbers 1 to {count}, not {choice:?}",
                    q + 1,
                    kind_label(kind)
                )),
            })
            .collect::<Result<_, _>>()
            .map(Given::Choices)
    }

    /// The question whose id is the `--answers` key `key`.
    pub fn position_of_id(&self, key: &str) -> Result<usize, String> {
        let questions = &self.survey.questions;
        let ids = questions
            .iter()
            .map(|q| q.id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let id = key.trim().parse::<i64>().map_err(|_| {
            format!(
                "{key:?} is not a question id: survey {}'s are {ids}",
                self.survey.id
            )
        })?;
        questions.iter().position(|q| q.id == id).ok_or_else(|| {
            format!(
                "survey {} has no question with id {id}: its question ids are {ids}",
                self.survey.id
            )
        })
    }

    /// An `--answers` value: a choice id, a list of them, or text.
    pub fn given_by_id(&self, q: usize, value: &Value) -> Result<Given, String> {
        let question = self.question(q);
        let name = format!("question {} (id {})", q + 1, question.id);
        let ids = match value {
            Value::String(text) => return Ok(Given::Text(text.clone())),
            Value::Array(items) => items.iter().collect(),
            Value::Number(_) => vec![value],
            _ => {
                return Err(format!(
                    "{name}: expected a choice id, a list of choice ids or text, not {value}"
                ));
            }
        };
        if !self.kind(q).has_choices() {
            return Err(format!(
                "{name} is a text question: give its answer as a string"
            ));
        }
        let known = question
            .choices
            .iter()
            .map(|c| c.id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        ids.into_iter()
            .map(|id| {
                id.as_i64()
                    .and_then(|id| question.choices.iter().position(|c| c.id == id))
                    .ok_or_else(|| {
                        format!("{name} has no choice with id {id}: its choice ids are {known}")
                    })
            })
            .collect::<Result<_, _>>()
            .map(Given::Choices)
    }

    /// Records `given` for question `q` (0-based), refusing what the question cannot take.
    pub fn set(&mut self, q: usize, given: Given) -> Result<(), String> {
        let number = q + 1;
        let kind = self.kind(q);
        if self.given[q].is_some() {
            return Err(format!("question {number} is answered twice"));
        }
        match (&given, kind) {
            (Given::Text(_), QuestionKind::Single | QuestionKind::Multiple) => {
                return Err(format!(
                    "question {number} is {}: give a choice, not text",
                    kind_label(kind)
                ));
            }
            (Given::Choices(picked), QuestionKind::Text) if !picked.is_empty() => {
                return Err(format!(
                    "question {number} is a text question: give text, not a choice"
                ));
            }
            (Given::Choices(picked), QuestionKind::Single) if picked.len() > 1 => {
                return Err(format!(
                    "question {number} is {}: give one choice, not {}",
                    kind_label(kind),
                    picked.len()
                ));
            }
            (Given::Choices(picked), _) => {
                let repeated = picked
                    .iter()
                    .enumerate()
                    .find_map(|(i, c)| picked[..i].contains(c).then_some(c));
                if let Some(c) = repeated {
                    return Err(format!(
                        "question {number}: choice {} is given twice",
                        c + 1
                    ));
                }
            }
            (Given::Text(_), QuestionKind::Text) => {}
        }
        self.given[q] = Some(given);
        Ok(())
    }

    /// The first required question without an answer.
    pub fn missing(&self) -> Option<usize> {
        (0..self.given.len()).find(|&q| self.question(q).required && self.answer(q).is_none())
    }

    pub fn missing_problem(&self, q: usize) -> String {
        format!(
            "question {} ({:?}) is required and has no answer",
            q + 1,
            self.question(q).text
        )
    }

    /// One line per question, for the person to check before sending.
    pub fn summary(&self) -> Vec<String> {
        let mut lines = vec![format!("Your answers to \"{}\":", self.survey.name)];
        for (q, question) in self.survey.questions.iter().enumerate() {
            let answer = match self.answer(q) {
                None => "(no answer)".to_owned(),
                Some(Given::Text(text)) => text.clone(),
                Some(Given::Choices(picked)) => picked
                    .iter()
                    .map(|&c| question.choices[c].text.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            lines.push(format!("  {}. {}", q + 1, question.text));
            lines.push(format!("     {answer}"));
        }
        lines
    }

    /// The answers to send; questions left without one are left out.
    pub fn into_answers(self) -> Vec<AnswerBody> {
        (0..self.given.len())
            .filter_map(|q| {
                let question = self.question(q);
                self.answer(q).map(|given| match given {
                    Given::Choices(picked) => AnswerBody {
                        question_id: question.id,
                        choice_ids: Some(picked.iter().map(|&c| question.choices[c].id).collect()),
                        text: None,
                    },
                    Given::Text(text) => AnswerBody {
                        question_id: question.id,
                        choice_ids: None,
                        text: Some(text.clone()),
                    },
                })
            })
            .collect()
    }

    /// What question `q` was given, if it is an answer: no choices or blank text is none.
    fn answer(&self, q: usize) -> Option<&Given> {
        self.given[q].as_ref().filter(|given| match given {
            Given::Choices(picked) => !picked.is_empty(),
            Given::Text(text) => !text.trim().is_empty(),
        })
    }
}

fn kind_label(kind: QuestionKind) -> &'static str {
    match kind {
        QuestionKind::Single => "a single-choice question",
        QuestionKind::Multiple => "a multiple-choice question",
        QuestionKind::Text => "a text question",
    }
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
                f.write_str(r#"an object {"<question id>": <choice id> | [choice ids] | "text"}"#)
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
    use crate::domain::Survey;

    /// `Survey::sample()`: 1 single and required (choice ids 1, 2), 2 multiple (3, 4), 3 text.
    fn sample() -> SurveyBody {
        SurveyBody::from(&Survey::sample())
    }

    fn kinds() -> Vec<QuestionKind> {
        vec![
            QuestionKind::Single,
            QuestionKind::Multiple,
            QuestionKind::Text,
        ]
    }

    #[test]
    fn positions_are_one_based_and_text_keeps_its_commas() {
        let survey = sample();
        let mut sheet = Sheet::new(&survey, kinds());
        assert_eq!(sheet.position("3"), Ok(2));
        assert!(
            sheet
                .position("0")
                .unwrap_err()
                .contains("questions 1 to 3")
        );
        let text = sheet.given_by_position(2, "a, b").unwrap();
        assert_eq!(text, Given::Text("a, b".into()));
        sheet.set(2, text).unwrap();
        sheet
            .set(1, sheet.given_by_position(1, "2,1").unwrap())
            .unwrap();
        assert_eq!(sheet.missing(), Some(0));
        sheet.set(0, Given::Choices(vec![1])).unwrap();
        let answers = sheet.into_answers();
        assert_eq!(answers[0].choice_ids, Some(vec![2]));
        assert_eq!(answers[1].choice_ids, Some(vec![4, 3]));
        assert_eq!(answers[2].text.as_deref(), Some("a, b"));
    }

    #[test]
    fn what_a_question_cannot_take_is_refused() {
        let survey = sample();
        let mut sheet = Sheet::new(&survey, kinds());
        assert!(sheet.set(0, Given::Choices(vec![0, 1])).is_err());
        assert!(sheet.set(0, Given::Text("x".into())).is_err());
        assert!(sheet.set(1, Given::Choices(vec![1, 1])).is_err());
        assert!(sheet.given_by_id(2, &serde_json::json!(3)).is_err());
        assert!(sheet.given_by_id(0, &serde_json::json!(3)).is_err());
        assert_eq!(
            sheet.given_by_id(1, &serde_json::json!([4])),
            Ok(Given::Choices(vec![1]))
        );
        sheet.set(0, Given::Choices(vec![0])).unwrap();
        assert!(sheet.set(0, Given::Choices(vec![0])).is_err());
    }

    #[test]
    fn blank_answers_to_optional_questions_are_left_out() {
        let survey = sample();
        let mut sheet = Sheet::new(&survey, kinds());
        sheet.set(0, Given::Choices(vec![0])).unwrap();
        sheet.set(1, Given::Choices(Vec::new())).unwrap();
        sheet.set(2, Given::Text("  ".into())).unwrap();
        assert_eq!(sheet.missing(), None);
        assert_eq!(sheet.into_answers().len(), 1);
    }
}
