//! canvass patch: tests of the hardening described in PATCHES.md, over real loopback TCP.
//!
//! Every wait is bounded: clients use socket timeouts and waits on channels use
//! `recv_timeout`. No test asserts on timing.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use tiny_http::{Limits, Response, Server};

use support::{
    connect, exchange_then_closed, expect_closed, get, read_response, TestServer, CLIENT_TIMEOUT,
};

fn small_limits() -> Limits {
    Limits {
        max_body: 1024,
        ..Limits::default()
    }
}

#[test]
fn huge_content_length_is_not_read_and_the_server_survives() {
    let ts = TestServer::start(Limits::default());
    let mut stream = connect(ts.addr);
    stream
        .write_all(b"POST /upload HTTP/1.1\r\nHost: test\r\nContent-Length: 1099511627776\r\n\r\n")
        .unwrap();
    stream.write_all(&[b'x'; 16 * 1024]).unwrap();
    let mut reader = BufReader::new(stream);
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 413);
    assert!(
        resp.text().contains("\"body_length\":1099511627776"),
        "{}",
        resp.text()
    );
    assert_eq!(resp.header("Connection"), Some("close"));
    expect_closed(&mut reader);

    let resp = get(ts.addr, "/after");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "ok");
    assert!(ts.seen("POST /upload"));
}

#[test]
fn body_over_max_body_is_reported_and_the_server_keeps_serving() {
    let ts = TestServer::start(Limits::default());
    let stream = connect(ts.addr);
    let mut writer_stream = stream.try_clone().unwrap();
    // the client sends the whole 2 MiB body while the server answers without reading it;
    // write errors are expected once the server closes
    let writer = thread::spawn(move || {
        let body = vec![b'y'; 2 * 1024 * 1024];
        let _ = writer_stream
            .write_all(b"PUT /big HTTP/1.1\r\nHost: test\r\nContent-Length: 2097152\r\n\r\n")
            .and_then(|()| writer_stream.write_all(&body));
    });
    let mut reader = BufReader::new(stream);
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 413);
    assert!(
        resp.text().contains("\"body_length\":2097152"),
        "{}",
        resp.text()
    );
    expect_closed(&mut reader);
    writer.join().unwrap();

    let resp = get(ts.addr, "/after");
    assert_eq!(resp.status, 200);
}

#[test]
fn body_within_limit_is_readable_by_the_app() {
    let ts = TestServer::start(Limits::default());
    let body: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let mut stream = connect(ts.addr);
    write!(
        stream,
        "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(&body).unwrap();
    let resp = read_response(&mut BufReader::new(stream)).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("X-Body-Length"), Some("Some(50000)"));
    assert_eq!(resp.body, body);
}

#[test]
fn chunked_body_within_limit_keeps_the_connection_in_sync() {
    let ts = TestServer::start(small_limits());
    let mut stream = connect(ts.addr);
    stream
        .write_all(
            b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n\
              5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n",
        )
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "hello world");
    assert_eq!(resp.header("X-Body-Length"), Some("Some(11)"));

    stream
        .write_all(b"GET /second HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "ok");
}

#[test]
fn chunked_body_over_limit_gets_413_and_closes() {
    let ts = TestServer::start(small_limits());
    let mut request =
        b"POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..4 {
        request.extend_from_slice(b"400\r\n");
        request.extend_from_slice(&[b'z'; 0x400]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    let resp = exchange_then_closed(ts.addr, &request);
    assert_eq!(resp.status, 413);
    // decoded up to max_body + 1 bytes
    assert!(
        resp.text().contains("\"body_length\":1025"),
        "{}",
        resp.text()
    );
    assert_eq!(resp.header("Connection"), Some("close"));
}

#[test]
fn truncated_body_gets_400_json_and_is_not_delivered() {
    let ts = TestServer::start(Limits::default());
    let mut stream = connect(ts.addr);
    stream
        .write_all(
            b"POST /truncated HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n0123456789",
        )
        .unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut reader = BufReader::new(stream);
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.json_error(400), "Body shorter than Content-Length");
    expect_closed(&mut reader);

    assert_eq!(get(ts.addr, "/after").status, 200);
    assert!(ts.seen("GET /after"));
    assert!(!ts.seen("POST /truncated"));
}

#[test]
fn header_line_over_limit_gets_431() {
    let ts = TestServer::start(Limits::default());
    let mut request = b"GET / HTTP/1.1\r\nHost: test\r\nX-Big: ".to_vec();
    request.extend_from_slice(&[b'a'; 9000]);
    request.extend_from_slice(b"\r\n\r\n");
    let resp = exchange_then_closed(ts.addr, &request);
    assert_eq!(resp.json_error(431), "Request header fields too large");
}

#[test]
fn head_over_max_header_bytes_gets_431() {
    let ts = TestServer::start(Limits::default());
    let mut request = b"GET / HTTP/1.1\r\nHost: test\r\n".to_vec();
    for i in 0..5 {
        request.extend_from_slice(format!("X-Part-{}: ", i).as_bytes());
        request.extend_from_slice(&[b'b'; 7000]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    let resp = exchange_then_closed(ts.addr, &request);
    assert_eq!(resp.json_error(431), "Request header fields too large");
}

#[test]
fn too_many_headers_get_431() {
    let ts = TestServer::start(Limits::default());
    let mut request = b"GET / HTTP/1.1\r\n".to_vec();
    for i in 0..101 {
        request.extend_from_slice(format!("X-H{}: v\r\n", i).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    let resp = exchange_then_closed(ts.addr, &request);
    assert_eq!(resp.json_error(431), "Request header fields too large");

    // exactly max_headers is fine
    let mut stream = connect(ts.addr);
    let mut request = b"GET /hundred HTTP/1.1\r\nHost: test\r\n".to_vec();
    for i in 1..100 {
        request.extend_from_slice(format!("X-H{}: v\r\n", i).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    stream.write_all(&request).unwrap();
    assert_eq!(
        read_response(&mut BufReader::new(stream)).unwrap().status,
        200
    );
}

#[test]
fn long_request_line_gets_414() {
    let ts = TestServer::start(Limits::default());
    let request = format!("GET /{} HTTP/1.1\r\nHost: test\r\n\r\n", "p".repeat(9000));
    let resp = exchange_then_closed(ts.addr, request.as_bytes());
    assert_eq!(resp.json_error(414), "URI too long");
}

#[test]
fn non_ascii_head_gets_400_json() {
    let ts = TestServer::start(Limits::default());
    let resp = exchange_then_closed(
        ts.addr,
        b"GET / HTTP/1.1\r\nHost: test\r\nX-Name: caf\xc3\xa9\r\n\r\n",
    );
    assert_eq!(resp.json_error(400), "Malformed header");

    let resp = exchange_then_closed(ts.addr, b"GET /caf\xc3\xa9 HTTP/1.1\r\nHost: test\r\n\r\n");
    assert_eq!(resp.json_error(400), "Bad request line");
}

#[test]
fn protocol_errors_are_json() {
    let ts = TestServer::start(Limits::default());
    let resp = exchange_then_closed(ts.addr, b"NONSENSE\r\n\r\n");
    assert_eq!(resp.json_error(400), "Bad request line");

    let resp = exchange_then_closed(ts.addr, b"GET / HTTP/2.0\r\nHost: test\r\n\r\n");
    assert_eq!(resp.json_error(505), "HTTP version not supported");

    let resp = exchange_then_closed(
        ts.addr,
        b"POST / HTTP/1.1\r\nHost: test\r\nExpect: something-else\r\nContent-Length: 1\r\n\r\nx",
    );
    assert_eq!(resp.json_error(417), "Expectation failed");

    let resp = exchange_then_closed(
        ts.addr,
        b"POST / HTTP/1.1\r\nHost: test\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
    );
    assert_eq!(resp.json_error(400), "Invalid Content-Length");

    let resp = exchange_then_closed(ts.addr, b"GET / HTTP/1.1\r\nNo colon here\r\n\r\n");
    assert_eq!(resp.json_error(400), "Malformed header");
}

fn timeout_limits() -> Limits {
    Limits {
        read_timeout: Duration::from_millis(200),
        ..Limits::default()
    }
}

#[test]
fn idle_connection_is_closed_quietly_after_read_timeout() {
    let ts = TestServer::start(timeout_limits());
    // never sends anything
    let stream = connect(ts.addr);
    expect_closed(&mut BufReader::new(stream));

    // idle after a request on a keep-alive connection: closed without a 408
    let mut stream = connect(ts.addr);
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(stream);
    assert_eq!(read_response(&mut reader).unwrap().status, 200);
    expect_closed(&mut reader);
}

#[test]
fn stall_mid_request_gets_408() {
    let ts = TestServer::start(timeout_limits());
    let mut stream = connect(ts.addr);
    stream.write_all(b"GET / HTTP/1.1\r\nHost: te").unwrap();
    let mut reader = BufReader::new(stream);
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.json_error(408), "Request timeout");
    expect_closed(&mut reader);
}

#[test]
fn slowloris_is_cut_at_the_request_deadline_while_others_are_served() {
    let ts = TestServer::start(Limits {
        // long enough that only the deadline can cut a byte every 20 ms
        read_timeout: Duration::from_secs(5),
        request_deadline: Duration::from_millis(300),
        ..Limits::default()
    });

    let mut slow = connect(ts.addr);
    slow.write_all(b"GET /slow HTTP/1.1\r\nX-Trickle: ")
        .unwrap();
    let (result_tx, result_rx) = mpsc::channel();
    let mut slow_reader = BufReader::new(slow.try_clone().unwrap());
    let reader = thread::spawn(move || {
        let resp = read_response(&mut slow_reader);
        if resp.is_ok() {
            expect_closed(&mut slow_reader);
        }
        let _ = result_tx.send(resp);
    });

    // trickle one byte every 20 ms; the wait between bytes is also the wait for the
    // server's answer
    let mut trickled = 0;
    let mut served_meanwhile = None;
    let outcome = loop {
        if trickled >= 2000 {
            panic!("the slow request was never cut");
        }
        if slow.write_all(b"a").is_err() {
            break result_rx.recv_timeout(CLIENT_TIMEOUT).unwrap();
        }
        trickled += 1;
        if trickled == 1 {
            // a client on a fresh connection is served while the slow one trickles
            served_meanwhile = Some(get(ts.addr, "/fresh"));
        }
        match result_rx.recv_timeout(Duration::from_millis(20)) {
            Ok(outcome) => break outcome,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(e) => panic!("{}", e),
        }
    };
    reader.join().unwrap();

    let resp = outcome.unwrap();
    assert_eq!(resp.json_error(408), "Request timeout");
    assert!(trickled < 2000);
    let fresh = served_meanwhile.unwrap();
    assert_eq!(fresh.status, 200);
    assert!(ts.seen("GET /fresh"));
    assert!(!ts.seen("GET /slow"));
}

#[test]
fn connections_over_max_connections_get_503() {
    let ts = TestServer::start(Limits {
        max_connections: 1,
        ..Limits::default()
    });
    let mut first = connect(ts.addr);
    first
        .write_all(b"GET /first HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let mut first_reader = BufReader::new(first.try_clone().unwrap());
    assert_eq!(read_response(&mut first_reader).unwrap().status, 200);
    assert_eq!(ts.server.num_connections(), 1);

    // the server answers at once, before any request
    let second = connect(ts.addr);
    let mut second_reader = BufReader::new(second);
    let resp = read_response(&mut second_reader).unwrap();
    assert_eq!(resp.json_error(503), "Too many connections");
    expect_closed(&mut second_reader);

    // the first connection is still served
    first
        .write_all(b"GET /again HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut first_reader).unwrap().status, 200);
}

#[test]
fn keep_alive_serves_several_requests_on_one_connection() {
    let ts = TestServer::start(Limits::default());
    let mut stream = connect(ts.addr);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    stream
        .write_all(b"GET /one HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("Connection"), None);
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\nabc")
        .unwrap();
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "abc");
    assert!(ts.seen("GET /one") && ts.seen("POST /echo"));

    // `Connection: close` is honoured and echoed
    stream
        .write_all(b"GET /last HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.header("Connection"), Some("close"));
    expect_closed(&mut reader);
}

#[test]
fn expect_100_continue_works() {
    let ts = TestServer::start(small_limits());
    let mut stream = connect(ts.addr);
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    stream
        .write_all(
            b"POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n",
        )
        .unwrap();
    let interim = read_response(&mut reader).unwrap();
    assert_eq!(interim.status, 100);
    stream.write_all(b"hello world").unwrap();
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "hello world");

    // over the limit: no 100 Continue, the final answer comes straight away
    stream
        .write_all(
            b"POST /echo HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n",
        )
        .unwrap();
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 413);
    assert_eq!(resp.header("Connection"), Some("close"));
    expect_closed(&mut reader);
}

#[test]
fn unblock_releases_recv() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = Server::with_limits(listener, Limits::default()).unwrap();
    server.unblock();
    assert!(server.recv().is_err());
    assert_eq!(server.num_connections(), 0);
    assert!(server
        .recv_timeout(Duration::from_millis(1))
        .unwrap()
        .is_none());
}

#[test]
fn default_constructors_still_work() {
    let server = Server::http("127.0.0.1:0").unwrap();
    let addr = server.server_addr().to_ip().unwrap();
    let worker = thread::spawn(move || {
        let rq = server.recv().unwrap();
        rq.respond(Response::from_string("hi")).unwrap();
    });
    let resp = get(addr, "/");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.text(), "hi");
    worker.join().unwrap();
}

#[test]
fn pipelined_requests_are_answered_in_order() {
    let ts = TestServer::start(Limits::default());
    let mut stream = connect(ts.addr);
    stream
        .write_all(
            b"POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nfirst\
              GET /second HTTP/1.1\r\nHost: test\r\n\r\n\
              POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 5\r\n\r\nthird",
        )
        .unwrap();
    let mut reader = BufReader::new(stream);
    assert_eq!(read_response(&mut reader).unwrap().text(), "first");
    assert_eq!(read_response(&mut reader).unwrap().text(), "ok");
    assert_eq!(read_response(&mut reader).unwrap().text(), "third");
}

#[test]
fn upgrade_hands_the_raw_stream_to_the_app() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = Server::with_limits(listener, Limits::default()).unwrap();
    let addr = server.server_addr().to_ip().unwrap();
    let app = thread::spawn(move || {
        let rq = server.recv().unwrap();
        let mut stream = rq.upgrade("echo", Response::empty(101));
        let mut word = [0u8; 4];
        stream.read_exact(&mut word).unwrap();
        stream.write_all(&word).unwrap();
        stream.flush().unwrap();
    });
    let mut stream = connect(addr);
    stream
        .write_all(
            b"GET /ws HTTP/1.1\r\nHost: test\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n",
        )
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 101 "), "{}", line);
    while line != "\r\n" {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    stream.write_all(b"ping").unwrap();
    let mut word = [0u8; 4];
    reader.read_exact(&mut word).unwrap();
    assert_eq!(&word, b"ping");
    app.join().unwrap();
}
