//! What a survey, a response and a user mean, and the rules they obey. Shared by the server
//! and the client; no I/O and no other canvass module in here.

mod answer_error;
mod ids;
mod invitation;
mod response;
mod settings;
mod survey;
mod survey_edit;
mod user;
mod validation;

pub use answer_error::AnswerError;
pub use ids::{ChoiceId, QuestionId, ResponseId, SurveyId, UserId};
pub use invitation::{Invitation, InvitationRefusal};
pub use response::{Answer, MAX_ANSWER_TEXT, ResponseRecord};
pub use settings::{NotTaking, SurveySettings, Timestamp};
pub use survey::{
    Choice, MAX_CHOICES, MAX_NAME, MAX_QUESTIONS, MAX_TEXT, NewQuestion, NewSurvey, Question,
    QuestionKind, Results, Survey, SurveyStatus,
};
pub use survey_edit::{Edited, SurveyEdit};
pub use user::{Email, Password, User};
pub use validation::ValidationError;
