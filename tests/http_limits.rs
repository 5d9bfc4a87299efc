//! What the HTTP layer must survive (docs/seed-contract.md Part 2, last row; README "Running the
//! server"): oversized and malformed requests get a JSON error and the server keeps
//! serving; every request leaves one log line.

use canvass::protocol::paths;
use serde_json::json;

use crate::harness::http::Response;
use crate::harness::server::{PASSWORD, TestServer};

/// The default `--max-body`.
const MAX_BODY: usize = 1_048_576;

#[track_caller]
fn parse(reply: &[u8]) -> Response {
    Response::parse(reply).unwrap_or_else(|e| {
        panic!(
            "unparsable reply ({e}): {:?}",
            String::from_utf8_lossy(reply)
        )
    })
}

#[track_caller]
fn assert_still_serving(server: &TestServer) {
    let health = server.get(paths::HEALTH).expect(200);
    assert_eq!(health["status"], "ok");
}

// See: docs/seed-contract.md Part 2, "non-JSON / oversized / truncated bodies → crash or 500".
#[test]
fn a_declared_terabyte_body_gets_413_before_it_is_sent_and_the_server_keeps_answering() {
    let server = TestServer::start();
    for length in ["1099511627776", &(MAX_BODY + 1).to_string()] {
        let head = format!(
            "POST /api/register/ HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {length}\r\n\r\n",
            server.addr()
        );
        parse(&server.raw(head.as_bytes())).error(413);
        assert_still_serving(&server);
    }
}

// See: docs/seed-contract.md Part 2, "non-JSON / oversized / truncated bodies → crash or 500".
#[test]
fn a_two_mebibyte_body_gets_413_and_the_server_keeps_answering() {
    let server = TestServer::start();
    let mut body = br#"{"email": "ann@example.com", "password": ""#.to_vec();
    body.resize(2 * 1024 * 1024 - 2, b'x');
    body.extend_from_slice(b"\"}");
    let headers = [("Content-Type", "application/json")];
    server
        .request("POST", paths::REGISTER, &headers, &body)
        .error(413);
    assert_still_serving(&server);
    // Nothing was registered on the way.
    server.register("ann@example.com", PASSWORD);
}

// See: docs/seed-contract.md Part 2, "non-JSON / oversized / truncated bodies → crash or 500".
#[test]
fn a_chunked_body_past_the_limit_gets_413_and_the_server_keeps_answering() {
    let server = TestServer::start();
    let mut request = format!(
        "POST /api/login/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        server.addr()
    )
    .into_bytes();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..32 {
        request.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        request.extend_from_slice(&chunk);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    parse(&server.raw(&request)).error(413);
    assert_still_serving(&server);
}

#[test]
fn a_body_of_exactly_the_limit_is_read() {
    let server = TestServer::start();
    server.register("ann@example.com", PASSWORD);
    let mut body = json!({"email": "ann@example.com", "password": PASSWORD})
        .to_string()
        .into_bytes();
    body.resize(MAX_BODY, b' ');
    let headers = [("Content-Type", "application/json")];
    let login = server
        .request("POST", paths::LOGIN, &headers, &body)
        .expect(200);
    assert!(login["token"].is_string(), "{login}");
}

// See: docs/seed-contract.md Part 2, "non-JSON / oversized / truncated bodies → crash or 500".
#[test]
fn a_truncated_body_gets_400_and_the_server_keeps_answering() {
    let server = TestServer::start();
    let request = format!(
        "POST /api/register/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"email\": \"ann@",
        server.addr()
    );
    parse(&server.raw_then_close(request.as_bytes())).error(400);
    assert_still_serving(&server);
}

#[test]
fn a_forty_kibibyte_header_gets_431_and_the_server_keeps_answering() {
    let server = TestServer::start();
    let filler = "a".repeat(40 * 1024);
    server
        .request("GET", paths::HEALTH, &[("X-Filler", &filler)], b"")
        .error(431);
    assert_still_serving(&server);
    let many: Vec<(String, String)> = (0..1000)
        .map(|n| (format!("X-Filler-{n}"), "b".repeat(40)))
        .collect();
    let many: Vec<(&str, &str)> = many.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    server.request("GET", paths::HEALTH, &many, b"").error(431);
    assert_still_serving(&server);
}

#[test]
fn a_forty_kibibyte_url_gets_414_and_the_server_keeps_answering() {
    let server = TestServer::start();
    let path = format!("{}?q={}", paths::SURVEYS, "a".repeat(40 * 1024));
    server.get(&path).error(414);
    assert_still_serving(&server);
}

#[test]
fn an_unknown_or_wrong_method_gets_405() {
    let server = TestServer::start();
    server.request("BREW", paths::SURVEYS, &[], b"").error(405);
    server
        .request("PATCH", paths::SURVEYS, &[], b"{}")
        .error(405);
    server
        .request("DELETE", paths::SURVEYS, &[], b"")
        .error(405);
    server.request("GET", paths::REGISTER, &[], b"").error(405);
    server.request("PUT", paths::LOGIN, &[], b"{}").error(405);
    assert_still_serving(&server);
}

#[test]
fn an_invalid_utf8_body_gets_400() {
    let server = TestServer::start();
    let headers = [("Content-Type", "application/json")];
    let body = b"{\"email\": \"\xff\xfe@example.com\", \"password\": \"x\"}";
    server
        .request("POST", paths::REGISTER, &headers, body)
        .error(400);
    server
        .request("POST", paths::LOGIN, &headers, b"\xc3\x28")
        .error(400);
    assert_still_serving(&server);
}

#[test]
fn deeply_nested_json_gets_400() {
    let server = TestServer::start();
    let jwt = server.user("ann@example.com");
    let auth = format!("Bearer {jwt}");
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let arrays = "[".repeat(10_000);
    let objects = "{\"a\":".repeat(10_000);
    for body in [arrays, objects] {
        server
            .request("POST", paths::REGISTER, &headers[..1], body.as_bytes())
            .error(400);
        server
            .request("POST", paths::SURVEYS, &headers, body.as_bytes())
            .error(400);
    }
    assert_still_serving(&server);
}

#[test]
fn a_survey_id_that_is_not_a_number_gets_a_json_404_or_400() {
    let server = TestServer::start();
    for path in [
        "/api/surveys/abc/",
        "/api/surveys/-1/",
        "/api/surveys/1.5/",
        "/api/surveys/99999999999999999999999999/",
        "/api/surveys/abc/results/",
    ] {
        let reply = server.get(path);
        assert!(
            matches!(reply.status, 400 | 404),
            "GET {path}: {} {}",
            reply.status,
            reply.text()
        );
        reply.error(reply.status);
    }
    server.get("/api/nowhere/").error(404);
    server.get("/").error(404);
    assert_still_serving(&server);
}

#[test]
fn a_garbage_request_does_not_stop_the_server() {
    let server = TestServer::start();
    server.raw_then_close(b"\x00\x01\x02 not http at all\r\n\r\n");
    server.raw_then_close(b"GET /api/health/ HTTP/1.1\r\nno colon here\r\n\r\n");
    server.raw_then_close(b"");
    assert_still_serving(&server);
}

#[test]
fn requests_kept_alive_on_one_connection_are_each_answered() {
    let server = TestServer::start();
    let host = server.addr();
    let login = r#"{"email": "nobody@example.com", "password": "x"}"#;
    let pipelined = format!(
        "GET /api/health/ HTTP/1.1\r\nHost: {host}\r\n\r\n\
         POST /api/login/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{login}\
         POST /api/register/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: 8\r\n\r\nnot json\
         GET /api/surveys/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        login.len()
    );
    let replies = Response::parse_all(&server.raw_until_close(pipelined.as_bytes())).unwrap();
    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    assert_eq!(statuses, [200, 401, 400, 200]);
    assert_eq!(replies[3].json(), json!([]));
}

// See: docs/seed-contract.md Part 2, "non-JSON / oversized / truncated bodies → crash or 500".
#[test]
fn the_bytes_of_a_refused_body_are_never_read_as_a_request() {
    let server = TestServer::start();
    let host = server.addr();
    let smuggled = format!(
        "POST /api/register/ HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: 2000000\r\n\r\n\
         GET /api/surveys/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    let replies = Response::parse_all(&server.raw_until_close(smuggled.as_bytes())).unwrap();
    let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
    assert_eq!(statuses, [413], "the body was answered as a request");
    replies[0].error(413);
    assert_still_serving(&server);
}

/// Whether `line` has `method`, `path` and `status` among its words.
fn logs(line: &str, method: &str, path: &str, status: &str) -> bool {
    let words: Vec<&str> = line.split_whitespace().collect();
    words.contains(&method) && words.iter().any(|w| w.starts_with(path)) && words.contains(&status)
}

#[test]
fn each_request_logs_one_line_with_method_path_and_status() {
    let server = TestServer::start();
    server.get(paths::HEALTH).expect(200);
    server.wait_for_stderr_line("GET /api/health/ 200", |l| {
        logs(l, "GET", paths::HEALTH, "200")
    });
    let missing = paths::survey(777);
    server.get(&missing).error(404);
    server.wait_for_stderr_line("GET /api/surveys/777/ 404", |l| {
        logs(l, "GET", &missing, "404")
    });
    let bad = json!({"email": "nobody@example.com", "password": "x"});
    server.post_json(paths::LOGIN, &bad, None).error(401);
    server.wait_for_stderr_line("POST /api/login/ 401", |l| {
        logs(l, "POST", paths::LOGIN, "401")
    });
    let stderr = server.stderr();
    let lines = stderr.lines().filter(|l| l.contains(&missing)).count();
    assert_eq!(lines, 1, "one request, {lines} lines:\n{stderr}");
}

#[test]
fn log_lines_never_show_tokens_or_passwords() {
    let server = TestServer::start();
    let jwt = server.user("ann@example.com");
    server.get_as(paths::ME, &jwt).expect(200);
    server.wait_for_stderr_line("GET /api/me/ 200", |l| logs(l, "GET", paths::ME, "200"));
    let signature = jwt.rsplit('.').next().unwrap();
    let stderr = server.stderr();
    assert!(!stderr.contains(signature), "a token in the log:\n{stderr}");
    assert!(
        !stderr.contains(PASSWORD),
        "a password in the log:\n{stderr}"
    );
}
