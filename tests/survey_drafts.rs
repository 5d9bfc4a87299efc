//! Drafts: surveys kept on this machine by `survey create --draft`, listed by `survey drafts`,
//! reworked by `survey edit-draft` and sent by `survey publish`. A draft needs no server until
//! it is published, and it is never lost to a refusal or a dead server.

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

/// `survey drafts --json`.
fn drafts(machine: &Machine) -> Vec<Value> {
    let listed = machine
        .cli()
        .args(["survey", "drafts", "--json"])
        .run()
        .success()
        .json();
    listed.as_array().unwrap().clone()
}

/// Keeps `survey` as a draft through `create --draft --file -`; returns the draft's id.
fn save_draft(machine: &Machine, survey: &Value) -> u64 {
    let saved = machine
        .cli()
        .args(["survey", "create", "--draft", "--json", "--file", "-"])
        .stdin(survey.to_string())
        .run()
        .success()
        .json();
    assert_eq!(saved["name"], survey["name"]);
    saved["draft"].as_u64().unwrap()
}

/// Each question of a survey from the server as `kind[*] text: choice, choice`, `*` marking
/// a required one.
fn outline(survey: &Value) -> Vec<String> {
    let questions = survey["questions"].as_array().unwrap();
    questions
        .iter()
        .map(|q| {
            let choices = q["choices"].as_array().unwrap().iter();
            let choices: Vec<&str> = choices.map(|c| c["text"].as_str().unwrap()).collect();
            let required = if q["required"] == true { "*" } else { "" };
            format!(
                "{}{required} {}: {}",
                q["kind"].as_str().unwrap(),
                q["text"].as_str().unwrap(),
                choices.join(", ")
            )
        })
        .collect()
}

#[test]
fn a_draft_needs_neither_the_server_nor_a_login_and_is_published_later() {
    let mut server = TestServer::start();
    let ann = Machine::new(&server);
    server.stop();
    ann.cli()
        .args(["survey", "create", "--draft", "--file", "-"])
        .stdin(rich_survey("Offsite", false).to_string())
        .run()
        .success()
        .stdout_contains("Saved draft 1: Offsite — `canvass survey publish 1` sends it.");
    let table = ann.cli().args(["survey", "drafts"]).run();
    table.success();
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", table.stdout);
    assert!(
        lines[0].starts_with("id  name     questions  updated"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(" 1  Offsite          3  "),
        "{}",
        lines[1]
    );

    let listed = drafts(&ann);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], 1);
    assert_eq!(listed[0]["name"], "Offsite");
    assert_eq!(listed[0]["questions"], 3);
    assert!(listed[0]["updated_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(listed[0]["survey"]["name"], "Offsite");
    assert_eq!(listed[0]["survey"]["questions"][1]["kind"], "multiple");

    server.restart();
    ann.register("ann@example.com");
    let run = ann.cli().args(["survey", "publish", "1"]).run();
    run.success().stdout_contains("Created survey 1: Offsite");
    let all = surveys(&server);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["name"], "Offsite");
    assert_eq!(all[0]["creator"], "ann@example.com");
    assert_eq!(drafts(&ann), Vec::<Value>::new());
    ann.cli()
        .args(["survey", "drafts"])
        .run()
        .success()
        .stdout_contains("No drafts — `canvass survey create --draft` keeps one");
}

#[test]
fn drafts_keep_every_kind_of_question_through_publish() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let id = save_draft(&ann, &rich_survey("Every kind", true));
    assert_eq!(surveys(&server), Vec::<Value>::new());
    let published = ann
        .cli()
        .args(["survey", "publish", &id.to_string(), "--json"])
        .run()
        .success()
        .json();
    let on_server = server.survey(published["id"].as_u64().unwrap());
    assert_eq!(published, on_server);
    assert_eq!(on_server["one_response_per_user"], true);
    assert_eq!(
        outline(&on_server),
        [
            "single* Lunch?: Pizza, Salad",
            "multiple* Drinks?: Tea, Coffee, Water",
            "text Anything else?: ",
        ]
    );
    assert_eq!(drafts(&ann), Vec::<Value>::new());
}

#[test]
fn a_draft_stays_when_publishing_fails_logged_out_or_offline() {
    let mut server = TestServer::start();
    let ann = Machine::new(&server);
    let id = save_draft(&ann, &seed_survey("Kept")).to_string();
    ann.cli()
        .args(["survey", "publish", &id])
        .run()
        .code(3)
        .stderr_contains("error: not logged in to http://127.0.0.1:")
        .stderr_contains("warning: the survey was not created; draft 1 is kept")
        .stdout_is_empty();
    assert_eq!(drafts(&ann).len(), 1);

    ann.register("ann@example.com");
    server.stop();
    ann.cli()
        .args(["survey", "publish", &id])
        .run()
        .code(4)
        .stderr_contains("error: cannot reach")
        .stderr_contains("draft 1 is kept");
    assert_eq!(drafts(&ann)[0]["name"], "Kept");
    server.restart();
    assert_eq!(surveys(&server), Vec::<Value>::new());
}

#[test]
fn edit_draft_needs_a_file_without_a_terminal_and_replaces_the_draft_once_it_checks_out() {
    let server = TestServer::start();
    let ann = Machine::new(&server);
    let id = save_draft(&ann, &seed_survey("First go")).to_string();
    ann.cli()
        .args(["survey", "edit-draft", &id])
        .run()
        .code(2)
        .stderr_contains("cannot ask for the survey: stdin is not a terminal, so pass --file");
    ann.cli()
        .args(["survey", "edit-draft", &id, "--file", "-"])
        .stdin(json!({"name": "Broken", "questions": []}).to_string())
        .run()
        .code(2)
        .stderr_contains("error: cannot use stdin: questions: must have at least one question");
    assert_eq!(drafts(&ann)[0]["name"], "First go");

    std::fs::write(
        ann.home().join("second.json"),
        rich_survey("Second go", false).to_string(),
    )
    .unwrap();
    ann.cli()
        .args(["survey", "edit-draft", &id, "--file", "second.json"])
        .run()
        .success()
        .stdout_contains("Saved draft 1: Second go");
    let listed = drafts(&ann);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["name"], "Second go");
    assert_eq!(listed[0]["questions"], 3);
    assert_eq!(listed[0]["survey"]["questions"][2]["required"], false);
}

#[test]
fn an_unknown_draft_is_an_error_that_says_where_to_look() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let message = "error: there is no draft 7 — `canvass survey drafts` lists them";
    ann.cli()
        .args(["survey", "publish", "7"])
        .run()
        .code(1)
        .stderr_contains(message);
    std::fs::write(ann.home().join("s.json"), seed_survey("S").to_string()).unwrap();
    ann.cli()
        .args(["survey", "edit-draft", "7", "--file", "s.json"])
        .run()
        .code(1)
        .stderr_contains(message);
    assert_eq!(drafts(&ann), Vec::<Value>::new());
}

#[test]
fn drafts_belong_to_the_server_they_were_made_for() {
    let server = TestServer::start();
    let ann = Machine::new(&server);
    save_draft(&ann, &seed_survey("Here"));
    ann.cli()
        .args([
            "--server",
            "http://127.0.0.1:9",
            "survey",
            "drafts",
            "--json",
        ])
        .run()
        .success()
        .stdout_contains("[]");
    assert_eq!(drafts(&ann)[0]["name"], "Here");
}

#[test]
fn the_wizard_can_save_the_survey_as_a_draft_instead_of_creating_it() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let mut pty = ann.cli().args(["survey", "create"]).pty();
    pty.expect("Survey name");
    pty.send_line("Later");
    pty.expect("One response per user?");
    pty.send_line("");
    pty.expect("Question 1: kind");
    pty.send_key(Key::Down);
    pty.send_key(Key::Down);
    pty.send_key(Key::Enter); // text
    pty.expect("Question 1: text");
    pty.send_line("Thoughts?");
    pty.expect("Required?");
    pty.send_line("n");
    pty.expect("Add another question?");
    pty.send_line("n");
    pty.expect("More options?");
    pty.send_line("");
    pty.expect("Create this survey?");
    pty.expect("Save it as a draft");
    pty.send_key(Key::Down);
    pty.send_key(Key::Enter);
    pty.expect("Saved draft 1: Later");
    pty.expect_exit(0);

    assert_eq!(surveys(&server), Vec::<Value>::new());
    let listed = drafts(&ann);
    assert_eq!(listed[0]["name"], "Later");
    assert_eq!(listed[0]["survey"]["questions"][0]["kind"], "text");
    assert_eq!(listed[0]["survey"]["questions"][0]["required"], false);
}

#[test]
fn create_draft_at_a_terminal_needs_no_login_and_offers_only_saving() {
    let mut server = TestServer::start();
    let ann = Machine::new(&server);
    server.stop();
    let mut pty = ann.cli().args(["survey", "create", "--draft"]).pty();
    pty.expect("Survey name");
    pty.send_line("Unplugged");
    pty.expect("One response per user?");
    pty.send_line("");
    pty.expect("Question 1: kind");
    pty.send_key(Key::Enter);
    pty.expect("Question 1: text");
    pty.send_line("Tea or coffee?");
    for choice in ["Tea", "Coffee", ""] {
        pty.expect("(an empty line ends)");
        pty.send_line(choice);
    }
    pty.expect("Required?");
    pty.send_key(Key::Enter);
    pty.expect("Add another question?");
    pty.send_line("n");
    pty.expect("More options?");
    pty.send_line("");
    pty.expect("Save this survey as a draft?");
    pty.send_key(Key::Enter);
    pty.expect("Saved draft 1: Unplugged");
    pty.expect_exit(0);
    assert_eq!(
        drafts(&ann)[0]["survey"]["questions"][0]["choices"],
        json!(["Tea", "Coffee"])
    );
}

#[test]
fn edit_draft_reopens_the_wizard_and_can_create_the_survey() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let id = save_draft(&ann, &rich_survey("Team lunch", false)).to_string();
    let mut pty = ann.cli().args(["survey", "edit-draft", &id]).pty();
    pty.expect("Survey name");
    pty.expect("Team lunch");
    pty.send_line(" (moved)"); // typed after the current name
    pty.expect("One response per user?");
    pty.send_line("");
    pty.expect("Question 1: Lunch? (single choice)");
    pty.send_key(Key::Down);
    pty.send_key(Key::Enter); // edit it
    pty.expect("Question 1: kind");
    pty.send_key(Key::Enter); // still single choice
    pty.expect("Question 1: text");
    pty.send_key(Key::Enter); // as it was
    pty.expect("Choice 1 (clear it to remove it)");
    pty.send_key(Key::Enter);
    pty.expect("Choice 2 (clear it to remove it)");
    pty.send_key(Key::Enter);
    pty.expect("Choice 3 (an empty line ends)");
    pty.send_line("Soup");
    pty.expect("Choice 4 (an empty line ends)");
    pty.send_line("");
    pty.expect("Required?");
    pty.send_key(Key::Enter);
    pty.expect("Question 2: Drinks? (multiple choice)");
    pty.send_key(Key::Down);
    pty.send_key(Key::Down);
    pty.send_key(Key::Enter); // remove it
    pty.expect("Question 3: Anything else? (text)");
    pty.send_key(Key::Enter); // keep it
    pty.expect("Add another question?");
    pty.send_key(Key::Enter); // no, by default
    pty.expect("More options?");
    pty.send_key(Key::Enter); // no, by default
    pty.expect("2. Anything else? (text, optional)");
    pty.expect("Save this draft?");
    pty.send_key(Key::Down);
    pty.send_key(Key::Enter); // create it on the server
    pty.expect("Created survey 1: Team lunch (moved)");
    pty.expect_exit(0);

    let all = surveys(&server);
    assert_eq!(all.len(), 1);
    assert_eq!(
        outline(&all[0]),
        [
            "single* Lunch?: Pizza, Salad, Soup",
            "text Anything else?: "
        ]
    );
    assert_eq!(all[0]["name"], "Team lunch (moved)");
    assert_eq!(drafts(&ann), Vec::<Value>::new());
}

#[test]
fn delete_draft_throws_a_draft_away_and_names_an_unknown_one() {
    let machine = Machine::for_url("http://127.0.0.1:9");
    let file = machine.home().join("lunch.json");
    std::fs::write(
        &file,
        r#"{"name": "Lunch", "questions": [{"question": "Where?", "choices": ["Pub", "Cafe"]}]}"#,
    )
    .unwrap();
    machine
        .cli()
        .args(["survey", "create", "--draft", "--file"])
        .args([&file])
        .run()
        .success();
    machine
        .cli()
        .args(["survey", "delete-draft", "1"])
        .run()
        .success()
        .stdout_contains("Deleted draft 1.");
    machine
        .cli()
        .args(["survey", "drafts"])
        .run()
        .success()
        .stdout_contains("No drafts");
    machine
        .cli()
        .args(["survey", "delete-draft", "1"])
        .run()
        .code(1)
        .stderr_contains("there is no draft 1");
}
