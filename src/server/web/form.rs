//! A posted form, read against its survey: the token, the invitation code, the answers, and
//! what the respondent filled in, to show again when something must be fixed. Field names
//! are `q<question id>`; a choice's value is its id (a checkbox group repeats the name).

use std::collections::HashMap;

use crate::domain::{Answer, ChoiceId, QuestionId, QuestionKind, Survey};

/// The hidden field holding the form token.
pub const TOKEN: &str = "token";
/// The hidden field holding an invitation code, carried over from the page's `?i=`.
pub const INVITATION: &str = "i";

/// The value of field `name` in posted `pairs`: the first, if it is given twice.
pub fn value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The name of the field that answers `question`.
pub fn field(question: QuestionId) -> String {
    format!("q{question}")
}

/// What the respondent gave per question, as sent.
#[derive(Debug, Default)]
pub struct Filled(HashMap<QuestionId, Vec<String>>);

impl Filled {
    /// Whether `choice` was ticked for `question`.
    pub fn has(&self, question: QuestionId, choice: ChoiceId) -> bool {
        let value = choice.to_string();
        self.0.get(&question).is_some_and(|v| v.contains(&value))
    }

    /// The text given for `question`, or nothing.
    pub fn text(&self, question: QuestionId) -> &str {
        self.0
            .get(&question)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }
}

/// A form as posted.
#[derive(Debug)]
pub struct Posted {
    pub token: String,
    pub invitation: Option<String>,
    pub answers: Vec<Answer>,
    pub filled: Filled,
}

impl Posted {
    /// Reads `pairs` for `survey`'s questions; other fields are ignored. Whether the answers
    /// count is for `Answer::check_all` to say, not for this reading: a value that is no
    /// choice id is kept as one no question has, so the check names its question.
    pub fn read(survey: &Survey, pairs: &[(String, String)]) -> Posted {
        let mut filled = HashMap::new();
        let mut answers = Vec::new();
        for question in &survey.questions {
            let name = field(question.id);
            let given: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
                .collect();
            if let Some(answer) = answer(question.id, question.kind, &given) {
                answers.push(answer);
            }
            filled.insert(question.id, given);
        }
        Posted {
            token: value(pairs, TOKEN).unwrap_or_default().to_owned(),
            invitation: value(pairs, INVITATION)
                .filter(|code| !code.trim().is_empty())
                .map(str::to_owned),
            answers,
            filled: Filled(filled),
        }
    }
}

/// The answer `given` makes to a question of `kind`, if any: nothing ticked, or blank text,
/// is no answer (which a required question then reports).
fn answer(question: QuestionId, kind: QuestionKind, given: &[String]) -> Option<Answer> {
    match kind {
        QuestionKind::Text => {
            let text = given.first()?;
            // Browsers send a textarea's line breaks as CRLF; the CLI and the API store LF.
            let text = text.replace("\r\n", "\n");
            (!text.trim().is_empty()).then_some(Answer::Text { question, text })
        }
        QuestionKind::Single | QuestionKind::Multiple => {
            if given.is_empty() {
                return None;
            }
            let choices = given
                .iter()
                .map(|v| ChoiceId(v.trim().parse().unwrap_or(0)))
                .collect();
            Some(Answer::Choices { question, choices })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn fields_become_answers_and_are_kept() {
        let survey = Survey::sample();
        let posted = Posted::read(
            &survey,
            &pairs(&[
                ("token", "t"),
                ("q1", "2"),
                ("q2", "3"),
                ("q2", "4"),
                ("q3", "a\r\nb"),
                ("q9", "ignored"),
                ("i", " "),
            ]),
        );
        assert_eq!(posted.token, "t");
        assert_eq!(posted.invitation, None);
        assert_eq!(Answer::check_all(&survey, &posted.answers), Ok(()));
        assert_eq!(
            posted.answers[2],
            Answer::Text {
                question: QuestionId(3),
                text: "a\nb".into()
            }
        );
        assert!(posted.filled.has(QuestionId(2), ChoiceId(4)));
        assert!(!posted.filled.has(QuestionId(1), ChoiceId(1)));
        assert_eq!(posted.filled.text(QuestionId(3)), "a\r\nb");
    }

    #[test]
    fn blanks_are_no_answer_and_junk_is_a_foreign_choice() {
        let survey = Survey::sample();
        let posted = Posted::read(&survey, &pairs(&[("q3", "  "), ("q2", "x"), ("i", "abc")]));
        assert_eq!(posted.invitation.as_deref(), Some("abc"));
        assert_eq!(
            posted.answers,
            [Answer::Choices {
                question: QuestionId(2),
                choices: vec![ChoiceId(0)]
            }]
        );
    }
}
