//! What only a survey's creator may do from the command line — export its responses, close it,
//! delete it — and what everyone else is told when they try.

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::cli::Machine;
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{choice_id, id_of, question_id, rich_survey, survey_id};

const FORBIDDEN: &str = "error: only the survey's creator may do that";

/// A server, ann logged in on a machine, and her rich survey with two responses.
struct Owned {
    server: TestServer,
    ann: Machine,
    token: String,
    survey: Value,
}

impl Owned {
    fn new() -> Owned {
        let server = TestServer::start();
        let ann = Machine::logged_in(&server, "ann@example.com");
        let token = server.login("ann@example.com", PASSWORD);
        let survey = server.create_survey(&token, &rich_survey("Lunch poll", true));
        Owned {
            server,
            ann,
            token,
            survey,
        }
    }

    fn id(&self) -> String {
        id_of(&self.survey).to_string()
    }

    /// bob: Pizza, Tea and Coffee, a remark with a comma, a quote and a line break;
    /// cat: Salad, Water, no remark.
    fn with_responses(self) -> Owned {
        let bob = self.server.user("bob@example.com");
        let cat = self.server.user("cat@example.com");
        let s = &self.survey;
        self.respond(
            &bob,
            &json!([
                {"question_id": question_id(s, 0), "choice_ids": [choice_id(s, 0, 0)]},
                {"question_id": question_id(s, 1), "choice_ids": [choice_id(s, 1, 0), choice_id(s, 1, 1)]},
                {"question_id": question_id(s, 2), "text": REMARK},
            ]),
        );
        self.respond(
            &cat,
            &json!([
                {"question_id": question_id(s, 0), "choice_ids": [choice_id(s, 0, 1)]},
                {"question_id": question_id(s, 1), "choice_ids": [choice_id(s, 1, 2)]},
            ]),
        );
        self
    }

    fn respond(&self, token: &str, answers: &Value) {
        self.server
            .post_json(
                &self.responses_path(),
                &json!({ "answers": answers }),
                Some(token),
            )
            .expect(201);
    }

    fn responses_path(&self) -> String {
        paths::responses(survey_id(&self.survey))
    }

    /// What the server exports, fetched raw as the owner.
    fn raw_export(&self, format: &str) -> String {
        let reply = self
            .server
            .get_as(&paths::export(survey_id(&self.survey), format), &self.token);
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.text()
    }
}

const REMARK: &str = "More cake, \"please\"\nand tea";

#[test]
fn the_csv_export_parses_back_to_what_was_submitted() {
    let owned = Owned::new().with_responses();
    let run = owned
        .ann
        .cli()
        .args(["survey", "export", &owned.id()])
        .run();
    run.success();
    assert_eq!(
        run.stdout,
        owned.raw_export("csv"),
        "the CSV as the server wrote it"
    );
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "created_at",
            "respondent",
            "Lunch?",
            "Drinks?",
            "Anything else?"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|record| record.unwrap().iter().skip(2).map(str::to_owned).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["bob@example.com", "Pizza", "Tea; Coffee", REMARK],
            ["cat@example.com", "Salad", "Water", ""],
        ]
    );
}

#[test]
fn the_json_export_is_the_servers_pretty_printed() {
    let owned = Owned::new().with_responses();
    let run = owned
        .ann
        .cli()
        .args(["survey", "export", &owned.id(), "--format", "json"])
        .run();
    run.success().stdout_contains("\n  \"responses\": [");
    let raw: Value = serde_json::from_str(&owned.raw_export("json")).unwrap();
    assert_eq!(run.json(), raw);
    let responses = raw["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[0]["respondent"], "bob@example.com");
    assert_eq!(responses[0]["answers"][2]["text"], REMARK);
}

#[test]
fn export_to_a_file_writes_it_and_says_how_many_responses() {
    let owned = Owned::new().with_responses();
    let csv_file = owned.ann.home().join("lunch.csv");
    owned
        .ann
        .cli()
        .args(["survey", "export", &owned.id(), "-o"])
        .args([&csv_file])
        .run()
        .success()
        .stdout_contains(&format!("Wrote 2 responses to {}", csv_file.display()));
    assert_eq!(
        std::fs::read_to_string(&csv_file).unwrap(),
        owned.raw_export("csv")
    );

    let json_file = owned.ann.home().join("lunch.json");
    owned
        .ann
        .cli()
        .args([
            "survey",
            "export",
            &owned.id(),
            "--format",
            "json",
            "--output",
        ])
        .args([&json_file])
        .run()
        .success()
        .stdout_contains(&format!("Wrote 2 responses to {}", json_file.display()));
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&json_file).unwrap()).unwrap();
    assert_eq!(
        written,
        serde_json::from_str::<Value>(&owned.raw_export("json")).unwrap()
    );

    let nowhere = owned.ann.home().join("no/such/dir/out.csv");
    owned
        .ann
        .cli()
        .args(["survey", "export", &owned.id(), "-o"])
        .args([&nowhere])
        .run()
        .code(1)
        .stderr_contains("cannot write");
}

#[test]
fn export_by_someone_else_is_refused_with_the_servers_message() {
    let owned = Owned::new().with_responses();
    let bob = Machine::logged_in(&owned.server, "dan@example.com");
    for format in ["csv", "json"] {
        bob.cli()
            .args(["survey", "export", &owned.id(), "--format", format])
            .run()
            .code(1)
            .stderr_contains(FORBIDDEN)
            .stdout_is_empty();
    }
}

#[test]
fn a_closed_survey_refuses_later_responses() {
    let owned = Owned::new();
    owned
        .ann
        .cli()
        .args(["survey", "close", &owned.id()])
        .run()
        .success()
        .stdout_contains(&format!("Closed survey {}: Lunch poll", owned.id()));
    owned
        .ann
        .cli()
        .args(["survey", "close", &owned.id()])
        .run()
        .success()
        .stdout_contains(&format!(
            "Survey {} was already closed: Lunch poll",
            owned.id()
        ));
    let bob = owned.server.user("bob@example.com");
    let s = &owned.survey;
    let body = json!({"answers": [
        {"question_id": question_id(s, 0), "choice_ids": [choice_id(s, 0, 0)]},
        {"question_id": question_id(s, 1), "choice_ids": [choice_id(s, 1, 0)]},
    ]});
    let refused = owned
        .server
        .post_json(&owned.responses_path(), &body, Some(&bob))
        .error(409);
    assert_eq!(
        refused["message"],
        format!("survey {} is closed", owned.id())
    );
    owned
        .ann
        .cli()
        .args(["survey", "show", &owned.id()])
        .run()
        .success()
        .stdout_contains("  status:     closed\n");
}

#[test]
fn delete_with_yes_removes_the_survey_and_its_responses() {
    let owned = Owned::new().with_responses();
    owned
        .ann
        .cli()
        .args(["survey", "delete", &owned.id(), "--yes"])
        .run()
        .success()
        .stdout_contains(&format!("Deleted survey {}", owned.id()));
    owned
        .server
        .get(&paths::survey(survey_id(&owned.survey)))
        .error(404);
    owned
        .ann
        .cli()
        .args(["survey", "results", &owned.id()])
        .run()
        .code(1)
        .stderr_contains(&format!("error: there is no survey {} on ", owned.id()));
}

#[test]
fn delete_without_yes_and_without_a_terminal_names_yes_and_keeps_the_survey() {
    let owned = Owned::new();
    owned
        .ann
        .cli()
        .args(["survey", "delete", &owned.id()])
        .run()
        .code(2)
        .stderr_contains("pass --yes")
        .stdout_is_empty();
    owned.server.survey(id_of(&owned.survey));
}

#[test]
fn delete_and_close_by_someone_else_are_refused_with_the_servers_message() {
    let owned = Owned::new();
    let bob = Machine::logged_in(&owned.server, "bob@example.com");
    for command in [&["delete", "--yes"][..], &["close"]] {
        bob.cli()
            .args(["survey", command[0], &owned.id()])
            .args(&command[1..])
            .run()
            .code(1)
            .stderr_contains(FORBIDDEN)
            .stdout_is_empty();
    }
    let kept = owned.server.survey(id_of(&owned.survey));
    assert_eq!(kept["status"], "open");
}

#[test]
fn delete_at_a_terminal_asks_first_and_no_keeps_the_survey() {
    let owned = Owned::new().with_responses();
    let id = owned.id();
    let question = format!("Delete survey {id} \"Lunch poll\" and its 2 responses?");

    let mut pty = owned.ann.cli().args(["survey", "delete", &id]).pty();
    pty.expect(&question);
    pty.send_line("n");
    pty.expect(&format!("Kept survey {id}"));
    pty.expect_exit(0);
    owned.server.survey(id_of(&owned.survey));

    let mut pty = owned.ann.cli().args(["survey", "delete", &id]).pty();
    pty.expect(&question);
    pty.send_line("y");
    pty.expect(&format!("Deleted survey {id}"));
    pty.expect_exit(0);
    owned
        .server
        .get(&paths::survey(survey_id(&owned.survey)))
        .error(404);
}
