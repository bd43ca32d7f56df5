//! What a station's latest health report means for IT staff: plain-French state and alerts.

use protocol::health::{HealthReport, PrinterHealth, PrinterState};

use super::{ago, bytes};

/// Free disk below this is an alert.
pub const DISK_LOW_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Free disk below this share of the disk is an alert.
pub const DISK_LOW_PERCENT: u64 = 10;

/// An alert on a station.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Short label.
    pub label: String,
    /// `offline`, `printer`, `disk`, `wipe`, `kiosk` or `policy`.
    pub kind: &'static str,
}

/// The printer state reason in French, with what to do; `None` for reasons that need nothing.
pub fn printer_reason(reason: &str) -> Option<String> {
    let base = reason.trim_end_matches("-report").trim_end_matches("-warning").trim_end_matches("-error");
    let text = match base {
        "none" | "" => return None,
        "media-empty" | "media-needed" => "plus de papier (remettre du papier)",
        "media-low" => "papier bientôt épuisé",
        "media-jam" => "bourrage papier (ouvrir et retirer la feuille)",
        "toner-low" | "marker-supply-low" => "toner bas (prévoir une cartouche)",
        "toner-empty" | "marker-supply-empty" => "toner vide (changer la cartouche)",
        "door-open" | "cover-open" | "interlock-open" => "capot ouvert (le refermer)",
        "offline" | "shutdown" | "connecting-to-device" => "hors ligne (vérifier l'alimentation et le câble)",
        "paused" | "moving-to-paused" => "en pause",
        "spool-area-full" => "file d'impression pleine",
        other => return Some(other.to_owned()),
    };
    // Reports and warnings are shown but only errors and plain reasons are problems.
    Some(text.to_owned())
}

/// The printer in a few words.
pub fn printer_summary(printer: Option<&PrinterHealth>) -> String {
    let Some(printer) = printer else { return "aucune".into() };
    let state = match printer.state {
        PrinterState::Idle => "prête",
        PrinterState::Processing => "imprime",
        PrinterState::Stopped => "arrêtée",
        PrinterState::Unreachable => "injoignable",
    };
    let reasons: Vec<String> = printer.reasons.iter().filter_map(|r| printer_reason(r)).collect();
    if reasons.is_empty() { state.to_owned() } else { format!("{state} : {}", reasons.join(", ")) }
}

/// Supply levels: `noir 80 %, cyan 15 %`.
pub fn supplies(printer: Option<&PrinterHealth>) -> String {
    let Some(printer) = printer else { return String::new() };
    printer
        .supplies
        .iter()
        .map(|s| match s.level_percent {
            Some(level) => format!("{} {level} %", s.name),
            None => format!("{} ?", s.name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn printer_problem(printer: &PrinterHealth) -> Option<String> {
    let serious: Vec<String> = printer
        .reasons
        .iter()
        .filter(|r| !r.ends_with("-report"))
        .filter_map(|r| printer_reason(r))
        .collect();
    match printer.state {
        PrinterState::Unreachable => Some(
            printer
                .error
                .clone()
                .map_or("imprimante injoignable".into(), |e| format!("imprimante injoignable : {e}")),
        ),
        _ if !serious.is_empty() => Some(format!("imprimante : {}", serious.join(", "))),
        PrinterState::Stopped => Some("imprimante arrêtée".into()),
        _ => None,
    }
}

/// The alerts of a station seen at `last_seen` with this latest report.
pub fn alerts(
    now: i64,
    last_seen: Option<i64>,
    offline_after_s: u64,
    report: Option<&HealthReport>,
) -> Vec<Alert> {
    let mut alerts = Vec::new();
    let offline = last_seen.is_none_or(|seen| now - seen > offline_after_s as i64);
    if offline {
        let label = match last_seen {
            Some(seen) => format!("hors ligne (vu {})", ago(now, seen)),
            None => "jamais vu".into(),
        };
        alerts.push(Alert { label, kind: "offline" });
    }
    let Some(report) = report else { return alerts };
    if let Some(problem) = report.printer.as_ref().and_then(printer_problem) {
        alerts.push(Alert { label: problem, kind: "printer" });
    }
    let system = &report.system;
    let low_share = system.disk_total_bytes > 0
        && system.disk_free_bytes.saturating_mul(100)
            < system.disk_total_bytes.saturating_mul(DISK_LOW_PERCENT);
    if system.disk_free_bytes < DISK_LOW_BYTES || low_share {
        alerts.push(Alert {
            label: format!("disque presque plein ({} libres)", bytes(system.disk_free_bytes)),
            kind: "disk",
        });
    }
    if let Some(wipe) = report.kiosk.last_wipe.as_ref().filter(|w| !w.ok) {
        let reason = wipe.error.clone().unwrap_or_default();
        alerts.push(Alert { label: format!("effacement échoué {reason}").trim().to_owned(), kind: "wipe" });
    }
    if !report.kiosk.running {
        alerts.push(Alert { label: "kiosque arrêté".into(), kind: "kiosk" });
    }
    if let Some(error) = report.policy.as_ref().and_then(|p| p.last_error.as_ref()) {
        alerts.push(Alert { label: format!("politique refusée : {error}"), kind: "policy" });
    }
    alerts
}

/// The last wipe in words: `14 ms, il y a 3 min` or `échec`.
pub fn last_wipe(now: i64, report: Option<&HealthReport>) -> String {
    match report.and_then(|r| r.kiosk.last_wipe.as_ref()) {
        Some(wipe) if wipe.ok => format!("{} ms, {}", wipe.duration_ms, ago(now, wipe.at.timestamp())),
        Some(wipe) => format!("échec, {}", ago(now, wipe.at.timestamp())),
        None => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::health::{KioskHealth, SystemHealth, WipeStatus};

    fn report() -> HealthReport {
        HealthReport {
            collected_at: chrono::Utc::now(),
            hostname: "pan-01".into(),
            agent_version: "0.1.0".into(),
            system: SystemHealth {
                cpu_percent: 3.0,
                memory_used_bytes: 1 << 30,
                memory_total_bytes: 8 << 30,
                disk_free_bytes: 50 << 30,
                disk_total_bytes: 100 << 30,
                uptime_s: 3_600,
            },
            printer: Some(PrinterHealth {
                state: PrinterState::Idle,
                reasons: vec!["none".into()],
                supplies: vec![],
                error: None,
            }),
            kiosk: KioskHealth { running: true, version: Some("0.1.0".into()), last_wipe: None },
            policy: None,
        }
    }

    #[test]
    fn a_healthy_station_seen_recently_has_no_alert() {
        assert_eq!(alerts(1_000, Some(990), 300, Some(&report())), vec![]);
    }

    #[test]
    fn each_problem_raises_its_alert() {
        let mut bad = report();
        bad.printer.as_mut().unwrap().state = PrinterState::Stopped;
        bad.printer.as_mut().unwrap().reasons = vec!["media-empty-error".into(), "toner-low-report".into()];
        bad.system.disk_free_bytes = 1 << 30;
        bad.kiosk.running = false;
        bad.kiosk.last_wipe = Some(WipeStatus {
            at: chrono::Utc::now(),
            ok: false,
            duration_ms: 0,
            error: Some("busy".into()),
        });
        let kinds: Vec<&str> = alerts(10_000, Some(1_000), 300, Some(&bad)).iter().map(|a| a.kind).collect();
        assert_eq!(kinds, ["offline", "printer", "disk", "wipe", "kiosk"]);
        let printer = alerts(1_000, Some(1_000), 300, Some(&bad))[0].label.clone();
        assert!(printer.contains("plus de papier") && !printer.contains("toner"), "{printer}");
    }

    #[test]
    fn printer_reasons_read_in_french() {
        assert_eq!(printer_reason("none"), None);
        assert_eq!(
            printer_reason("media-jam-error").unwrap(),
            "bourrage papier (ouvrir et retirer la feuille)"
        );
        assert_eq!(printer_reason("vendor-specific").unwrap(), "vendor-specific");
        assert_eq!(printer_summary(None), "aucune");
    }
}
