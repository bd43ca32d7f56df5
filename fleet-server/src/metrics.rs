//! Prometheus metrics of the station API (`/metrics`): what IT staff graph and alert on.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters since the server started.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Stations enrolled.
    pub enrolments: AtomicU64,
    /// Enrolments refused (wrong or expired code).
    pub enrolments_refused: AtomicU64,
    /// Reports received and stored.
    pub reports: AtomicU64,
    /// Usage records stored.
    pub records_accepted: AtomicU64,
    /// Usage records received again (already stored).
    pub records_duplicate: AtomicU64,
    /// Requests refused with a 4xx status.
    pub requests_refused: AtomicU64,
    /// Policy downloads answered with the document.
    pub policy_sent: AtomicU64,
    /// Policy checks answered "not modified".
    pub policy_not_modified: AtomicU64,
}

impl Metrics {
    /// Adds `n` to a counter.
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let counters: [(&str, &str, &AtomicU64); 8] = [
            ("fleet_enrolments_total", "Stations enrolled.", &self.enrolments),
            (
                "fleet_enrolments_refused_total",
                "Enrolments refused (wrong, expired or revoked code).",
                &self.enrolments_refused,
            ),
            ("fleet_reports_total", "Station reports stored.", &self.reports),
            ("fleet_records_accepted_total", "Usage records stored.", &self.records_accepted),
            (
                "fleet_records_duplicate_total",
                "Usage records received again and not counted twice.",
                &self.records_duplicate,
            ),
            (
                "fleet_requests_refused_total",
                "Station API requests refused with a 4xx status.",
                &self.requests_refused,
            ),
            ("fleet_policy_sent_total", "Policy documents sent.", &self.policy_sent),
            ("fleet_policy_not_modified_total", "Policy checks answered 304.", &self.policy_not_modified),
        ];
        for (name, help, counter) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        out
    }
}
