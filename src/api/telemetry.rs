//! The process's metrics: requests by route and status, latency histograms by route, the
//! database pool, and domain counters, rendered in the Prometheus text exposition format.
//! Served by [`super::metrics`].

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    total: u64,
}

/// The process's metrics.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    pub entries_posted: AtomicU64,
    pub receipts_ingested: AtomicU64,
    pub flags_computed: AtomicU64,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut map) = self.requests.lock() {
            *map.entry((method.to_owned(), route.to_owned(), status)).or_insert(0) += 1;
        }
        if let Ok(mut map) = self.latency.lock() {
            let h = map.entry(route.to_owned()).or_default();
            let secs = elapsed.as_secs_f64();
            for (i, bound) in BUCKETS.iter().enumerate() {
                if secs <= *bound {
                    h.counts[i] += 1;
                }
            }
            h.sum += secs;
            h.total += 1;
        }
    }

    pub fn render(&self, pool: &crate::db::DbPool) -> String {
        let mut out = String::new();
        out.push_str("# HELP vl_http_requests_total HTTP requests by method, route and status.\n");
        out.push_str("# TYPE vl_http_requests_total counter\n");
        if let Ok(map) = self.requests.lock() {
            for ((method, route, status), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "vl_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP vl_http_request_duration_seconds Request latency by route.\n");
        out.push_str("# TYPE vl_http_request_duration_seconds histogram\n");
        if let Ok(map) = self.latency.lock() {
            for (route, h) in map.iter() {
                for (i, bound) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "vl_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "vl_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.total
                );
                let _ = writeln!(
                    out,
                    "vl_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "vl_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.total
                );
            }
        }
        let state = pool.state();
        let gauges = [
            (
                "vl_db_pool_connections",
                "Open database connections.",
                u64::from(state.connections),
            ),
            (
                "vl_db_pool_idle_connections",
                "Idle database connections.",
                u64::from(state.idle_connections),
            ),
            (
                "vl_db_pool_max_connections",
                "Largest pool size.",
                u64::from(pool.max_size()),
            ),
        ];
        for (name, help, value) in gauges {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
        }
        let counters = [
            (
                "vl_entries_posted_total",
                "Entries and reversals posted.",
                &self.entries_posted,
            ),
            (
                "vl_receipts_ingested_total",
                "Receipt scans ingested.",
                &self.receipts_ingested,
            ),
            ("vl_flags_computed_total", "Red flags computed.", &self.flags_computed),
        ];
        for (name, help, value) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out
    }
}
