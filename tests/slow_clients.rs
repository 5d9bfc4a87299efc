//! Slow and idle clients (README "Running the server": slow and idle clients time out,
//! connections are capped; vendor/tiny_http/PATCHES.md hazards 3, 6 and 7): hundreds of idle
//! or slowloris connections do not keep a normal client from its answers, and the server
//! closes an idle connection on its own.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::Duration;

use canvass::protocol::paths;
use serde_json::{Value, json};

use crate::harness::http::{Response, preview, read_reply, try_exchange};
use crate::harness::server::TestServer;
use crate::harness::survey::{choice_id, id_of, question_id, rich_survey};

const OWNER: &str = "slow-owner@example.com";
const IDLE: usize = 256;
const NORMAL_REQUESTS: usize = 20;
/// How long the normal client waits for each answer.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(5);
/// An upper bound for the server to close an idle connection; its read timeout is 10 s.
const CLOSE_BOUND: Duration = Duration::from_secs(45);

/// Opens connection `n` of the crowd: a third send nothing, a third half a head (slowloris),
/// a third a whole head and part of the body it announces.
fn idle_connection(addr: SocketAddr, n: usize) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connection {n}: {e}"));
    let partial: &[u8] = match n % 3 {
        0 => b"",
        1 => b"GET /api/health/ HTTP/1.1\r\nHost: x\r\n",
        _ => b"POST /api/register/ HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"email\"",
    };
    stream
        .write_all(partial)
        .unwrap_or_else(|e| panic!("connection {n}: {e}"));
    stream
}

/// What a correct answer's body satisfies.
type Check = Box<dyn Fn(&Value) -> bool>;

/// Request `n` of the normal client and what its answer must be; `posted` counts the
/// responses it has made so far.
fn normal_request(n: usize, survey: &Value, posted: &mut u64) -> (String, u16, Check) {
    let id = id_of(survey);
    match n % 4 {
        0 => (
            "GET /api/health/".into(),
            200,
            Box::new(|body: &Value| body["status"] == "ok"),
        ),
        1 => {
            *posted += 1;
            let body = json!({"answers": [
                {"question_id": question_id(survey, 0), "choice_ids": [choice_id(survey, 0, 0)]},
                {"question_id": question_id(survey, 1), "choice_ids": [choice_id(survey, 1, 1)]},
            ]})
            .to_string();
            let request = format!(
                "POST /api/surveys/{id}/responses/\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            );
            (request, 201, Box::new(|body: &Value| body["id"].is_u64()))
        }
        2 => {
            let expected = *posted;
            (
                format!("GET /api/surveys/{id}/results/"),
                200,
                Box::new(move |body: &Value| body["responses"] == json!(expected)),
            )
        }
        _ => (
            "GET /api/surveys/".into(),
            200,
            Box::new(move |body: &Value| {
                body.as_array()
                    .is_some_and(|surveys| surveys.iter().any(|s| s["id"] == json!(id)))
            }),
        ),
    }
}

/// `METHOD PATH` (and whatever header lines and body follow) as bytes of an HTTP/1.1
/// request; `close` adds `Connection: close`.
fn request_bytes(request: &str, close: bool) -> Vec<u8> {
    let (line, rest) = request.split_once("\r\n").unwrap_or((request, "\r\n"));
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!("{line} HTTP/1.1\r\nHost: canvass.test\r\n{connection}{rest}").into_bytes()
}

#[test]
fn a_normal_client_is_answered_while_256_idle_and_slowloris_connections_stay_open() {
    let server = TestServer::start();
    let token = server.user(OWNER);
    let survey = server.create_survey(&token, &rich_survey("Slow", false));
    let addr = server.addr();
    let crowd: Vec<TcpStream> = (0..IDLE).map(|n| idle_connection(addr, n)).collect();

    // Half the requests on fresh connections, half on one kept-alive connection.
    let kept = TcpStream::connect(addr).unwrap();
    kept.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    kept.set_write_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    let mut posted = 0;
    for n in 0..NORMAL_REQUESTS {
        let (request, status, check) = normal_request(n, &survey, &mut posted);
        let fresh = n % 2 == 0;
        let bytes = request_bytes(&request, fresh);
        let reply = if fresh {
            try_exchange(addr, &bytes, false, CLIENT_TIMEOUT)
        } else {
            (&kept).write_all(&bytes).unwrap();
            read_reply(&kept)
        };
        let how = if fresh {
            "a new connection"
        } else {
            "the kept-alive connection"
        };
        let reply = reply.unwrap_or_else(|e| {
            panic!("request {n} ({request:?} on {how}), {IDLE} idle connections open: {e}")
        });
        let response = Response::parse(&reply)
            .unwrap_or_else(|e| panic!("request {n}: unparsable reply ({e}): {}", preview(&reply)));
        let body = response.expect(status);
        assert!(
            check(&body),
            "request {n} ({request:?}): unexpected answer {body}"
        );
    }
    drop(kept);
    // None of the crowd was turned away: at most a timeout may have ended one by now.
    let mut open = 0;
    for (n, stream) in crowd.iter().enumerate() {
        stream.set_nonblocking(true).unwrap();
        let mut received = [0_u8; 512];
        match (&*stream).read(&mut received) {
            Err(e) if e.kind() == ErrorKind::WouldBlock => open += 1,
            Ok(got) => {
                let text = String::from_utf8_lossy(&received[..got]);
                let status = text.split(' ').nth(1).unwrap_or_default();
                assert!(
                    got == 0 || matches!(status, "400" | "408"),
                    "idle connection {n} was answered {}",
                    preview(&received[..got])
                );
            }
            Err(_) => {}
        }
    }
    println!("{open} of {IDLE} idle connections were still open after the normal requests");
    drop(crowd);
    let health = server.get(paths::HEALTH).expect(200);
    assert_eq!(health["status"], "ok");
}

/// Reads until the server closes: what it sent, or the error that ended the read.
fn read_until_closed(mut stream: &TcpStream) -> Result<Vec<u8>, String> {
    let mut received = Vec::new();
    let mut chunk = [0_u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return Ok(received),
            Ok(n) => received.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ok(received),
            Err(e) => return Err(format!("{e}; received {}", preview(&received))),
        }
    }
}

// Takes about the server's 10 s read timeout; other tests run meanwhile.
#[test]
fn the_server_closes_an_idle_connection_and_answers_a_stalled_head_or_body() {
    let server = TestServer::start();
    let idle = idle_connection(server.addr(), 0);
    let stalled = idle_connection(server.addr(), 1);
    let stalled_body = idle_connection(server.addr(), 2);
    for stream in [&idle, &stalled, &stalled_body] {
        stream.set_read_timeout(Some(CLOSE_BOUND)).unwrap();
    }
    let (idle_end, stalled_end, body_end) = thread::scope(|scope| {
        let idle = scope.spawn(|| read_until_closed(&idle));
        let stalled = scope.spawn(|| read_until_closed(&stalled));
        let body = scope.spawn(|| read_until_closed(&stalled_body));
        (
            idle.join().unwrap(),
            stalled.join().unwrap(),
            body.join().unwrap(),
        )
    });
    let idle_end = idle_end.unwrap_or_else(|e| {
        panic!("an idle connection was not closed within {CLOSE_BOUND:?}: {e}")
    });
    assert!(
        idle_end.is_empty(),
        "an idle connection is closed quietly, yet the server sent {}",
        preview(&idle_end)
    );
    let stalled_end = stalled_end
        .unwrap_or_else(|e| panic!("a stalled head was not answered within {CLOSE_BOUND:?}: {e}"));
    let response = Response::parse(&stalled_end).unwrap_or_else(|e| {
        panic!(
            "a stalled head: unparsable reply ({e}): {}",
            preview(&stalled_end)
        )
    });
    response.error(408);
    // PATCHES.md (hazard 7) says 400 "Body shorter than Content-Length"; the README's
    // status table says 408 for a client too slow to send its request. Either is an answer.
    let body_end = body_end
        .unwrap_or_else(|e| panic!("a stalled body was not answered within {CLOSE_BOUND:?}: {e}"));
    let response = Response::parse(&body_end).unwrap_or_else(|e| {
        panic!(
            "a stalled body: unparsable reply ({e}): {}",
            preview(&body_end)
        )
    });
    assert!(
        matches!(response.status, 400 | 408),
        "a stalled body got {} {}",
        response.status,
        response.text()
    );
    response.error(response.status);
    let health = server.get(paths::HEALTH).expect(200);
    assert_eq!(health["status"], "ok");
}
