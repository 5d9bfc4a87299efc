//! `canvass survey create` as scripts and people use it: --file in the seed's shape and the
//! rich one, from a file and from stdin; refused files that send nothing; the wizard in a
//! pseudo-terminal. Every survey is checked on the server.

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::cli::Machine;
use crate::harness::pty::Key;
use crate::harness::server::TestServer;
use crate::harness::survey::{rich_survey, seed_survey};

/// Every survey on the server, oldest first.
fn surveys(server: &TestServer) -> Vec<Value> {
    server
        .get(paths::SURVEYS)
        .expect(200)
        .as_array()
        .unwrap()
        .clone()
}

/// The id in `Created survey <id>: <name>`.
fn created_id(stdout: &str) -> u64 {
    let rest = stdout.trim().strip_prefix("Created survey ").unwrap();
    rest.split(':').next().unwrap().parse().unwrap()
}

/// (text, kind, required, choice texts) of each question.
fn outline(survey: &Value) -> Vec<(String, String, bool, Vec<String>)> {
    let text = |v: &Value| v.as_str().unwrap().to_owned();
    survey["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                text(&q["text"]),
                text(&q["kind"]),
                q["required"].as_bool().unwrap(),
                q["choices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| text(&c["text"]))
                    .collect(),
            )
        })
        .collect()
}

fn question(
    text: &str,
    kind: &str,
    required: bool,
    choices: &[&str],
) -> (String, String, bool, Vec<String>) {
    let choices = choices.iter().map(|c| (*c).to_owned()).collect();
    (text.to_owned(), kind.to_owned(), required, choices)
}

#[test]
fn a_file_in_the_seed_shape_becomes_single_choice_questions_on_the_server() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let file = ann.home().join("lunch.json");
    std::fs::write(&file, seed_survey("Seed lunch").to_string()).unwrap();
    let run = ann
        .cli()
        .args(["survey", "create", "--file", "lunch.json"])
        .run();
    run.success().stdout_contains("Created survey ");
    let survey = server.survey(created_id(&run.stdout));
    assert_eq!(survey["name"], "Seed lunch");
    assert_eq!(survey["creator"], "ann@example.com");
    assert_eq!(
        outline(&survey),
        [
            question("Which colour?", "single", true, &["Red", "Green", "Blue"]),
            question("Which pet?", "single", true, &["Cat", "Dog"]),
        ]
    );
}

#[test]
fn a_rich_survey_from_stdin_keeps_its_kinds_and_optional_questions() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let run = ann
        .cli()
        .args(["survey", "create", "--file", "-"])
        .stdin(rich_survey("Rich lunch", true).to_string())
        .run();
    run.success().stdout_contains(": Rich lunch");
    let survey = server.survey(created_id(&run.stdout));
    assert_eq!(survey["one_response_per_user"], true);
    assert_eq!(
        outline(&survey),
        [
            question("Lunch?", "single", true, &["Pizza", "Salad"]),
            question("Drinks?", "multiple", true, &["Tea", "Coffee", "Water"]),
            question("Anything else?", "text", false, &[]),
        ]
    );
}

#[test]
fn the_seed_shape_from_stdin_and_the_rich_shape_from_a_file_work_too() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let run = ann
        .cli()
        .args(["survey", "create", "--file", "-"])
        .stdin(seed_survey("From stdin").to_string())
        .run();
    run.success();
    assert_eq!(server.survey(created_id(&run.stdout))["name"], "From stdin");
    std::fs::write(
        ann.home().join("rich.json"),
        rich_survey("From a file", false).to_string(),
    )
    .unwrap();
    let run = ann
        .cli()
        .args(["survey", "create", "--file", "rich.json"])
        .run();
    run.success();
    let survey = server.survey(created_id(&run.stdout));
    assert_eq!(survey["name"], "From a file");
    assert_eq!(survey["questions"][2]["kind"], "text");
    assert_eq!(survey["questions"][2]["required"], false);
}

#[test]
fn json_output_is_the_created_survey_as_the_server_returns_it() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let printed = ann
        .cli()
        .args(["survey", "create", "--json", "--file", "-"])
        .stdin(rich_survey("Scripted", false).to_string())
        .run()
        .success()
        .json();
    let id = printed["id"].as_u64().unwrap();
    assert_eq!(printed, server.survey(id));
}

#[test]
fn an_invalid_survey_file_names_the_field_and_nothing_is_created() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let one_empty_question = json!({
        "name": "Lunch",
        "questions": [
            {"question": "Where?", "choices": ["Pub", "Cafe"]},
            {"question": "When?", "choices": []},
        ],
    });
    let cases = [
        (
            json!({"questions": [{"question": "Q", "choices": ["a"]}]}),
            "use survey.json: name: must not be empty",
        ),
        (
            one_empty_question,
            "use survey.json: questions[1].choices: must have at least one choice",
        ),
        (
            json!({"name": "L", "questions": [{"question": "Q", "choices": "Red"}]}),
            "parse survey.json: questions[0].choices: invalid type: string \"Red\", expected a sequence",
        ),
        (
            json!({"name": "L", "questions": [{"text": "Q", "kind": "ranking"}]}),
            "use survey.json: questions[0].kind: must be one of single, multiple, text",
        ),
        (
            json!({"name": "L", "questions": [{"text": "Why?", "kind": "text", "choices": ["a"]}]}),
            "use survey.json: questions[0].choices: text questions take no choices",
        ),
        (
            json!({"name": "L", "questions": []}),
            "use survey.json: questions: must have at least one question",
        ),
        (
            json!(["L", []]),
            "use survey.json: body: must be a JSON object",
        ),
        (
            json!({"name": "x".repeat(201), "questions": [{"question": "Q", "choices": ["a"]}]}),
            "use survey.json: name: must be at most 200 characters",
        ),
    ];
    // A mistake in the file is a usage error, as the same mistake at the wizard (issue 14,
    // item 10).
    for (body, problem) in cases {
        std::fs::write(ann.home().join("survey.json"), body.to_string()).unwrap();
        ann.cli()
            .args(["survey", "create", "--file", "survey.json"])
            .run()
            .code(2)
            .stderr_contains(&format!("error: cannot {problem}"))
            .stdout_is_empty();
    }
    std::fs::write(ann.home().join("survey.json"), "{\"name\": \"L\",").unwrap();
    ann.cli()
        .args(["survey", "create", "--file", "survey.json"])
        .run()
        .code(2)
        .stderr_contains("error: cannot parse survey.json: EOF while parsing");
    ann.cli()
        .args(["survey", "create", "--file", "-"])
        .stdin(r#"{"name": "L", "questions": [{"question": 7}]}"#)
        .run()
        .code(2)
        .stderr_contains("error: cannot parse stdin: questions[0].question: invalid type");
    assert_eq!(surveys(&server), Vec::<Value>::new());
}

#[test]
fn a_survey_file_that_does_not_exist_is_named_in_the_error() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args(["survey", "create", "--file", "nowhere.json"])
        .run()
        .code(1)
        .stderr_contains("error: cannot read nowhere.json: No such file");
}

#[test]
fn creating_a_survey_needs_a_login() {
    let server = TestServer::start();
    let stranger = Machine::new(&server);
    stranger
        .cli()
        .args(["survey", "create", "--file", "-"])
        .stdin(seed_survey("Anonymous").to_string())
        .run()
        .code(3)
        .stderr_contains("not logged in to http://127.0.0.1:");
    assert_eq!(surveys(&server), Vec::<Value>::new());
}

#[test]
fn without_a_terminal_or_a_file_create_asks_for_the_file_flag() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args(["survey", "create"])
        .run()
        .code(2)
        .stderr_contains("cannot ask for the survey: stdin is not a terminal, so pass --file");
}

// See: issue 14, item 5: `["a", "a"]` and misspelt keys were accepted from a file.
#[test]
fn a_survey_file_is_held_to_the_servers_rules_and_its_keys_are_checked() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let cases = [
        (
            json!({"name": "L", "questions": [{"text": "Q", "choices": ["a", "b", "a"]}]}),
            "questions[0].choices[2]: repeats choice 1 (\"a\")",
        ),
        (
            json!({"name": "L", "questions": [{"text": "Q", "choices": ["a", "b"], "requried": false}]}),
            "questions[0]: unknown key \"requried\" (did you mean \"required\"?)",
        ),
        (
            json!({"name": "L", "one_response_per_usr": true, "questions": [{"text": "Q", "choices": ["a", "b"]}]}),
            "survey: unknown key \"one_response_per_usr\" (did you mean \"one_response_per_user\"?)",
        ),
    ];
    for (body, problem) in cases {
        ann.cli()
            .args(["survey", "create", "--file", "-"])
            .stdin(body.to_string())
            .run()
            .code(2)
            .stderr_contains(&format!("error: cannot use stdin: {problem}"));
    }
    // The server holds the same rule for every client.
    let jwt = server.user("bob@example.com");
    let repeated = json!({"name": "L", "questions": [{"question": "Q", "choices": ["a", "a"]}]});
    server
        .post_json(paths::SURVEYS, &repeated, Some(&jwt))
        .expect(400);
    assert_eq!(surveys(&server), Vec::<Value>::new());
}

#[test]
fn the_wizard_builds_a_survey_with_every_kind_of_question() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let mut pty = ann.cli().args(["survey", "create"]).pty();
    pty.expect("Survey name");
    pty.send_line("Team lunch");
    pty.expect("One response per user?");
    pty.send_line("y");

    pty.expect("Question 1: kind");
    pty.send_key(Key::Enter); // single choice
    pty.expect("Question 1: text");
    pty.send_line("Where?");
    pty.expect("Choice 1");
    pty.send_line(""); // no choice is not enough, by the server's rule: asked again
    pty.expect("The question must have at least one choice");
    pty.expect("Choice 1");
    pty.send_line("Pub");
    pty.expect("Choice 2");
    pty.send_line("Pub"); // the same choice twice: asked again
    pty.expect("This choice repeats choice 1");
    pty.expect("Choice 2");
    pty.send_line("Cafe");
    pty.expect("Choice 3");
    pty.send_line("");
    pty.expect("Required?");
    pty.send_key(Key::Enter);
    pty.expect("Add another question?");
    pty.send_key(Key::Enter);

    pty.expect("Question 2: kind");
    pty.send_key(Key::Down);
    pty.send_key(Key::Enter); // multiple choice
    pty.expect("Question 2: text");
    pty.send_line("Drinks?");
    for (number, choice) in [("1", "Tea"), ("2", "Coffee"), ("3", "Water"), ("4", "")] {
        pty.expect(&format!("Choice {number}"));
        pty.send_line(choice);
    }
    pty.expect("Required?");
    pty.send_key(Key::Enter);
    pty.expect("Add another question?");
    pty.send_key(Key::Enter);

    pty.expect("Question 3: kind");
    pty.send_key(Key::Down);
    pty.send_key(Key::Down);
    pty.send_key(Key::Enter); // text
    pty.expect("Question 3: text");
    pty.send_line("Anything else?");
    pty.expect("Required?");
    pty.send_key(Key::Enter);
    pty.expect("Add another question?");
    pty.send_line("n");
    pty.expect("More options?");
    pty.send_key(Key::Enter); // no, by default
    pty.expect("3. Anything else? (text, required)");
    pty.expect("Create this survey?");
    pty.send_key(Key::Enter);
    pty.expect("Created survey ");
    pty.expect_exit(0);

    let all = surveys(&server);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["name"], "Team lunch");
    assert_eq!(all[0]["one_response_per_user"], true);
    assert_eq!(
        outline(&all[0]),
        [
            question("Where?", "single", true, &["Pub", "Cafe"]),
            question("Drinks?", "multiple", true, &["Tea", "Coffee", "Water"]),
            question("Anything else?", "text", true, &[]),
        ]
    );
}
