//! `canvass survey respond` as scripts and people use it: answers by position and by id,
//! impossible answers refused before anything is sent, the server's refusals passed on, and
//! the prompts in a pseudo-terminal. Every response is checked in the survey's results.

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::cli::Machine;
use crate::harness::pty::Key;
use crate::harness::server::TestServer;
use crate::harness::survey::{choice_id, count_of, question_id, rich_survey, survey_id};

/// A server with the rich survey (1: single Pizza/Salad, 2: multiple Tea/Coffee/Water, both
/// required; 3: optional text) created by its owner; returns the owner's token too.
fn rich(one_response_per_user: bool) -> (TestServer, Value, String) {
    let server = TestServer::start();
    let owner = server.user("owner@example.com");
    let survey = server.create_survey(&owner, &rich_survey("Lunch", one_response_per_user));
    (server, survey, owner)
}

fn id(survey: &Value) -> String {
    survey["id"].to_string()
}

/// Each choice's count, question by question, and the text answers of question 3.
fn tally(server: &TestServer, survey: &Value) -> (Vec<Vec<u64>>, Value) {
    let results = server.results(survey["id"].as_u64().unwrap());
    let counts = [2, 3]
        .iter()
        .enumerate()
        .map(|(q, &n)| {
            (0..n)
                .map(|c| count_of(&results, choice_id(survey, q, c)))
                .collect()
        })
        .collect();
    (counts, results["questions"][2]["answers"].clone())
}

fn responses(server: &TestServer, survey: &Value) -> u64 {
    server.results(survey["id"].as_u64().unwrap())["responses"]
        .as_u64()
        .unwrap()
}

#[test]
fn answers_by_position_are_recorded_for_every_kind_of_question() {
    let (server, survey, _) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args(["survey", "respond", &id(&survey)])
        .args([
            "--answer",
            "1=2",
            "--answer",
            "2=1,3",
            "--answer",
            "3=free text, with commas",
        ])
        .run()
        .success()
        .stdout_contains("recorded for \"Lunch\".");
    let stranger = Machine::new(&server);
    stranger
        .cli()
        .args([
            "survey",
            "respond",
            &id(&survey),
            "--answer",
            "2= 2 ",
            "--answer",
            "1=1",
        ])
        .run()
        .success()
        .stdout_contains("Response ");
    assert_eq!(
        tally(&server, &survey),
        (
            vec![vec![1, 1], vec![1, 1, 1]],
            json!(["free text, with commas"])
        )
    );
}

#[test]
fn answers_by_id_are_read_from_a_file_and_from_stdin_with_by_id() {
    let (server, survey, _) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    let (q1, q2, q3) = (
        question_id(&survey, 0),
        question_id(&survey, 1),
        question_id(&survey, 2),
    );
    let from_file = json!({
        q1.to_string(): choice_id(&survey, 0, 1),
        q2.to_string(): [choice_id(&survey, 1, 0), choice_id(&survey, 1, 2)],
        q3.to_string(): "From a file",
    });
    std::fs::write(ann.home().join("answers.json"), from_file.to_string()).unwrap();
    ann.cli()
        .args([
            "survey",
            "respond",
            &id(&survey),
            "--answers",
            "answers.json",
            "--by-id",
        ])
        .run()
        .success();
    let from_stdin = json!({
        q1.to_string(): choice_id(&survey, 0, 0),
        q2.to_string(): choice_id(&survey, 1, 1),
    });
    ann.cli()
        .args([
            "survey",
            "respond",
            &id(&survey),
            "--answers",
            "-",
            "--by-id",
        ])
        .stdin(from_stdin.to_string())
        .run()
        .success();
    assert_eq!(
        tally(&server, &survey),
        (vec![vec![1, 1], vec![1, 1, 1]], json!(["From a file"]))
    );
}

#[test]
fn impossible_positions_are_named_and_nothing_is_sent() {
    let (server, survey, _) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    let survey_id = id(&survey);
    let cases: [(&[&str], String); 10] = [
        (&["9=1"], format!("--answer 9=1: there is no question 9: survey {survey_id} has questions 1 to 3")),
        // A malformed flag is clap's to refuse, before the survey is fetched.
        (&["x=1"], "--answer x=1: \"x\" is not a question number (1 for the first, as `survey show` numbers them)".to_owned()),
        (&["0=1"], "--answer 0=1: \"0\" is not a question number".to_owned()),
        (&["1"], "--answer 1: expected QUESTION=CHOICE".to_owned()),
        (&["1=5", "2=1"], "--answer 1=5: question 1 has no choice 5: its choices are 1 to 2".to_owned()),
        (
            &["1=Pizza", "2=1"],
            "--answer 1=Pizza: question 1 is a single-choice question: give choice numbers 1 to 2, not \"Pizza\"".to_owned(),
        ),
        (&["1=1,2", "2=1"], "--answer 1=1,2: question 1 is a single-choice question: give one choice, not 2".to_owned()),
        (&["1=1", "2=3,3"], "--answer 2=3,3: question 2: choice 3 is given twice".to_owned()),
        (&["1=1", "2=1", "1=2"], "--answer 1=2: question 1 is answered twice".to_owned()),
        (&["2=1", "3=hi"], "question 1 (\"Lunch?\") is required and has no answer: pass --answer 1=CHOICE".to_owned()),
    ];
    for (answers, problem) in cases {
        let mut cli = ann.cli().args(["survey", "respond", &survey_id]);
        for answer in answers {
            cli = cli.args(["--answer", answer]);
        }
        cli.run()
            .code(2)
            .stderr_contains(&format!("error: {problem}"));
    }
    assert_eq!(responses(&server, &survey), 0);
}

#[test]
fn impossible_ids_in_an_answers_file_are_named_and_nothing_is_sent() {
    let (server, survey, _) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    let (q1, q2, q3) = (
        question_id(&survey, 0),
        question_id(&survey, 1),
        question_id(&survey, 2),
    );
    let (pizza, tea) = (choice_id(&survey, 0, 0), choice_id(&survey, 1, 0));
    let cases = [
        (
            format!(r#"{{"{q1}": {pizza}, "{q2}": {tea}, "{q3}": 7}}"#),
            format!("question 3 (id {q3}) is a text question: give its answer as a string"),
        ),
        (
            format!(r#"{{"{q1}": "Pizza", "{q2}": {tea}}}"#),
            "question 1 is a single-choice question: give a choice, not text".to_owned(),
        ),
        (
            format!(r#"{{"{q1}": {tea}, "{q2}": {tea}}}"#),
            format!("question 1 (id {q1}) has no choice with id {tea}: its choice ids are"),
        ),
        (
            format!(r#"{{"{q1}": {pizza}, "{q2}": {tea}, "999": "x"}}"#),
            format!(
                "survey {} has no question with id 999: its question ids are {q1}, {q2}, {q3}",
                id(&survey)
            ),
        ),
        (
            format!(r#"{{"{q1}": {pizza}, "{q1}": {pizza}, "{q2}": {tea}}}"#),
            "question 1 is answered twice".to_owned(),
        ),
        (
            format!(r#"{{"{q1}": {pizza}}}"#),
            "question 2 (\"Drinks?\") is required".to_owned(),
        ),
    ];
    // A mistake in what was passed is a usage error, as with --answer (issue 14, item 10).
    for (answers, problem) in cases {
        ann.cli()
            .args([
                "survey",
                "respond",
                &id(&survey),
                "--answers",
                "-",
                "--by-id",
            ])
            .stdin(answers)
            .run()
            .code(2)
            .stderr_contains(&format!("error: cannot use stdin: {problem}"));
    }
    ann.cli()
        .args([
            "survey",
            "respond",
            &id(&survey),
            "--answers",
            "-",
            "--by-id",
        ])
        .stdin(format!("[{pizza}]"))
        .run()
        .code(2)
        .stderr_contains("error: cannot parse stdin: invalid type: sequence, expected an object");
    assert_eq!(responses(&server, &survey), 0);
}

#[test]
fn an_answers_file_is_read_by_the_positions_survey_show_prints() {
    let (server, survey, _) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args(["survey", "respond", &id(&survey), "--answers", "-"])
        .stdin(json!({"1": 2, "2": [1, 3], "3": "By position"}).to_string())
        .run()
        .success();
    assert_eq!(
        tally(&server, &survey),
        (vec![vec![0, 1], vec![1, 0, 1]], json!(["By position"]))
    );
}

// See: issue 14, item 11: `{"4": "Thai"}` said "question 1 is a single-choice question".
#[test]
fn impossible_positions_in_an_answers_file_are_named_by_position_and_exit_2() {
    let (server, survey, _) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    let cases = [
        (
            json!({"4": "Thai"}),
            format!(
                "there is no question 4: survey {} has questions 1 to 3",
                id(&survey)
            ),
        ),
        (
            json!({"1": 3, "2": 1}),
            "question 1 has no choice 3: its choices are 1 to 2".to_owned(),
        ),
        (
            json!({"1": 1, "2": 1, "3": [1]}),
            "question 3 is a text question: give its answer as a string".to_owned(),
        ),
        (
            json!({"1": 1}),
            "question 2 (\"Drinks?\") is required and has no answer".to_owned(),
        ),
    ];
    for (answers, problem) in cases {
        ann.cli()
            .args(["survey", "respond", &id(&survey), "--answers", "-"])
            .stdin(answers.to_string())
            .run()
            .code(2)
            .stderr_contains(&format!("error: cannot use stdin: {problem}"));
    }
    assert_eq!(responses(&server, &survey), 0);
}

#[test]
fn a_closed_survey_refuses_a_response_with_the_servers_message() {
    let (server, survey, owner) = rich(false);
    server
        .post(&paths::close(survey_id(&survey)), Some(&owner))
        .expect(200);
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args([
            "survey",
            "respond",
            &id(&survey),
            "--answer",
            "1=1",
            "--answer",
            "2=1",
        ])
        .run()
        .code(1)
        .stderr_contains(&format!("error: survey {} is closed", id(&survey)));
    assert_eq!(responses(&server, &survey), 0);
}

#[test]
fn a_second_response_is_refused_when_one_per_user() {
    let (server, survey, _) = rich(true);
    let ann = Machine::logged_in(&server, "ann@example.com");
    let answer = |machine: &Machine| {
        machine
            .cli()
            .args([
                "survey",
                "respond",
                &id(&survey),
                "--answer",
                "1=1",
                "--answer",
                "2=2",
            ])
            .run()
    };
    answer(&ann).success();
    answer(&ann)
        .code(1)
        .stderr_contains("error: you have already responded to survey");
    answer(&Machine::new(&server))
        .code(3)
        .stderr_contains("not logged in to http://127.0.0.1:");
    assert_eq!(responses(&server, &survey), 1);
}

// See: issue 14, item 9: "the answers is needed and stdin is not a terminal".
#[test]
fn without_a_terminal_respond_names_the_stream_and_the_flags() {
    let (server, survey, _) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args(["survey", "respond", &id(&survey)])
        .run()
        .code(2)
        .stderr_contains(
            "error: cannot ask for the answers: stdin is not a terminal, so pass --answer Q=C \
             or --answers FILE\n",
        );
}

// See: issue 14, item 8: the questions were all asked, then the server said no.
#[test]
fn a_second_response_at_a_terminal_is_refused_before_any_question() {
    let (server, survey, _) = rich(true);
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args(["survey", "respond", &id(&survey)])
        .args(["--answer", "1=1", "--answer", "2=2"])
        .run()
        .success();
    let mut pty = ann.cli().args(["survey", "respond", &id(&survey)]).pty();
    let screen = pty.expect("error: you have already responded to survey");
    assert!(
        !screen.contains("Question 1"),
        "a question was asked: {screen}"
    );
    pty.expect("it takes one response per user");
    let rest = pty.expect_exit(1);
    assert!(!rest.contains("Question 1"), "a question was asked: {rest}");
    // Another user has not answered yet: asked as usual.
    let bob = Machine::logged_in(&server, "bob@example.com");
    let mut pty = bob.cli().args(["survey", "respond", &id(&survey)]).pty();
    pty.expect("Question 1 of 3: Lunch?");
    assert_eq!(responses(&server, &survey), 1);
}

#[test]
fn json_output_gives_the_response_and_survey_ids() {
    let (server, survey, owner) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    let printed = ann
        .cli()
        .args(["survey", "respond", &id(&survey), "--json"])
        .args(["--answer", "1=1", "--answer", "2=2"])
        .run()
        .success()
        .json();
    assert_eq!(printed["survey_id"], survey["id"]);
    assert_eq!(printed["queued"], false);
    let exported = server
        .get_as(&paths::export(survey_id(&survey), "json"), &owner)
        .expect(200);
    assert_eq!(printed["id"], exported["responses"][0]["id"]);
}

#[test]
fn at_a_terminal_each_question_is_asked_with_arrows_and_space() {
    let (server, survey, _) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    let mut pty = ann.cli().args(["survey", "respond", &id(&survey)]).pty();
    pty.expect("Question 1 of 3: Lunch?");
    pty.send_key(Key::Down);
    pty.send_key(Key::Enter); // Salad
    pty.expect("Question 2 of 3: Drinks?");
    pty.send_key(Key::Enter); // nothing picked, but the question is required: asked again
    pty.expect("question 2 is required");
    pty.expect("Question 2 of 3: Drinks?");
    pty.send_key(Key::Down);
    pty.send_key(Key::Down);
    pty.send_key(Key::Space); // Water
    pty.send_key(Key::Up);
    pty.send_key(Key::Up);
    pty.send_key(Key::Space); // Tea
    pty.send_key(Key::Enter);
    pty.expect("Question 3 of 3: Anything else? (optional, enter skips)");
    pty.send_line("Bring cake");
    pty.expect("2. Drinks?");
    pty.expect("Tea, Water");
    pty.expect("Submit these answers?");
    pty.send_key(Key::Enter);
    pty.expect("recorded for \"Lunch\".");
    pty.expect_exit(0);
    assert_eq!(
        tally(&server, &survey),
        (vec![vec![0, 1], vec![1, 0, 1]], json!(["Bring cake"]))
    );
}

// See: issue 14, polish: offline, `respond` warned twice that the server cannot be reached.
#[test]
fn an_offline_response_is_queued_with_one_warning() {
    let (mut server, survey, _) = rich(false);
    let ann = Machine::logged_in(&server, "ann@example.com");
    ann.cli()
        .args(["survey", "show", &id(&survey)])
        .run()
        .success();
    server.stop();
    let run = ann
        .cli()
        .args([
            "survey",
            "respond",
            &id(&survey),
            "--answer",
            "1=1",
            "--answer",
            "2=1",
        ])
        .run();
    run.success()
        .stdout_contains("queued on this machine; `canvass sync` sends it")
        .stderr_contains("warning: offline — cached");
    assert_eq!(
        run.stderr.matches("cannot reach").count(),
        1,
        "{}",
        run.stderr
    );
    let printed = ann
        .cli()
        .args(["survey", "respond", &id(&survey), "--json"])
        .args(["--answer", "1=2", "--answer", "2=2"])
        .run()
        .success()
        .json();
    assert_eq!(
        printed,
        json!({"id": null, "survey_id": survey["id"], "queued": true})
    );
}
