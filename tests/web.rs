//! The web pages for respondents (issue 16), over loopback: a survey as an HTML form at
//! `/s/<id>`, its one-time token, the error summary, the plain pages for surveys that take
//! no answers, public results, and the headers every page carries.

use canvass::domain::Timestamp;
use canvass::protocol::paths;
use serde_json::json;

use crate::harness::page::{
    assert_html, assert_secured, create, full_answers, hidden, leak, page_of, post_form, responses,
    token,
};
use crate::harness::server::TestServer;
use crate::harness::survey::{choice_id, id_of, question_id, rich_survey, survey_id};

const OWNER: &str = "owner@example.com";

#[test]
fn a_survey_is_a_form_with_one_fieldset_per_question_and_every_control_labelled() {
    let server = TestServer::start();
    let (survey, _) = create(&server, "Team lunch", &json!({}));
    let reply = server.get(&page_of(&survey));
    let html = assert_html(&reply, 200, "form");
    // Kept by the browser for its back button, asked for again on any other visit.
    assert_eq!(reply.header("cache-control"), Some("private, no-cache"));
    assert!(
        html.contains(&format!(r#"action="{}/answer""#, page_of(&survey))),
        "{html}"
    );
    assert!(
        html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
        "{html}"
    );
    assert!(
        html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#)
    );
    assert!(html.contains("<title>Team lunch</title>"));
    assert!(html.contains("<h1>Team lunch</h1>"));
    assert_eq!(html.matches("<fieldset").count(), 3);
    assert_eq!(html.matches("<legend>").count(), 3);
    assert_eq!(html.matches(r#"type="radio""#).count(), 2);
    assert_eq!(html.matches(r#"type="checkbox""#).count(), 3);
    assert_eq!(html.matches("<textarea").count(), 1);
    assert_eq!(html.matches("(required)").count(), 2, "Lunch? and Drinks?");
    // Every control's id has a label pointing at it.
    for (q, c) in [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2)] {
        let id = format!("c{}", choice_id(&survey, q, c));
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}");
        assert!(html.contains(&format!(r#"<label for="{id}">"#)), "{id}");
    }
    let text = format!("q{}-text", question_id(&survey, 2));
    assert!(html.contains(&format!(r#"<label class="sub" for="{text}">"#)));
    assert!(!hidden(&html, "token").is_empty());
    assert!(!html.contains("<script"), "no JavaScript");
}

#[test]
fn a_survey_named_like_markup_renders_as_text() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let survey = server.create_survey(
        &jwt,
        &json!({
            "name": "<script>alert(1)</script>",
            "questions": [{"text": "\"><img src=x onerror=alert(2)>", "kind": "single",
                           "choices": ["<b>bold</b>", "a & b"]}],
        }),
    );
    let html = assert_html(&server.get(&page_of(&survey)), 200, "form");
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(!html.contains("<b>"), "{html}");
    assert!(
        html.contains("<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>"),
        "{html}"
    );
    assert!(html.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
    assert!(
        html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    assert!(html.contains("a &amp; b"));
}

#[test]
fn a_complete_form_is_recorded_once_and_answered_with_303_to_the_thanks_page() {
    let server = TestServer::start();
    let (survey, _) = create(&server, "Lunch", &json!({}));
    let path = page_of(&survey);
    let token = token(&server, &path);
    let sent = post_form(&server, &path, &full_answers(&survey, &token));
    assert_eq!(sent.status, 303, "{}", sent.text());
    let thanks = paths::page_thanks(survey_id(&survey));
    assert_eq!(sent.header("location"), Some(thanks.as_str()));
    assert_secured(&sent, "303");
    let page = assert_html(&server.get(&thanks), 200, "thanks");
    assert!(page.contains("Thank you"), "{page}");
    assert!(page.contains("“Lunch”"), "{page}");
    assert_eq!(responses(&server, &survey), 1);
    let results = server.results(id_of(&survey));
    assert_eq!(results["questions"][2]["answers"][0], "More salad <please>");
}

#[test]
fn a_replayed_or_double_clicked_form_counts_once() {
    let server = TestServer::start();
    let (survey, _) = create(&server, "Lunch", &json!({}));
    let path = page_of(&survey);
    let fields = full_answers(&survey, &token(&server, &path));
    for _ in 0..3 {
        assert_eq!(post_form(&server, &path, &fields).status, 303);
    }
    assert_eq!(responses(&server, &survey), 1);
    // A new page is a new token: a second respondent counts.
    let again = full_answers(&survey, &token(&server, &path));
    assert_eq!(post_form(&server, &path, &again).status, 303);
    assert_eq!(responses(&server, &survey), 2);
}

#[test]
fn a_form_with_mistakes_comes_back_422_with_answers_kept_a_linked_summary_and_nothing_recorded() {
    let server = TestServer::start();
    let (survey, _) = create(&server, "Lunch", &json!({}));
    let path = page_of(&survey);
    let token = token(&server, &path);
    let (lunch, drinks, other) = (
        question_id(&survey, 0),
        question_id(&survey, 1),
        question_id(&survey, 2),
    );
    let coffee = choice_id(&survey, 1, 1);
    // Lunch? left out; Drinks? answered; the text kept.
    let fields = vec![
        ("token", token.clone()),
        (leak(format!("q{drinks}")), coffee.to_string()),
        (leak(format!("q{other}")), "Soup & <bread>".to_owned()),
    ];
    let reply = post_form(&server, &path, &fields);
    let html = assert_html(&reply, 422, "mistakes");
    let summary = &html[html.find(r#"role="alert""#).expect("a summary")..];
    assert!(summary.contains("<h2"), "{summary}");
    assert!(
        summary.contains(&format!(
            r##"<a href="#q{lunch}">Lunch?: needs an answer</a>"##
        )),
        "{summary}"
    );
    assert!(!summary.contains(&format!("#q{drinks}")));
    assert!(html.contains(&format!(
        r#"<fieldset id="q{lunch}" aria-describedby="q{lunch}-problem">"#
    )));
    assert!(
        html.contains(&format!(r#"value="{coffee}" checked>"#)),
        "{html}"
    );
    assert!(
        html.contains(">Soup &amp; &lt;bread&gt;</textarea>"),
        "{html}"
    );
    assert_eq!(
        hidden(&html, "token"),
        token,
        "the same form, the same token"
    );
    assert_eq!(responses(&server, &survey), 0);

    // A choice of another question is named too, and still nothing counts.
    let foreign = vec![
        ("token", token.clone()),
        (leak(format!("q{lunch}")), coffee.to_string()),
        (leak(format!("q{drinks}")), coffee.to_string()),
    ];
    let html = assert_html(&post_form(&server, &path, &foreign), 422, "foreign choice");
    assert!(html.contains("Lunch?: is answered with something that is not one of its choices"));
    assert_eq!(responses(&server, &survey), 0);

    // Fixed, the same token records it.
    assert_eq!(
        post_form(&server, &path, &full_answers(&survey, &token)).status,
        303
    );
    assert_eq!(responses(&server, &survey), 1);
}

#[test]
fn a_tampered_token_or_another_surveys_token_is_refused_with_reload_the_page() {
    let server = TestServer::start();
    let (survey, _) = create(&server, "Lunch", &json!({}));
    let (other, _) = create(&server, "Dinner", &json!({}));
    let path = page_of(&survey);
    let good = token(&server, &path);
    let mut tampered = good.clone().into_bytes();
    tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let theirs = token(&server, &page_of(&other));
    for (what, token) in [
        ("tampered", tampered),
        ("another survey's", theirs),
        ("empty", String::new()),
        ("made up", "x".repeat(86)),
    ] {
        let reply = post_form(&server, &path, &full_answers(&survey, &token));
        let html = assert_html(&reply, 400, what);
        assert!(html.contains("reload the page"), "{what}: {html}");
        assert!(!html.contains("<form"), "{what}");
    }
    assert_eq!(responses(&server, &survey), 0);
}

#[test]
fn closed_scheduled_deleted_and_unknown_surveys_get_a_plain_page_without_a_form() {
    let server = TestServer::start();
    let (closed, jwt) = create(&server, "Lunch", &json!({}));
    server
        .post(&paths::close(survey_id(&closed)), Some(&jwt))
        .expect(200);
    let html = assert_html(&server.get(&page_of(&closed)), 410, "closed");
    assert!(html.contains("This survey is closed"), "{html}");
    assert!(!html.contains("<form"));

    let opens = Timestamp::from_unix(Timestamp::now().unix() + 3600).to_string();
    let scheduled = server.create_survey(&jwt, &{
        let mut body = rich_survey("Later", false);
        body["opens_at"] = json!(opens);
        body
    });
    let html = assert_html(&server.get(&page_of(&scheduled)), 409, "scheduled");
    assert!(html.contains("not open yet"), "{html}");
    assert!(
        html.contains(&format!(
            "It opens at <time datetime=\"{opens}\">{opens}</time>"
        )),
        "{html}"
    );
    assert!(!html.contains("<form"));

    let deleted = server.create_survey(&jwt, &rich_survey("Gone", false));
    server.delete(&paths::survey(survey_id(&deleted)), Some(&jwt));
    for path in [
        page_of(&deleted),
        paths::page(999_999),
        "/s/nope".to_owned(),
        "/s/1/other".to_owned(),
    ] {
        let html = assert_html(&server.get(&path), 404, &path);
        assert!(!html.contains("<form"), "{path}");
    }
}

#[test]
fn a_form_posted_after_its_survey_closed_is_refused_and_not_counted() {
    let server = TestServer::start();
    let (survey, jwt) = create(&server, "Lunch", &json!({}));
    let path = page_of(&survey);
    let fields = full_answers(&survey, &token(&server, &path));
    server
        .post(&paths::close(survey_id(&survey)), Some(&jwt))
        .expect(200);
    let html = assert_html(&post_form(&server, &path, &fields), 410, "stale form");
    assert!(html.contains("closed"), "{html}");
    assert_eq!(responses(&server, &survey), 0);
}

#[test]
fn the_results_page_is_404_unless_the_owner_made_results_public() {
    let server = TestServer::start();
    let (private, _) = create(&server, "Private", &json!({}));
    let path = paths::page_results(survey_id(&private));
    assert_html(&server.get(&path), 404, "private results");

    let (public, _) = create(&server, "Public", &json!({"public_results": true}));
    let form = page_of(&public);
    for _ in 0..2 {
        let fields = full_answers(&public, &token(&server, &form));
        assert_eq!(post_form(&server, &form, &fields).status, 303);
    }
    let thanks = server.get(&paths::page_thanks(survey_id(&public))).text();
    let results_path = paths::page_results(survey_id(&public));
    assert!(
        thanks.contains(&format!(r#"href="{results_path}""#)),
        "{thanks}"
    );
    let html = assert_html(&server.get(&results_path), 200, "public results");
    assert!(html.contains("2 responses"), "{html}");
    assert!(
        html.contains(r#"<span class="count">2 (100%)</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<span class="count">0 (0%)</span>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<meter min="0" max="2" value="2" aria-hidden="true">"#),
        "{html}"
    );
    assert_eq!(
        html.matches("<li>More salad &lt;please&gt;</li>").count(),
        2,
        "{html}"
    );
}

#[test]
fn an_invitation_only_survey_takes_its_code_from_the_link_and_each_code_answers_once() {
    let server = TestServer::start();
    let (survey, jwt) = create(&server, "Invited", &json!({"invitation_only": true}));
    let id = survey_id(&survey);
    let made = server
        .post_json(&paths::invitations(id), &json!({"count": 1}), Some(&jwt))
        .expect(201);
    let link = made["invitations"][0]["url"].as_str().unwrap().to_owned();
    let code = made["invitations"][0]["code"].as_str().unwrap().to_owned();

    let html = assert_html(&server.get(&page_of(&survey)), 403, "no code");
    assert!(html.contains("by invitation only"), "{html}");
    assert!(!html.contains("<form"));

    let html = assert_html(&server.get(&link), 200, "with code");
    assert_eq!(hidden(&html, "i"), code);
    let mut fields = full_answers(&survey, &hidden(&html, "token"));
    fields.push(("i", code.clone()));
    assert_eq!(post_form(&server, &page_of(&survey), &fields).status, 303);
    assert_eq!(responses(&server, &survey), 1);

    // The same code on a fresh form: used.
    let mut again = full_answers(&survey, &token(&server, &link));
    again.push(("i", code));
    let html = assert_html(&post_form(&server, &page_of(&survey), &again), 409, "used");
    assert!(html.contains("used already"), "{html}");
    let mut wrong = full_answers(&survey, &token(&server, &link));
    wrong.push(("i", "0".repeat(40)));
    assert_html(
        &post_form(&server, &page_of(&survey), &wrong),
        403,
        "unknown code",
    );
    assert_eq!(responses(&server, &survey), 1);
}

#[test]
fn every_web_reply_carries_the_security_headers_and_the_stylesheet_is_self_contained() {
    let server = TestServer::start();
    let css = server.get(paths::PAGE_STYLESHEET);
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert_secured(&css, "css");
    let text = css.text();
    assert!(
        !text.contains("url("),
        "no external request from the stylesheet"
    );
    assert!(!text.contains("@import"));
    assert!(text.contains("prefers-color-scheme:dark"));
    assert!(text.contains(":focus-visible"));

    let wrong = server.request("DELETE", "/s/1", &[], b"");
    assert_html(&wrong, 405, "405");
    assert_eq!(wrong.header("allow"), Some("GET, HEAD"));
    let fetched = server.get("/s/1/answer");
    assert_html(&fetched, 405, "GET of the form's action");
    assert_eq!(fetched.header("allow"), Some("POST"));
    // The API is untouched: still JSON.
    let api = server.get("/api/nope");
    assert!(
        api.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
}

#[test]
fn the_public_url_makes_invitation_links_absolute() {
    let server =
        TestServer::start_with_env(&[("CANVASS_PUBLIC_URL", "https://survey.example.org/")]);
    let (survey, jwt) = create(&server, "Invited", &json!({"invitation_only": true}));
    let id = survey_id(&survey);
    let made = server
        .post_json(&paths::invitations(id), &json!({"count": 1}), Some(&jwt))
        .expect(201);
    let code = made["invitations"][0]["code"].as_str().unwrap();
    assert_eq!(
        made["invitations"][0]["url"],
        format!("https://survey.example.org/s/{id}?i={code}")
    );
}

/// Page weight of a five-question survey (issue 16's closing note): its HTML plus the
/// stylesheet, printed and held under a budget.
#[test]
fn a_five_question_survey_weighs_little() {
    let server = TestServer::start();
    let jwt = server.user(OWNER);
    let question = |n: usize, kind: &str| {
        if kind == "text" {
            json!({"text": format!("Question {n}: anything to add?"), "kind": "text", "required": false})
        } else {
            json!({"text": format!("Question {n}: which one do you like best?"), "kind": kind,
                   "choices": ["First option", "Second option", "Third option", "Fourth option"]})
        }
    };
    let survey = server.create_survey(
        &jwt,
        &json!({"name": "Five questions", "questions": [
            question(1, "single"), question(2, "single"), question(3, "multiple"),
            question(4, "multiple"), question(5, "text"),
        ]}),
    );
    let html = server.get(&page_of(&survey)).body.len();
    let css = server.get(paths::PAGE_STYLESHEET).body.len();
    println!(
        "page weight of a 5-question survey: {html} B HTML + {css} B CSS = {} B",
        html + css
    );
    assert!(html + css < 12 * 1024, "{html} + {css}");
}
