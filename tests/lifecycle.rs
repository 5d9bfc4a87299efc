//! A survey's lifecycle over HTTP (issue 15): its window, its cap, anonymity, invitations,
//! editing, reopening, ids never reused. The store's conformance story (`store_lifecycle.rs`)
//! holds the same rules on both backends; these check what a client sees.

use std::sync::{Arc, Barrier};
use std::thread;

use canvass::domain::Timestamp;
use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::http::Response;
use crate::harness::server::TestServer;
use crate::harness::survey::{choice_id, id_of, question_id, survey_id};

const OWNER: &str = "owner@example.com";

/// One single-choice question, two choices, with `settings` merged in.
fn survey(settings: &Value) -> Value {
    let mut body = json!({
        "name": "Lunch",
        "questions": [{"text": "Where?", "kind": "single", "choices": ["Pub", "Cafe"]}],
    });
    for (key, value) in settings.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

fn answer(survey: &Value) -> Value {
    json!({"answers": [{"question_id": question_id(survey, 0),
                        "choice_ids": [choice_id(survey, 0, 0)]}]})
}

fn patch(server: &TestServer, survey: &Value, body: &Value, token: &str) -> Response {
    server.request(
        "PATCH",
        &paths::survey(survey_id(survey)),
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("Content-Type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )
}

/// `threads` clients send `body` to `path` at the same instant; their statuses.
fn race(server: &Arc<TestServer>, threads: usize, path: &str, body: &Value) -> Vec<u16> {
    let start = Arc::new(Barrier::new(threads));
    let senders: Vec<_> = (0..threads)
        .map(|_| {
            let (server, start) = (Arc::clone(server), Arc::clone(&start));
            let (path, body) = (path.to_owned(), body.clone());
            thread::spawn(move || {
                start.wait();
                server.post_json(&path, &body, None).status
            })
        })
        .collect();
    senders.into_iter().map(|s| s.join().unwrap()).collect()
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|&&s| s == status).count()
}

#[test]
fn settings_are_taken_at_create_returned_on_every_survey_and_checked() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let settings = json!({
        "opens_at": "2026-01-01T09:00:00Z",
        "closes_at": "2099-01-01T09:00:00Z",
        "max_responses": 10,
        "invitation_only": true,
        "public_results": true,
    });
    let created = server.create_survey(&jwt, &survey(&settings));
    let fetched = server.survey(id_of(&created));
    for body in [&created, &fetched] {
        for (key, value) in settings.as_object().unwrap() {
            assert_eq!(&body[key], value, "{key}: {body}");
        }
        assert_eq!(body["anonymous"], false);
        assert_eq!(body["status"], "open");
    }
    let listed = server.get(paths::SURVEYS).expect(200);
    assert_eq!(listed[0]["max_responses"], 10, "{listed}");

    for (bad, field) in [
        (
            json!({"anonymous": true, "one_response_per_user": true}),
            "anonymous",
        ),
        (json!({"opens_at": "2026-01-01T09:00:00"}), "opens_at"),
        (
            json!({"opens_at": "2026-02-01T00:00:00Z", "closes_at": "2026-01-01T00:00:00Z"}),
            "closes_at",
        ),
        (json!({"max_responses": 0}), "max_responses"),
    ] {
        server
            .post_json(paths::SURVEYS, &survey(&bad), Some(&jwt))
            .error_naming(field);
    }
}

#[test]
fn outside_its_window_a_survey_refuses_responses_saying_when() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let now = Timestamp::now().unix();
    let later = Timestamp::from_unix(now + 3600).to_string();
    let scheduled = server.create_survey(&jwt, &survey(&json!({"opens_at": later})));
    assert_eq!(scheduled["status"], "scheduled");
    let refused = server.post_json(
        &paths::responses(survey_id(&scheduled)),
        &answer(&scheduled),
        None,
    );
    assert_eq!(
        refused.error(409)["message"],
        format!(
            "survey {} is not open yet: it opens at {later}",
            scheduled["id"]
        )
    );
    let earlier = Timestamp::from_unix(now - 1).to_string();
    let over = server.create_survey(&jwt, &survey(&json!({"closes_at": earlier})));
    assert_eq!(over["status"], "closed");
    let refused = server.post_json(&paths::responses(survey_id(&over)), &answer(&over), None);
    assert_eq!(
        refused.error(409)["message"],
        format!("survey {} closed at {earlier}", over["id"])
    );
}

#[test]
fn two_hundred_racing_respondents_get_exactly_the_cap_of_fifty() {
    let server = Arc::new(TestServer::start());
    let jwt = server.user(OWNER);
    let capped = server.create_survey(&jwt, &survey(&json!({"max_responses": 50})));
    let statuses = race(
        &server,
        200,
        &paths::responses(survey_id(&capped)),
        &answer(&capped),
    );
    assert_eq!((count(&statuses, 201), count(&statuses, 409)), (50, 150));
    let full = server.survey(id_of(&capped));
    assert_eq!(
        (full["responses"].as_u64(), full["status"].as_str()),
        (Some(50), Some("closed"))
    );
    assert_eq!(full["questions"][0]["choices"][0]["selected"], 50);
}

#[test]
fn an_invitation_lets_exactly_one_response_in_however_many_use_it_at_once() {
    let server = Arc::new(TestServer::start());
    let jwt = server.user(OWNER);
    let invited = server.create_survey(&jwt, &survey(&json!({"invitation_only": true})));
    let id = survey_id(&invited);
    let made = server
        .post_json(&paths::invitations(id), &json!({"count": 3}), Some(&jwt))
        .expect(201);
    let codes: Vec<&str> = made["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 3);
    assert!(codes.iter().all(|c| c.len() == 40), "{made}");
    assert_eq!(
        made["invitations"][0]["url"],
        format!("/s/{id}?i={}", codes[0])
    );

    let path = paths::responses(id);
    let with = |code: Option<&str>| {
        let mut body = answer(&invited);
        if let Some(code) = code {
            body["invitation"] = json!(code);
        }
        body
    };
    let missing = server.post_json(&path, &with(None), None).error(403);
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .contains("by invitation only"),
        "{missing}"
    );
    server
        .post_json(&path, &with(Some("0000")), None)
        .error(403);

    let statuses = race(&server, 50, &path, &with(Some(codes[0])));
    assert_eq!(
        (count(&statuses, 201), count(&statuses, 409)),
        (1, 49),
        "{statuses:?}"
    );
    // Typed from paper, in capitals: the same code, and used.
    let again = server
        .post_json(&path, &with(Some(&codes[0].to_uppercase())), None)
        .error(409);
    assert_eq!(again["message"], "that invitation has been used already");
    server
        .post_json(&path, &with(Some(codes[1])), None)
        .expect(201);

    let listed = server.get_as(&paths::invitations(id), &jwt).expect(200);
    let used: Vec<bool> = listed["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["used"].as_bool().unwrap())
        .collect();
    assert_eq!(used, [true, true, false]);
    assert_eq!(listed["invitations"][2]["prefix"], codes[2][..6]);
    assert!(
        listed.to_string().find(codes[2]).is_none(),
        "codes are not kept"
    );
    let stranger = server.user("stranger@example.com");
    server.get_as(&paths::invitations(id), &stranger).error(403);
    server
        .post_json(
            &paths::invitations(id),
            &json!({"count": 10_001}),
            Some(&jwt),
        )
        .error_naming("count");
}

#[test]
fn an_anonymous_survey_exports_no_respondent() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let anonymous = server.create_survey(&jwt, &survey(&json!({"anonymous": true})));
    let id = survey_id(&anonymous);
    server
        .post_json(&paths::responses(id), &answer(&anonymous), Some(&jwt))
        .expect(201);
    let export = server.get_as(&paths::export(id, "json"), &jwt).expect(200);
    let response = &export["responses"][0];
    assert!(response.get("respondent").is_none(), "{export}");
    let csv = server.get_as(&paths::export(id, "csv"), &jwt).text();
    assert!(csv.starts_with("id,created_at,Where?"), "{csv}");
    server.get_as(&paths::my_response(id), &jwt).error(404);
}

#[test]
fn an_edit_changes_the_questions_only_before_the_first_response() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let created =
        server.create_survey(&jwt, &survey(&json!({"closes_at": "2099-01-01T00:00:00Z"})));
    let questions = json!({"questions": [
        {"text": "When?", "kind": "single", "choices": ["Noon", "One"]}]});
    let edited = patch(&server, &created, &questions, &jwt).expect(200);
    assert_eq!(edited["questions"][0]["text"], "When?");
    server
        .post_json(
            &paths::responses(survey_id(&edited)),
            &answer(&edited),
            None,
        )
        .expect(201);

    let refused = patch(&server, &edited, &questions, &jwt).error(409);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("has responses"),
        "{refused}"
    );
    let renamed = patch(
        &server,
        &edited,
        &json!({"name": "Dinner", "closes_at": null, "public_results": true}),
        &jwt,
    )
    .expect(200);
    assert_eq!(renamed["name"], "Dinner");
    assert_eq!(renamed["closes_at"], Value::Null);
    assert_eq!(renamed["public_results"], true);
    assert_eq!(renamed["questions"][0]["id"], edited["questions"][0]["id"]);
    let stranger = server.user("stranger@example.com");
    patch(&server, &edited, &json!({"name": "Mine"}), &stranger).error(403);
}

#[test]
fn a_closed_survey_reopens_unless_it_is_full() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let open = server.create_survey(&jwt, &survey(&json!({})));
    server
        .post(&paths::close(survey_id(&open)), Some(&jwt))
        .expect(200);
    let reopened = server
        .post(&paths::reopen(survey_id(&open)), Some(&jwt))
        .expect(200);
    assert_eq!(reopened["status"], "open");

    let one = server.create_survey(&jwt, &survey(&json!({"max_responses": 1})));
    server
        .post_json(&paths::responses(survey_id(&one)), &answer(&one), None)
        .expect(201);
    let refused = server
        .post(&paths::reopen(survey_id(&one)), Some(&jwt))
        .error(409);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("has its 1 responses"),
        "{refused}"
    );
}

#[test]
fn deleting_the_newest_survey_never_gives_its_id_to_the_next() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let first = server.create_survey(&jwt, &survey(&json!({})));
    let deleted = server.delete(&paths::survey(survey_id(&first)), Some(&jwt));
    assert_eq!(deleted.status, 204);
    let second = server.create_survey(&jwt, &survey(&json!({})));
    assert!(id_of(&second) > id_of(&first), "{second}");
    assert!(question_id(&second, 0) > question_id(&first, 0));
}
