//! Text from a server or a token never drives the terminal (issue 13, item 7): every command is
//! run against `HostileServer`, whose every string is a run of escape sequences, C0/C1
//! controls and bidi overrides, and all it prints is scanned for them. `--json` keeps the text
//! exact but escapes those characters; an export to a pipe or `-o FILE` is the server's data
//! byte for byte (a file is data, not terminal output), while on a terminal it is defanged.

use std::path::Path;

use serde_json::{Value, json};

use crate::harness::cli::{Machine, Run};
use crate::harness::hostile_server::{
    self, FAILING, GARBLED, HostileServer, INJECTED, MISSING, PAYLOAD, QUEUED, REJECTED,
    RESPONSE_ID, SURVEY,
};
use crate::harness::pty::Key;

/// What the defanged `PAYLOAD` always shows, so a test can tell it was printed, not dropped.
const VISIBLE: &str = "]0;PWNED-TITLE";

/// Whether a terminal may act on `c` instead of showing it: a C0 or C1 control (a newline
/// aside), DEL, a bidi control that reorders what follows, or a line or paragraph separator.
fn is_hazard(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

/// Fails unless stdout and stderr are free of hazards and of lines forged by a newline in
/// the payload.
#[track_caller]
fn assert_defanged(run: &Run) -> &Run {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        if let Some((at, c)) = text.char_indices().find(|&(_, c)| is_hazard(c)) {
            panic!(
                "canvass {} wrote {c:?} to {stream} at byte {at}:\n{text:?}",
                run.args
            );
        }
        assert!(
            !text.lines().any(|line| line.starts_with("FORGED")),
            "canvass {}: a newline from the server started a line of {stream}:\n{text}",
            run.args
        );
    }
    run
}

/// A machine logged in to a fresh `HostileServer` (whose token is itself hostile).
fn logged_in() -> (HostileServer, Machine) {
    let server = HostileServer::start();
    let machine = Machine::for_url(&server.url());
    let run = machine
        .cli()
        .args(["login", "--email", "ann@example.com", "--password-stdin"])
        .stdin("anything\n")
        .run();
    assert_defanged(run.success());
    (server, machine)
}

fn survey_file(dir: &Path, name: &str) -> String {
    let path = dir.join(format!("{}.json", name.len()));
    let survey = json!({
        "name": name,
        "questions": [{"text": name, "kind": "single", "choices": [name, "B"]}],
    });
    std::fs::write(&path, survey.to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn no_command_passes_a_hostile_servers_escapes_to_the_terminal() {
    let (_server, ann) = logged_in();
    let files = tempfile::tempdir().unwrap();
    let hostile_file = survey_file(files.path(), PAYLOAD);
    let plain_file = survey_file(files.path(), "Plain");
    let exported = files.path().join("export.csv").display().to_string();
    let token = hostile_server::token();
    let survey = SURVEY.to_string();
    // (arguments, whether the defanged payload shows on stdout)
    let runs: &[(&[&str], bool)] = &[
        (&["whoami"], true),
        (&["status"], true),
        (&["token", "inspect"], true),
        (&["token", "inspect", &token], true),
        (&["survey", "list"], true),
        (&["survey", "list", "--mine"], true),
        (&["survey", "list", "--page", "1"], true),
        (&["survey", "show", &survey], true),
        (&["survey", "results", &survey], true),
        (
            &[
                "survey", "respond", &survey, "--answer", "1=1", "--answer", "2=1,2",
            ],
            true,
        ),
        (&["survey", "export", &survey, "-o", &exported], false),
        (&["survey", "close", &survey], true),
        (&["survey", "create", "--file", &plain_file], true),
        (
            &["survey", "create", "--draft", "--file", &hostile_file],
            true,
        ),
        (&["survey", "drafts"], true),
        (&["survey", "publish", "1"], true),
        (&["survey", "delete", &survey, "--yes"], false),
        (&["sync"], false),
        (&["logout", "--all"], true),
    ];
    for (args, shows_payload) in runs {
        // Wide enough that no table cuts the payload short of what `VISIBLE` looks for.
        let run = ann.cli().env("COLUMNS", "400").args(*args).run();
        assert_defanged(run.success());
        if *shows_payload {
            run.stdout_contains(VISIBLE);
        }
    }
}

#[test]
fn the_response_line_names_the_survey_without_its_escapes() {
    // The report in issue 13: `Response 100025 recorded for "Lunch^[]0;PWNED-TITLE^G^[[2J…"`.
    let (_server, ann) = logged_in();
    let run = ann
        .cli()
        .args(["survey", "respond", &SURVEY.to_string()])
        .args(["--answer", "1=2", "--answer", "2=1", "--answer", "3=fine"])
        .run();
    assert_defanged(run.success()).stdout_contains(&format!(
        "Response {RESPONSE_ID} recorded for \"Lunch ]0;PWNED-TITLE  [2J [31mRED 1m DESREVER"
    ));
}

#[test]
fn every_json_output_escapes_the_hazards_and_keeps_the_text_exact() {
    let (_server, ann) = logged_in();
    let files = tempfile::tempdir().unwrap();
    let hostile_file = survey_file(files.path(), PAYLOAD);
    ann.cli()
        .args(["survey", "create", "--draft", "--file", &hostile_file])
        .run()
        .success();
    let survey = SURVEY.to_string();
    let token = hostile_server::token();
    let runs: &[(&[&str], &str)] = &[
        (&["whoami", "--json"], "/email"),
        (&["status", "--json"], "/server_version"),
        (&["token", "inspect", "--json", &token], "/sub"),
        (&["token", "inspect", "--json", &token], "/alg"),
        (&["survey", "list", "--json"], "/0/name"),
        (
            &["survey", "list", "--page", "1", "--json"],
            "/items/0/creator",
        ),
        (&["survey", "show", &survey, "--json"], "/questions/0/text"),
        (
            &["survey", "results", &survey, "--json"],
            "/questions/2/answers/0",
        ),
        (&["survey", "drafts", "--json"], "/0/name"),
        (&["survey", "export", &survey, "--format", "json"], "/name"),
        (&["sync", "--json"], "/refreshed"),
    ];
    for (args, pointer) in runs {
        let run = ann.cli().args(*args).run();
        assert_defanged(run.success());
        let value = run.json();
        let found = value.pointer(pointer).unwrap_or(&Value::Null);
        let wanted = if *pointer == "/refreshed" {
            json!(1)
        } else {
            json!(PAYLOAD)
        };
        assert_eq!(*found, wanted, "{args:?} {pointer}: {value}");
    }
}

#[test]
fn refusals_that_quote_a_hostile_server_show_one_defanged_error_line() {
    let (_server, ann) = logged_in();
    // (survey, exit code, whether the server's message is quoted)
    for (id, code, quoted) in [
        // A missing survey is named by its id, not in the server's words.
        (MISSING, 1, false),
        (REJECTED, 3, true),
        (FAILING, 4, true),
        (GARBLED, 1, false),
    ] {
        let run = ann.cli().args(["survey", "show", &id.to_string()]).run();
        assert_defanged(run.code(code));
        if quoted {
            run.stderr_contains(VISIBLE);
        }
    }
    let run = ann
        .cli()
        .args(["survey", "results", &FAILING.to_string()])
        .run();
    assert_defanged(run.code(4)).stderr_contains(VISIBLE);
}

#[test]
fn a_queued_response_the_server_refuses_later_is_reported_without_escapes() {
    let (_server, ann) = logged_in();
    let queued = QUEUED.to_string();
    let run = ann
        .cli()
        .args([
            "survey", "respond", &queued, "--answer", "1=1", "--answer", "2=2",
        ])
        .run();
    assert_defanged(run.success())
        .stdout_contains("queued on this machine")
        .stdout_contains(VISIBLE);
    let run = ann.cli().args(["status"]).run();
    assert_defanged(run.success()).stdout_contains("1 response waiting");
    // A refusal makes sync exit 1 (issue 14, item 2).
    let run = ann.cli().args(["sync"]).run();
    assert_defanged(run.code(1))
        .stdout_contains("kept in the queue")
        .stdout_contains(&format!("survey {QUEUED}: Lunch ]0;PWNED-TITLE"));
    // A refusal's message is prose for the error line, made printable as it arrives, so
    // even the JSON report carries it defanged (data, like names, stays exact there).
    let report = ann.cli().args(["sync", "--json"]).run();
    assert_defanged(report.code(1));
    let message = report.json()["refused"][0]["message"].clone();
    assert!(
        message
            .as_str()
            .unwrap()
            .starts_with("Lunch ]0;PWNED-TITLE"),
        "{message}"
    );
}

#[test]
fn an_export_to_a_pipe_or_a_file_is_the_servers_data_byte_for_byte() {
    let (_server, ann) = logged_in();
    let run = ann
        .cli()
        .args(["survey", "export", &SURVEY.to_string()])
        .run();
    run.success();
    assert_eq!(
        run.stdout,
        hostile_server::csv(),
        "a pipe gets the CSV as sent"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.csv");
    ann.cli()
        .args(["survey", "export", &SURVEY.to_string(), "-o"])
        .args([&path])
        .run()
        .success();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        hostile_server::csv()
    );
}

/// Everything the terminal showed, with the injected sequences looked for. rexpect hands the
/// screen over a byte per `char`; it is read back as the UTF-8 the program wrote.
#[track_caller]
fn assert_screen_defanged(screen: &str) {
    let bytes: Vec<u8> = screen
        .chars()
        .map(|c| u8::try_from(u32::from(c)).expect("rexpect gives one byte per char"))
        .collect();
    let screen = String::from_utf8_lossy(&bytes);
    for injected in INJECTED {
        assert!(
            !screen.contains(injected),
            "the terminal got {injected:?}:\n{screen:?}"
        );
    }
    assert!(
        screen.contains(VISIBLE),
        "the payload never showed:\n{screen}"
    );
}

#[test]
fn the_respond_wizard_asks_hostile_questions_without_their_escapes() {
    let (_server, ann) = logged_in();
    let mut pty = ann
        .cli()
        .args(["survey", "respond", &SURVEY.to_string()])
        .pty();
    let mut screen = String::new();
    let mut wait = |pty: &mut crate::harness::pty::Pty, text: &str| {
        screen.push_str(&pty.expect(text));
        screen.push_str(text);
    };
    wait(&mut pty, "Question 1 of 3");
    wait(&mut pty, "22 Lunch");
    pty.send_key(Key::Enter);
    wait(&mut pty, "Question 2 of 3");
    wait(&mut pty, "24 Lunch");
    pty.send_key(Key::Space);
    pty.send_key(Key::Enter);
    wait(&mut pty, "Question 3 of 3");
    pty.send_line("typed");
    wait(&mut pty, "Your answers to");
    wait(&mut pty, "Submit these answers?");
    pty.send_line("y");
    wait(&mut pty, "recorded for");
    screen.push_str(&pty.expect_exit(0));
    assert_screen_defanged(&screen);
}

#[test]
fn an_export_shown_on_a_terminal_and_the_delete_question_are_defanged() {
    let (_server, ann) = logged_in();
    let survey = SURVEY.to_string();
    let pty = ann.cli().args(["survey", "export", &survey]).pty();
    let screen = pty.expect_exit(0);
    assert_screen_defanged(&screen);
    assert!(screen.contains("response_id,respondent"), "{screen}");

    let mut pty = ann.cli().args(["survey", "delete", &survey]).pty();
    let mut screen = pty.expect("and its 1 response?");
    pty.send_line("n");
    screen.push_str(&pty.expect_exit(0));
    assert_screen_defanged(&screen);
    assert!(screen.contains("Kept survey 1"), "{screen}");
}

#[test]
fn editing_a_hostile_draft_in_the_wizard_shows_it_without_escapes() {
    // A draft is the user's own, but its file may have come from anywhere.
    let machine = Machine::for_url("http://127.0.0.1:9");
    let files = tempfile::tempdir().unwrap();
    let hostile_file = survey_file(files.path(), PAYLOAD);
    machine
        .cli()
        .args(["survey", "create", "--draft", "--file", &hostile_file])
        .run()
        .success();
    let mut pty = machine.cli().args(["survey", "edit-draft", "1"]).pty();
    let mut screen = String::new();
    let mut wait = |pty: &mut crate::harness::pty::Pty, text: &str| {
        screen.push_str(&pty.expect(text));
        screen.push_str(text);
    };
    wait(&mut pty, "Survey name");
    pty.send_key(Key::Enter);
    wait(&mut pty, "One response per user?");
    pty.send_key(Key::Enter);
    wait(&mut pty, "Keep it");
    pty.send_key(Key::Enter);
    wait(&mut pty, "Add another question?");
    pty.send_line("n");
    wait(&mut pty, "More options?");
    pty.send_line("n");
    wait(&mut pty, "Save this draft?");
    pty.send_key(Key::Enter);
    wait(&mut pty, "Saved draft 1");
    screen.push_str(&pty.expect_exit(0));
    assert_screen_defanged(&screen);
}
