//! The seed contract (docs/seed-contract.md Part 1), row by row, with the exact requests of the
//! seed's Vue client: axios JSON posts and `Authorization: Bearer: <jwt>`.

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::http::Response;
use crate::harness::seed::{
    AXIOS_HEADERS, ORIGIN, expired_token, invalid_credentials, invalid_token,
};
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{
    choice_id, count_of, id_of, is_seed_timestamp, seed_survey, selected_of, survey_id,
    timestamp_secs, vote,
};
use crate::harness::token;

const ANN: &str = "ann@example.com";

/// An axios call of the seed client with `authorization` as the raw header value.
fn axios_with_authorization(
    server: &TestServer,
    path: &str,
    body: &Value,
    authorization: Option<&str>,
) -> Response {
    let mut headers = AXIOS_HEADERS.to_vec();
    if let Some(value) = authorization {
        headers.push(("Authorization", value));
    }
    server.request("POST", path, &headers, body.to_string().as_bytes())
}

#[track_caller]
fn assert_json_content_type(reply: &Response) {
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("application/json"),
        "Content-Type {content_type:?} for {}",
        reply.text()
    );
}

/// The seed fields of a `Survey`, nothing else: what the contract promises.
fn contract_view(survey: &Value) -> Value {
    let questions: Vec<Value> = survey["questions"]
        .as_array()
        .unwrap_or_else(|| panic!("survey without a questions array: {survey}"))
        .iter()
        .map(|q| {
            let choices: Vec<Value> = q["choices"]
                .as_array()
                .unwrap_or_else(|| panic!("question without a choices array: {q}"))
                .iter()
                .map(|c| {
                    json!({
                        "id": c["id"], "text": c["text"],
                        "created_at": c["created_at"], "question_id": c["question_id"],
                    })
                })
                .collect();
            json!({
                "id": q["id"], "text": q["text"], "created_at": q["created_at"],
                "survey_id": q["survey_id"], "choices": choices,
            })
        })
        .collect();
    json!({
        "id": survey["id"], "name": survey["name"],
        "created_at": survey["created_at"], "questions": questions,
    })
}

/// Asserts `survey` is the seed's `Survey` for the create body `sent`: every field, the
/// links between ids, timestamps, and questions and choices in the order sent.
#[track_caller]
fn assert_survey_matches(survey: &Value, sent: &Value) {
    let id = id_of(survey);
    assert_eq!(survey["name"], sent["name"], "name of {survey}");
    assert_timestamp(&survey["created_at"]);
    let questions = survey["questions"].as_array().unwrap();
    let sent_questions = sent["questions"].as_array().unwrap();
    assert_eq!(
        questions.len(),
        sent_questions.len(),
        "questions of {survey}"
    );
    for (question, sent_question) in questions.iter().zip(sent_questions) {
        let question_id = id_of(question);
        assert_eq!(question["text"], sent_question["question"], "in {survey}");
        assert_timestamp(&question["created_at"]);
        assert_eq!(
            question["survey_id"].as_u64(),
            Some(id),
            "survey_id of {question}"
        );
        let choices = question["choices"].as_array().unwrap();
        let sent_choices = sent_question["choices"].as_array().unwrap();
        assert_eq!(choices.len(), sent_choices.len(), "choices of {question}");
        for (choice, sent_choice) in choices.iter().zip(sent_choices) {
            id_of(choice);
            assert_eq!(&choice["text"], sent_choice, "in {question}");
            assert_timestamp(&choice["created_at"]);
            assert_eq!(
                choice["question_id"].as_u64(),
                Some(question_id),
                "in {choice}"
            );
        }
    }
}

#[track_caller]
fn assert_timestamp(value: &Value) {
    let text = value.as_str().unwrap_or_default();
    assert!(
        is_seed_timestamp(text),
        "created_at {value} is not YYYY-MM-DD HH:MM:SS"
    );
}

#[test]
fn register_answers_201_with_the_new_users_id_and_email() {
    let server = TestServer::start();
    let body = json!({"email": ANN, "password": PASSWORD});
    let reply = server.axios("POST", paths::REGISTER, &body, None);
    let user = reply.expect(201);
    assert_json_content_type(&reply);
    assert!(user["id"].is_u64(), "id is not an integer: {user}");
    assert_eq!(user["email"], ANN);
    let bob = server.register("bob@example.com", PASSWORD);
    assert_ne!(bob["id"], user["id"], "two users got one id");
}

#[test]
fn login_answers_200_with_a_token() {
    let server = TestServer::start();
    server.register(ANN, PASSWORD);
    let body = json!({"email": ANN, "password": PASSWORD});
    let reply = server.axios("POST", paths::LOGIN, &body, None);
    let login = reply.expect(200);
    assert_json_content_type(&reply);
    let token = login["token"].as_str().unwrap_or_default();
    assert_eq!(token.split('.').count(), 3, "not a JWT: {login}");
}

#[test]
fn the_token_is_an_hs256_jwt_whose_integer_exp_is_thirty_minutes_after_iat() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let (header, payload) = token::decode_parts(&jwt);
    assert_eq!(header["alg"], "HS256", "header {header}");
    assert_eq!(payload["sub"], ANN, "payload {payload}");
    let iat = payload["iat"]
        .as_i64()
        .unwrap_or_else(|| panic!("iat not an integer: {payload}"));
    let exp = payload["exp"]
        .as_i64()
        .unwrap_or_else(|| panic!("exp not an integer: {payload}"));
    assert_eq!(exp - iat, token::DEFAULT_TTL_SECS, "payload {payload}");
    // The client compares exp with its own clock: iat must be now, not some other epoch.
    assert!((iat - token::now()).abs() < 600, "iat {iat} is not now");
}

#[test]
fn the_survey_list_is_a_bare_array_of_surveys_oldest_first() {
    let server = TestServer::start();
    let reply = server.get(paths::SURVEYS);
    assert_eq!(reply.expect(200), json!([]));
    assert_json_content_type(&reply);
    let jwt = server.user(ANN);
    let first = server
        .axios("POST", paths::SURVEYS, &seed_survey("First"), Some(&jwt))
        .expect(201);
    let second = server
        .axios("POST", paths::SURVEYS, &seed_survey("Second"), Some(&jwt))
        .expect(201);
    let list = server.get(paths::SURVEYS).expect(200);
    let list = list
        .as_array()
        .unwrap_or_else(|| panic!("not a bare array: {list}"));
    assert_eq!(list.len(), 2);
    assert_eq!(contract_view(&list[0]), contract_view(&first));
    assert_eq!(contract_view(&list[1]), contract_view(&second));
}

#[test]
fn the_seed_client_creates_a_survey_with_its_bearer_colon_header() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let sent = seed_survey("Favourite things");
    let reply = server.axios("POST", paths::SURVEYS, &sent, Some(&jwt));
    let survey = reply.expect(201);
    assert_json_content_type(&reply);
    assert_survey_matches(&survey, &sent);
}

#[test]
fn a_plain_bearer_header_creates_a_survey_too() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let sent = seed_survey("Plain bearer");
    let reply = axios_with_authorization(
        &server,
        paths::SURVEYS,
        &sent,
        Some(&format!("Bearer {jwt}")),
    );
    assert_survey_matches(&reply.expect(201), &sent);
}

#[test]
fn questions_and_choices_come_back_in_creation_order() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    // Many questions and choices, named so that no sort but creation order keeps them.
    let questions: Vec<Value> = (0..12)
        .map(|q| {
            let choices: Vec<String> = (0..7).map(|c| format!("{} choice {c}", 7 - c)).collect();
            json!({"question": format!("{} question {q}", 12 - q), "choices": choices})
        })
        .collect();
    let sent = json!({"name": "Order", "questions": questions});
    let created = server
        .axios("POST", paths::SURVEYS, &sent, Some(&jwt))
        .expect(201);
    assert_survey_matches(&created, &sent);
    let fetched = server.get(&paths::survey(survey_id(&created))).expect(200);
    assert_survey_matches(&fetched, &sent);
}

#[test]
fn a_survey_is_fetched_by_id_as_a_bare_object() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let created = server
        .axios("POST", paths::SURVEYS, &seed_survey("One"), Some(&jwt))
        .expect(201);
    server
        .axios("POST", paths::SURVEYS, &seed_survey("Two"), Some(&jwt))
        .expect(201);
    let reply = server.get(&paths::survey(survey_id(&created)));
    let fetched = reply.expect(200);
    assert_json_content_type(&reply);
    assert!(fetched.is_object(), "not a bare object: {fetched}");
    assert_eq!(contract_view(&fetched), contract_view(&created));
}

#[test]
fn putting_the_survey_back_with_a_choice_per_question_counts_each_chosen_choice() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let created = server
        .axios("POST", paths::SURVEYS, &seed_survey("Votes"), Some(&jwt))
        .expect(201);
    let path = paths::survey(survey_id(&created));
    let fetched = server.get(&path).expect(200);

    let reply = server.axios("PUT", &path, &vote(&fetched, &[2, 0]), None);
    let answered = reply.expect(201);
    assert_json_content_type(&reply);
    assert_eq!(contract_view(&answered), contract_view(&fetched));
    // The reply already counts the vote it records (README: `selected`).
    assert_eq!(
        selected_of(&answered, choice_id(&created, 0, 2)),
        1,
        "{answered}"
    );
    assert_eq!(
        selected_of(&answered, choice_id(&created, 1, 0)),
        1,
        "{answered}"
    );
    server
        .axios("PUT", &path, &vote(&fetched, &[2, 1]), None)
        .expect(201);

    let after = server.get(&path).expect(200);
    let results = server.results(id_of(&created));
    let expected: [&[u64]; 2] = [&[0, 0, 2], &[1, 1]];
    for (q, counts) in expected.iter().enumerate() {
        for (c, &count) in counts.iter().enumerate() {
            let choice = choice_id(&created, q, c);
            assert_eq!(
                selected_of(&after, choice),
                count,
                "selected of {q}/{c}: {after}"
            );
            assert_eq!(
                count_of(&results, choice),
                count,
                "count of {q}/{c}: {results}"
            );
        }
    }
}

/// Sends a request; on a 308, checks that it points at the slash form and sends the same
/// request there, as a browser does.
fn follow_slash_redirect(
    server: &TestServer,
    method: &str,
    path: &str,
    body: &Value,
    jwt: Option<&str>,
) -> Response {
    let reply = server.axios(method, path, body, jwt);
    if reply.status != 308 {
        return reply;
    }
    let location = reply.header("location").unwrap_or_default();
    let target = match location.strip_prefix("http://") {
        Some(rest) => &rest[rest.find('/').unwrap_or(rest.len())..],
        None => location,
    };
    assert_eq!(
        target,
        format!("{path}/"),
        "{method} {path}: 308 to {location:?}"
    );
    server.axios(method, target, body, jwt)
}

#[test]
fn paths_without_the_trailing_slash_still_work() {
    let server = TestServer::start();
    let credentials = json!({"email": ANN, "password": PASSWORD});
    let none = Value::Null;
    let user =
        follow_slash_redirect(&server, "POST", "/api/register", &credentials, None).expect(201);
    assert_eq!(user["email"], ANN);
    let login =
        follow_slash_redirect(&server, "POST", "/api/login", &credentials, None).expect(200);
    let jwt = login["token"].as_str().unwrap();
    let sent = seed_survey("No slash");
    let created =
        follow_slash_redirect(&server, "POST", "/api/surveys", &sent, Some(jwt)).expect(201);
    assert_survey_matches(&created, &sent);
    let list = follow_slash_redirect(&server, "GET", "/api/surveys", &none, None).expect(200);
    assert_eq!(list.as_array().map(Vec::len), Some(1), "list {list}");
    let path = format!("/api/surveys/{}", created["id"]);
    let fetched = follow_slash_redirect(&server, "GET", &path, &none, None).expect(200);
    assert_eq!(contract_view(&fetched), contract_view(&created));
    follow_slash_redirect(&server, "PUT", &path, &vote(&fetched, &[1, 1]), None).expect(201);
    let after = server.survey(id_of(&created));
    assert_eq!(selected_of(&after, choice_id(&created, 0, 1)), 1, "{after}");
    assert_eq!(selected_of(&after, choice_id(&created, 0, 0)), 0, "{after}");
}

#[track_caller]
fn assert_allows_origin(reply: &Response) {
    let allowed = reply
        .header("access-control-allow-origin")
        .unwrap_or_default();
    assert!(
        allowed == "*" || allowed == ORIGIN,
        "Access-Control-Allow-Origin {allowed:?} on {} {}",
        reply.status,
        reply.text()
    );
}

#[track_caller]
fn assert_lists(reply: &Response, header: &str, wanted: &str) {
    let value = reply.header(header).unwrap_or_default();
    let listed = value
        .split(',')
        .any(|item| item.trim().eq_ignore_ascii_case(wanted));
    assert!(listed, "{header}: {value:?} does not list {wanted}");
}

#[test]
fn the_cors_preflight_is_answered_for_every_seed_request() {
    let server = TestServer::start();
    let (survey, responses) = (paths::survey(1), paths::responses(1));
    let preflights = [
        (paths::REGISTER, "POST"),
        (paths::LOGIN, "POST"),
        (paths::SURVEYS, "GET"),
        (paths::SURVEYS, "POST"),
        (survey.as_str(), "GET"),
        (survey.as_str(), "PUT"),
        // canvass's own routes are called from browsers too.
        (paths::ME, "GET"),
        (survey.as_str(), "DELETE"),
        (responses.as_str(), "POST"),
    ];
    for (path, method) in preflights {
        let reply = server.request(
            "OPTIONS",
            path,
            &[
                ("Origin", ORIGIN),
                ("Access-Control-Request-Method", method),
                (
                    "Access-Control-Request-Headers",
                    "authorization,content-type",
                ),
            ],
            b"",
        );
        assert!(
            matches!(reply.status, 200 | 204),
            "OPTIONS {path} for {method}: {} {}",
            reply.status,
            reply.text()
        );
        assert_allows_origin(&reply);
        assert_lists(&reply, "access-control-allow-methods", method);
        assert_lists(&reply, "access-control-allow-headers", "authorization");
        assert_lists(&reply, "access-control-allow-headers", "content-type");
    }
}

#[test]
fn answers_and_errors_carry_access_control_allow_origin() {
    let server = TestServer::start();
    server.register(ANN, PASSWORD);
    let list = server.request("GET", paths::SURVEYS, &[("Origin", ORIGIN)], b"");
    assert_eq!(list.status, 200);
    assert_allows_origin(&list);
    let login = json!({"email": ANN, "password": PASSWORD});
    let ok = server.axios("POST", paths::LOGIN, &login, None);
    assert_eq!(ok.status, 200);
    assert_allows_origin(&ok);
    let bad_login = json!({"email": ANN, "password": "wrong"});
    let refused = server.axios("POST", paths::LOGIN, &bad_login, None);
    refused.error(401);
    assert_allows_origin(&refused);
    let anonymous = server.axios("POST", paths::SURVEYS, &seed_survey("x"), None);
    anonymous.error(401);
    assert_allows_origin(&anonymous);
    let missing = server.request("GET", &paths::survey(424_242), &[("Origin", ORIGIN)], b"");
    missing.error(404);
    assert_allows_origin(&missing);
}

#[test]
fn a_bad_login_answers_the_seeds_invalid_credentials_body() {
    let server = TestServer::start();
    server.register(ANN, PASSWORD);
    let attempts = [
        json!({"email": ANN, "password": "not the password"}),
        json!({"email": "nobody@example.com", "password": PASSWORD}),
    ];
    for attempt in attempts {
        let reply = server.axios("POST", paths::LOGIN, &attempt, None);
        assert_eq!(reply.error(401), invalid_credentials(), "login {attempt}");
        assert_json_content_type(&reply);
    }
}

#[test]
fn a_missing_or_malformed_authorization_answers_the_seeds_invalid_token_body() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let bearer_colon = format!("Bearer: {jwt}");
    let three_words = format!("Bearer: {jwt} extra");
    let headers = [
        None,
        Some(""),
        Some("Bearer:"),
        Some(jwt.as_str()),
        Some("Bearer: not-a-jwt"),
        Some("Bearer: a.b.c"),
        Some(three_words.as_str()),
    ];
    for authorization in headers {
        let reply =
            axios_with_authorization(&server, paths::SURVEYS, &seed_survey("x"), authorization);
        assert_eq!(
            reply.error(401),
            invalid_token(),
            "Authorization: {authorization:?}"
        );
    }
    assert_eq!(
        server.get(paths::SURVEYS).expect(200),
        json!([]),
        "a refused POST created a survey"
    );
    // The same token in the two-word form works, so the refusals were about the header.
    axios_with_authorization(
        &server,
        paths::SURVEYS,
        &seed_survey("x"),
        Some(&bearer_colon),
    )
    .expect(201);
}

#[test]
fn a_well_signed_token_for_an_unregistered_email_answers_the_invalid_token_body() {
    let server = TestServer::start();
    server.user(ANN);
    let ghost = token::mint(&token::fresh_claims("ghost@example.com"));
    let reply = server.axios("POST", paths::SURVEYS, &seed_survey("x"), Some(&ghost));
    assert_eq!(reply.error(401), invalid_token());
}

#[test]
fn an_expired_token_answers_the_seeds_expired_token_body() {
    let server = TestServer::start();
    server.user(ANN);
    let expired = token::expired(ANN);
    let reply = server.axios("POST", paths::SURVEYS, &seed_survey("x"), Some(&expired));
    assert_eq!(reply.error(401), expired_token());
    assert_eq!(server.get(paths::SURVEYS).expect(200), json!([]));
}

#[test]
fn created_at_is_utc_whatever_the_servers_time_zone() {
    // UTC+14 in POSIX form, which needs no tz database: local time would be 14 hours off.
    let server = TestServer::start_with_env(&[("TZ", "ABC-14")]);
    let jwt = server.user(ANN);
    let survey = server
        .axios("POST", paths::SURVEYS, &seed_survey("When"), Some(&jwt))
        .expect(201);
    let question = &survey["questions"][0];
    for value in [
        &survey["created_at"],
        &question["created_at"],
        &question["choices"][0]["created_at"],
    ] {
        let secs = timestamp_secs(value.as_str().unwrap_or_default());
        assert!(
            (secs - token::now()).abs() < 600,
            "created_at {value} is not UTC now"
        );
    }
}

#[test]
fn names_and_choices_round_trip_any_unicode() {
    let server = TestServer::start();
    let jwt = server.user(ANN);
    let sent = json!({"name": "Café ☕ — 投票 \"quoted\" \\ back\nslash", "questions": [
        {"question": "Ünïcödé? 🚀", "choices": ["Ja ✅", "Nein ❌", "\u{1}soh\u{7f}"]},
    ]});
    let created = server
        .axios("POST", paths::SURVEYS, &sent, Some(&jwt))
        .expect(201);
    assert_survey_matches(&created, &sent);
    assert_survey_matches(&server.survey(id_of(&created)), &sent);
    // All but NUL, which PostgreSQL cannot store: refused on every backend alike.
    let nul = json!({"name": "N", "questions": [{"question": "Q", "choices": ["a", "\u{0}"]}]});
    server
        .axios("POST", paths::SURVEYS, &nul, Some(&jwt))
        .error_naming("questions[0].choices[1]");
}
