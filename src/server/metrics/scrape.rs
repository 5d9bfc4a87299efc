//! `GET /metrics` on the metrics address: a second, small tiny_http server with one thread of
//! its own, so a scrape never takes a request worker and the metrics are never reachable on
//! the public port (put the address where only Prometheus can reach it).

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use super::Metrics;

/// Prometheus scrapes one at a time; a few more cover a person with curl.
const MAX_CONNECTIONS: usize = 8;

/// The running listener; `shutdown` stops it.
pub struct MetricsServer {
    server: Arc<tiny_http::Server>,
    stopping: Arc<AtomicBool>,
    thread: JoinHandle<()>,
    addr: SocketAddr,
}

impl MetricsServer {
    /// Binds `addr` (port 0 picks one: see `addr`) and serves `metrics` from a thread.
    pub fn start(addr: &str, metrics: Metrics) -> std::io::Result<MetricsServer> {
        let listener = TcpListener::bind(addr)?;
        let addr = listener.local_addr()?;
        let limits = tiny_http::Limits {
            max_body: 0,
            max_connections: MAX_CONNECTIONS,
            max_connections_per_address: MAX_CONNECTIONS,
            ..tiny_http::Limits::default()
        };
        let server = tiny_http::Server::with_limits(listener, limits)
            .map(Arc::new)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = {
            let (server, stopping) = (Arc::clone(&server), Arc::clone(&stopping));
            std::thread::Builder::new()
                .name("canvass-metrics".into())
                .spawn(move || serve(&server, &stopping, &metrics))?
        };
        Ok(MetricsServer {
            server,
            stopping,
            thread,
            addr,
        })
    }

    /// The address bound, port 0 resolved.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn shutdown(self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.server.unblock();
        let _ = self.thread.join();
    }
}

fn serve(server: &tiny_http::Server, stopping: &AtomicBool, metrics: &Metrics) {
    loop {
        let Ok(rq) = server.recv() else {
            if stopping.load(Ordering::SeqCst) {
                return;
            }
            continue;
        };
        let path = rq.url().split('?').next().unwrap_or_default();
        let (status, content_type, body) = match (rq.method(), path) {
            (tiny_http::Method::Get | tiny_http::Method::Head, "/metrics") => (
                200,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                metrics.encode(),
            ),
            (_, "/metrics") => (405, "text/plain; charset=utf-8", "GET only\n".to_owned()),
            _ => (
                404,
                "text/plain; charset=utf-8",
                "only /metrics here\n".to_owned(),
            ),
        };
        let mut response = tiny_http::Response::from_data(body).with_status_code(status);
        if let Ok(header) = tiny_http::Header::from_bytes(b"Content-Type", content_type.as_bytes())
        {
            response.add_header(header);
        }
        // A scraper that hung up is no error of ours.
        let _ = rq.respond(response);
    }
}
