//! What the error summary says: each question a posted form got wrong, in the survey's
//! order, in words for a respondent (the API's wording names ids and fields).

use crate::domain::{Answer, AnswerError, MAX_ANSWER_TEXT, Question, Survey};

/// One question at fault and what is wrong with its answer.
#[derive(Debug)]
pub struct Mistake<'s> {
    pub question: &'s Question,
    pub problem: String,
}

/// Every question `answers` get wrong. Each answer is checked on its own with the domain's
/// rules (`Answer::check_each`), so all are named at once, not only the first.
pub fn find<'s>(survey: &'s Survey, answers: &[Answer]) -> Vec<Mistake<'s>> {
    survey
        .questions
        .iter()
        .filter_map(|question| {
            let problem = match answers.iter().find(|a| a.question() == question.id) {
                None if question.required => "needs an answer".to_owned(),
                None => return None,
                Some(answer) => {
                    words(&Answer::check_each(survey, std::slice::from_ref(answer)).err()?)
                }
            };
            Some(Mistake { question, problem })
        })
        .collect()
}

fn words(error: &AnswerError) -> String {
    match error {
        AnswerError::EmptyText { .. }
        | AnswerError::NoChoice { .. }
        | AnswerError::Unanswered { .. } => "needs an answer".to_owned(),
        AnswerError::TextTooLong { .. } => {
            format!("is answered with more than {MAX_ANSWER_TEXT} characters")
        }
        AnswerError::NulInText { .. } => "holds a character that cannot be kept".to_owned(),
        AnswerError::OneChoiceOnly { .. } => "takes one choice only".to_owned(),
        _ => "is answered with something that is not one of its choices".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ChoiceId, QuestionId};

    #[test]
    fn every_question_at_fault_is_named_in_order() {
        let survey = Survey::sample();
        let answers = [
            Answer::Choices {
                question: QuestionId(2),
                choices: vec![ChoiceId(1)],
            },
            Answer::Text {
                question: QuestionId(3),
                text: "x".repeat(MAX_ANSWER_TEXT + 1),
            },
        ];
        let found: Vec<(i64, String)> = find(&survey, &answers)
            .into_iter()
            .map(|m| (m.question.id.0, m.problem))
            .collect();
        assert_eq!(
            found,
            [
                (1, "needs an answer".to_owned()),
                (
                    2,
                    "is answered with something that is not one of its choices".to_owned()
                ),
                (
                    3,
                    format!("is answered with more than {MAX_ANSWER_TEXT} characters")
                ),
            ]
        );
    }
}
