//! What a resident is told about the printer: its `printer-state-reasons` keywords (RFC 8011,
//! PWG 5100.9) sorted into the few problems a person at the station can understand and act on.

use protocol::health::{PrinterHealth, PrinterState};

/// A printer problem worth telling the person at the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Problem {
    /// The printer cannot be reached, is off or offline.
    Offline,
    /// A door or cover is open.
    DoorOpen,
    /// Paper is jammed.
    PaperJam,
    /// No paper (or a tray is missing).
    NoPaper,
    /// Toner or ink is used up.
    TonerEmpty,
    /// Toner or ink is low: printing goes on.
    TonerLow,
    /// Stopped for another reason the printer names.
    Other,
}

impl Problem {
    /// Whether the printer cannot print until someone acts (low toner still prints).
    pub fn stops_printing(self) -> bool {
        self != Self::TonerLow
    }

    /// A short stable name, for logs and message ids (`no-paper`, `paper-jam`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Offline => "offline",
            Self::DoorOpen => "door-open",
            Self::PaperJam => "paper-jam",
            Self::NoPaper => "no-paper",
            Self::TonerEmpty => "toner-empty",
            Self::TonerLow => "toner-low",
            Self::Other => "other",
        }
    }

    /// The problem a `printer-state-reasons` keyword stands for; `None` for keywords that are
    /// only informative (`none`, `*-report`, and those about nothing a person can fix).
    pub fn from_reason(reason: &str) -> Option<Self> {
        if reason.ends_with("-report") {
            return None;
        }
        let keyword = reason.trim_end_matches("-error").trim_end_matches("-warning");
        if keyword == "none" {
            return None;
        }
        // The suffix says how bad the printer thinks it is; printers differ (CUPS's own reports an
        // empty tray as `media-empty-warning` while the job waits), so the keyword decides.
        Some(match keyword {
            "offline" | "shutdown" | "connecting-to-device" | "timed-out" => Self::Offline,
            "door-open" | "cover-open" | "interlock-open" => Self::DoorOpen,
            "media-jam" | "input-tray-jam" | "output-tray-jam" | "jam" => Self::PaperJam,
            "media-empty" | "media-needed" | "input-tray-missing" => Self::NoPaper,
            "toner-empty" | "marker-supply-empty" | "marker-ink-almost-empty" => Self::TonerEmpty,
            "toner-low" | "marker-supply-low" => Self::TonerLow,
            "paused" | "moving-to-paused" | "spool-area-full" | "other" | "stopped-partly" | "stopping" => {
                Self::Other
            }
            _ if reason.ends_with("-error") => Self::Other,
            _ => return None,
        })
    }
}

/// The problems of a printer, most urgent first, each once.
pub fn problems(health: &PrinterHealth) -> Vec<Problem> {
    let mut problems: Vec<Problem> = health.reasons.iter().filter_map(|r| Problem::from_reason(r)).collect();
    if health.state == PrinterState::Unreachable {
        problems.push(Problem::Offline);
    }
    problems.sort();
    problems.dedup();
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_become_problems_a_resident_understands() {
        let cases = [
            ("media-empty-error", Some(Problem::NoPaper)),
            ("media-empty", Some(Problem::NoPaper)),
            ("media-needed", Some(Problem::NoPaper)),
            ("media-empty-warning", Some(Problem::NoPaper)),
            ("media-low-warning", None),
            ("media-jam-error", Some(Problem::PaperJam)),
            ("toner-low-warning", Some(Problem::TonerLow)),
            ("toner-low", Some(Problem::TonerLow)),
            ("toner-empty-error", Some(Problem::TonerEmpty)),
            ("marker-supply-empty-warning", Some(Problem::TonerEmpty)),
            ("marker-supply-low-report", None),
            ("door-open-error", Some(Problem::DoorOpen)),
            ("cover-open", Some(Problem::DoorOpen)),
            ("offline-report", None),
            ("offline", Some(Problem::Offline)),
            ("none", None),
            ("developer-low-report", None),
            ("fuser-over-temp-error", Some(Problem::Other)),
            ("identify-printer-requested", None),
        ];
        for (reason, expected) in cases {
            assert_eq!(Problem::from_reason(reason), expected, "{reason}");
        }
    }

    #[test]
    fn an_unreachable_printer_is_offline_and_the_worst_problem_comes_first() {
        let health = PrinterHealth {
            state: PrinterState::Stopped,
            reasons: vec!["toner-low-warning".into(), "media-empty-error".into(), "media-jam-error".into()],
            supplies: Vec::new(),
            error: None,
        };
        assert_eq!(problems(&health), [Problem::PaperJam, Problem::NoPaper, Problem::TonerLow]);
        assert!(!Problem::TonerLow.stops_printing());
        let unreachable = PrinterHealth {
            state: PrinterState::Unreachable,
            reasons: vec![],
            supplies: vec![],
            error: None,
        };
        assert_eq!(problems(&unreachable), [Problem::Offline]);
    }
}
