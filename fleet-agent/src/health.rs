//! The health report: the PC (CPU, memory, free disk of the station directory, uptime), the
//! kiosk (from the status file it keeps: running, version, last wipe, policy refused), the
//! printer, and the agent's policy status.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use protocol::health::{HealthReport, KioskHealth, PolicyStatus, PrinterHealth, SystemHealth, WipeStatus};
use serde::Deserialize;
use sysinfo::{Disks, System};

/// A status file older than this means the kiosk is not running (it rewrites it every minute).
pub const KIOSK_STALE_S: i64 = 150;

/// The part of the kiosk's status file the agent reads.
#[derive(Debug, Clone, Deserialize)]
struct KioskStatus {
    version: String,
    updated_at: DateTime<Utc>,
    last_wipe: Option<WipeStatus>,
    policy_error: Option<String>,
    outbox_error: Option<String>,
}

/// Collects health reports; keeps the CPU sampler between reports.
pub struct HealthProbe {
    system: System,
    state_dir: PathBuf,
}

impl HealthProbe {
    /// A probe for the station directory `state_dir`.
    pub fn new(state_dir: &Path) -> Self {
        let mut system = System::new();
        system.refresh_cpu_usage();
        Self { system, state_dir: state_dir.to_owned() }
    }

    /// The PC's figures; CPU is the average since the previous call.
    pub fn system(&mut self) -> SystemHealth {
        self.system.refresh_cpu_usage();
        self.system.refresh_memory();
        let (disk_free_bytes, disk_total_bytes) = disk_of(&self.state_dir);
        SystemHealth {
            cpu_percent: self.system.global_cpu_usage(),
            memory_used_bytes: self.system.used_memory(),
            memory_total_bytes: self.system.total_memory(),
            disk_free_bytes,
            disk_total_bytes,
            uptime_s: System::uptime(),
        }
    }

    /// A full report.
    pub fn report(
        &mut self,
        hostname: &str,
        printer: Option<PrinterHealth>,
        policy: PolicyStatus,
        now: DateTime<Utc>,
    ) -> HealthReport {
        let (kiosk, kiosk_policy_error) = kiosk_health(&self.state_dir.join("kiosk-status.json"), now);
        let policy = PolicyStatus { last_error: policy.last_error.or(kiosk_policy_error), ..policy };
        HealthReport {
            collected_at: now,
            hostname: hostname.to_owned(),
            agent_version: env!("CARGO_PKG_VERSION").to_owned(),
            system: self.system(),
            printer,
            kiosk,
            policy: Some(policy),
        }
    }
}

/// Free and total bytes of the file system holding `path` (the longest matching mount point).
fn disk_of(path: &Path) -> (u64, u64) {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_owned());
    let disks = Disks::new_with_refreshed_list();
    disks
        .list()
        .iter()
        .filter(|disk| path.starts_with(disk.mount_point()))
        .max_by_key(|disk| disk.mount_point().as_os_str().len())
        .map_or((0, 0), |disk| (disk.available_space(), disk.total_space()))
}

/// The kiosk's health from its status file, and the policy error it reported, if any.
fn kiosk_health(file: &Path, now: DateTime<Utc>) -> (KioskHealth, Option<String>) {
    let status: Option<KioskStatus> =
        std::fs::read(file).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok());
    match status {
        None => (KioskHealth { running: false, version: None, last_wipe: None }, None),
        Some(status) => {
            let running = (now - status.updated_at).num_seconds() <= KIOSK_STALE_S;
            if let Some(error) = &status.outbox_error {
                tracing::warn!(%error, "the kiosk cannot write usage records");
            }
            let health = KioskHealth { running, version: Some(status.version), last_wipe: status.last_wipe };
            (health, status.policy_error.map(|e| format!("kiosk: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kiosk_is_running_while_its_status_file_is_fresh() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("kiosk-status.json");
        let now = Utc::now();
        assert!(!kiosk_health(&file, now).0.running, "no status file: not running");
        let status = serde_json::json!({
            "version": "0.1.0", "updated_at": now - chrono::Duration::seconds(30),
            "last_wipe": {"at": now, "ok": true, "duration_ms": 14, "error": null},
            "policy_error": "policy.toml:3:1: bad", "outbox_error": null
        });
        std::fs::write(&file, status.to_string()).unwrap();
        let (kiosk, policy_error) = kiosk_health(&file, now);
        assert!(kiosk.running);
        assert_eq!(kiosk.version.as_deref(), Some("0.1.0"));
        assert_eq!(kiosk.last_wipe.unwrap().duration_ms, 14);
        assert_eq!(policy_error.as_deref(), Some("kiosk: policy.toml:3:1: bad"));
        assert!(!kiosk_health(&file, now + chrono::Duration::seconds(KIOSK_STALE_S + 60)).0.running);
    }

    #[test]
    fn the_disk_of_the_station_directory_is_measured() {
        let dir = tempfile::tempdir().unwrap();
        let mut probe = HealthProbe::new(dir.path());
        let system = probe.system();
        assert!(system.disk_total_bytes > 0 && system.disk_free_bytes <= system.disk_total_bytes);
        assert!(system.memory_total_bytes > 0 && system.uptime_s > 0);
    }
}
