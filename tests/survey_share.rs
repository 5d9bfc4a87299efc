//! `canvass survey share` (issue 16): the web page's link, as text, JSON or a QR code, with
//! what respondents will meet said on stderr.

use serde_json::json;

use crate::harness::cli::Machine;
use crate::harness::server::TestServer;
use crate::harness::survey::{id_of, seed_survey};

#[test]
fn share_prints_the_page_link_on_this_server_and_draws_it_as_a_qr_code() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let jwt = server.user("owner@example.com");
    let id = id_of(&server.create_survey(&jwt, &seed_survey("Lunch"))).to_string();
    let link = format!("{}/s/{id}", ann.server_url());

    let plain = ann.cli().args(["survey", "share", &id]).run();
    plain.success();
    assert_eq!(plain.stdout, format!("{link}\n"));
    assert_eq!(
        plain.stderr, "",
        "an open survey anyone may answer needs no note"
    );

    let json = ann.cli().args(["survey", "share", &id, "--json"]).run();
    assert_eq!(
        json.success().json(),
        json!({"id": id.parse::<i64>().unwrap(), "url": link, "status": "open"})
    );

    let drawn = ann.cli().args(["survey", "share", &id, "--qr"]).run();
    drawn.success().stdout_contains(&link);
    let rows: Vec<&str> = drawn.stdout.lines().skip(1).collect();
    let width = rows[0].chars().count();
    // Two rows of modules a line: a square code is about twice as wide as it is tall.
    assert!(
        width > 20 && rows.len() == width.div_ceil(2),
        "{}",
        drawn.stdout
    );
    assert!(
        rows.iter().all(|r| r.chars().count() == width),
        "{}",
        drawn.stdout
    );
}

#[test]
fn share_says_what_the_link_alone_does_not_and_refuses_an_unknown_survey() {
    let server = TestServer::start();
    let ann = Machine::logged_in(&server, "ann@example.com");
    let jwt = server.user("owner@example.com");
    let mut invited = seed_survey("Team");
    invited["invitation_only"] = json!(true);
    let id = id_of(&server.create_survey(&jwt, &invited)).to_string();
    ann.cli()
        .args(["survey", "share", &id])
        .run()
        .success()
        .stderr_contains(&format!(
            "send each person their own link from `canvass survey invite {id}`"
        ));

    ann.cli()
        .args(["survey", "share", "999999"])
        .run()
        .code(1)
        .stderr_contains("999999")
        .stdout_is_empty();
}
