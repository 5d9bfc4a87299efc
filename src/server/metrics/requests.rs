//! Requests counted and timed per route template, method and status, in a table made once at
//! start: one slot per (route name, method), each with a counter per status and a duration
//! histogram. Recording is a lookup of the name and three relaxed atomic adds: no lock, no
//! allocation, and no label set built per request (prometheus-client's `Family` would take
//! a lock to find one). Only slots that saw a request are exported.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;

use super::histogram::AtomicHistogram;
use crate::server::http::Method;
use crate::server::route_name::RouteName;

/// Request durations' bucket bounds, in seconds: most answers take well under a millisecond
/// (the reply cache), a write waits for a commit, a login hashes for ~50 ms.
const DURATION_BOUNDS: &[f64] = &[
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0,
];

/// The method label; anything else a client sends is `other`, so methods cannot mint series.
const METHODS: [&str; 8] = [
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
];

/// Every status canvass answers with, each its own label. Anything else (tiny_http answers
/// its own errors before a request reaches canvass) would be labelled by its class.
const STATUSES: [(u16, &str); 15] = [
    (200, "200"),
    (201, "201"),
    (204, "204"),
    (303, "303"),
    (400, "400"),
    (401, "401"),
    (403, "403"),
    (404, "404"),
    (405, "405"),
    (409, "409"),
    (410, "410"),
    (413, "413"),
    (429, "429"),
    (500, "500"),
    (503, "503"),
];
const CLASSES: [&str; 6] = ["other", "1xx", "2xx", "3xx", "4xx", "5xx"];
const STATUS_SLOTS: usize = STATUSES.len() + CLASSES.len();

struct Slot {
    statuses: [AtomicU64; STATUS_SLOTS],
    durations: AtomicHistogram,
}

/// The table; `RequestCounts` and `RequestDurations` export it as a counter and a histogram.
pub struct RequestTable {
    names: Vec<RouteName>,
    index: HashMap<&'static str, usize>,
    slots: Vec<Slot>,
}

impl RequestTable {
    pub fn new() -> Arc<Self> {
        let names = RouteName::all();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str(), i))
            .collect();
        let slots = (0..names.len() * METHODS.len())
            .map(|_| Slot {
                statuses: std::array::from_fn(|_| AtomicU64::new(0)),
                durations: AtomicHistogram::new(DURATION_BOUNDS, 1e-9),
            })
            .collect();
        Arc::new(RequestTable {
            names,
            index,
            slots,
        })
    }

    pub fn record(&self, route: RouteName, method: &Method, status: u16, elapsed: Duration) {
        // `RouteName::all` holds every name there is (tested), so the fallback never runs.
        let name = self.index.get(route.as_str()).copied().unwrap_or(0);
        let Some(slot) = self.slots.get(name * METHODS.len() + method_slot(method)) else {
            return;
        };
        slot.statuses[status_slot(status)].fetch_add(1, Ordering::Relaxed);
        slot.durations
            .observe(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
    }

    /// (route, method) of each slot, in order.
    fn labelled(&self) -> impl Iterator<Item = (&'static str, &'static str, &Slot)> {
        self.slots.iter().enumerate().map(|(i, slot)| {
            let route = self.names[i / METHODS.len()].as_str();
            (route, METHODS[i % METHODS.len()], slot)
        })
    }
}

fn method_slot(method: &Method) -> usize {
    match method {
        Method::Get => 0,
        Method::Head => 1,
        Method::Post => 2,
        Method::Put => 3,
        Method::Patch => 4,
        Method::Delete => 5,
        Method::Options => 6,
        Method::Other(_) => 7,
    }
}

fn status_slot(status: u16) -> usize {
    STATUSES
        .iter()
        .position(|&(code, _)| code == status)
        .unwrap_or_else(|| {
            let class = usize::from(status / 100);
            STATUSES.len() + if (1..=5).contains(&class) { class } else { 0 }
        })
}

fn status_label(slot: usize) -> &'static str {
    STATUSES
        .get(slot)
        .map_or_else(|| CLASSES[slot - STATUSES.len()], |&(_, label)| label)
}

/// `canvass_http_requests_total{route,method,status}`.
#[derive(Clone)]
pub struct RequestCounts(pub Arc<RequestTable>);

/// `canvass_http_request_duration_seconds{route,method}`.
#[derive(Clone)]
pub struct RequestDurations(pub Arc<RequestTable>);

impl std::fmt::Debug for RequestCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestCounts")
    }
}

impl std::fmt::Debug for RequestDurations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestDurations")
    }
}

impl EncodeMetric for RequestCounts {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (route, method, slot) in self.0.labelled() {
            for (i, count) in slot.statuses.iter().enumerate() {
                let count = count.load(Ordering::Relaxed);
                if count == 0 {
                    continue;
                }
                let labels = [
                    ("route", route),
                    ("method", method),
                    ("status", status_label(i)),
                ];
                encoder
                    .encode_family(&labels)?
                    .encode_counter::<NoLabelSet, _, u64>(&count, None)?;
            }
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Counter
    }
}

impl EncodeMetric for RequestDurations {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        for (route, method, slot) in self.0.labelled() {
            if slot.durations.count() == 0 {
                continue;
            }
            let labels = [("route", route), ("method", method)];
            slot.durations
                .encode_into(&mut encoder.encode_family(&labels)?)?;
        }
        Ok(())
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_a_slot_and_a_label() {
        assert_eq!(status_label(status_slot(200)), "200");
        assert_eq!(status_label(status_slot(410)), "410");
        assert_eq!(status_label(status_slot(302)), "3xx");
        assert_eq!(status_label(status_slot(599)), "5xx");
        assert_eq!(status_label(status_slot(999)), "other");
        assert_eq!(status_label(status_slot(0)), "other");
    }
}
