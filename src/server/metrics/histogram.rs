//! A histogram made of atomics. prometheus-client's own `Histogram` takes a mutex on every
//! observation; this one costs two relaxed `fetch_add`s (the bucket and the sum), so the
//! workers never wait on one another to record a request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use prometheus_client::encoding::{EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::{MetricType, TypedMetric};

/// Observations are whole `units` (nanoseconds, responses); bounds are in the exported unit
/// (seconds, responses), `scale` exported units per unit.
#[derive(Debug, Clone)]
pub struct AtomicHistogram(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    /// Upper bounds in exported units, ascending; the last bucket (`+Inf`) is implicit.
    bounds: &'static [f64],
    /// The same bounds in whole units, for the comparison on the hot path.
    unit_bounds: Vec<u64>,
    scale: f64,
    /// Per bucket, not cumulative: `bounds.len() + 1` of them, the last for `+Inf`.
    buckets: Vec<AtomicU64>,
    sum: AtomicU64,
}

impl AtomicHistogram {
    pub fn new(bounds: &'static [f64], scale: f64) -> Self {
        let unit_bounds = bounds
            .iter()
            .map(|bound| {
                #[expect(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "bounds are small positive numbers, set in code"
                )]
                let units = (bound / scale).round() as u64;
                units
            })
            .collect();
        AtomicHistogram(Arc::new(Inner {
            bounds,
            unit_bounds,
            scale,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
        }))
    }

    pub fn observe(&self, units: u64) {
        let inner = &self.0;
        let bucket = inner
            .unit_bounds
            .iter()
            .position(|&bound| units <= bound)
            .unwrap_or(inner.unit_bounds.len());
        if let Some(counter) = inner.buckets.get(bucket) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        inner.sum.fetch_add(units, Ordering::Relaxed);
    }

    /// How many observations there are.
    pub fn count(&self) -> u64 {
        self.0
            .buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .sum()
    }

    /// Encodes it as one histogram. The count is the buckets' sum, read once, so `_count`
    /// always equals the `+Inf` bucket; the sum may include an observation being recorded
    /// during the scrape, which Prometheus tolerates.
    pub fn encode_into(&self, encoder: &mut MetricEncoder<'_>) -> Result<(), std::fmt::Error> {
        let inner = &self.0;
        let mut buckets = Vec::with_capacity(inner.buckets.len());
        let mut count = 0;
        for (i, bucket) in inner.buckets.iter().enumerate() {
            let n = bucket.load(Ordering::Relaxed);
            count += n;
            let bound = inner.bounds.get(i).copied().unwrap_or(f64::INFINITY);
            buckets.push((bound, n));
        }
        #[expect(
            clippy::cast_precision_loss,
            reason = "a sum past 2^53 units loses precision it never had in practice"
        )]
        let sum = inner.sum.load(Ordering::Relaxed) as f64 * inner.scale;
        encoder.encode_histogram::<NoLabelSet>(sum, count, &buckets, None)
    }
}

impl TypedMetric for AtomicHistogram {
    const TYPE: MetricType = MetricType::Histogram;
}

impl EncodeMetric for AtomicHistogram {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        self.encode_into(&mut encoder)
    }

    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::prometheus_text::encode;
    use prometheus_client::registry::Registry;

    use super::*;

    #[test]
    fn observations_land_in_the_first_bucket_that_holds_them_and_count_once() {
        let histogram = AtomicHistogram::new(&[1.0, 2.0, 4.0], 1.0);
        for units in [0, 1, 2, 3, 4, 9] {
            histogram.observe(units);
        }
        let mut registry = Registry::default();
        registry.register("sizes", "Sizes", histogram.clone());
        let mut text = String::new();
        encode(&mut text, &registry).unwrap();
        for line in [
            "sizes_bucket{le=\"1\"} 2",
            "sizes_bucket{le=\"2\"} 3",
            "sizes_bucket{le=\"4\"} 5",
            "sizes_bucket{le=\"+Inf\"} 6",
            "sizes_sum 19.0",
            "sizes_count 6",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} not in:\n{text}");
        }
        assert_eq!(histogram.count(), 6);
    }

    #[test]
    fn durations_are_recorded_in_nanoseconds_and_exported_in_seconds() {
        let histogram = AtomicHistogram::new(&[0.001, 0.01], 1e-9);
        histogram.observe(1_000_000); // exactly 1 ms: inside the first bucket
        histogram.observe(1_000_001);
        let mut registry = Registry::default();
        registry.register("d", "D", histogram);
        let mut text = String::new();
        encode(&mut text, &registry).unwrap();
        assert!(text.contains("d_bucket{le=\"0.001\"} 1\n"), "{text}");
        assert!(text.contains("d_bucket{le=\"0.01\"} 2\n"), "{text}");
    }
}
