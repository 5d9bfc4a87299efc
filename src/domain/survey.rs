//! Surveys, their questions and choices: what may be created, and what is stored.

use std::fmt;
use std::str::FromStr;

use super::ids::{ChoiceId, QuestionId, SurveyId, UserId};
use super::settings::SurveySettings;
use super::validation::{ValidationError, required_text};

/// The longest survey name, in characters once trimmed.
pub const MAX_NAME: usize = 200;
/// The longest question or choice text, in characters once trimmed.
pub const MAX_TEXT: usize = 1000;
/// The most questions a survey may have.
pub const MAX_QUESTIONS: usize = 100;
/// The most choices a question may have.
pub const MAX_CHOICES: usize = 50;

/// How a question is answered. On the wire (and in the store) its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuestionKind {
    /// Exactly one choice: the seed's radio buttons.
    Single,
    /// One or more choices.
    Multiple,
    /// Free text, no choices.
    Text,
}

impl QuestionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::Text => "text",
        }
    }

    pub fn has_choices(self) -> bool {
        self != QuestionKind::Text
    }
}

impl FromStr for QuestionKind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "single" => Ok(QuestionKind::Single),
            "multiple" => Ok(QuestionKind::Multiple),
            "text" => Ok(QuestionKind::Text),
            _ => Err(()),
        }
    }
}

impl fmt::Display for QuestionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a survey takes responses now (`SurveySettings::status`). On the wire its
/// lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SurveyStatus {
    /// Not yet: `opens_at` is ahead.
    Scheduled,
    Open,
    Closed,
}

impl SurveyStatus {
    pub const ALL: [SurveyStatus; 3] = [
        SurveyStatus::Scheduled,
        SurveyStatus::Open,
        SurveyStatus::Closed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SurveyStatus::Scheduled => "scheduled",
            SurveyStatus::Open => "open",
            SurveyStatus::Closed => "closed",
        }
    }
}

/// A survey about to be created, already validated by [`NewSurvey::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSurvey {
    pub name: String,
    pub one_response_per_user: bool,
    pub questions: Vec<NewQuestion>,
    pub settings: SurveySettings,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQuestion {
    pub text: String,
    pub kind: QuestionKind,
    pub required: bool,
    pub choices: Vec<String>,
}

impl NewSurvey {
    /// Checks every rule and names the first field that breaks one (`name`, `questions`,
    /// `questions[i].question`, `questions[i].choices`, `questions[i].choices[j]`).
    pub fn new(
        name: &str,
        one_response_per_user: bool,
        questions: Vec<NewQuestion>,
    ) -> Result<Self, ValidationError> {
        let name = NewSurvey::check_name(name)?;
        if questions.is_empty() {
            return Err(ValidationError::new(
                "questions",
                "must have at least one question",
            ));
        }
        if questions.len() > MAX_QUESTIONS {
            return Err(ValidationError::new(
                "questions",
                format!("must have at most {MAX_QUESTIONS} questions"),
            ));
        }
        let questions = questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| q.validated(i))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            name,
            one_response_per_user,
            questions,
            settings: SurveySettings::default(),
        })
    }

    /// The same survey with `settings`, if they agree with each other and with it.
    pub fn with_settings(self, settings: SurveySettings) -> Result<Self, ValidationError> {
        settings.check(self.one_response_per_user)?;
        Ok(Self { settings, ..self })
    }

    /// The name as it would be kept (trimmed), or why it cannot be: the rule `new` applies,
    /// on its own, so the wizard can check a name at its prompt (issue 14).
    pub fn check_name(name: &str) -> Result<String, ValidationError> {
        required_text("name", name, MAX_NAME)
    }
}

impl NewQuestion {
    /// This question, trimmed, as question `index` (0-based) of a survey: the rules `NewSurvey::new`
    /// applies to each question, so the wizard can check one while it is being written.
    /// Errors name the field as `new` does (`questions[i].choices[j]`).
    pub fn check(self, index: usize) -> Result<Self, ValidationError> {
        self.validated(index)
    }

    /// Question `index`'s text as it would be kept (trimmed), or why it cannot be.
    pub fn check_text(index: usize, text: &str) -> Result<String, ValidationError> {
        required_text(&format!("questions[{index}].question"), text, MAX_TEXT)
    }

    fn validated(self, index: usize) -> Result<Self, ValidationError> {
        let field = format!("questions[{index}]");
        let text = NewQuestion::check_text(index, &self.text)?;
        let choices_field = format!("{field}.choices");
        if self.kind.has_choices() {
            if self.choices.is_empty() {
                return Err(ValidationError::new(
                    choices_field,
                    "must have at least one choice",
                ));
            }
            if self.choices.len() > MAX_CHOICES {
                return Err(ValidationError::new(
                    choices_field,
                    format!("must have at most {MAX_CHOICES} choices"),
                ));
            }
        } else if !self.choices.is_empty() {
            return Err(ValidationError::new(
                choices_field,
                "text questions take no choices",
            ));
        }
        let mut choices: Vec<String> = Vec::with_capacity(self.choices.len());
        for (j, raw) in self.choices.iter().enumerate() {
            let field = format!("{choices_field}[{j}]");
            let choice = required_text(&field, raw, MAX_TEXT)?;
            // Two equal choices split one opinion's count in two, and `--answer` could not
            // say which was meant (issue 14). Compared as sent, as the schema's `uniqueItems`
            // compares them: JSON Schema's idea of whitespace is not Rust's `trim`, and a
            // request the schema calls valid must not be refused for a difference in it.
            if let Some(first) = self.choices[..j].iter().position(|c| c == raw) {
                return Err(ValidationError::new(
                    field,
                    format!("repeats choice {} ({choice:?})", first + 1),
                ));
            }
            choices.push(choice);
        }
        Ok(Self {
            text,
            kind: self.kind,
            required: self.required,
            choices,
        })
    }
}

/// A stored survey with its questions and choices in creation order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub id: SurveyId,
    pub name: String,
    pub created_at: String,
    pub creator_id: Option<UserId>,
    pub creator: Option<String>,
    pub status: SurveyStatus,
    pub one_response_per_user: bool,
    pub responses: u64,
    pub questions: Vec<Question>,
    pub settings: SurveySettings,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub id: QuestionId,
    pub survey_id: SurveyId,
    pub text: String,
    pub kind: QuestionKind,
    pub required: bool,
    pub created_at: String,
    pub choices: Vec<Choice>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: ChoiceId,
    pub question_id: QuestionId,
    pub text: String,
    pub created_at: String,
    /// How many responses chose it.
    pub selected: u64,
}

/// A stored question as one to write again (an edit keeps it, the wizard offers it).
impl From<&Question> for NewQuestion {
    fn from(q: &Question) -> Self {
        NewQuestion {
            text: q.text.clone(),
            kind: q.kind,
            required: q.required,
            choices: q.choices.iter().map(|c| c.text.clone()).collect(),
        }
    }
}

impl Survey {
    pub fn is_closed(&self) -> bool {
        self.status == SurveyStatus::Closed
    }

    /// Whether it takes responses now, as far as its status said when it was read (not
    /// closed, and not scheduled for later).
    pub fn takes_responses(&self) -> bool {
        self.status == SurveyStatus::Open
    }

    pub fn is_owned_by(&self, user: UserId) -> bool {
        self.creator_id == Some(user)
    }

    pub fn question(&self, id: QuestionId) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

#[cfg(test)]
impl Survey {
    /// A small open survey for tests: question 1 single and required (choices 1, 2),
    /// question 2 multiple (choices 3, 4), question 3 free text.
    pub(crate) fn sample() -> Survey {
        let choice = |id, question| Choice {
            id: ChoiceId(id),
            question_id: QuestionId(question),
            text: format!("c{id}"),
            created_at: "2024-01-01 00:00:00".into(),
            selected: 0,
        };
        let question = |id, kind, required, choices| Question {
            id: QuestionId(id),
            survey_id: SurveyId(1),
            text: format!("q{id}"),
            kind,
            required,
            created_at: "2024-01-01 00:00:00".into(),
            choices,
        };
        Survey {
            id: SurveyId(1),
            name: "sample".into(),
            created_at: "2024-01-01 00:00:00".into(),
            creator_id: None,
            creator: None,
            status: SurveyStatus::Open,
            one_response_per_user: false,
            responses: 0,
            settings: SurveySettings::default(),
            questions: vec![
                question(
                    1,
                    QuestionKind::Single,
                    true,
                    vec![choice(1, 1), choice(2, 1)],
                ),
                question(
                    2,
                    QuestionKind::Multiple,
                    false,
                    vec![choice(3, 2), choice(4, 2)],
                ),
                question(3, QuestionKind::Text, false, vec![]),
            ],
        }
    }
}

/// A survey's tally: counts per choice and the text answers given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results {
    pub survey: Survey,
    /// Per question, in order: the text answers, oldest first.
    pub text_answers: Vec<Vec<String>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(text: &str, kind: QuestionKind, choices: &[&str]) -> NewQuestion {
        NewQuestion {
            text: text.into(),
            kind,
            required: true,
            choices: choices.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_valid_survey_is_trimmed_and_kept_in_order() {
        let survey = NewSurvey::new(
            " Lunch ",
            false,
            vec![question("Where?", QuestionKind::Single, &["Pub ", "Cafe"])],
        )
        .unwrap();
        assert_eq!(survey.name, "Lunch");
        assert_eq!(survey.questions[0].choices, ["Pub", "Cafe"]);
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let single = |choices: &[&str]| question("Q", QuestionKind::Single, choices);
        let cases = [
            (NewSurvey::new("", false, vec![single(&["a"])]), "name"),
            (NewSurvey::new("S", false, vec![]), "questions"),
            (
                NewSurvey::new("S", false, vec![single(&["a"]), single(&[])]),
                "questions[1].choices",
            ),
            (
                NewSurvey::new(
                    "S",
                    false,
                    vec![question(" ", QuestionKind::Single, &["a"])],
                ),
                "questions[0].question",
            ),
            (
                NewSurvey::new("S", false, vec![single(&["a", ""])]),
                "questions[0].choices[1]",
            ),
            (
                NewSurvey::new("S", false, vec![question("T", QuestionKind::Text, &["a"])]),
                "questions[0].choices",
            ),
            (
                NewSurvey::new("S", false, vec![single(&["a", "b", "a"])]),
                "questions[0].choices[2]",
            ),
        ];
        for (result, field) in cases {
            assert_eq!(result.unwrap_err().field, field);
        }
    }

    #[test]
    fn limits_are_inclusive_exactly_at_the_limit() {
        let many = |n: usize| -> Vec<String> { (0..n).map(|i| format!("c{i}")).collect() };
        let with_choices = |n| {
            let choices = many(n);
            let refs: Vec<&str> = choices.iter().map(String::as_str).collect();
            NewSurvey::new("S", false, vec![question("Q", QuestionKind::Single, &refs)])
        };
        assert!(with_choices(MAX_CHOICES).is_ok());
        assert_eq!(
            with_choices(MAX_CHOICES + 1).unwrap_err().field,
            "questions[0].choices"
        );
        // Characters, not bytes: a name of MAX_NAME two-byte letters is still allowed.
        let single = || vec![question("Q", QuestionKind::Single, &["a"])];
        assert!(NewSurvey::new(&"é".repeat(MAX_NAME), false, single()).is_ok());
        assert_eq!(
            NewSurvey::new(&"é".repeat(MAX_NAME + 1), false, single())
                .unwrap_err()
                .field,
            "name"
        );
    }

    #[test]
    fn status_decides_whether_a_survey_is_closed_and_takes_responses() {
        let mut survey = Survey::sample();
        for (status, closed, taking) in [
            (SurveyStatus::Open, false, true),
            (SurveyStatus::Scheduled, false, false),
            (SurveyStatus::Closed, true, false),
        ] {
            survey.status = status;
            assert_eq!(
                (survey.is_closed(), survey.takes_responses()),
                (closed, taking),
                "{status:?}"
            );
        }
    }

    #[test]
    fn a_question_kind_reads_and_prints_as_its_wire_name() {
        for (kind, name) in [
            (QuestionKind::Single, "single"),
            (QuestionKind::Multiple, "multiple"),
            (QuestionKind::Text, "text"),
        ] {
            assert_eq!(kind.to_string(), name);
            assert_eq!(name.parse(), Ok(kind));
        }
    }

    #[test]
    fn text_questions_need_no_choices() {
        assert!(
            NewSurvey::new("S", false, vec![question("Why?", QuestionKind::Text, &[])]).is_ok()
        );
    }
}
