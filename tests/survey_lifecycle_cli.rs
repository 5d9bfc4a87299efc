//! A survey's life from the command line (issue 15): settings at create (file and wizard),
//! shown by `show` and `list`; invitation codes made, listed and answered with; a survey
//! that is not open refused before its questions; `edit` and `reopen`; and a queued
//! response never delivered to a survey that replaced the one it was written for.

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::cli::Machine;
use crate::harness::pty::Key;
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{id_of, path_id};

/// Far enough ahead that no run of these tests reaches it.
const FUTURE: &str = "2099-01-01T00:00:00Z";

/// A one-question survey with `settings` merged in.
fn one_question(name: &str, settings: &Value) -> Value {
    let mut survey = json!({
        "name": name,
        "questions": [{"text": "Lunch?", "kind": "single", "choices": ["Pizza", "Salad"]}],
    });
    for (key, value) in settings.as_object().unwrap() {
        survey[key] = value.clone();
    }
    survey
}

/// A server, ann logged in on her machine (with her token for direct requests), and a
/// survey of hers with `settings`.
struct Owned {
    server: TestServer,
    ann: Machine,
    token: String,
    id: String,
}

impl Owned {
    fn new(settings: &Value) -> Owned {
        let server = TestServer::start();
        let ann = Machine::logged_in(&server, "ann@example.com");
        let token = server.login("ann@example.com", PASSWORD);
        let survey = server.create_survey(&token, &one_question("Lunch", settings));
        let id = id_of(&survey).to_string();
        Owned {
            server,
            ann,
            token,
            id,
        }
    }

    fn path_id(&self) -> i64 {
        path_id(self.id.parse().unwrap())
    }

    fn responses(&self) -> u64 {
        self.server.survey(self.id.parse().unwrap())["responses"]
            .as_u64()
            .unwrap()
    }

    /// `count` codes made through the CLI, as `invite --json` prints them.
    fn invite(&self, count: u32) -> Vec<Value> {
        let made = self
            .ann
            .cli()
            .args(["survey", "invite", &self.id, "--json", "--count"])
            .args([count.to_string()])
            .run();
        made.success().json()["invitations"]
            .as_array()
            .unwrap()
            .clone()
    }
}

#[test]
fn invite_prints_codes_with_absolute_links_and_invitations_lists_them_used_or_not() {
    let owned = Owned::new(&json!({"invitation_only": true}));
    let made = owned.invite(2);
    assert_eq!(made.len(), 2);
    for invitation in &made {
        let code = invitation["code"].as_str().unwrap();
        assert_eq!(
            invitation["url"],
            format!("{}/s/{}?i={code}", owned.ann.server_url(), owned.id),
            "{invitation}"
        );
    }
    let text = owned.ann.cli().args(["survey", "invite", &owned.id]).run();
    text.success()
        .stdout_contains("1 invitation for survey")
        .stdout_contains("shown only now")
        .stdout_contains(&format!("{}/s/{}?i=", owned.ann.server_url(), owned.id));

    let bob = Machine::logged_in(&owned.server, "bob@example.com");
    let code = made[0]["code"].as_str().unwrap();
    bob.cli()
        .args(["survey", "respond", &owned.id, "--answer", "1=1"])
        .args(["--invitation", code])
        .run()
        .success()
        .stdout_contains("recorded");
    assert_eq!(owned.responses(), 1);

    let listed = owned
        .ann
        .cli()
        .args(["survey", "invitations", &owned.id, "--json"])
        .run();
    let listed = listed.success().json();
    let used: Vec<_> = listed["invitations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["used"].as_bool().unwrap())
        .collect();
    assert_eq!(used, [true, false, false], "{listed}");
    assert!(code.starts_with(listed["invitations"][0]["prefix"].as_str().unwrap()));
    let table = owned
        .ann
        .cli()
        .args(["survey", "invitations", &owned.id])
        .run();
    table
        .success()
        .stdout_contains("code")
        .stdout_contains(&format!(
            "{}…",
            listed["invitations"][0]["prefix"].as_str().unwrap()
        ))
        .stdout_contains("unused")
        .stdout_contains("1 of 3 invitations used");
}

#[test]
fn a_used_or_unknown_code_is_refused_with_the_servers_reason() {
    let owned = Owned::new(&json!({"invitation_only": true}));
    let code = owned.invite(1)[0]["code"].as_str().unwrap().to_owned();
    let respond = |code: &str| {
        owned
            .ann
            .cli()
            .args(["survey", "respond", &owned.id, "--answer", "1=2"])
            .args(["--invitation", code])
            .run()
    };
    respond(&code).success();
    respond(&code).code(1);
    respond("not-a-code").code(1);
    assert_eq!(owned.responses(), 1);
}

#[test]
fn an_invitation_only_survey_answered_by_a_script_without_a_code_is_a_usage_error() {
    let owned = Owned::new(&json!({"invitation_only": true}));
    owned
        .ann
        .cli()
        .args(["survey", "respond", &owned.id, "--answer", "1=1"])
        .run()
        .code(2)
        .stderr_contains("cannot ask for the invitation code")
        .stderr_contains("pass --invitation CODE");
    assert_eq!(owned.responses(), 0);
}

#[test]
fn at_a_terminal_the_invitation_code_is_asked_for_before_the_questions() {
    let owned = Owned::new(&json!({"invitation_only": true}));
    let code = owned.invite(1)[0]["code"].as_str().unwrap().to_owned();
    let mut pty = owned.ann.cli().args(["survey", "respond", &owned.id]).pty();
    let before = pty.expect("Invitation code");
    assert!(!before.contains("Question 1"), "{before}");
    pty.send_line("");
    pty.expect("takes responses by invitation only: type the code you were given");
    pty.send_line(&code);
    pty.expect("Question 1 of 1: Lunch?");
    pty.send_key(Key::Enter);
    pty.expect("Submit these answers?");
    pty.send_line("");
    pty.expect("recorded");
    pty.expect_exit(0);
    assert_eq!(owned.responses(), 1);
}

#[test]
fn a_scheduled_survey_is_refused_before_its_questions_saying_when_it_opens() {
    let owned = Owned::new(&json!({"opens_at": FUTURE}));
    let mut pty = owned.ann.cli().args(["survey", "respond", &owned.id]).pty();
    let screen = pty.expect(&format!(
        "error: survey {} is not open yet: it opens at {FUTURE}",
        owned.id
    ));
    assert!(!screen.contains("Question 1"), "{screen}");
    pty.expect_exit(1);
    // With answers given as flags the server refuses it, in the same words.
    owned
        .ann
        .cli()
        .args(["survey", "respond", &owned.id, "--answer", "1=1"])
        .run()
        .code(1)
        .stderr_contains(&format!("it opens at {FUTURE}"));
    assert_eq!(owned.responses(), 0);
}

#[test]
fn show_and_list_display_the_schedule_the_cap_and_the_settings() {
    let owned = Owned::new(&json!({
        "opens_at": FUTURE,
        "closes_at": "2099-02-01T12:30:00Z",
        "max_responses": 50,
        "invitation_only": true,
        "public_results": true,
    }));
    owned
        .ann
        .cli()
        .args(["survey", "show", &owned.id])
        .run()
        .success()
        .stdout_contains("status:     scheduled")
        .stdout_contains("responses:  0/50")
        .stdout_contains(
            "Opens 2099-01-01 00:00 UTC · closes 2099-02-01 12:30 UTC · invitation only · \
             results public",
        );
    let listed = owned.ann.cli().args(["survey", "list"]).run();
    listed.success();
    let row = listed
        .stdout
        .lines()
        .find(|line| line.contains("Lunch"))
        .unwrap();
    assert!(row.contains(" 0/50 "), "{row}");
    assert!(row.contains("scheduled"), "{row}");
    // --json stays the server's object.
    let shown = owned
        .ann
        .cli()
        .args(["survey", "show", &owned.id, "--json"])
        .run();
    let shown = shown.success().json();
    assert_eq!(shown["max_responses"], 50);
    assert_eq!(shown["opens_at"], FUTURE);
    assert_eq!(shown["status"], "scheduled");
}

#[test]
fn a_survey_file_sets_the_settings_and_is_held_to_their_rules() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let file = one_question(
        "Lunch",
        &json!({"closes_at": FUTURE, "max_responses": 3, "anonymous": true}),
    );
    let created = ann
        .cli()
        .args(["survey", "create", "--file", "-", "--json"])
        .stdin(file.to_string())
        .run();
    let created = created.success().json();
    assert_eq!(created["closes_at"], FUTURE);
    assert_eq!(created["max_responses"], 3);
    assert_eq!(created["anonymous"], true);

    let both = one_question(
        "Lunch",
        &json!({"anonymous": true, "one_response_per_user": true}),
    );
    ann.cli()
        .args(["survey", "create", "--file", "-"])
        .stdin(both.to_string())
        .run()
        .code(2)
        .stderr_contains("anonymous: cannot be combined with one_response_per_user");
    let typo = one_question("Lunch", &json!({"max_response": 3}));
    ann.cli()
        .args(["survey", "create", "--file", "-"])
        .stdin(typo.to_string())
        .run()
        .code(2)
        .stderr_contains("did you mean \"max_responses\"?");
    let local_time = one_question("Lunch", &json!({"opens_at": "2099-01-01T01:00:00"}));
    ann.cli()
        .args(["survey", "create", "--file", "-"])
        .stdin(local_time.to_string())
        .run()
        .code(2)
        .stderr_contains("opens_at: must be a time in RFC 3339 form");
    assert_eq!(
        server
            .get(paths::SURVEYS)
            .expect(200)
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn the_wizard_offers_more_options_and_checks_each_at_its_prompt() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let mut pty = ann.cli().args(["survey", "create"]).pty();
    pty.expect("Survey name");
    pty.send_line("Lunch");
    pty.expect("One response per user?");
    pty.send_line("y");
    pty.expect("Question 1: kind");
    pty.send_key(Key::Enter);
    pty.expect("Question 1: text");
    pty.send_line("Where?");
    for choice in ["Pub", "Cafe", ""] {
        pty.expect("(an empty line ends)");
        pty.send_line(choice);
    }
    pty.expect("Required?");
    pty.send_line("");
    pty.expect("Add another question?");
    pty.send_line("n");
    pty.expect("More options?");
    pty.send_line("y");
    pty.expect("Opens at");
    pty.send_line("tomorrow");
    pty.expect("opens_at: must be a time in RFC 3339 form");
    pty.send_line(FUTURE);
    pty.expect("Closes at");
    pty.send_line("2098-01-01T00:00:00Z");
    pty.expect("closes_at: must be after opens_at (2099-01-01T00:00:00Z)");
    pty.send_line("2099-02-01T00:00:00Z");
    pty.expect("Most responses");
    pty.send_line("0");
    pty.expect("max_responses: must be at least 1");
    pty.send_line("50");
    pty.expect("Anonymous?");
    pty.send_line("y");
    pty.expect("anonymous: cannot be combined with one_response_per_user");
    pty.expect("Anonymous?");
    pty.send_line("n");
    pty.expect("Invitation only?");
    pty.send_line("y");
    pty.expect("Results public?");
    pty.send_line("");
    // rexpect reads the screen byte by byte, so the `·` between the settings is not matched.
    pty.expect("Opens 2099-01-01 00:00 UTC ");
    pty.expect(" closes 2099-02-01 00:00 UTC ");
    pty.expect(" invitation only");
    pty.expect("Create this survey?");
    pty.send_key(Key::Enter);
    pty.expect("Created survey ");
    pty.expect_exit(0);
    let all = server.get(paths::SURVEYS).expect(200);
    let survey = &all[0];
    assert_eq!(survey["opens_at"], FUTURE);
    assert_eq!(survey["closes_at"], "2099-02-01T00:00:00Z");
    assert_eq!(survey["max_responses"], 50);
    assert_eq!(survey["anonymous"], false);
    assert_eq!(survey["invitation_only"], true);
    assert_eq!(survey["public_results"], false);
    assert_eq!(survey["one_response_per_user"], true);
}

#[test]
fn a_draft_keeps_the_settings_given_under_more_options() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let mut pty = ann.cli().args(["survey", "create", "--draft"]).pty();
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
    pty.send_line("");
    pty.expect("Add another question?");
    pty.send_line("n");
    pty.expect("More options?");
    pty.send_line("y");
    pty.expect("Opens at");
    pty.send_line("");
    pty.expect("Closes at");
    pty.send_line("");
    pty.expect("Most responses");
    pty.send_line("7");
    pty.expect("Anonymous?");
    pty.send_line("y");
    pty.expect("Invitation only?");
    pty.send_line("");
    pty.expect("Results public?");
    pty.send_line("y");
    pty.expect("Save this survey as a draft?");
    pty.send_key(Key::Enter);
    pty.expect("Saved draft 1");
    pty.expect_exit(0);
    let drafts = ann.cli().args(["survey", "drafts", "--json"]).run();
    let kept = &drafts.success().json()[0]["survey"];
    assert_eq!(kept["max_responses"], 7);
    assert_eq!(kept["anonymous"], true);
    assert_eq!(kept["public_results"], true);
    assert!(kept.get("opens_at").is_none(), "{kept}");
}

#[test]
fn edit_with_a_file_changes_only_what_it_gives() {
    let owned = Owned::new(&json!({"closes_at": FUTURE}));
    owned
        .ann
        .cli()
        .args(["survey", "edit", &owned.id, "--file", "-"])
        .stdin(json!({"name": "Dinner", "closes_at": null, "max_responses": 10}).to_string())
        .run()
        .success()
        .stdout_contains(&format!("Changed survey {}: Dinner", owned.id));
    let survey = owned.server.survey(owned.id.parse().unwrap());
    assert_eq!(survey["name"], "Dinner");
    assert_eq!(survey["closes_at"], Value::Null);
    assert_eq!(survey["max_responses"], 10);
    assert_eq!(survey["questions"][0]["text"], "Lunch?");
    // A mistake is named before anything is sent.
    owned
        .ann
        .cli()
        .args(["survey", "edit", &owned.id, "--file", "-"])
        .stdin(json!({"max_responses": 0}).to_string())
        .run()
        .code(2)
        .stderr_contains("max_responses: must be at least 1");
    owned
        .ann
        .cli()
        .args(["survey", "edit", &owned.id])
        .run()
        .code(2)
        .stderr_contains("--file");
}

#[test]
fn after_the_first_response_edit_cannot_change_the_questions_and_says_why() {
    let owned = Owned::new(&json!({}));
    owned
        .ann
        .cli()
        .args(["survey", "respond", &owned.id, "--answer", "1=1"])
        .run()
        .success();
    let questions = json!({"questions": [{"text": "Dinner?", "choices": ["Soup", "Stew"]}]});
    owned
        .ann
        .cli()
        .args(["survey", "edit", &owned.id, "--file", "-"])
        .stdin(questions.to_string())
        .run()
        .code(1)
        .stderr_contains("respon");
    let survey = owned.server.survey(owned.id.parse().unwrap());
    assert_eq!(survey["questions"][0]["text"], "Lunch?");
}

#[test]
fn the_edit_wizard_on_a_survey_with_responses_offers_only_what_may_change() {
    let owned = Owned::new(&json!({}));
    owned
        .ann
        .cli()
        .args(["survey", "respond", &owned.id, "--answer", "1=1"])
        .run()
        .success();
    let mut pty = owned.ann.cli().args(["survey", "edit", &owned.id]).pty();
    pty.expect("Survey name");
    pty.expect("Lunch");
    pty.send_line(" (late)"); // typed after the current name
    pty.expect("its questions and one response per user cannot change");
    pty.expect("More options?");
    pty.send_line("y");
    let screen = pty.expect("Closes at");
    assert!(!screen.contains("Opens at"), "{screen}");
    pty.send_line("");
    pty.expect("Most responses");
    pty.send_line("5");
    pty.expect("whether it is anonymous or by invitation only stays as it is");
    pty.expect("Results public?");
    pty.send_line("y");
    pty.expect("Save these changes?");
    pty.send_key(Key::Enter);
    pty.expect(&format!("Changed survey {}: Lunch (late)", owned.id));
    pty.expect_exit(0);
    let survey = owned.server.survey(owned.id.parse().unwrap());
    assert_eq!(survey["name"], "Lunch (late)");
    assert_eq!(survey["max_responses"], 5);
    assert_eq!(survey["public_results"], true);
    assert_eq!(survey["responses"], 1);
}

#[test]
fn reopen_lets_a_closed_survey_take_responses_unless_its_cap_is_reached() {
    let owned = Owned::new(&json!({"max_responses": 1}));
    owned
        .server
        .post(&paths::close(owned.path_id()), Some(&owned.token))
        .expect(200);
    owned
        .ann
        .cli()
        .args(["survey", "reopen", &owned.id])
        .run()
        .success()
        .stdout_contains(&format!("Reopened survey {} (open): Lunch", owned.id));
    owned
        .ann
        .cli()
        .args(["survey", "respond", &owned.id, "--answer", "1=1"])
        .run()
        .success();
    owned
        .ann
        .cli()
        .args(["survey", "show", &owned.id])
        .run()
        .success()
        .stdout_contains("responses:  1/1")
        .stdout_contains("status:     closed");
    owned
        .ann
        .cli()
        .args(["survey", "reopen", &owned.id])
        .run()
        .code(1);
}

/// The outbox row of `machine`'s local database for `server`, changed by `sql`.
fn change_outbox(machine: &Machine, server: &TestServer, sql: &str) {
    let name = format!("http-{}", server.addr()).replace(':', "-");
    let path = machine
        .home()
        .join("data/canvass/servers")
        .join(format!("{name}.db"));
    let db = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(db.execute(sql, []).unwrap(), 1, "{}", path.display());
}

// See: issue 15: a response queued for deleted survey 18 was delivered to the new survey 18.
#[test]
fn sync_never_delivers_a_response_written_for_a_survey_that_was_replaced() {
    let mut owned = Owned::new(&json!({}));
    let bob = Machine::logged_in(&owned.server, "bob@example.com");
    bob.cli()
        .args(["survey", "show", &owned.id])
        .run()
        .success();
    owned.server.stop();
    for answer in ["1=1", "1=2"] {
        bob.cli()
            .args(["survey", "respond", &owned.id, "--answer", answer])
            .run()
            .success()
            .stdout_contains("queued on this machine");
    }
    // The first was written against a survey that has since been replaced under its id;
    // the second was queued by a client from before the outbox kept that (so it has none).
    change_outbox(
        &bob,
        &owned.server,
        "UPDATE outbox SET survey_created_at = '2020-01-01 00:00:00' WHERE seq = 1",
    );
    change_outbox(
        &bob,
        &owned.server,
        "UPDATE outbox SET survey_created_at = NULL WHERE seq = 2",
    );
    owned.server.restart();
    let synced = bob.cli().args(["sync", "--json"]).run();
    synced.code(1);
    let report = synced.json();
    assert_eq!(report["sent"].as_array().unwrap().len(), 1, "{report}");
    assert_eq!(report["refused"][0]["number"], 1);
    assert_eq!(report["refused"][0]["status"], Value::Null);
    let message = report["refused"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "survey {} is not the survey this response was written for",
            owned.id
        )),
        "{message}"
    );
    assert_eq!(owned.responses(), 1);
    // Kept for `outbox drop`, and never sent by a later sync either.
    bob.cli()
        .args(["outbox", "list"])
        .run()
        .success()
        .stdout_contains("refused: survey");
    bob.cli().args(["sync"]).run().code(1);
    assert_eq!(owned.responses(), 1);
}

#[test]
fn a_full_survey_is_refused_before_its_questions_saying_it_has_its_responses() {
    let owned = Owned::new(&json!({"max_responses": 1}));
    owned
        .ann
        .cli()
        .args(["survey", "respond", &owned.id, "--answer", "1=1"])
        .run()
        .success();
    let mut pty = owned.ann.cli().args(["survey", "respond", &owned.id]).pty();
    let screen = pty.expect(&format!(
        "error: survey {} has its 1 responses and is closed",
        owned.id
    ));
    assert!(!screen.contains("Question 1"), "{screen}");
    pty.expect_exit(1);
}

#[test]
fn an_anonymous_draft_cannot_be_made_one_response_per_user_and_the_prompt_says_why() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args(["survey", "create", "--draft", "--file", "-"])
        .stdin(one_question("Quiet", &json!({"anonymous": true})).to_string())
        .run()
        .success();
    let mut pty = ann.cli().args(["survey", "edit-draft", "1"]).pty();
    pty.expect("Survey name");
    pty.send_key(Key::Enter);
    pty.expect("One response per user?");
    pty.send_line("y");
    pty.expect("anonymous: cannot be combined with one_response_per_user");
    pty.expect("One response per user?");
    pty.send_line("n");
    pty.expect("Question 1: Lunch? (single choice)");
    pty.send_key(Key::Char('\x03'));
    pty.expect_exit(130);
}
