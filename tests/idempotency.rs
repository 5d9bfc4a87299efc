//! Issue 7, the server's side: a response may carry its client's id for it (`client_id` in
//! the body or the `Idempotency-Key` header), and sending it again — a retry after a timeout,
//! two `canvass sync` runs at once, a queue replayed after a restart — is the same response:
//! 200 with the first one's id, nothing recorded or counted twice.

use std::sync::Barrier;
use std::thread;

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::http::Response;
use crate::harness::server::TestServer;
use crate::harness::survey::{choice_id, count_of, id_of, question_id, rich_survey, survey_id};

const OWNER: &str = "owner@example.com";
const ANN: &str = "ann@example.com";
const UUID: &str = "3f2b8c4e-9d1a-4e6b-8f0c-7a5d2e1b9c30";

/// A server, the owner's token and their rich survey.
fn rich(one_response_per_user: bool) -> (TestServer, String, Value) {
    let server = TestServer::start();
    let owner = server.user(OWNER);
    let survey = server.create_survey(&owner, &rich_survey("Lunch", one_response_per_user));
    (server, owner, survey)
}

fn responses_path(survey: &Value) -> String {
    paths::responses(survey_id(survey))
}

/// Pizza; Tea; no text. With `client_id` in the body when given.
fn answers(survey: &Value, client_id: Option<&str>) -> Value {
    let mut body = json!({"answers": [
        {"question_id": question_id(survey, 0), "choice_ids": [choice_id(survey, 0, 0)]},
        {"question_id": question_id(survey, 1), "choice_ids": [choice_id(survey, 1, 0)]},
    ]});
    if let Some(client_id) = client_id {
        body["client_id"] = json!(client_id);
    }
    body
}

/// POSTs `body` to the survey's responses with the given `Idempotency-Key` and token.
fn send(
    server: &TestServer,
    survey: &Value,
    body: &Value,
    key: Option<&str>,
    token: Option<&str>,
) -> Response {
    let auth = token.map(|token| format!("Bearer {token}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(key) = key {
        headers.push(("Idempotency-Key", key));
    }
    if let Some(auth) = &auth {
        headers.push(("Authorization", auth));
    }
    server.request(
        "POST",
        &responses_path(survey),
        &headers,
        body.to_string().as_bytes(),
    )
}

/// The survey's response count and Pizza's count, from its results.
fn counted(server: &TestServer, survey: &Value) -> (Value, u64) {
    let results = server.results(id_of(survey));
    let pizza = count_of(&results, choice_id(survey, 0, 0));
    (results["responses"].clone(), pizza)
}

#[test]
fn a_resent_client_id_is_acknowledged_with_the_first_id_and_counted_once() {
    let (server, _, survey) = rich(false);
    let body = answers(&survey, Some(UUID));
    let first = server
        .post_json(&responses_path(&survey), &body, None)
        .expect(201);
    let again = server
        .post_json(&responses_path(&survey), &body, None)
        .expect(200);
    assert_eq!(again, json!({"id": id_of(&first)}));
    assert_eq!(counted(&server, &survey), (json!(1), 1));
    // Without a client id every send is a response of its own, as before.
    let plain = answers(&survey, None);
    server
        .post_json(&responses_path(&survey), &plain, None)
        .expect(201);
    server
        .post_json(&responses_path(&survey), &plain, None)
        .expect(201);
    assert_eq!(counted(&server, &survey), (json!(3), 3));
}

#[test]
fn the_idempotency_key_header_names_a_response_like_the_body_field() {
    let (server, _, survey) = rich(false);
    let plain = answers(&survey, None);
    let first = send(&server, &survey, &plain, Some(UUID), None).expect(201);
    let again = send(&server, &survey, &plain, Some(UUID), None).expect(200);
    assert_eq!(again, first);
    // The header and the field are one name: either recognises what the other sent.
    let in_body = answers(&survey, Some(UUID));
    assert_eq!(
        send(&server, &survey, &in_body, None, None).expect(200),
        first
    );
    assert_eq!(
        send(&server, &survey, &in_body, Some(UUID), None).expect(200),
        first
    );
    assert_eq!(counted(&server, &survey), (json!(1), 1));
}

#[test]
fn a_header_and_body_that_disagree_are_refused_naming_client_id() {
    let (server, _, survey) = rich(false);
    let body = answers(&survey, Some(UUID));
    send(&server, &survey, &body, Some("another-key"), None).error_naming("client_id");
    assert_eq!(counted(&server, &survey), (json!(0), 0));
}

#[test]
fn a_malformed_client_id_is_refused_naming_it() {
    let (server, _, survey) = rich(false);
    let too_long = "a".repeat(101);
    for bad in ["", "with space", "a/b", "naïve", "{x}", too_long.as_str()] {
        let body = answers(&survey, Some(bad));
        send(&server, &survey, &body, None, None).error_naming("client_id");
        // A header value is ASCII.
        if bad.is_ascii() {
            let plain = answers(&survey, None);
            send(&server, &survey, &plain, Some(bad), None).error_naming("client_id");
        }
    }
    let mut number = answers(&survey, None);
    number["client_id"] = json!(7);
    send(&server, &survey, &number, None, None).error_naming("client_id");
    assert_eq!(counted(&server, &survey), (json!(0), 0));
    // The longest and every allowed character are fine.
    let longest = "a".repeat(100);
    for good in ["Az09-_", longest.as_str()] {
        send(&server, &survey, &answers(&survey, Some(good)), None, None).expect(201);
    }
}

#[test]
fn a_client_id_already_used_for_another_survey_is_a_409() {
    let (server, owner, survey) = rich(false);
    let other = server.create_survey(&owner, &rich_survey("Dinner", false));
    send(&server, &survey, &answers(&survey, Some(UUID)), None, None).expect(201);
    let refused = send(&server, &other, &answers(&other, Some(UUID)), None, None).error(409);
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.contains("client_id") && message.contains("another survey"),
        "{refused}"
    );
    assert_eq!(counted(&server, &other), (json!(0), 0));
    assert_eq!(counted(&server, &survey), (json!(1), 1));
}

#[test]
fn a_resend_to_a_one_response_per_user_survey_is_acknowledged_not_refused() {
    let (server, _, survey) = rich(true);
    let ann = server.user(ANN);
    let body = answers(&survey, Some(UUID));
    let first = send(&server, &survey, &body, None, Some(&ann)).expect(201);
    let again = send(&server, &survey, &body, None, Some(&ann)).expect(200);
    assert_eq!(again, first);
    // A response under another id is still a second response.
    let second = answers(&survey, Some("another-response"));
    send(&server, &survey, &second, None, Some(&ann)).error(409);
    send(&server, &survey, &answers(&survey, None), None, Some(&ann)).error(409);
    assert_eq!(counted(&server, &survey), (json!(1), 1));
}

#[test]
fn a_resend_after_the_survey_closed_is_acknowledged() {
    let (server, owner, survey) = rich(false);
    let body = answers(&survey, Some(UUID));
    let first = send(&server, &survey, &body, None, None).expect(201);
    let close = paths::close(survey_id(&survey));
    server.post(&close, Some(&owner)).expect(200);
    assert_eq!(send(&server, &survey, &body, None, None).expect(200), first);
    // A response the survey never had is refused as before.
    let late = answers(&survey, Some("too-late"));
    send(&server, &survey, &late, None, None).error(409);
    assert_eq!(counted(&server, &survey), (json!(1), 1));
}

#[test]
fn fifty_concurrent_sends_of_one_client_id_record_one_response() {
    let (server, _, survey) = rich(false);
    let body = answers(&survey, Some(UUID));
    let senders = 50;
    let barrier = Barrier::new(senders);
    let replies: Vec<(u16, Value)> = thread::scope(|scope| {
        let sends: Vec<_> = (0..senders)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let reply = send(&server, &survey, &body, None, None);
                    (reply.status, reply.json())
                })
            })
            .collect();
        sends.into_iter().map(|s| s.join().unwrap()).collect()
    });
    let created = replies.iter().filter(|(status, _)| *status == 201).count();
    let repeated = replies.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!((created, repeated), (1, senders - 1), "{replies:?}");
    let id = &replies[0].1;
    assert!(replies.iter().all(|(_, body)| body == id), "{replies:?}");
    assert_eq!(counted(&server, &survey), (json!(1), 1));
}

#[test]
fn a_restarted_server_still_recognises_a_client_id() {
    let (mut server, owner, survey) = rich(false);
    let other = server.create_survey(&owner, &rich_survey("Dinner", false));
    let first = send(&server, &survey, &answers(&survey, Some(UUID)), None, None).expect(201);
    server.restart();
    let plain = answers(&survey, None);
    assert_eq!(
        send(&server, &survey, &plain, Some(UUID), None).expect(200),
        first
    );
    send(&server, &other, &answers(&other, Some(UUID)), None, None).error(409);
    assert_eq!(counted(&server, &survey), (json!(1), 1));
}
