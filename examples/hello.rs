//! A bare tiny_http "hello" server: the ceiling the benchmark compares canvass against.
//!
//! `cargo run --release --example hello -- [ADDR]` binds ADDR (default `127.0.0.1:0`), prints
//! `listening on http://ADDR`, and answers every request `200 {"status":"ok"}` from a pool of
//! worker threads (4 per core, as `canvass serve` does) looping on `Server::recv()`.
// A command-line example talks to its user on stdout/stderr; that is its whole interface.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let server = match tiny_http::Server::http(addr.as_str()) {
        Ok(server) => Arc::new(server),
        Err(e) => {
            eprintln!("hello: cannot listen on {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(content_type) = tiny_http::Header::from_bytes("Content-Type", "application/json") else {
        eprintln!("hello: bad header");
        return ExitCode::FAILURE;
    };
    let threads = std::thread::available_parallelism().map_or(8, |n| n.get() * 4);
    println!("listening on http://{}", server.server_addr());

    let workers: Vec<_> = (0..threads)
        .filter_map(|n| {
            let (server, content_type) = (Arc::clone(&server), content_type.clone());
            std::thread::Builder::new()
                .name(format!("hello-worker-{n}"))
                .spawn(move || {
                    loop {
                        match server.recv() {
                            Ok(rq) => {
                                let response =
                                    tiny_http::Response::from_string(r#"{"status":"ok"}"#)
                                        .with_header(content_type.clone());
                                // A client that went away is not the server's problem.
                                let _ = rq.respond(response);
                            }
                            Err(e) => {
                                eprintln!("hello: recv failed: {e}");
                                break;
                            }
                        }
                    }
                })
                .map_err(|e| eprintln!("hello: cannot spawn worker {n}: {e}"))
                .ok()
        })
        .collect();
    if workers.is_empty() {
        return ExitCode::FAILURE;
    }
    for worker in workers {
        let _ = worker.join();
    }
    ExitCode::SUCCESS
}
