//! canvass patch: HTTP/1.x framing that a proxy in front could read differently is refused
//! with 400 and the connection closed (PATCHES.md, hazard 10; RFC 9112). Over real loopback
//! TCP; every wait is bounded.

mod support;

use std::io::{BufReader, Write};

use tiny_http::Limits;

use support::{connect, exchange_then_closed, read_response, TestServer};

/// Sends `request` and checks that it gets tiny_http's JSON 400 with `message`, then a close.
#[track_caller]
fn refused(ts: &TestServer, request: &[u8], message: &str) {
    let resp = exchange_then_closed(ts.addr, request);
    assert_eq!(
        resp.json_error(400),
        message,
        "{:?}",
        String::from_utf8_lossy(request)
    );
}

#[test]
fn transfer_encoding_in_http_1_0_is_refused_even_with_keep_alive() {
    let ts = TestServer::start(Limits::default());
    refused(
        &ts,
        b"POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n\
          5\r\nhello\r\n0\r\n\r\nGET /smuggled HTTP/1.0\r\n\r\n",
        "Transfer-Encoding in an HTTP/1.0 request",
    );
    assert!(!ts.seen("POST /echo") && !ts.seen("GET /smuggled"));
}

#[test]
fn bare_lf_line_endings_are_refused() {
    let ts = TestServer::start(Limits::default());
    let bare = "Line not ending in CRLF";
    refused(&ts, b"GET / HTTP/1.1\nHost: test\r\n\r\n", bare);
    refused(&ts, b"GET / HTTP/1.1\r\nHost: test\n\r\n", bare);
    refused(&ts, b"GET / HTTP/1.1\r\nHost: test\r\n\n", bare);
    refused(&ts, b"\nGET / HTTP/1.1\r\nHost: test\r\n\r\n", bare);
    let chunked = "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n";
    for body in [
        "5\nhello\r\n0\r\n\r\n",
        "5\r\nhello\n0\r\n\r\n",
        "5\r\nhello\r\n0\n\r\n",
        "5\r\nhello\r\n0\r\n\n",
    ] {
        refused(&ts, format!("{}{}", chunked, body).as_bytes(), bare);
    }
    assert!(!ts.seen("GET /") && !ts.seen("POST /echo"));
}

#[test]
fn chunk_sizes_with_whitespace_and_bad_trailers_are_refused() {
    let ts = TestServer::start(Limits::default());
    let head = b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n";
    for body in [
        &b" 5\r\nhello\r\n0\r\n\r\n"[..],
        b"5 \r\nhello\r\n0\r\n\r\n",
        b"5 ;ext=1\r\nhello\r\n0\r\n\r\n",
        b"5\t\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhello\r\n0\r\nX-Trailer: a\x00b\r\n\r\n",
        b"5\r\nhello\r\n0\r\nX-Trailer: \xff\r\n\r\n",
        b"5\r\nhello\r\n0\r\nnot a field\r\n\r\n",
    ] {
        refused(&ts, &[&head[..], body].concat(), "Malformed chunked body");
    }
    assert!(!ts.seen("POST /echo"));
}

#[test]
fn a_missing_duplicated_or_invalid_host_is_refused() {
    let ts = TestServer::start(Limits::default());
    refused(&ts, b"GET / HTTP/1.1\r\n\r\n", "Missing Host header");
    refused(
        &ts,
        b"GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n",
        "More than one Host header",
    );
    refused(
        &ts,
        b"GET / HTTP/1.0\r\nHost: a.test\r\nhost: a.test\r\n\r\n",
        "More than one Host header",
    );
    refused(
        &ts,
        b"GET / HTTP/1.1\r\nHost: a.test b.test\r\n\r\n",
        "Invalid Host header",
    );
    assert!(!ts.seen("GET /"));

    // HTTP/1.0 needs none, and an empty Host is valid
    let resp = exchange_then_closed(ts.addr, b"GET /old HTTP/1.0\r\n\r\n");
    assert_eq!(resp.status, 200);
    let mut stream = connect(ts.addr);
    stream
        .write_all(b"GET /empty HTTP/1.1\r\nHost:\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut BufReader::new(stream)).unwrap();
    assert_eq!(resp.status, 200);
}

#[test]
fn malformed_request_lines_fields_and_codings_are_refused() {
    let ts = TestServer::start(Limits::default());
    refused(
        &ts,
        b" GET / HTTP/1.1\r\nHost: test\r\n\r\n",
        "Bad request line",
    );
    refused(
        &ts,
        b"GET / HTTP/1.1 \r\nHost: test\r\n\r\n",
        "Bad request line",
    );
    refused(
        &ts,
        b"GET  / HTTP/1.1\r\nHost: test\r\n\r\n",
        "Bad request line",
    );
    refused(
        &ts,
        b"GE(T / HTTP/1.1\r\nHost: test\r\n\r\n",
        "Bad request line",
    );
    refused(
        &ts,
        b"GET / HTTP/1.1\r\nHost : test\r\n\r\n",
        "Malformed header",
    );
    refused(
        &ts,
        b"GET / HTTP/1.1\r\nHost: test\r\nX\"y: 1\r\n\r\n",
        "Malformed header",
    );
    for coding in ["gzip, chunked", "chunked, chunked", "identity"] {
        let request = format!(
            "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: {}\r\n\r\n0\r\n\r\n",
            coding
        );
        refused(&ts, request.as_bytes(), "Unsupported Transfer-Encoding");
    }
    let split = b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\
                  Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    refused(&ts, split, "Unsupported Transfer-Encoding");
    assert!(!ts.seen("GET /") && !ts.seen("POST /echo"));
}

#[test]
fn connection_options_are_read_as_tokens() {
    let ts = TestServer::start(Limits::default());
    // HTTP/1.0 keep-alive without a body framing problem stays open
    let mut stream = connect(ts.addr);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    stream
        .write_all(b"GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut reader).unwrap();
    assert_eq!((resp.status, resp.header("Connection")), (200, None));
    // `close` among other options closes
    stream
        .write_all(b"GET /two HTTP/1.0\r\nConnection: keep-alive, Close\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.header("Connection"), Some("close"));
    support::expect_closed(&mut reader);

    // a word that merely contains `close` does not
    let mut stream = connect(ts.addr);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    for path in ["/three", "/four"] {
        write!(
            stream,
            "GET {} HTTP/1.1\r\nHost: test\r\nConnection: notclose\r\n\r\n",
            path
        )
        .unwrap();
        let resp = read_response(&mut reader).unwrap();
        assert_eq!((resp.status, resp.header("Connection")), (200, None));
    }
}
