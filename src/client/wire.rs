//! A survey as the server sends it, read into the domain's `Survey` once where it enters the
//! client: `api.rs` for replies, `cache.rs` for the copies kept for offline use. Commands then
//! work on typed ids and `Answer::check_each` applies to them as it does on the server.

use crate::domain::{
    Choice, ChoiceId, Question, QuestionId, Survey, SurveyId, SurveySettings, Timestamp,
};
use crate::protocol::SurveyBody;

/// The inverse of `From<&Survey> for SurveyBody`, so `SurveyBody::from` gives back the
/// server's JSON field for field. `creator_id` is not on the wire: the client never has it.
impl From<SurveyBody> for Survey {
    fn from(body: SurveyBody) -> Self {
        // The server wrote these; one it could not have written is read as unset.
        let time = |text: Option<String>| text.and_then(|t| Timestamp::parse("", &t).ok());
        let settings = SurveySettings {
            opens_at: time(body.opens_at),
            closes_at: time(body.closes_at),
            max_responses: body.max_responses,
            anonymous: body.anonymous,
            invitation_only: body.invitation_only,
            public_results: body.public_results,
        };
        Survey {
            settings,
            id: SurveyId(body.id),
            name: body.name,
            created_at: body.created_at,
            creator_id: None,
            creator: body.creator,
            status: body.status,
            one_response_per_user: body.one_response_per_user,
            responses: body.responses,
            questions: body
                .questions
                .into_iter()
                .map(|q| Question {
                    id: QuestionId(q.id),
                    survey_id: SurveyId(q.survey_id),
                    text: q.text,
                    kind: q.kind,
                    required: q.required,
                    created_at: q.created_at,
                    choices: q
                        .choices
                        .into_iter()
                        .map(|c| Choice {
                            id: ChoiceId(c.id),
                            question_id: QuestionId(c.question_id),
                            text: c.text,
                            created_at: c.created_at,
                            selected: c.selected,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_survey_read_from_the_wire_is_written_back_unchanged() {
        let sent = serde_json::json!({
            "id": 7,
            "name": "Lunch",
            "created_at": "2026-01-02 03:04:05",
            "creator": null,
            "status": "closed",
            "one_response_per_user": true,
            "responses": 3,
            "opens_at": "2026-01-02T00:00:00Z",
            "closes_at": null,
            "max_responses": 3,
            "anonymous": false,
            "invitation_only": true,
            "public_results": false,
            "questions": [{
                "id": 11,
                "text": "Where?",
                "created_at": "2026-01-02 03:04:05",
                "survey_id": 7,
                "kind": "multiple",
                "required": false,
                "choices": [{
                    "id": 21,
                    "text": "Pub",
                    "created_at": "2026-01-02 03:04:05",
                    "question_id": 11,
                    "selected": 2
                }]
            }]
        });
        let body: SurveyBody = serde_json::from_value(sent.clone()).unwrap();
        let survey = Survey::from(body);
        assert!(survey.is_closed());
        assert_eq!(survey.questions[0].choices[0].id, ChoiceId(21));
        let again = serde_json::to_value(SurveyBody::from(&survey)).unwrap();
        assert_eq!(again, sent);
    }
}
