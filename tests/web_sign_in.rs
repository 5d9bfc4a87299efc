//! Signing in on the web pages (issue 16): a survey that takes one response per user asks
//! for an e-mail and password first, sets a cookie that is HttpOnly, SameSite=Strict and
//! scoped to the pages, records the response as that user, and never lets the cookie or a
//! form shown to one user act on the API or for someone else.

use canvass::protocol::paths;
use serde_json::Value;

use crate::harness::http::Response;
use crate::harness::page::{assert_html, full_answers, hidden, page_of, responses};
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{rich_survey, survey_id};

const RESPONDENT: &str = "respondent@example.com";

/// A survey taking one response per user, and its owner's token.
fn once_each(server: &TestServer) -> (Value, String) {
    let jwt = server.user("owner@example.com");
    let survey = server.create_survey(&jwt, &rich_survey("Once each", true));
    (survey, jwt)
}

fn post_to(
    server: &TestServer,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> Response {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if let Some(cookie) = cookie {
        headers.push(("Cookie", cookie));
    }
    server.request("POST", path, &headers, body.as_bytes())
}

fn get_with(server: &TestServer, path: &str, cookie: &str) -> Response {
    server.request("GET", path, &[("Cookie", cookie)], b"")
}

/// The sign-in page's form posted with `email` and `password`.
fn sign_in(server: &TestServer, survey: &Value, email: &str, password: &str) -> Response {
    let page = server.get(&page_of(survey));
    assert_eq!(page.status, 200, "{}", page.text());
    let token = hidden(&page.text(), "token");
    let action = paths::page_sign_in(survey_id(survey));
    post_to(
        server,
        &action,
        None,
        &[("token", &token), ("email", email), ("password", password)],
    )
}

/// Signs `email` in and returns the `Cookie` header a browser would send back.
#[track_caller]
fn signed_in(server: &TestServer, survey: &Value, email: &str) -> String {
    let reply = sign_in(server, survey, email, PASSWORD);
    assert_eq!(reply.status, 303, "{}", reply.text());
    let set = reply.header("set-cookie").expect("a sign-in sets a cookie");
    set.split(';').next().unwrap().to_owned()
}

/// The answers form as shown to the cookie's user: its token.
#[track_caller]
fn form_token(server: &TestServer, survey: &Value, cookie: &str) -> String {
    let form = get_with(server, &page_of(survey), cookie);
    assert_eq!(form.status, 200, "{}", form.text());
    assert!(form.text().contains("Signed in as"), "{}", form.text());
    hidden(&form.text(), "token")
}

fn answer(server: &TestServer, survey: &Value, cookie: Option<&str>, token: &str) -> Response {
    let fields = full_answers(survey, token);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let action = paths::page_answer(survey_id(survey));
    post_to(server, &action, cookie, &fields)
}

#[test]
fn a_survey_taking_one_response_per_user_asks_to_sign_in_first() {
    let server = TestServer::start();
    let (survey, _) = once_each(&server);
    let html = assert_html(&server.get(&page_of(&survey)), 200, "sign-in page");
    assert!(
        html.contains(&format!(
            r#"action="{}""#,
            paths::page_sign_in(survey_id(&survey))
        )),
        "{html}"
    );
    for control in [
        r#"<label for="email">"#,
        r#"type="email" name="email" autocomplete="username""#,
        r#"<label for="password">"#,
        r#"type="password" name="password" autocomplete="current-password""#,
    ] {
        assert!(html.contains(control), "{control} in {html}");
    }
    assert!(
        !html.contains("/answer"),
        "no answers form before signing in: {html}"
    );
}

#[test]
fn signing_in_sets_a_strict_page_scoped_cookie_and_the_response_is_the_users_own() {
    let server = TestServer::start();
    let (survey, _) = once_each(&server);
    server.register(RESPONDENT, PASSWORD);
    let reply = sign_in(&server, &survey, RESPONDENT, PASSWORD);
    assert_eq!(reply.status, 303, "{}", reply.text());
    assert_eq!(reply.header("location"), Some(page_of(&survey).as_str()));
    let set = reply.header("set-cookie").unwrap();
    let attributes: Vec<&str> = set.split("; ").skip(1).collect();
    assert_eq!(
        attributes,
        ["Path=/s/", "Max-Age=1800", "HttpOnly", "SameSite=Strict"],
        "no Secure without TLS: {set}"
    );
    let cookie = set.split(';').next().unwrap();
    assert!(cookie.starts_with("canvass_session="), "{cookie}");

    let token = form_token(&server, &survey, cookie);
    let recorded = answer(&server, &survey, Some(cookie), &token);
    assert_eq!(recorded.status, 303, "{}", recorded.text());
    assert_eq!(responses(&server, &survey), 1);
    // The same form again is the same response, not a refusal nor a second one.
    assert_eq!(answer(&server, &survey, Some(cookie), &token).status, 303);
    assert_eq!(responses(&server, &survey), 1);
    // Recorded as the user's: the API finds it under their account.
    let jwt = server.login(RESPONDENT, PASSWORD);
    let mine = server.get_as(&paths::my_response(survey_id(&survey)), &jwt);
    assert_eq!(mine.status, 200, "{}", mine.text());
    // Back on the page, signed in: answered already, no form.
    let again = get_with(&server, &page_of(&survey), cookie);
    let html = assert_html(&again, 409, "answered already");
    assert!(html.contains("You have answered this survey"), "{html}");
    assert!(!html.contains("<form"), "{html}");
}

#[test]
fn a_wrong_password_or_unknown_email_comes_back_401_with_the_email_kept_and_no_cookie() {
    let server = TestServer::start();
    let (survey, _) = once_each(&server);
    server.register(RESPONDENT, PASSWORD);
    for email in [RESPONDENT, "nobody@example.com"] {
        let reply = sign_in(&server, &survey, email, "not the password");
        let html = assert_html(&reply, 401, email);
        assert!(
            html.contains("The e-mail or the password is wrong."),
            "{html}"
        );
        assert!(html.contains(&format!(r#"value="{email}""#)), "{html}");
        assert!(!html.contains("not the password"), "{html}");
    }
    let empty = assert_html(&sign_in(&server, &survey, " ", PASSWORD), 422, "empty");
    assert!(empty.contains("The e-mail must not be empty."), "{empty}");
}

#[test]
fn too_many_failed_sign_ins_get_429_with_retry_after() {
    let server = TestServer::start_with_env(&[("CANVASS_LOGIN_FAILURES", "2")]);
    let (survey, _) = once_each(&server);
    server.register(RESPONDENT, PASSWORD);
    for _ in 0..2 {
        assert_eq!(sign_in(&server, &survey, RESPONDENT, "wrong").status, 401);
    }
    let reply = sign_in(&server, &survey, RESPONDENT, PASSWORD);
    let html = assert_html(&reply, 429, "throttled");
    assert!(html.contains("Too many sign-in attempts"), "{html}");
    let wait: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!(wait > 0);
}

#[test]
fn the_cookie_is_never_accepted_on_the_api() {
    let server = TestServer::start();
    let (survey, _) = once_each(&server);
    server.register(RESPONDENT, PASSWORD);
    let cookie = signed_in(&server, &survey, RESPONDENT);
    let me = server.request("GET", paths::ME, &[("Cookie", &cookie)], b"");
    assert_eq!(me.status, 401, "{}", me.text());
    let value = cookie.split_once('=').unwrap().1;
    let bearer = format!("Bearer {value}");
    let me = server.request("GET", paths::ME, &[("Authorization", &bearer)], b"");
    assert_eq!(me.status, 401, "the cookie is no token: {}", me.text());
}

#[test]
fn a_form_shown_to_one_user_does_not_post_as_another_nor_without_signing_in() {
    let server = TestServer::start();
    let (survey, _) = once_each(&server);
    server.register(RESPONDENT, PASSWORD);
    server.register("other@example.com", PASSWORD);
    let alice = signed_in(&server, &survey, RESPONDENT);
    let bob = signed_in(&server, &survey, "other@example.com");
    let alices_form = form_token(&server, &survey, &alice);
    let html = assert_html(
        &answer(&server, &survey, Some(&bob), &alices_form),
        400,
        "other user's form",
    );
    assert!(html.contains("reload the page"), "{html}");
    // The sign-in page's own token is for anyone, not for a signed-in post.
    let anyones = hidden(&server.get(&page_of(&survey)).text(), "token");
    assert_eq!(answer(&server, &survey, Some(&bob), &anyones).status, 400);
    // No cookie: the sign-in form again, saying why, and nothing recorded.
    let signed_out = answer(&server, &survey, None, &alices_form);
    let html = assert_html(&signed_out, 401, "no cookie");
    assert!(html.contains("Your sign-in has ended"), "{html}");
    assert_eq!(responses(&server, &survey), 0);
}

#[test]
fn signing_out_clears_the_cookie_and_logging_out_everywhere_ends_the_sign_in() {
    let server = TestServer::start();
    let (survey, _) = once_each(&server);
    server.register(RESPONDENT, PASSWORD);
    let cookie = signed_in(&server, &survey, RESPONDENT);
    let token = form_token(&server, &survey, &cookie);
    let out = post_to(
        &server,
        &paths::page_sign_out(survey_id(&survey)),
        Some(&cookie),
        &[("token", &token)],
    );
    assert_eq!(out.status, 303, "{}", out.text());
    let cleared = out.header("set-cookie").unwrap();
    assert!(
        cleared.starts_with("canvass_session=; Path=/s/; Max-Age=0"),
        "{cleared}"
    );

    // A cookie kept past signing out (say, copied elsewhere) still holds until the user
    // logs out everywhere, which ends it at once.
    let cookie = signed_in(&server, &survey, RESPONDENT);
    assert!(
        get_with(&server, &page_of(&survey), &cookie)
            .text()
            .contains("Signed in as")
    );
    let jwt = server.login(RESPONDENT, PASSWORD);
    assert_eq!(server.post(paths::LOGOUT_ALL, Some(&jwt)).status, 200);
    let page = get_with(&server, &page_of(&survey), &cookie);
    let html = assert_html(&page, 200, "after logout-all");
    assert!(html.contains(r#"type="password""#), "{html}");
    assert!(!html.contains("Signed in as"), "{html}");
}

#[test]
fn a_survey_taking_any_number_of_responses_has_no_sign_in() {
    let server = TestServer::start();
    let jwt = server.user("owner@example.com");
    let survey = server.create_survey(&jwt, &rich_survey("Anyone", false));
    let reply = post_to(
        &server,
        &paths::page_sign_in(survey_id(&survey)),
        None,
        &[("email", RESPONDENT), ("password", PASSWORD)],
    );
    assert_html(&reply, 404, "no sign-in here");
    let html = assert_html(&server.get(&page_of(&survey)), 200, "form");
    assert!(!html.contains(r#"type="password""#), "{html}");
}

#[test]
fn behind_tls_the_cookie_is_secure() {
    let server =
        TestServer::start_with_env(&[("CANVASS_PUBLIC_URL", "https://survey.example.org")]);
    let (survey, _) = once_each(&server);
    server.register(RESPONDENT, PASSWORD);
    let reply = sign_in(&server, &survey, RESPONDENT, PASSWORD);
    let set = reply.header("set-cookie").unwrap();
    assert!(
        set.ends_with("; HttpOnly; SameSite=Strict; Secure"),
        "{set}"
    );
}

#[test]
fn an_invitation_link_survives_signing_in() {
    let server = TestServer::start();
    let jwt = server.user("owner@example.com");
    let mut body = rich_survey("Invited, once each", true);
    body["invitation_only"] = true.into();
    let survey = server.create_survey(&jwt, &body);
    let id = survey_id(&survey);
    let made = server
        .post_json(
            &paths::invitations(id),
            &serde_json::json!({"count": 1}),
            Some(&jwt),
        )
        .expect(201);
    let link = made["invitations"][0]["url"].as_str().unwrap().to_owned();
    let code = made["invitations"][0]["code"].as_str().unwrap().to_owned();
    server.register(RESPONDENT, PASSWORD);

    let html = assert_html(&server.get(&link), 200, "sign-in with a code");
    assert_eq!(hidden(&html, "i"), code);
    let token = hidden(&html, "token");
    let action = paths::page_sign_in(id);
    let fields = [
        ("token", token.as_str()),
        ("i", code.as_str()),
        ("email", RESPONDENT),
        ("password", PASSWORD),
    ];
    let reply = post_to(&server, &action, None, &fields);
    assert_eq!(reply.status, 303, "{}", reply.text());
    assert_eq!(reply.header("location"), Some(link.as_str()));
    let cookie = reply
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap();
    let form = assert_html_with_cookie(&get_with(&server, &link, cookie));
    assert_eq!(hidden(&form, "i"), code);
}

/// A signed-in form page: 200, and the cookie renewed.
#[track_caller]
fn assert_html_with_cookie(reply: &Response) -> String {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let renewed = reply.header("set-cookie").unwrap();
    assert!(renewed.starts_with("canvass_session="), "{renewed}");
    reply.text()
}
