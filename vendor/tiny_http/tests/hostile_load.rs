//! canvass patch: tests of the defences against hostile load (PATCHES.md, hazards 8 and 9):
//! clients that read a large response slowly, and one client address opening every
//! connection it can. Over real loopback TCP; every wait is bounded.

mod support;

use std::io::{BufReader, ErrorKind, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use tiny_http::Limits;

use support::{
    connect, connect_from, expect_closed, get, read_response, TestServer, CLIENT_TIMEOUT,
};

/// Far more than a loopback socket's send buffer (4 MiB at most on Linux) and the slow
/// clients' receive buffers together: the server cannot hand it all to the kernel.
const BIG: usize = 16 * 1024 * 1024;
const SLOW_CLIENTS: usize = 4;
/// The slow clients read this much per tick...
const SIP: usize = 1024;
/// ...one tick every this long (about 100 KiB/s, a thousandth of what the budget needs).
const TICK: Duration = Duration::from_millis(10);
/// A slow client gives up after this many ticks: the server never cut it.
const MAX_TICKS: usize = 3000;

/// A client that asks for `BIG` bytes through a 4 KiB receive buffer, as in issue 13.
fn slow_client(addr: SocketAddr) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(&addr.into()).unwrap();
    let mut stream = TcpStream::from(socket);
    stream.set_read_timeout(Some(CLIENT_TIMEOUT)).unwrap();
    write!(stream, "GET /big/{} HTTP/1.1\r\nHost: test\r\n\r\n", BIG).unwrap();
    stream
}

/// How a slow client's read ended.
#[derive(Debug)]
enum Ending {
    /// The server closed or reset the connection after this many bytes.
    Cut(usize),
    /// Something else: a timeout (the server neither sent nor cut), or the whole body.
    Other(String),
}

/// Reads `SIP` bytes per `TICK` until the server ends the connection. `first` holds what was
/// already read.
fn read_slowly(mut stream: TcpStream, first: usize) -> Ending {
    let (_never, tick) = mpsc::channel::<()>();
    let mut received = first;
    let mut sip = [0u8; SIP];
    for _ in 0..MAX_TICKS {
        match stream.read(&mut sip) {
            Ok(0) => return Ending::Cut(received),
            Ok(n) => received += n,
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Ending::Cut(received),
            Err(e) => return Ending::Other(format!("{} after {} bytes", e, received)),
        }
        if received > BIG {
            return Ending::Other("the whole response arrived".to_owned());
        }
        // the pace of a slow reader (nothing is ever sent on this channel)
        let _ = tick.recv_timeout(TICK);
    }
    Ending::Other(format!("still open after {} bytes", received))
}

#[test]
fn slow_readers_of_a_large_response_hold_neither_the_worker_nor_their_connection() {
    let ts = TestServer::start(Limits {
        // Each write() may block this long. Were a response written by the application's
        // thread (the only worker here), one slow reader would hold it at least this long
        // per write and the normal request below would time out.
        write_timeout: Duration::from_secs(30),
        // 0.5 s + 16 MiB at 64 MiB/s: each slow response is cut after about 0.75 s
        response_deadline: Duration::from_millis(500),
        min_send_rate: 64 * 1024 * 1024,
        ..Limits::default()
    });

    let mut slow = Vec::new();
    for _ in 0..SLOW_CLIENTS {
        let mut stream = slow_client(ts.addr);
        // the response has started: the worker already handed it over
        let mut head = [0u8; 16];
        stream.read_exact(&mut head).unwrap();
        assert!(head.starts_with(b"HTTP/1.1 200 "), "{:?}", head);
        slow.push(stream);
    }
    let readers: Vec<_> = slow
        .into_iter()
        .map(|stream| thread::spawn(move || read_slowly(stream, 16)))
        .collect();

    // while four responses of 16 MiB are being sent to nobody, a normal client is answered
    let started = Instant::now();
    let normal = get(ts.addr, "/normal");
    let latency = started.elapsed();
    assert_eq!(normal.status, 200);
    assert_eq!(normal.text(), "ok");
    println!(
        "a normal request took {:?} while {} slow readers held 16 MiB responses",
        latency, SLOW_CLIENTS
    );

    // and each slow reader is cut once its budget is spent, long before the end
    for reader in readers {
        match reader.join().unwrap() {
            Ending::Cut(received) => assert!(received < BIG, "{}", received),
            Ending::Other(what) => panic!("a slow reader was not cut: {}", what),
        }
    }
    assert!(ts.seen("GET /normal"));
}

#[test]
fn a_response_within_its_budget_is_sent_whole() {
    let ts = TestServer::start(Limits {
        response_deadline: Duration::from_secs(10),
        ..Limits::default()
    });
    // the default rate allows far more time than loopback needs for 16 MiB
    let mut stream = connect(ts.addr);
    write!(stream, "GET /big/{} HTTP/1.1\r\nHost: test\r\n\r\n", BIG).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let resp = read_response(&mut reader).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body.len(), BIG);
    // and the connection goes on
    stream
        .write_all(b"GET /after HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut reader).unwrap().text(), "ok");
}

/// A kept-alive connection from `local` that was answered once, so the server counts it.
fn held_connection(local: IpAddr, addr: SocketAddr) -> TcpStream {
    let mut stream = connect_from(local, addr);
    stream
        .write_all(b"GET /held HTTP/1.1\r\nHost: test\r\n\r\n")
        .unwrap();
    let resp = read_response(&mut BufReader::new(stream.try_clone().unwrap())).unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    stream
}

const FIRST: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const SECOND: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

#[test]
fn one_address_over_its_cap_gets_503_while_another_address_is_served() {
    let ts = TestServer::start(Limits {
        max_connections_per_address: 2,
        ..Limits::default()
    });
    let mut held: Vec<TcpStream> = (0..2).map(|_| held_connection(FIRST, ts.addr)).collect();

    // a third connection from the same address is answered at once, before any request
    let mut third = BufReader::new(connect_from(FIRST, ts.addr));
    let resp = read_response(&mut third).unwrap();
    assert_eq!(
        resp.json_error(503),
        "Too many connections from your address"
    );
    expect_closed(&mut third);

    // another address is served meanwhile, up to its own cap
    let others: Vec<TcpStream> = (0..2).map(|_| held_connection(SECOND, ts.addr)).collect();
    assert_eq!(ts.server.num_connections(), 4);

    // once one of its connections closes, the first address has room again
    let mut closing = held.pop().unwrap();
    closing
        .write_all(b"GET /bye HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(closing);
    assert_eq!(read_response(&mut reader).unwrap().status, 200);
    expect_closed(&mut reader);
    // The server lets go of its count right after closing the socket; a retry covers
    // that instant, and each refusal comes back at once.
    let mut refused = 0;
    let again = loop {
        let mut stream = connect_from(FIRST, ts.addr);
        stream
            .write_all(b"GET /again HTTP/1.1\r\nHost: test\r\n\r\n")
            .unwrap();
        let resp = read_response(&mut BufReader::new(stream)).unwrap();
        if resp.status != 503 || refused == 1000 {
            break resp;
        }
        refused += 1;
    };
    assert_eq!(again.status, 200, "{} refusals: {}", refused, again.text());
    drop((held, others));
}

#[test]
fn connections_over_the_total_cap_get_503_whatever_their_address() {
    let ts = TestServer::start(Limits {
        max_connections: 2,
        max_connections_per_address: 2,
        ..Limits::default()
    });
    let _first = held_connection(FIRST, ts.addr);
    let _second = held_connection(SECOND, ts.addr);
    let mut third = BufReader::new(connect_from(
        IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)),
        ts.addr,
    ));
    assert_eq!(
        read_response(&mut third).unwrap().json_error(503),
        "Too many connections"
    );
}
