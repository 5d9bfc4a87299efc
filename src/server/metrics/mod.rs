//! The server's Prometheus metrics (issue 17): the registry, the typed recording methods the
//! HTTP layer, the handlers and the store call, and (`scrape.rs`) the listener that serves
//! `GET /metrics` on an address of its own, never on the public port.
//!
//! Off unless `--metrics-addr` is given: `Metrics` is then empty and every recording method
//! is one branch. On, the hot path only does relaxed atomic adds: per-request counters and
//! histograms live in a table made at start (`requests.rs`); the gauges that would need a
//! lock (open connections, queue lengths) are read when Prometheus scrapes, not per request.

mod histogram;
mod requests;
mod scrape;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

pub use scrape::MetricsServer;

use super::http::{Load, Method};
use super::route_name::RouteName;
use super::store::StoreObserver;
use histogram::AtomicHistogram;
use requests::{RequestCounts, RequestDurations, RequestTable};

/// Responses per commit: the SQLite group commit takes at most 256.
const BATCH_BOUNDS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

/// How a login ended, for `canvass_logins_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    Ok,
    /// Unknown e-mail or wrong password (they are not told apart, here either).
    BadCredentials,
    /// Refused before the password was checked: too many failures (429).
    Throttled,
}

/// A cheap handle: clones share one set of metrics; `Metrics::off()` records nothing.
#[derive(Clone, Default)]
pub struct Metrics(Option<Arc<Collected>>);

struct Collected {
    registry: Registry,
    requests: Arc<RequestTable>,
    in_flight: Gauge,
    responses_recorded: Counter,
    /// Indexed by `LoginOutcome as usize`.
    logins: [Counter; 3],
    write_batch: AtomicHistogram,
    db_errors: Counter,
    load: Arc<OnceLock<Load>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Metrics(on)"
        } else {
            "Metrics(off)"
        })
    }
}

impl Metrics {
    /// Records nothing; `--metrics-addr` not given.
    pub fn off() -> Metrics {
        Metrics(None)
    }

    /// Every metric, registered, at zero.
    pub fn on() -> Metrics {
        let mut registry = Registry::default();
        let requests = RequestTable::new();
        registry.register(
            "canvass_http_requests",
            "HTTP requests answered, by route template (never the raw path; `unmatched` for \
             paths no route knows, `preflight` for CORS pre-flight), method and status",
            RequestCounts(Arc::clone(&requests)),
        );
        registry.register(
            "canvass_http_request_duration_seconds",
            "Time from a worker taking a request to its response being ready to send, by \
             route template and method",
            RequestDurations(Arc::clone(&requests)),
        );
        let in_flight = Gauge::default();
        registry.register(
            "canvass_http_requests_in_flight",
            "Requests a worker is answering now: taken off the queue, response not yet ready \
             to send",
            in_flight.clone(),
        );
        let responses_recorded = Counter::default();
        registry.register(
            "canvass_responses_recorded",
            "Survey responses stored and counted (a resend recognised by its client id is not \
             counted again), from the API and the web form alike",
            responses_recorded.clone(),
        );
        let logins = [Counter::default(), Counter::default(), Counter::default()];
        registry.register(
            "canvass_logins",
            "Logins, by outcome: ok, bad_credentials (unknown e-mail or wrong password), \
             throttled (429 before the password was checked)",
            LoginCounts(logins.clone()),
        );
        let write_batch = AtomicHistogram::new(BATCH_BOUNDS, 1.0);
        registry.register(
            "canvass_write_batch_size",
            "Responses per commit: SQLite's group commit writes every response waiting in one \
             transaction; PostgreSQL commits each response on its own, so always 1 there",
            write_batch.clone(),
        );
        let db_errors = Counter::default();
        registry.register(
            "canvass_db_errors",
            "Store calls that failed for the database's sake (its own error, a stopped writer, \
             a file gone), not a rule's refusal such as a closed survey",
            db_errors.clone(),
        );
        registry.register(
            "canvass_build",
            "The running build",
            Info::new([("version", env!("CARGO_PKG_VERSION"))]),
        );
        let load = Arc::new(OnceLock::new());
        registry.register_collector(Box::new(LoadGauges(Arc::clone(&load))));
        Metrics(Some(Arc::new(Collected {
            registry,
            requests,
            in_flight,
            responses_recorded,
            logins,
            write_batch,
            db_errors,
            load,
        })))
    }

    /// What the store reports to, when metrics are on.
    pub fn store_observer(&self) -> Option<Arc<dyn StoreObserver>> {
        self.0
            .clone()
            .map(|collected| collected as Arc<dyn StoreObserver>)
    }

    /// Lets the scrape read the HTTP server's connections and queues.
    pub fn watch(&self, load: Load) {
        if let Some(m) = &self.0 {
            let _ = m.load.set(load);
        }
    }

    /// One request answered. `route` comes from the route table, never the raw path.
    pub fn request(&self, route: RouteName, method: &Method, status: u16, elapsed: Duration) {
        if let Some(m) = &self.0 {
            m.requests.record(route, method, status, elapsed);
        }
    }

    /// Counts a request in flight until the guard is dropped.
    pub fn in_flight(&self) -> InFlight<'_> {
        if let Some(m) = &self.0 {
            m.in_flight.inc();
        }
        InFlight(self.0.as_deref().map(|m| &m.in_flight))
    }

    pub fn login(&self, outcome: LoginOutcome) {
        if let Some(m) = &self.0 {
            m.logins[outcome as usize].inc();
        }
    }

    /// The registry in the Prometheus text format (version 0.0.4); empty when off.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if let Some(m) = &self.0 {
            // Writing to a String cannot fail.
            let _ = prometheus_client::encoding::prometheus_text::encode(&mut text, &m.registry);
        }
        text
    }
}

/// `Metrics::in_flight`'s guard.
pub struct InFlight<'a>(Option<&'a Gauge>);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Some(gauge) = self.0 {
            gauge.dec();
        }
    }
}

impl StoreObserver for Collected {
    fn committed_responses(&self, responses: usize) {
        self.write_batch
            .observe(u64::try_from(responses).unwrap_or(u64::MAX));
    }

    fn response_recorded(&self) {
        self.responses_recorded.inc();
    }

    fn database_error(&self) {
        self.db_errors.inc();
    }
}

/// `canvass_logins_total{outcome}`: three counters made at start, so recording never looks
/// a label set up.
#[derive(Debug, Clone)]
struct LoginCounts([Counter; 3]);

impl EncodeMetric for LoginCounts {
    fn encode(
        &self,
        mut encoder: prometheus_client::encoding::MetricEncoder,
    ) -> Result<(), std::fmt::Error> {
        for (outcome, counter) in ["ok", "bad_credentials", "throttled"].iter().zip(&self.0) {
            let labels = [("outcome", *outcome)];
            counter.encode(encoder.encode_family(&labels)?)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> prometheus_client::metrics::MetricType {
        prometheus_client::metrics::MetricType::Counter
    }
}

/// The gauges read at scrape time from the HTTP server (`http::Load`).
#[derive(Debug)]
struct LoadGauges(Arc<OnceLock<Load>>);

impl Collector for LoadGauges {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(load) = self.0.get() else {
            return Ok(());
        };
        let gauges = [
            (
                "canvass_http_connections_open",
                "Client connections open now: accepted and not yet closed, idle keep-alive \
                 ones and ones still being sent a response included",
                load.open_connections(),
            ),
            (
                "canvass_http_requests_queued",
                "Requests read in full and waiting for a worker: in the engine's queue, plus \
                 logins and registrations waiting for a login worker",
                load.queued_requests(),
            ),
        ];
        for (name, help, value) in gauges {
            let gauge = ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX));
            gauge.encode(encoder.encode_descriptor(name, help, None, gauge.metric_type())?)?;
        }
        Ok(())
    }
}
