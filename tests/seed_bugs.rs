//! The seed's bugs that canvass must not copy (docs/seed-contract.md Part 2), each test under the row
//! it checks.

use std::sync::Barrier;
use std::thread;

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{
    choice_id, count_of, id_of, question_id, seed_survey, selected_of, survey_id, vote,
};

const ANN: &str = "ann@example.com";

// See: docs/seed-contract.md Part 2, "no validation (empty email/password, …)".
#[test]
fn registering_with_an_empty_email_or_password_is_refused_naming_the_field() {
    let server = TestServer::start();
    let empty_email = json!({"email": "", "password": PASSWORD});
    server
        .axios("POST", paths::REGISTER, &empty_email, None)
        .error_naming("email");
    let blank_email = json!({"email": "   ", "password": PASSWORD});
    server
        .axios("POST", paths::REGISTER, &blank_email, None)
        .error_naming("email");
    let empty_password = json!({"email": ANN, "password": ""});
    server
        .axios("POST", paths::REGISTER, &empty_password, None)
        .error_naming("password");
    let missing_password = json!({"email": ANN});
    server
        .axios("POST", paths::REGISTER, &missing_password, None)
        .error_naming("password");
    // None of them made a user: the address is still free.
    server.register(ANN, PASSWORD);
}

// See: docs/seed-contract.md Part 2, "no validation (… survey without name or questions, …)".
#[test]
fn a_survey_without_a_name_or_questions_is_refused_naming_the_field() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let cases = [
        (json!({"questions": seed_survey("x")["questions"]}), "name"),
        (
            json!({"name": "", "questions": seed_survey("x")["questions"]}),
            "name",
        ),
        (json!({"name": "No questions"}), "questions"),
        (
            json!({"name": "No questions", "questions": []}),
            "questions",
        ),
    ];
    for (body, field) in cases {
        server
            .axios("POST", paths::SURVEYS, &body, Some(&jwt))
            .error_naming(field);
    }
    assert_eq!(server.get(paths::SURVEYS).expect(200), json!([]));
}

// See: docs/seed-contract.md Part 2, "no validation (… question without choices)".
#[test]
fn a_question_without_choices_is_refused_naming_the_field() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let empty = json!({"name": "x", "questions": [
        {"question": "Fine?", "choices": ["Yes"]},
        {"question": "Empty?", "choices": []},
    ]});
    server
        .axios("POST", paths::SURVEYS, &empty, Some(&jwt))
        .error_naming("choices");
    let missing = json!({"name": "x", "questions": [{"question": "Missing?"}]});
    server
        .axios("POST", paths::SURVEYS, &missing, Some(&jwt))
        .error_naming("choices");
    assert_eq!(server.get(paths::SURVEYS).expect(200), json!([]));
}

// See: docs/seed-contract.md Part 2, "duplicate e-mail → 500".
#[test]
fn registering_a_taken_email_answers_409() {
    let server = TestServer::start();
    server.register(ANN, PASSWORD);
    let again = json!({"email": ANN, "password": "another password"});
    server
        .axios("POST", paths::REGISTER, &again, None)
        .error(409);
    // The first password still logs in.
    server.login(ANN, PASSWORD);
}

// See: docs/seed-contract.md Part 2, "duplicate e-mail → 500".
#[test]
fn racing_registrations_of_one_email_make_one_user_and_409s() {
    let server = TestServer::start();
    let racers = 8;
    let barrier = Barrier::new(racers);
    let body = json!({"email": ANN, "password": PASSWORD});
    let mut statuses: Vec<u16> = thread::scope(|scope| {
        let handles: Vec<_> = (0..racers)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    server.axios("POST", paths::REGISTER, &body, None).status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    statuses.sort_unstable();
    let mut expected = vec![409; racers];
    expected[0] = 201;
    assert_eq!(statuses, expected);
    server.login(ANN, PASSWORD);
}

// See: docs/seed-contract.md Part 2, "unknown survey id → 500".
#[test]
fn an_unknown_survey_id_answers_404() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let created = server.create_survey(&jwt, &seed_survey("Known"));
    let body = vote(&created, &[0, 0]);
    let unknown = paths::survey(424_242);
    server.get(&unknown).error(404);
    server.axios("PUT", &unknown, &body, None).error(404);
    server.put_json(&unknown, &body, Some(&jwt)).error(404);
    server.get(&paths::results(424_242)).error(404);
}

// See: docs/seed-contract.md Part 2, "PUT accepts a choice id from another survey or question".
#[test]
fn a_vote_with_a_choice_from_another_survey_or_question_is_refused_and_not_counted() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let mine = server.create_survey(&jwt, &seed_survey("Mine"));
    let other = server.create_survey(&jwt, &seed_survey("Other"));
    let path = paths::survey(survey_id(&mine));
    let fetched = server.get(&path).expect(200);

    let mut foreign = vote(&fetched, &[0, 0]);
    foreign["questions"][1]["choice"] = json!(choice_id(&other, 1, 0));
    server.axios("PUT", &path, &foreign, None).error(400);

    let mut crossed = vote(&fetched, &[0, 0]);
    crossed["questions"][0]["choice"] = json!(choice_id(&mine, 1, 1));
    server.axios("PUT", &path, &crossed, None).error(400);

    let mut unknown = vote(&fetched, &[0, 0]);
    unknown["questions"][0]["choice"] = json!(987_654);
    server.axios("PUT", &path, &unknown, None).error(400);

    for survey in [&mine, &other] {
        let after = server.survey(id_of(survey));
        let results = server.results(id_of(survey));
        for q in 0..2 {
            let choices = survey["questions"][q]["choices"].as_array().unwrap().len();
            for c in 0..choices {
                let choice = choice_id(survey, q, c);
                assert_eq!(selected_of(&after, choice), 0, "counted {q}/{c}: {after}");
                assert_eq!(count_of(&results, choice), 0, "counted {q}/{c}: {results}");
            }
        }
        assert_eq!(results["responses"], 0, "{results}");
    }
}

// See: docs/seed-contract.md Part 2, "a valid token with a malformed body → 401".
#[test]
fn a_valid_token_with_a_malformed_body_answers_400_not_401() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let malformed = [
        json!({"name": 5, "questions": []}),
        json!({"name": "x", "questions": "many"}),
        json!({"name": "x", "questions": [{"question": "q", "choices": [1, 2]}]}),
        json!([1, 2, 3]),
        json!("a string"),
    ];
    for body in malformed {
        let reply = server.axios("POST", paths::SURVEYS, &body, Some(&jwt));
        reply.error(400);
    }
    let auth = format!("Bearer: {jwt}");
    let not_json = server.request(
        "POST",
        paths::SURVEYS,
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        b"{\"name\": \"x\", \"questions\": [",
    );
    not_json.error(400);
    assert_eq!(server.get(paths::SURVEYS).expect(200), json!([]));
}

// See: docs/seed-contract.md Part 2, "a valid token with a malformed body → 401" (→ 400), and
// README: "400 malformed JSON, wrong types". An object's fields sent as a JSON array are
// the wrong type, not a shorthand.
#[test]
fn bodies_that_are_arrays_where_objects_belong_are_refused() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let survey = server.create_survey(&jwt, &seed_survey("Target"));
    let responses = paths::responses(survey_id(&survey));
    let path = paths::survey(survey_id(&survey));
    let cases = [
        (
            "POST",
            paths::REGISTER,
            json!(["bob@example.com", PASSWORD]),
        ),
        ("POST", paths::LOGIN, json!([ANN, PASSWORD])),
        (
            "POST",
            paths::SURVEYS,
            json!(["Array survey", [{"question": "Q?", "choices": ["A"]}]]),
        ),
        (
            "POST",
            paths::SURVEYS,
            json!(["Array questions", [["Q?", null, null, ["A"]]]]),
        ),
        (
            "POST",
            responses.as_str(),
            json!([[
                [question_id(&survey, 0), [choice_id(&survey, 0, 0)]],
                [question_id(&survey, 1), [choice_id(&survey, 1, 0)]],
            ]]),
        ),
        (
            "PUT",
            path.as_str(),
            json!([[
                [question_id(&survey, 0), choice_id(&survey, 0, 0)],
                [question_id(&survey, 1), choice_id(&survey, 1, 0)],
            ]]),
        ),
    ];
    // Every case runs before one assertion, so a failure lists them all.
    let mut failures = Vec::new();
    for (method, path, body) in cases {
        let reply = server.axios(method, path, &body, Some(&jwt));
        if reply.status != 400 || reply.json()["message"].as_str().is_none() {
            failures.push(format!(
                "{method} {path} {body} → {} {}",
                reply.status,
                reply.text()
            ));
        }
    }
    // Nothing was made or counted: one user, one survey, no responses.
    let bob = json!({"email": "bob@example.com", "password": PASSWORD});
    let again = server.post_json(paths::REGISTER, &bob, None);
    if again.status != 201 {
        failures.push(format!("bob@example.com was registered: {}", again.text()));
    }
    let list = server.get(paths::SURVEYS).expect(200);
    if list.as_array().map(Vec::len) != Some(1) {
        failures.push(format!("surveys were created: {list}"));
    }
    let results = server.results(id_of(&survey));
    if results["responses"] != 0 {
        failures.push(format!("responses were counted: {results}"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// See: docs/seed-contract.md Part 2, "non-JSON / oversized / truncated bodies → crash or 500".
#[test]
fn a_non_json_body_answers_400_with_a_json_message() {
    let server = TestServer::start();
    let bodies: [&[u8]; 4] = [
        b"hello",
        b"",
        b"email=ann@example.com&password=x",
        b"{\"email\":",
    ];
    for body in bodies {
        for path in [paths::REGISTER, paths::LOGIN] {
            let reply = server.request("POST", path, &[("Content-Type", "application/json")], body);
            let error = reply.error(400);
            assert!(error["message"].is_string(), "{error}");
        }
    }
    let fetched = {
        let jwt = server.user(ANN);
        let created = server.create_survey(&jwt, &seed_survey("Votes"));
        server.get(&paths::survey(survey_id(&created))).expect(200)
    };
    let path = paths::survey(survey_id(&fetched));
    server
        .request(
            "PUT",
            &path,
            &[("Content-Type", "application/json")],
            b"not json",
        )
        .error(400);
    // A survey without the choices to count is no vote either.
    server.axios("PUT", &path, &fetched, None).error(400);
    server.get(paths::HEALTH).expect(200);
}

// See: docs/seed-contract.md Part 2, "Errors everywhere use one JSON shape; it must include message".
#[test]
fn every_error_is_json_with_a_message() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let replies = [
        server.get("/api/nowhere/"),
        server.get(&paths::survey(424_242)),
        server.request("DELETE", paths::LOGIN, &[], b""),
        server.post_json(paths::SURVEYS, &seed_survey("x"), None),
        server.post_json(paths::SURVEYS, &json!({}), Some(&jwt)),
        server.post_json(
            paths::REGISTER,
            &json!({"email": ANN, "password": PASSWORD}),
            None,
        ),
    ];
    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    assert_eq!(statuses, [404, 404, 405, 401, 400, 409]);
    for reply in &replies {
        let body: Value = reply.error(reply.status);
        assert!(body.is_object(), "{body}");
    }
}
