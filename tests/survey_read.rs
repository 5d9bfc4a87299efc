//! Reading surveys from the command line — `survey list`, `show` and `results`, for people and
//! for scripts — and the server's `creator=me` listing behind `list --mine`.

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::cli::Machine;
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{
    choice_id, count_of, id_of, question_id, rich_survey, seed_survey, survey_id,
};

/// Posts one native response as `token`'s user, asserting 201.
fn respond(server: &TestServer, survey: &Value, token: &str, answers: &Value) {
    let path = paths::responses(survey_id(survey));
    server
        .post_json(&path, &json!({ "answers": answers }), Some(token))
        .expect(201);
}

/// `rich_survey`'s answers: a lunch, some drinks (by position) and perhaps a remark.
fn rich_answers(survey: &Value, lunch: usize, drinks: &[usize], remark: Option<&str>) -> Value {
    let mut answers = vec![
        json!({"question_id": question_id(survey, 0), "choice_ids": [choice_id(survey, 0, lunch)]}),
        json!({
            "question_id": question_id(survey, 1),
            "choice_ids": drinks.iter().map(|&d| choice_id(survey, 1, d)).collect::<Vec<_>>(),
        }),
    ];
    if let Some(remark) = remark {
        answers.push(json!({"question_id": question_id(survey, 2), "text": remark}));
    }
    Value::Array(answers)
}

#[test]
fn the_list_is_a_table_for_people_and_an_array_for_scripts() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let ann_token = server.login("ann@example.com", PASSWORD);
    let bob = server.user("bob@example.com");
    let lunch = server.create_survey(&ann_token, &rich_survey("Lunch poll", false));
    let pets = server.create_survey(&bob, &seed_survey("Pets"));
    respond(&server, &lunch, &bob, &rich_answers(&lunch, 0, &[0], None));

    let run = ann.cli().args(["survey", "list"]).run();
    run.success();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    for column in [
        "id",
        "name",
        "questions",
        "responses",
        "status",
        "created",
        "creator",
    ] {
        assert!(lines[0].contains(column), "no {column} in {:?}", lines[0]);
    }
    // With its zone, as `show` gives it (the harness runs in UTC).
    let created = format!("{} UTC", &lunch["created_at"].as_str().unwrap()[..16]);
    let lunch_row = format!("{}  Lunch poll", id_of(&lunch));
    assert!(lines[1].trim_start().starts_with(&lunch_row), "{run:?}");
    for cell in ["  3  ", "  1  ", "open", &created, "ann@example.com"] {
        assert!(lines[1].contains(cell), "no {cell:?} in {:?}", lines[1]);
    }
    for cell in ["Pets", "  2  ", "  0  ", "bob@example.com"] {
        assert!(lines[2].contains(cell), "no {cell:?} in {:?}", lines[2]);
    }

    let listed = ann
        .cli()
        .args(["survey", "list", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(
        listed,
        json!([server.survey(id_of(&lunch)), server.survey(id_of(&pets))])
    );
}

#[test]
fn a_long_name_is_cut_to_the_terminal_width_without_breaking_the_table() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let token = server.login("ann@example.com", PASSWORD);
    let name = "Ünïcödé survey about everything under the sun — 日本語 ".repeat(3);
    server.create_survey(&token, &seed_survey(&name));
    let run = ann
        .cli()
        .env("COLUMNS", "100")
        .args(["survey", "list"])
        .run();
    // 100 columns leave the name 27 once the numbers, the date and the e-mail are whole:
    // enough to read, so the creator and date columns stay.
    run.success()
        .stdout_contains("  Ünïcödé survey about every…  ");
    for line in run.stdout.lines() {
        assert!(line.chars().count() <= 100, "{line:?} is wider than 100");
        assert!(
            line.ends_with("ann@example.com") || line.ends_with("creator"),
            "{line:?}"
        );
    }
}

#[test]
fn a_narrow_terminal_loses_the_creator_and_date_columns_before_the_name_is_cut() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let token = server.login("ann@example.com", PASSWORD);
    server.create_survey(&token, &seed_survey("Lunch on Friday?"));
    let list = |columns: &str| {
        let run = ann
            .cli()
            .env("COLUMNS", columns)
            .args(["survey", "list"])
            .run();
        run.success();
        for line in run.stdout.lines() {
            let cells = unicode_width::UnicodeWidthStr::width(line);
            assert!(
                cells <= columns.parse().unwrap(),
                "{line:?} is wider than {columns}"
            );
        }
        run.stdout
    };
    let narrow = list("60");
    let header = narrow.lines().next().unwrap();
    assert_eq!(
        header.split_whitespace().collect::<Vec<_>>(),
        ["id", "name", "questions", "responses", "status"],
        "{narrow}"
    );
    assert!(narrow.contains("Lunch on Friday?"), "{narrow}");
    // A little wider, the date comes back; the creator still waits for room.
    let wider = list("85");
    assert!(
        wider.lines().next().unwrap().ends_with("created"),
        "{wider}"
    );
    assert!(wider.contains("Lunch on Friday?"), "{wider}");
}

#[test]
fn without_page_every_page_is_fetched_and_with_page_one_page_and_a_footer() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let token = server.login("ann@example.com", PASSWORD);
    for n in 1..=51 {
        server.create_survey(&token, &seed_survey(&format!("Survey {n}")));
    }
    let all = ann
        .cli()
        .args(["survey", "list", "--json"])
        .run()
        .success()
        .json();
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 51);
    assert_eq!((names[0], names[50]), ("Survey 1", "Survey 51"));
    let human = ann.cli().args(["survey", "list"]).run();
    human.success().stdout_contains("Survey 51");
    assert_eq!(human.stdout.lines().count(), 52, "a header and 51 rows");

    let second = ann.cli().args(["survey", "list", "--page", "2"]).run();
    second
        .success()
        .stdout_contains("Survey 51")
        .stdout_contains("page 2 of 2 (51 surveys)");
    assert!(!second.stdout.contains("Survey 50"), "{second:?}");
    let page = ann
        .cli()
        .args(["survey", "list", "--page", "2", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(
        (&page["page"], &page["per_page"], &page["total"]),
        (&json!(2), &json!(50), &json!(51))
    );
    assert_eq!(page["items"][0]["name"], "Survey 51");
    ann.cli()
        .args(["survey", "list", "--page", "3"])
        .run()
        .success()
        .stdout_contains("Page 3 is empty: there are 2 pages (51 surveys)");
}

#[test]
fn pages_start_at_one_and_one_page_is_one() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let token = server.login("ann@example.com", PASSWORD);
    server.create_survey(&token, &seed_survey("Only"));
    ann.cli()
        .args(["survey", "list", "--page", "2"])
        .run()
        .success()
        .stdout_contains("Page 2 is empty: there is 1 page (1 survey)");
    // clap's own usage error (several lines, so not through `code`).
    let zero = ann.cli().args(["survey", "list", "--page", "0"]).run();
    assert_eq!(zero.code, Some(2), "{zero:?}");
    assert!(zero.stderr.contains("pages start at 1"), "{zero:?}");
    assert!(!zero.stderr.contains("18446744073709551615"), "{zero:?}");
}

#[test]
fn an_empty_list_says_how_to_create_a_survey() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args(["survey", "list"])
        .run()
        .success()
        .stdout_contains("No surveys yet — create one with `canvass survey create`");
    ann.cli()
        .args(["survey", "list", "--mine", "--page", "1"])
        .run()
        .success()
        .stdout_contains("No surveys yet");
    assert_eq!(
        ann.cli()
            .args(["survey", "list", "--json"])
            .run()
            .success()
            .json(),
        json!([])
    );
}

#[test]
fn mine_lists_only_the_callers_surveys_and_needs_a_session() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let ann_token = server.login("ann@example.com", PASSWORD);
    let bob = server.user("bob@example.com");
    server.create_survey(&ann_token, &seed_survey("Ann's first"));
    server.create_survey(&bob, &seed_survey("Bob's"));
    server.create_survey(&ann_token, &seed_survey("Ann's second"));

    let mine = ann
        .cli()
        .args(["survey", "list", "--mine", "--json"])
        .run()
        .success()
        .json();
    let names: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ann's first", "Ann's second"]);
    let page = ann
        .cli()
        .args(["survey", "list", "--mine", "--page", "1", "--json"])
        .run()
        .success()
        .json();
    assert_eq!(page["total"], 2);
    let human = ann.cli().args(["survey", "list", "--mine"]).run();
    human.success().stdout_contains("Ann's second");
    assert!(!human.stdout.contains("Bob's"), "{human:?}");

    Machine::new(&server)
        .cli()
        .args(["survey", "list", "--mine"])
        .run()
        .code(3)
        .stderr_contains("not logged in");
}

#[test]
fn show_numbers_questions_and_choices_as_respond_takes_them() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let token = server.login("ann@example.com", PASSWORD);
    let survey = server.create_survey(&token, &rich_survey("Lunch poll", true));
    let id = id_of(&survey).to_string();

    let run = ann.cli().args(["survey", "show", &id]).run();
    run.success()
        .stdout_contains("Lunch poll\n")
        .stdout_contains(&format!("  id:         {id}\n"))
        .stdout_contains("  status:     open\n")
        .stdout_contains("  creator:    ann@example.com\n")
        .stdout_contains(&format!(
            "  created:    {} UTC\n",
            survey["created_at"].as_str().unwrap()
        ))
        .stdout_contains("  responses:  0 (one per user)\n")
        .stdout_contains(&format!("canvass survey respond {id} --answer Q=C"));
    let questions = run.stdout.split_once("Questions").unwrap().1;
    let expected = [
        "  1. Lunch?  (single choice, required)",
        "     1. Pizza",
        "     2. Salad",
        "  2. Drinks?  (multiple choice, required)",
        "     1. Tea",
        "     2. Coffee",
        "     3. Water",
        "  3. Anything else?  (free text, optional)",
    ];
    assert_eq!(
        questions.lines().skip(1).collect::<Vec<_>>(),
        expected,
        "{run:?}"
    );

    let shown = ann
        .cli()
        .args(["survey", "show", &id, "--json"])
        .run()
        .success()
        .json();
    assert_eq!(shown, server.survey(id_of(&survey)));
}

#[test]
fn results_count_every_response_as_bars_with_percentages() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let token = server.login("ann@example.com", PASSWORD);
    let survey = server.create_survey(&token, &rich_survey("Lunch poll", true));
    let id = id_of(&survey);
    let picks: [(usize, &[usize], Option<&str>); 3] = [
        (0, &[0, 1], Some("More cake")),
        (0, &[0], None),
        (1, &[2], Some("Sooner, please")),
    ];
    for (n, (lunch, drinks, remark)) in picks.into_iter().enumerate() {
        let voter = server.user(&format!("voter{n}@example.com"));
        respond(
            &server,
            &survey,
            &voter,
            &rich_answers(&survey, lunch, drinks, remark),
        );
    }

    let results = ann
        .cli()
        .args(["survey", "results", &id.to_string(), "--json"])
        .run()
        .success()
        .json();
    assert_eq!(
        results,
        server.results(id),
        "--json passes the server's results through"
    );
    assert_eq!(results["responses"], 3);
    assert_eq!(count_of(&results, choice_id(&survey, 0, 0)), 2);
    assert_eq!(count_of(&results, choice_id(&survey, 1, 0)), 2);
    assert_eq!(count_of(&results, choice_id(&survey, 1, 2)), 1);

    let run = ann.cli().args(["survey", "results", &id.to_string()]).run();
    run.success();
    // Bars are 40 cells at 100 columns; the largest count fills them, half of it half.
    let full = "█".repeat(40);
    let half = "█".repeat(20);
    let expected = [
        "Lunch poll — 3 responses, open".to_owned(),
        String::new(),
        "  1. Lunch?  (single choice)".to_owned(),
        format!("     Pizza  2  66.7%  {full}"),
        format!("     Salad  1  33.3%  {half}"),
        String::new(),
        "  2. Drinks?  (multiple choice)".to_owned(),
        format!("     Tea     2  66.7%  {full}"),
        format!("     Coffee  1  33.3%  {half}"),
        format!("     Water   1  33.3%  {half}"),
        String::new(),
        "  3. Anything else?  (free text)".to_owned(),
        "     2 answers:".to_owned(),
        "     - More cake".to_owned(),
        "     - Sooner, please".to_owned(),
    ];
    assert_eq!(run.stdout.lines().collect::<Vec<_>>(), expected, "{run:?}");
}

#[test]
fn an_unknown_survey_is_refused_naming_its_id_and_the_server() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    for command in ["show", "results", "export", "close"] {
        ann.cli()
            .args(["survey", command, "999"])
            .run()
            .code(1)
            .stderr_contains(&format!(
                "error: there is no survey 999 on {} — `canvass survey list` lists them",
                ann.server_url()
            ))
            .stdout_is_empty();
    }
}

// ---- the server: GET /api/surveys/?creator=me ----

#[test]
fn creator_me_pages_through_the_callers_own_surveys_and_counts_only_those() {
    let server = TestServer::start();
    let ann = server.user("ann@example.com");
    let bob = server.user("bob@example.com");
    // Interleaved, so bob's surveys lie between ann's.
    for n in 1..=3 {
        server.create_survey(&ann, &seed_survey(&format!("Ann {n}")));
        server.create_survey(&bob, &seed_survey(&format!("Bob {n}")));
    }
    let first = server
        .get_as(&paths::surveys_page(1, 2, true), &ann)
        .expect(200);
    assert_eq!((&first["total"], &first["page"]), (&json!(3), &json!(1)));
    let names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&first), ["Ann 1", "Ann 2"]);
    assert_eq!(first["items"][0]["questions"].as_array().unwrap().len(), 2);
    let second = server
        .get_as(&paths::surveys_page(2, 2, true), &ann)
        .expect(200);
    assert_eq!(names(&second), ["Ann 3"]);
    assert_eq!(
        second["items"][0],
        server.survey(id_of(&second["items"][0]))
    );

    // Without paging params it is still a page, with the default size.
    let defaults = server
        .get_as(&format!("{}?creator=me", paths::SURVEYS), &bob)
        .expect(200);
    assert_eq!(names(&defaults), ["Bob 1", "Bob 2", "Bob 3"]);
    assert_eq!(
        (&defaults["total"], &defaults["per_page"]),
        (&json!(3), &json!(20))
    );

    let nobody = server.user("cat@example.com");
    let empty = server
        .get_as(&format!("{}?creator=me&page=1", paths::SURVEYS), &nobody)
        .expect(200);
    assert_eq!((&empty["items"], &empty["total"]), (&json!([]), &json!(0)));
}

#[test]
fn the_seed_listing_is_unchanged_beside_creator_me() {
    let server = TestServer::start();
    let ann = server.user("ann@example.com");
    let bob = server.user("bob@example.com");
    server.create_survey(&ann, &seed_survey("Ann's"));
    server.create_survey(&bob, &seed_survey("Bob's"));
    let bare = server.get_as(paths::SURVEYS, &ann).expect(200);
    assert_eq!(bare.as_array().unwrap().len(), 2, "{bare}");
    let paged = server
        .get_as(&format!("{}?page=1", paths::SURVEYS), &ann)
        .expect(200);
    assert_eq!(paged["total"], 2);
}

#[test]
fn creator_me_needs_a_valid_token() {
    let server = TestServer::start();
    server
        .get(&format!("{}?creator=me&page=1", paths::SURVEYS))
        .error(401);
    server
        .get_as(&format!("{}?creator=me", paths::SURVEYS), "not-a-token")
        .error(401);
}

#[test]
fn creator_takes_only_me_and_anything_else_is_a_400_naming_it() {
    let server = TestServer::start();
    let ann = server.user("ann@example.com");
    for query in [
        "creator=ann@example.com",
        "creator=",
        "creator=ME&page=1",
        "creator=1",
    ] {
        let body = server
            .get_as(&format!("{}?{query}", paths::SURVEYS), &ann)
            .error_naming("creator");
        assert_eq!(body["field"], "creator", "{query}: {body}");
    }
}
