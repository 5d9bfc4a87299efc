//! Changing a survey after it was created (`PATCH`, issue 15). Its name, when it closes, its
//! cap and whether its results are public may change at any time; what respondents answer
//! (questions and choices) and how they answer it (the window's start, anonymity,
//! invitations, one response per user) only while nobody has — otherwise the responses
//! already given would count towards a survey they never saw.

use super::settings::{SurveySettings, Timestamp};
use super::survey::{NewQuestion, NewSurvey, Survey};
use super::validation::ValidationError;

/// What an edit sends: each part optional; `Some(None)` clears a setting.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SurveyEdit {
    pub name: Option<String>,
    pub questions: Option<Vec<NewQuestion>>,
    pub one_response_per_user: Option<bool>,
    pub opens_at: Option<Option<Timestamp>>,
    pub closes_at: Option<Option<Timestamp>>,
    pub max_responses: Option<Option<u64>>,
    pub anonymous: Option<bool>,
    pub invitation_only: Option<bool>,
    pub public_results: Option<bool>,
}

/// The survey as an edit leaves it, checked like a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// Name, one response per user and settings; `questions` is empty unless replaced.
    pub survey: NewSurvey,
    /// Whether the questions are replaced (they get new ids).
    pub replaces_questions: bool,
    /// Whether it changes what or how respondents answer: allowed only before the first
    /// response.
    pub changes_what_is_answered: bool,
}

impl SurveyEdit {
    /// `survey` with this edit applied, or the first rule the result breaks.
    pub fn apply(self, survey: &Survey) -> Result<Edited, ValidationError> {
        let was = &survey.settings;
        let settings = SurveySettings {
            opens_at: self.opens_at.unwrap_or(was.opens_at),
            closes_at: self.closes_at.unwrap_or(was.closes_at),
            max_responses: self.max_responses.unwrap_or(was.max_responses),
            anonymous: self.anonymous.unwrap_or(was.anonymous),
            invitation_only: self.invitation_only.unwrap_or(was.invitation_only),
            public_results: self.public_results.unwrap_or(was.public_results),
        };
        let one_response_per_user = self
            .one_response_per_user
            .unwrap_or(survey.one_response_per_user);
        let changes_what_is_answered = self.questions.is_some()
            || one_response_per_user != survey.one_response_per_user
            || settings.opens_at != was.opens_at
            || settings.anonymous != was.anonymous
            || settings.invitation_only != was.invitation_only;
        let name = self.name.as_deref().unwrap_or(&survey.name);
        let replaces_questions = self.questions.is_some();
        // Checked as a whole, as a new survey is: the kept questions already passed.
        let questions = match self.questions {
            Some(questions) => questions,
            None => survey.questions.iter().map(NewQuestion::from).collect(),
        };
        let mut checked =
            NewSurvey::new(name, one_response_per_user, questions)?.with_settings(settings)?;
        if !replaces_questions {
            checked.questions.clear();
        }
        Ok(Edited {
            survey: checked,
            replaces_questions,
            changes_what_is_answered,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_and_closing_may_change_and_are_checked() {
        let survey = Survey::sample();
        let edit = SurveyEdit {
            name: Some("  Renamed ".into()),
            closes_at: Some(Some(Timestamp::from_unix(2_000_000_000))),
            max_responses: Some(Some(5)),
            public_results: Some(true),
            ..SurveyEdit::default()
        };
        let edited = edit.apply(&survey).unwrap();
        assert_eq!(edited.survey.name, "Renamed");
        assert_eq!(edited.survey.settings.max_responses, Some(5));
        assert!(!edited.changes_what_is_answered);
        assert!(!edited.replaces_questions);
        assert!(edited.survey.questions.is_empty(), "the questions stay");

        let empty = SurveyEdit {
            name: Some(" ".into()),
            ..SurveyEdit::default()
        };
        assert_eq!(empty.apply(&survey).unwrap_err().field, "name");
    }

    #[test]
    fn questions_anonymity_and_invitations_change_what_is_answered() {
        let survey = Survey::sample();
        let edits = [
            SurveyEdit {
                questions: Some(vec![NewQuestion {
                    text: "New?".into(),
                    kind: super::super::QuestionKind::Single,
                    required: true,
                    choices: vec!["yes".into(), "no".into()],
                }]),
                ..SurveyEdit::default()
            },
            SurveyEdit {
                anonymous: Some(true),
                ..SurveyEdit::default()
            },
            SurveyEdit {
                invitation_only: Some(true),
                ..SurveyEdit::default()
            },
            SurveyEdit {
                opens_at: Some(Some(Timestamp::from_unix(1))),
                ..SurveyEdit::default()
            },
        ];
        for edit in edits {
            assert!(
                edit.clone()
                    .apply(&survey)
                    .unwrap()
                    .changes_what_is_answered,
                "{edit:?}"
            );
        }
        let same = SurveyEdit {
            anonymous: Some(false),
            ..SurveyEdit::default()
        };
        assert!(!same.apply(&survey).unwrap().changes_what_is_answered);
    }
}
