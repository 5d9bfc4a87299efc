//! What a survey, a response and a user mean, and the rules they obey. Shared by the server
//! and the client; no I/O and no other canvass module in here.

mod ids;
mod response;
mod survey;
mod user;
mod validation;

pub use ids::{ChoiceId, QuestionId, ResponseId, SurveyId, UserId};
pub use response::{Answer, ResponseRecord};
pub use survey::{
    Choice, NewQuestion, NewSurvey, Question, QuestionKind, Results, Survey, SurveyStatus,
};
pub use user::{Email, Password, User};
pub use validation::ValidationError;
