//! Issue 17: `--metrics-addr` serves Prometheus metrics on a listener of its own, labelled by
//! route template (never the raw path), and `--log-format json` writes one JSON object per
//! line that never holds a token, a password or a query. Both run on either backend.

use std::net::{SocketAddr, TcpListener};
use std::process::Command;

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::http::{Response, exchange};
use crate::harness::server::{PASSWORD, TestServer};
use crate::harness::survey::{question_id, seed_survey, survey_id};

const METRICS_ON: (&str, &str) = ("CANVASS_METRICS_ADDR", "127.0.0.1:0");

/// `GET /metrics` from the server's metrics listener: the text, after checking it is 200
/// in the Prometheus text format.
#[track_caller]
fn scrape(server: &TestServer) -> String {
    let addr = server
        .metrics_addr()
        .expect("started with CANVASS_METRICS_ADDR, the server printed its metrics address");
    let reply = get(addr, "/metrics");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    reply.text()
}

#[track_caller]
fn get(addr: SocketAddr, path: &str) -> Response {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    Response::parse(&exchange(addr, request.as_bytes(), false)).unwrap()
}

/// The value of the sample `series` (name and labels exactly as exported), as exported;
/// fails the test, showing every sample, when there is none.
#[track_caller]
fn sample<'a>(text: &'a str, series: &str) -> &'a str {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no sample {series} in:\n{text}"))
}

/// Every `canvass_http_requests_total` sample, as exported.
fn request_series(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| line.starts_with("canvass_http_requests_total{"))
        .collect()
}

/// A native response to the seed survey: the first choice of each question.
fn response_body(survey: &Value) -> Value {
    let answer = |q: usize| {
        json!({
            "question_id": question_id(survey, q),
            "choice_ids": [survey["questions"][q]["choices"][0]["id"]],
        })
    };
    json!({"answers": [answer(0), answer(1)]})
}

#[test]
fn requests_logins_and_responses_are_counted_by_route_template_on_a_port_of_their_own() {
    let server = TestServer::start_with_env(&[METRICS_ON]);
    // register + login (200) + create: 3 requests
    let token = server.user("ann@example.com");
    let survey = server.create_survey(&token, &seed_survey("Lunch"));
    let id = survey_id(&survey);
    for _ in 0..3 {
        server.get(&paths::survey(id)).expect(200);
    }
    server.get("/api/qz7xk/8812345").error(404);
    // Metrics are never on the public port: there, /metrics is an unknown path.
    server.get("/metrics").error(404);
    let wrong = json!({"email": "ann@example.com", "password": "not the password at all"});
    server.post_json(paths::LOGIN, &wrong, None).error(401);
    for _ in 0..2 {
        server
            .post_json(&paths::responses(id), &response_body(&survey), None)
            .expect(201);
    }

    let text = scrape(&server);
    let counted = |route: &str, method: &str, status: u16| {
        sample(
            &text,
            &format!(
                "canvass_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(counted("/api/surveys/{id}/", "GET", 200), "3");
    assert_eq!(counted("unmatched", "GET", 404), "2");
    assert_eq!(counted("/api/login/", "POST", 200), "1");
    assert_eq!(counted("/api/login/", "POST", 401), "1");
    assert_eq!(counted("/api/register/", "POST", 201), "1");
    assert_eq!(counted("/api/surveys/", "POST", 201), "1");
    assert_eq!(counted("/api/surveys/{id}/responses/", "POST", 201), "2");
    // Those are all 11 requests: nothing else was counted, and no series names a raw path.
    let series = request_series(&text);
    assert_eq!(series.len(), 7, "{series:#?}");
    let total: u64 = series
        .iter()
        .map(|line| line.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, 11, "{series:#?}");
    for raw in ["qz7xk", "8812345", &format!("/api/surveys/{id}/")] {
        assert!(!text.contains(raw), "{raw} in the metrics:\n{text}");
    }

    assert_eq!(
        sample(
            &text,
            "canvass_http_request_duration_seconds_count{route=\"/api/surveys/{id}/\",method=\"GET\"}"
        ),
        "3"
    );
    assert_eq!(
        sample(
            &text,
            "canvass_http_request_duration_seconds_bucket{route=\"/api/surveys/{id}/\",method=\"GET\",le=\"+Inf\"}"
        ),
        "3"
    );
    assert_eq!(sample(&text, "canvass_logins_total{outcome=\"ok\"}"), "1");
    assert_eq!(
        sample(&text, "canvass_logins_total{outcome=\"bad_credentials\"}"),
        "1"
    );
    assert_eq!(
        sample(&text, "canvass_logins_total{outcome=\"throttled\"}"),
        "0"
    );
    assert_eq!(sample(&text, "canvass_responses_recorded_total"), "2");
    // Sent one after the other, each response is a commit of its own on either backend.
    assert_eq!(sample(&text, "canvass_write_batch_size_count"), "2");
    assert_eq!(sample(&text, "canvass_write_batch_size_sum"), "2.0");
    assert_eq!(sample(&text, "canvass_db_errors_total"), "0");
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        sample(
            &text,
            &format!("canvass_build_info{{version=\"{version}\"}}")
        ),
        "1"
    );
    // Every answer was ready before its client read it, and nothing waits now.
    assert_eq!(sample(&text, "canvass_http_requests_in_flight"), "0");
    assert_eq!(sample(&text, "canvass_http_requests_queued"), "0");
    sample(&text, "canvass_http_connections_open")
        .parse::<u64>()
        .unwrap();

    // The metrics listener answers nothing else.
    let addr = server.metrics_addr().unwrap();
    assert_eq!(get(addr, "/api/health/").status, 404);
    assert_eq!(get(addr, "/").status, 404);
}

#[test]
fn ids_unknown_paths_and_odd_methods_never_mint_new_series() {
    let server = TestServer::start_with_env(&[METRICS_ON]);
    for n in 0..40 {
        server.get(&paths::survey(900_000 + n)).error(404);
        server
            .get(&format!("/nothing/{n}/here-{}", n * 7919))
            .error(404);
        server
            .request(&format!("BREW{n}"), &format!("/pot/{n}"), &[], b"")
            .error(404);
    }
    let text = scrape(&server);
    let series = request_series(&text);
    assert_eq!(
        series,
        [
            "canvass_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 40",
            "canvass_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"} 40",
            "canvass_http_requests_total{route=\"/api/surveys/{id}/\",method=\"GET\",status=\"404\"} 40",
        ],
        "{text}"
    );
    assert!(!text.contains("BREW"), "{text}");
}

/// On SQLite only, whatever `CANVASS_TEST_BACKEND` says: taking the database away from a
/// running server is deleting its file, which has no PostgreSQL counterpart here.
#[test]
fn each_store_call_the_database_fails_is_counted() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("canvass.db");
    let server = TestServer::start_with_db(db.to_str().unwrap(), &[METRICS_ON]);
    server.get(paths::READY).expect(200);
    assert_eq!(sample(&scrape(&server), "canvass_db_errors_total"), "0");
    std::fs::remove_file(&db).unwrap();
    server.get(paths::READY).error(503);
    server.get(paths::READY).error(503);
    assert_eq!(sample(&scrape(&server), "canvass_db_errors_total"), "2");
}

#[test]
fn without_a_metrics_address_nothing_listens_for_scrapes() {
    let server = TestServer::start();
    assert_eq!(server.metrics_addr(), None);
    server.get("/metrics").error(404);
}

#[test]
fn a_metrics_address_in_use_refuses_to_start_in_one_line() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_canvass"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--metrics-addr", &addr])
        .arg("--db")
        .arg(dir.path().join("canvass.db"))
        .env("RUST_BACKTRACE", "1");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CANVASS_") {
            command.env_remove(name);
        }
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: cannot serve metrics on {addr}: ")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "{:?}", output.stdout);
}

#[test]
fn json_logs_are_one_object_per_line_naming_the_route_and_never_a_secret() {
    let mut server = TestServer::start_with_env(&[("CANVASS_LOG_FORMAT", "json")]);
    let token = server.user("bob@example.com");
    let survey = server.create_survey(&token, &seed_survey("Secrets"));
    let id = survey_id(&survey);
    let query_secret = "query-secret-4f1c9e";
    let bearer = "bearer-secret-7a2d5b";
    let path = format!("{}?token={query_secret}&page=2", paths::survey(id));
    let auth = format!("Bearer {bearer}");
    server
        .request("GET", &path, &[("Authorization", &auth)], b"")
        .expect(200);

    let line = server.wait_for_stderr_line("for the survey GET", |line| {
        line.contains(r#""route":"/api/surveys/{id}/""#) && line.contains(r#""method":"GET""#)
    });
    let request: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(request["level"], "INFO", "{line}");
    assert_eq!(request["status"], 200, "{line}");
    assert!(request["timestamp"].is_string(), "{line}");
    assert!(request["request_id"].is_u64(), "{line}");
    assert!(request["duration_ms"].is_number(), "{line}");

    // The stop logs a line of its own (the signal); then every line there is must parse.
    assert!(server.stop().success());
    let stderr = server.stderr();
    let mut requests = 0;
    for line in stderr.lines() {
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON object ({e}): {line}"));
        assert!(value["timestamp"].is_string(), "{line}");
        assert!(value["level"].is_string(), "{line}");
        assert!(value["message"].is_string(), "{line}");
        requests += usize::from(value["message"] == "request");
        for secret in [query_secret, bearer, &token, PASSWORD, "?token", "page=2"] {
            assert!(!line.contains(secret), "{secret:?} logged: {line}");
        }
        assert!(
            !line.contains(&paths::survey(id)),
            "raw path logged: {line}"
        );
    }
    // register, login, create, the GET
    assert_eq!(requests, 4, "{stderr}");
    assert!(
        stderr.lines().any(|line| line.contains("received")),
        "{stderr}"
    );
}
