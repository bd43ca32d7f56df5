//! The health report an agent sends with each report: the station, its printer and its kiosk.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One snapshot of a station's health.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthReport {
    /// When the agent collected it.
    pub collected_at: DateTime<Utc>,
    /// The station's host name.
    pub hostname: String,
    /// Version of the agent that collected it.
    pub agent_version: String,
    /// Operating-system figures.
    pub system: SystemHealth,
    /// The station's printer, when one is configured.
    pub printer: Option<PrinterHealth>,
    /// The kiosk program.
    pub kiosk: KioskHealth,
    /// The policy the station runs.
    pub policy: Option<PolicyStatus>,
}

/// Operating-system figures of the station.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemHealth {
    /// Average CPU use over the last interval, in percent of all cores.
    pub cpu_percent: f32,
    /// Memory in use, in bytes.
    pub memory_used_bytes: u64,
    /// Memory installed, in bytes.
    pub memory_total_bytes: u64,
    /// Free space of the station directory's filesystem, in bytes.
    pub disk_free_bytes: u64,
    /// Size of that filesystem, in bytes.
    pub disk_total_bytes: u64,
    /// Seconds since boot.
    pub uptime_s: u64,
}

/// The printer's state as reported over IPP (`printer-state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrinterState {
    /// Ready, no job.
    Idle,
    /// Printing.
    Processing,
    /// Stopped: needs someone.
    Stopped,
    /// Could not be asked (unreachable, or no answer).
    Unreachable,
}

/// A consumable of the printer (toner, ink, drum…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Supply {
    /// Name as the printer gives it, e.g. "Black Toner".
    pub name: String,
    /// Kind, e.g. `toner`, `ink`, `drum`.
    pub kind: Option<String>,
    /// Colour, e.g. `#000000` or `black`, when reported.
    pub color: Option<String>,
    /// Level in percent; `None` when the printer does not know.
    pub level_percent: Option<u8>,
}

/// The station printer's health.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterHealth {
    /// `printer-state`.
    pub state: PrinterState,
    /// `printer-state-reasons` keywords, e.g. `media-empty-error`; empty or `none` when all is well.
    pub reasons: Vec<String>,
    /// Supply levels.
    pub supplies: Vec<Supply>,
    /// Why the printer could not be asked, when it could not.
    pub error: Option<String>,
}

/// The result of the kiosk's last session wipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WipeStatus {
    /// When the wipe finished.
    pub at: DateTime<Utc>,
    /// Whether it was verified complete.
    pub ok: bool,
    /// How long it took, in milliseconds.
    pub duration_ms: u32,
    /// What was left behind, when it failed.
    pub error: Option<String>,
}

/// The kiosk program's health, read from the status file it keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KioskHealth {
    /// Whether the kiosk process is alive (its status file is fresh).
    pub running: bool,
    /// Its version, when known.
    pub version: Option<String>,
    /// Its last wipe, when one happened.
    pub last_wipe: Option<WipeStatus>,
}

/// The policy installed on the station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyStatus {
    /// ETag of the installed policy.
    pub etag: Option<String>,
    /// Why the last policy offered by the server was refused, if it was.
    pub last_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_round_trips_through_json() {
        let report = HealthReport {
            collected_at: DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            hostname: "pan-mairie-01".into(),
            agent_version: "0.1.0".into(),
            system: SystemHealth {
                cpu_percent: 1.5,
                memory_used_bytes: 1 << 30,
                memory_total_bytes: 8 << 30,
                disk_free_bytes: 20 << 30,
                disk_total_bytes: 100 << 30,
                uptime_s: 3600,
            },
            printer: Some(PrinterHealth {
                state: PrinterState::Stopped,
                reasons: vec!["media-empty-error".into()],
                supplies: vec![Supply {
                    name: "Black Toner".into(),
                    kind: Some("toner".into()),
                    color: Some("#000000".into()),
                    level_percent: Some(75),
                }],
                error: None,
            }),
            kiosk: KioskHealth { running: true, version: Some("0.1.0".into()), last_wipe: None },
            policy: None,
        };
        let json = serde_json::to_string(&report).unwrap();
        assert!(json.contains("\"state\":\"stopped\""), "{json}");
        let back: HealthReport = serde_json::from_str(&json).unwrap();
        assert_eq!(back, report);
    }
}
