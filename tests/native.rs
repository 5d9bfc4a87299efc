//! The canvass-native routes of the README (docs/seed-contract.md Part 3): health, me, rich surveys,
//! responses and their rules, closing, deleting, results, export and paging.

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::seed::invalid_token;
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{
    choice_id, count_of, id_of, question_id, rich_survey, seed_survey, selected_of, survey_id, vote,
};

const OWNER: &str = "owner@example.com";
const ANN: &str = "ann@example.com";
const BOB: &str = "bob@example.com";

/// A complete, valid set of answers to `rich_survey`: Pizza; Tea and Water; a text.
fn rich_answers(survey: &Value, text: &str) -> Value {
    json!({"answers": [
        {"question_id": question_id(survey, 0), "choice_ids": [choice_id(survey, 0, 0)]},
        {"question_id": question_id(survey, 1),
         "choice_ids": [choice_id(survey, 1, 0), choice_id(survey, 1, 2)]},
        {"question_id": question_id(survey, 2), "text": text},
    ]})
}

#[test]
fn health_answers_ok_with_the_version() {
    let server = TestServer::start();
    let health = server.get(paths::HEALTH).expect(200);
    assert_eq!(
        health,
        json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")})
    );
}

#[test]
fn me_answers_whose_token_it_is() {
    let server = TestServer::start();
    let user = server.register(ANN, PASSWORD);
    server.register(BOB, PASSWORD);
    let jwt = server.login(ANN, PASSWORD);
    let me = server.get_as(paths::ME, &jwt).expect(200);
    assert_eq!(me["id"], user["id"], "{me}");
    assert_eq!(me["email"], ANN, "{me}");
    assert!(
        me["created_at"].as_str().is_some_and(|s| !s.is_empty()),
        "{me}"
    );
    let seed_form = format!("Bearer: {jwt}");
    let again = server.request("GET", paths::ME, &[("Authorization", &seed_form)], b"");
    assert_eq!(again.expect(200)["id"], user["id"]);
    assert_eq!(server.get(paths::ME).error(401), invalid_token());
}

#[test]
fn a_rich_survey_comes_back_with_its_kinds_required_flags_and_owner() {
    let server = TestServer::start();
    let owner = server.register(OWNER, PASSWORD);
    let jwt = server.login(OWNER, PASSWORD);
    let survey = server.create_survey(&jwt, &rich_survey("Lunch", true));
    assert_eq!(survey["name"], "Lunch");
    assert_eq!(survey["status"], "open", "{survey}");
    assert_eq!(survey["one_response_per_user"], true, "{survey}");
    assert_eq!(survey["responses"], 0, "{survey}");
    let creator = &survey["creator"];
    assert!(
        *creator == json!(OWNER) || *creator == owner["id"] || creator["email"] == OWNER,
        "creator {creator} is not {owner}"
    );
    let questions = survey["questions"].as_array().unwrap();
    let kinds: Vec<&Value> = questions.iter().map(|q| &q["kind"]).collect();
    assert_eq!(
        kinds,
        [&json!("single"), &json!("multiple"), &json!("text")]
    );
    let required: Vec<&Value> = questions.iter().map(|q| &q["required"]).collect();
    assert_eq!(required, [&json!(true), &json!(true), &json!(false)]);
    let texts: Vec<&Value> = questions.iter().map(|q| &q["text"]).collect();
    assert_eq!(
        texts,
        [
            &json!("Lunch?"),
            &json!("Drinks?"),
            &json!("Anything else?")
        ]
    );
    assert_eq!(
        questions[2]["choices"],
        json!([]),
        "a text question has no choices"
    );
    for choice in questions
        .iter()
        .flat_map(|q| q["choices"].as_array().unwrap())
    {
        assert_eq!(choice["selected"], 0, "{choice}");
    }
    let fetched = server.survey(id_of(&survey));
    assert_eq!(fetched["questions"], survey["questions"]);
}

#[test]
fn the_seed_body_makes_single_required_questions_open_to_anyone() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let survey = server.create_survey(&jwt, &seed_survey("Seed"));
    assert_eq!(survey["status"], "open");
    assert_eq!(survey["one_response_per_user"], false);
    for question in survey["questions"].as_array().unwrap() {
        assert_eq!(question["kind"], "single", "{question}");
        assert_eq!(question["required"], true, "{question}");
    }
    // "question" names the text in rich bodies too.
    let body = json!({"name": "Mixed", "questions": [
        {"question": "Toppings?", "kind": "multiple", "choices": ["Ham", "Olives"]},
    ]});
    let mixed = server.create_survey(&jwt, &body);
    assert_eq!(mixed["questions"][0]["text"], "Toppings?");
    assert_eq!(mixed["questions"][0]["kind"], "multiple");
}

#[test]
fn rich_questions_that_break_their_kind_are_refused() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let cases = [
        (
            json!({"text": "Q", "kind": "text", "choices": ["A"]}),
            "choices",
        ),
        (
            json!({"text": "Q", "kind": "multiple", "choices": []}),
            "choices",
        ),
        (json!({"text": "Q", "kind": "single"}), "choices"),
        (
            json!({"text": "Q", "kind": "ranking", "choices": ["A"]}),
            "kind",
        ),
        (json!({"text": "", "kind": "text"}), "text"),
    ];
    for (question, field) in cases {
        let body = json!({"name": "Bad", "questions": [question]});
        server
            .post_json(paths::SURVEYS, &body, Some(&jwt))
            .error_naming(field);
    }
    assert_eq!(server.get(paths::SURVEYS).expect(200), json!([]));
}

#[test]
fn answers_are_recorded_and_counted_in_results() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let survey = server.create_survey(&jwt, &rich_survey("Lunch", false));
    let path = paths::responses(survey_id(&survey));
    let first = server
        .post_json(&path, &rich_answers(&survey, "More pizza"), None)
        .expect(201);
    assert!(first["id"].is_u64(), "{first}");
    let second = json!({"answers": [
        {"question_id": question_id(&survey, 0), "choice_ids": [choice_id(&survey, 0, 1)]},
        {"question_id": question_id(&survey, 1), "choice_ids": [choice_id(&survey, 1, 0)]},
    ]});
    let second = server.post_json(&path, &second, Some(&jwt)).expect(201);
    assert_ne!(first["id"], second["id"]);

    let results = server.results(id_of(&survey));
    assert_eq!(results["survey_id"], survey["id"], "{results}");
    assert_eq!(results["name"], "Lunch", "{results}");
    assert_eq!(results["status"], "open", "{results}");
    assert_eq!(results["responses"], 2, "{results}");
    let expected: [&[u64]; 2] = [&[1, 1], &[2, 0, 1]];
    let fetched = server.survey(id_of(&survey));
    for (q, counts) in expected.iter().enumerate() {
        let question = &results["questions"][q];
        assert_eq!(
            question["id"].as_u64(),
            Some(question_id(&survey, q)),
            "{results}"
        );
        assert_eq!(
            question["text"], survey["questions"][q]["text"],
            "{results}"
        );
        assert_eq!(
            question["kind"], survey["questions"][q]["kind"],
            "{results}"
        );
        for (c, &count) in counts.iter().enumerate() {
            let choice = choice_id(&survey, q, c);
            assert_eq!(count_of(&results, choice), count, "{q}/{c}: {results}");
            assert_eq!(selected_of(&fetched, choice), count, "{q}/{c}: {fetched}");
        }
    }
    for question in results["questions"].as_array().unwrap() {
        assert!(
            question["choices"].is_array() && question["answers"].is_array(),
            "{question}"
        );
        for choice in question["choices"].as_array().unwrap() {
            assert!(choice["text"].is_string(), "{choice}");
        }
    }
    assert_eq!(results["questions"][2]["answers"], json!(["More pizza"]));
    assert_eq!(results["questions"][2]["choices"], json!([]));
    assert_eq!(fetched["responses"], 2, "{fetched}");
}

#[test]
fn results_count_seed_votes_with_native_responses() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let survey = server.create_survey(&jwt, &seed_survey("Both"));
    let fetched = server.survey(id_of(&survey));
    server
        .axios(
            "PUT",
            &paths::survey(survey_id(&survey)),
            &vote(&fetched, &[1, 0]),
            None,
        )
        .expect(201);
    let native = json!({"answers": [
        {"question_id": question_id(&survey, 0), "choice_ids": [choice_id(&survey, 0, 1)]},
        {"question_id": question_id(&survey, 1), "choice_ids": [choice_id(&survey, 1, 1)]},
    ]});
    server
        .post_json(&paths::responses(survey_id(&survey)), &native, None)
        .expect(201);
    let results = server.results(id_of(&survey));
    assert_eq!(results["responses"], 2, "{results}");
    assert_eq!(count_of(&results, choice_id(&survey, 0, 1)), 2);
    assert_eq!(count_of(&results, choice_id(&survey, 0, 0)), 0);
    assert_eq!(count_of(&results, choice_id(&survey, 1, 0)), 1);
    assert_eq!(count_of(&results, choice_id(&survey, 1, 1)), 1);
    assert_eq!(server.survey(id_of(&survey))["responses"], 2);
}

#[test]
fn answers_that_break_the_surveys_rules_are_refused_and_nothing_is_recorded() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let survey = server.create_survey(&jwt, &rich_survey("Lunch", false));
    let other = server.create_survey(&jwt, &rich_survey("Other", false));
    let valid = rich_answers(&survey, "fine");
    let with = |index: usize, answer: Value| {
        let mut body = valid.clone();
        body["answers"][index] = answer;
        body
    };
    let (q0, q1, q2) = (
        question_id(&survey, 0),
        question_id(&survey, 1),
        question_id(&survey, 2),
    );
    let cases = [
        (
            "two choices on a single question",
            with(
                0,
                json!({"question_id": q0, "choice_ids": [choice_id(&survey, 0, 0), choice_id(&survey, 0, 1)]}),
            ),
        ),
        (
            "no choice on a required multiple question",
            with(1, json!({"question_id": q1, "choice_ids": []})),
        ),
        (
            "choice ids on a text question",
            with(
                2,
                json!({"question_id": q2, "choice_ids": [choice_id(&survey, 0, 0)]}),
            ),
        ),
        (
            "text on a single question",
            with(0, json!({"question_id": q0, "text": "Pizza"})),
        ),
        (
            "a choice of another question",
            with(
                0,
                json!({"question_id": q0, "choice_ids": [choice_id(&survey, 1, 0)]}),
            ),
        ),
        (
            "a choice of another survey",
            with(
                0,
                json!({"question_id": q0, "choice_ids": [choice_id(&other, 0, 0)]}),
            ),
        ),
        (
            "a question of another survey",
            with(
                2,
                json!({"question_id": question_id(&other, 2), "text": "elsewhere"}),
            ),
        ),
        (
            "a required question left out",
            json!({"answers": [valid["answers"][1], valid["answers"][2]]}),
        ),
        ("no answers at all", json!({"answers": []})),
        ("answers that are not a list", json!({"answers": "Pizza"})),
        ("no answers key", json!({})),
    ];
    for (what, body) in cases {
        let reply = server.post_json(&paths::responses(survey_id(&survey)), &body, None);
        assert_eq!(reply.status, 400, "{what}: {}", reply.text());
        reply.error(400);
    }
    for target in [&survey, &other] {
        let results = server.results(id_of(target));
        assert_eq!(results["responses"], 0, "{results}");
        for question in results["questions"].as_array().unwrap() {
            assert_eq!(question["answers"], json!([]), "{results}");
            for choice in question["choices"].as_array().unwrap() {
                assert_eq!(choice["count"], 0, "{results}");
            }
        }
    }
}

#[test]
fn an_optional_question_may_be_left_out() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let survey = server.create_survey(&jwt, &rich_survey("Lunch", false));
    let valid = rich_answers(&survey, "unused");
    let body = json!({"answers": [valid["answers"][0], valid["answers"][1]]});
    server
        .post_json(&paths::responses(survey_id(&survey)), &body, None)
        .expect(201);
    let results = server.results(id_of(&survey));
    assert_eq!(results["responses"], 1);
    assert_eq!(results["questions"][2]["answers"], json!([]));
}

#[test]
fn one_response_counts_a_choice_once_however_often_it_is_sent() {
    // README: `selected` counts the responses that chose it.
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let survey = server.create_survey(&jwt, &rich_survey("Lunch", false));
    let (q0, q1) = (question_id(&survey, 0), question_id(&survey, 1));
    let (pizza, salad, tea) = (
        choice_id(&survey, 0, 0),
        choice_id(&survey, 0, 1),
        choice_id(&survey, 1, 0),
    );
    let repeats = [
        json!({"answers": [
            {"question_id": q0, "choice_ids": [pizza]},
            {"question_id": q1, "choice_ids": [tea, tea]},
        ]}),
        json!({"answers": [
            {"question_id": q0, "choice_ids": [pizza]},
            {"question_id": q1, "choice_ids": [tea]},
            {"question_id": q1, "choice_ids": [tea]},
        ]}),
        json!({"answers": [
            {"question_id": q0, "choice_ids": [pizza]},
            {"question_id": q0, "choice_ids": [pizza]},
            {"question_id": q1, "choice_ids": [tea]},
        ]}),
    ];
    let mut accepted = 0;
    for body in repeats {
        let reply = server.post_json(&paths::responses(survey_id(&survey)), &body, None);
        if reply.status == 201 {
            accepted += 1;
        } else {
            reply.error(400);
        }
        let results = server.results(id_of(&survey));
        assert_eq!(results["responses"], accepted, "{body} → {results}");
        assert_eq!(count_of(&results, tea), accepted, "{body} → {results}");
        assert_eq!(count_of(&results, pizza), accepted, "{body} → {results}");
    }
    // Two answers to one single-choice question are two choices: refused.
    let split = json!({"answers": [
        {"question_id": q0, "choice_ids": [pizza]},
        {"question_id": q0, "choice_ids": [salad]},
        {"question_id": q1, "choice_ids": [tea]},
    ]});
    server
        .post_json(&paths::responses(survey_id(&survey)), &split, None)
        .error(400);
    assert_eq!(count_of(&server.results(id_of(&survey)), salad), 0);
}

#[test]
fn a_seed_vote_naming_a_question_twice_counts_once_or_is_refused() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let survey = server.create_survey(&jwt, &seed_survey("Twice"));
    let fetched = server.survey(id_of(&survey));
    let path = paths::survey(survey_id(&survey));
    let mut same = vote(&fetched, &[0, 0]);
    let first = same["questions"][0].clone();
    same["questions"].as_array_mut().unwrap().push(first);
    let reply = server.axios("PUT", &path, &same, None);
    let accepted = u64::from(reply.status == 201);
    if accepted == 0 {
        reply.error(400);
    }
    let results = server.results(id_of(&survey));
    assert_eq!(
        count_of(&results, choice_id(&survey, 0, 0)),
        accepted,
        "{results}"
    );
    // The same question with two different choices is two choices on a single question.
    let mut split = vote(&fetched, &[0, 0]);
    let mut other = split["questions"][0].clone();
    other["choice"] = json!(choice_id(&survey, 0, 1));
    split["questions"].as_array_mut().unwrap().push(other);
    server.axios("PUT", &path, &split, None).error(400);
    let results = server.results(id_of(&survey));
    assert_eq!(count_of(&results, choice_id(&survey, 0, 1)), 0, "{results}");
    assert_eq!(results["responses"], accepted, "{results}");
}

#[test]
fn one_response_per_user_needs_a_login_and_refuses_a_second_response() {
    let server = TestServer::start();
    let owner = server.user(OWNER);
    let ann = server.user(ANN);
    let bob = server.user(BOB);
    let survey = server.create_survey(&owner, &rich_survey("Once", true));
    let path = paths::responses(survey_id(&survey));
    let answers = rich_answers(&survey, "hi");
    assert_eq!(
        server.post_json(&path, &answers, None).error(401),
        invalid_token()
    );
    server.post_json(&path, &answers, Some(&ann)).expect(201);
    server.post_json(&path, &answers, Some(&ann)).error(409);
    server.post_json(&path, &answers, Some(&bob)).expect(201);
    let results = server.results(id_of(&survey));
    assert_eq!(results["responses"], 2, "{results}");
    assert_eq!(count_of(&results, choice_id(&survey, 0, 0)), 2, "{results}");
}

#[test]
fn one_response_per_user_holds_for_seed_votes_too() {
    // A seed vote is "recorded as one response" (README), so the survey's rule applies.
    let server = TestServer::start();
    let owner = server.user(OWNER);
    let ann = server.user(ANN);
    let body = json!({"name": "Once", "one_response_per_user": true, "questions": [
        {"question": "Which?", "choices": ["A", "B"]},
    ]});
    let survey = server.create_survey(&owner, &body);
    let fetched = server.survey(id_of(&survey));
    let path = paths::survey(survey_id(&survey));
    let ballot = vote(&fetched, &[0]);
    assert_eq!(
        server.axios("PUT", &path, &ballot, None).error(401),
        invalid_token()
    );
    server.axios("PUT", &path, &ballot, Some(&ann)).expect(201);
    server.axios("PUT", &path, &ballot, Some(&ann)).error(409);
    let answers = json!({"answers": [
        {"question_id": question_id(&survey, 0), "choice_ids": [choice_id(&survey, 0, 1)]},
    ]});
    server
        .post_json(&paths::responses(survey_id(&survey)), &answers, Some(&ann))
        .error(409);
    let results = server.results(id_of(&survey));
    assert_eq!(results["responses"], 1, "{results}");
    assert_eq!(count_of(&results, choice_id(&survey, 0, 0)), 1, "{results}");
}

#[test]
fn only_the_owner_closes_a_survey_and_then_it_refuses_answers_with_409() {
    let server = TestServer::start();
    let owner = server.user(OWNER);
    let bob = server.user(BOB);
    let survey = server.create_survey(&owner, &seed_survey("Closing"));
    let close = paths::close(survey_id(&survey));
    server.post(&close, Some(&bob)).error(403);
    server.post(&close, None).error(401);
    server.post(&paths::close(424_242), Some(&owner)).error(404);
    assert_eq!(server.survey(id_of(&survey))["status"], "open");

    let closed = server.post(&close, Some(&owner)).expect(200);
    assert_eq!(closed["status"], "closed", "{closed}");
    assert_eq!(closed["id"], survey["id"]);
    assert_eq!(server.survey(id_of(&survey))["status"], "closed");

    let fetched = server.survey(id_of(&survey));
    let answers = json!({"answers": [
        {"question_id": question_id(&survey, 0), "choice_ids": [choice_id(&survey, 0, 0)]},
        {"question_id": question_id(&survey, 1), "choice_ids": [choice_id(&survey, 1, 0)]},
    ]});
    server
        .post_json(&paths::responses(survey_id(&survey)), &answers, Some(&bob))
        .error(409);
    server
        .axios(
            "PUT",
            &paths::survey(survey_id(&survey)),
            &vote(&fetched, &[0, 0]),
            None,
        )
        .error(409);
    let results = server.results(id_of(&survey));
    assert_eq!(results["status"], "closed");
    assert_eq!(results["responses"], 0, "{results}");
}

#[test]
fn only_the_owner_deletes_a_survey_and_then_it_is_gone() {
    let server = TestServer::start();
    let owner = server.user(OWNER);
    let bob = server.user(BOB);
    let survey = server.create_survey(&owner, &seed_survey("Doomed"));
    let kept = server.create_survey(&owner, &seed_survey("Kept"));
    let path = paths::survey(survey_id(&survey));
    // Answered surveys are deleted too, responses and all.
    server
        .axios("PUT", &path, &vote(&survey, &[0, 0]), None)
        .expect(201);
    let answers = json!({"answers": [
        {"question_id": question_id(&survey, 0), "choice_ids": [choice_id(&survey, 0, 1)]},
        {"question_id": question_id(&survey, 1), "choice_ids": [choice_id(&survey, 1, 1)]},
    ]});
    server
        .post_json(&paths::responses(survey_id(&survey)), &answers, Some(&bob))
        .expect(201);
    server.delete(&path, Some(&bob)).error(403);
    server.delete(&path, None).error(401);
    server
        .delete(&paths::survey(424_242), Some(&owner))
        .error(404);
    server.survey(id_of(&survey));

    let deleted = server.delete(&path, Some(&owner));
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    assert!(
        deleted.body.is_empty(),
        "a 204 with a body: {}",
        deleted.text()
    );
    server.get(&path).error(404);
    server.get(&format!("{path}results/")).error(404);
    let fetched = server.survey(id_of(&kept));
    let mut stale = vote(&fetched, &[0, 0]);
    stale["id"] = survey["id"].clone();
    server.axios("PUT", &path, &stale, None).error(404);
    server.delete(&path, Some(&owner)).error(404);
    let list = server.get(paths::SURVEYS).expect(200);
    let ids: Vec<&Value> = list.as_array().unwrap().iter().map(|s| &s["id"]).collect();
    assert_eq!(ids, [&kept["id"]]);
}

/// A survey with one response by `ANN` and one anonymous, and the owner's token.
fn survey_with_two_responses(server: &TestServer) -> (Value, String) {
    let owner = server.user(OWNER);
    let ann = server.user(ANN);
    let survey = server.create_survey(&owner, &rich_survey("Lunch", false));
    let path = paths::responses(survey_id(&survey));
    server
        .post_json(
            &path,
            &rich_answers(&survey, "More \"pizza\", please"),
            Some(&ann),
        )
        .expect(201);
    let anonymous = json!({"answers": [
        {"question_id": question_id(&survey, 0), "choice_ids": [choice_id(&survey, 0, 1)]},
        {"question_id": question_id(&survey, 1), "choice_ids": [choice_id(&survey, 1, 1)]},
    ]});
    server.post_json(&path, &anonymous, None).expect(201);
    (survey, owner)
}

#[test]
fn the_owner_exports_every_response_as_json() {
    let server = TestServer::start();
    let (survey, owner) = survey_with_two_responses(&server);
    let export = server
        .get_as(&paths::export(survey_id(&survey), "json"), &owner)
        .expect(200);
    assert_eq!(export["survey_id"], survey["id"], "{export}");
    assert_eq!(export["name"], "Lunch", "{export}");
    let responses = export["responses"]
        .as_array()
        .unwrap_or_else(|| panic!("{export}"));
    assert_eq!(responses.len(), 2, "{export}");
    let by_ann = responses
        .iter()
        .find(|r| r["respondent"] == ANN)
        .unwrap_or_else(|| panic!("{export}"));
    let anonymous = responses
        .iter()
        .find(|r| r["respondent"].is_null())
        .unwrap_or_else(|| panic!("{export}"));
    for response in [by_ann, anonymous] {
        assert!(
            response["id"].is_u64() && response["created_at"].is_string(),
            "{response}"
        );
    }
    let answer_to = |response: &Value, q: usize| -> Value {
        response["answers"]
            .as_array()
            .unwrap_or_else(|| panic!("{response}"))
            .iter()
            .find(|a| a["question_id"].as_u64() == Some(question_id(&survey, q)))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        answer_to(by_ann, 0)["choice_ids"],
        json!([choice_id(&survey, 0, 0)])
    );
    assert_eq!(
        answer_to(by_ann, 1)["choice_ids"],
        json!([choice_id(&survey, 1, 0), choice_id(&survey, 1, 2)])
    );
    assert_eq!(answer_to(by_ann, 2)["text"], "More \"pizza\", please");
    assert_eq!(
        answer_to(anonymous, 1)["choice_ids"],
        json!([choice_id(&survey, 1, 1)])
    );
}

#[test]
fn the_owner_exports_one_csv_row_per_response() {
    let server = TestServer::start();
    let (survey, owner) = survey_with_two_responses(&server);
    let reply = server.get_as(&paths::export(survey_id(&survey), "csv"), &owner);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let content_type = reply.header("content-type").unwrap_or_default();
    assert!(
        content_type.starts_with("text/csv"),
        "Content-Type {content_type:?}"
    );
    let mut csv = csv::Reader::from_reader(reply.body.as_slice());
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header.len(),
        6,
        "id, created_at, respondent, then one per question: {header:?}"
    );
    assert_eq!(header[..3], ["id", "created_at", "respondent"]);
    let rows: Vec<Vec<String>> = csv
        .records()
        .map(|row| row.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let by_ann = rows
        .iter()
        .find(|row| row[2] == ANN)
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(
        by_ann[3..],
        ["Pizza", "Tea; Water", "More \"pizza\", please"],
        "{rows:?}"
    );
    let anonymous = rows
        .iter()
        .find(|row| row[2].is_empty())
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(anonymous[3..], ["Salad", "Coffee", ""], "{rows:?}");
    let json = server
        .get_as(&paths::export(survey_id(&survey), "json"), &owner)
        .expect(200);
    let mut json_ids: Vec<String> = json["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].to_string())
        .collect();
    let mut csv_ids: Vec<String> = rows.iter().map(|row| row[0].clone()).collect();
    json_ids.sort();
    csv_ids.sort();
    assert_eq!(csv_ids, json_ids);
}

#[test]
fn only_the_owner_may_export() {
    let server = TestServer::start();
    let (survey, _) = survey_with_two_responses(&server);
    let bob = server.user(BOB);
    for format in ["json", "csv"] {
        let path = paths::export(survey_id(&survey), format);
        server.get_as(&path, &bob).error(403);
        assert_eq!(server.get(&path).error(401), invalid_token());
    }
    let owner = server.login(OWNER, PASSWORD);
    server
        .get_as(&paths::export(424_242, "json"), &owner)
        .error(404);
    let xml = paths::export(survey_id(&survey), "xml");
    server.get_as(&xml, &owner).error_naming("format");
}

#[test]
fn survey_listings_page_on_request_and_stay_a_bare_array_without() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let ids: Vec<Value> = (1..=5)
        .map(|n| server.create_survey(&jwt, &seed_survey(&format!("S{n}")))["id"].clone())
        .collect();
    let pages = [
        (1, &ids[0..2]),
        (2, &ids[2..4]),
        (3, &ids[4..5]),
        (4, &ids[5..5]),
    ];
    for (page, expected) in pages {
        let reply = server.get(&paths::surveys_page(page, 2, false)).expect(200);
        let items: Vec<&Value> = reply["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items: {reply}"))
            .iter()
            .map(|s| &s["id"])
            .collect();
        assert_eq!(
            items,
            expected.iter().collect::<Vec<_>>(),
            "page {page}: {reply}"
        );
        assert_eq!(reply["page"], page, "{reply}");
        assert_eq!(reply["per_page"], 2, "{reply}");
        assert_eq!(reply["total"], 5, "{reply}");
    }
    let all = server.get(&paths::surveys_page(1, 100, false)).expect(200);
    assert_eq!(all["items"].as_array().map(Vec::len), Some(5), "{all}");
    // Query values are percent-decoded, as any HTTP client may encode them.
    let encoded = server
        .get(&format!("{}?page=%32&per_page=%32", paths::SURVEYS))
        .expect(200);
    assert_eq!(
        (&encoded["page"], &encoded["per_page"]),
        (&json!(2), &json!(2))
    );
    assert_eq!(encoded["items"][0]["id"], ids[2], "{encoded}");
    let bare = server.get(paths::SURVEYS).expect(200);
    assert_eq!(
        bare.as_array().map(Vec::len),
        Some(5),
        "not a bare array: {bare}"
    );
}

#[test]
fn bad_page_parameters_answer_400() {
    let server = TestServer::start();
    for query in [
        "page=0&per_page=2",
        "page=-1&per_page=2",
        "page=abc&per_page=2",
        "page=1&per_page=0",
        "page=1&per_page=101",
        "page=1&per_page=x",
        "page=1&per_page=",
        "page=1.5&per_page=2",
    ] {
        let reply = server.get(&format!("{}?{query}", paths::SURVEYS));
        assert_eq!(reply.status, 400, "?{query}: {}", reply.text());
        reply.error(400);
    }
}

#[test]
fn a_user_can_ask_whether_and_when_they_responded() {
    let server = TestServer::start();
    let owner = server.user(OWNER);
    let ann = server.user(ANN);
    let survey = server.create_survey(&owner, &rich_survey("Lunch", true));
    let mine = paths::my_response(survey_id(&survey));
    let none = server.get_as(&mine, &ann).error(404);
    assert_eq!(
        none["message"],
        format!("you have not responded to survey {}", survey["id"])
    );
    let path = paths::responses(survey_id(&survey));
    let given = server
        .post_json(&path, &rich_answers(&survey, "Yes"), Some(&ann))
        .expect(201);
    let found = server.get_as(&mine, &ann).expect(200);
    assert_eq!(found["id"], given["id"], "{found}");
    assert!(
        found["created_at"]
            .as_str()
            .is_some_and(crate::harness::survey::is_seed_timestamp),
        "{found}"
    );
    server.get_as(&mine, &owner).error(404);
    assert_eq!(server.get(&mine).error(401), invalid_token());
    let unknown = server.get_as(&paths::my_response(999_999), &ann).error(404);
    assert_eq!(unknown["message"], "no such survey", "{unknown}");
}

#[test]
fn liveness_and_readiness_probes_answer_and_readiness_fails_when_the_database_is_gone() {
    let server = TestServer::start_sqlite();
    for probe in [paths::LIVE, paths::READY] {
        assert_eq!(server.get(probe).expect(200)["status"], "ok", "{probe}");
    }
    std::fs::remove_file(server.db_path()).unwrap();
    let refused = server.get(paths::READY).error(503);
    let message = refused["message"].as_str().unwrap();
    assert!(
        message.starts_with("not ready:") && message.contains("is gone"),
        "{message}"
    );
    // The process still answers: liveness is not readiness.
    server.get(paths::LIVE).expect(200);
}
