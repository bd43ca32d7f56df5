//! The kiosk's local configuration (`/etc/kiosk-station/kiosk.toml`).
//!
//! A public PC must always start: a missing or broken file falls back to safe defaults, and the
//! reason is reported for the logs. `kiosk config check FILE` shows the same reasons to IT staff.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use protocol::toml_file::{self, Document, FileError, KeyPath, Problem};

use crate::outcome::Outcome;

/// The station directory shared by the kiosk and the agent, unless configured otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/kiosk-station";
/// Where the kiosk looks for its configuration by default.
pub const DEFAULT_CONFIG_FILE: &str = "/etc/kiosk-station/kiosk.toml";

/// Settings of one station's kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KioskConfig {
    /// Station directory: outbox, status file, sessions, and the policy the agent installs.
    pub state_dir: PathBuf,
    /// Policy file; `<state_dir>/policy.toml` (installed by the agent) when unset.
    pub policy: Option<PathBuf>,
    /// IPP URI of the station's printer (`ipp://…` or `ipps://…`); printing is off when unset.
    pub printer: Option<String>,
    /// A print job that makes no progress for this many seconds is cancelled (the resident is
    /// told why).
    pub print_timeout_s: u32,
    /// Whether the kiosk offers scanning ("Numériser un document").
    pub scanning: bool,
    /// SANE device name of the scanner; the first device found when unset.
    pub scanner: Option<String>,
    /// Backend options for the scanner (`["--mode", "Color", "--resolution", "150"]` when empty).
    pub scanner_options: Vec<String>,
    /// PHC string (argon2id) of the volunteer PIN; volunteer mode is off when unset.
    pub volunteer_pin_hash: Option<String>,
}

impl Default for KioskConfig {
    fn default() -> Self {
        Self {
            state_dir: PathBuf::from(DEFAULT_STATE_DIR),
            policy: None,
            printer: None,
            print_timeout_s: 300,
            scanning: true,
            scanner: None,
            scanner_options: Vec::new(),
            volunteer_pin_hash: None,
        }
    }
}

impl KioskConfig {
    /// Parses and checks a configuration text; `file` names it in messages.
    pub fn parse(text: &str, file: &str) -> Result<Self, FileError> {
        toml_file::load(text, file, validate)
    }

    /// Reads and checks `path`; the error names the file and every problem.
    pub fn load(path: &Path) -> Result<Self, String> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{name}: cannot read the configuration: {e}"))?;
        Self::parse(&text, &name).map_err(|e| e.to_string())
    }

    /// Reads `path`; on any problem returns the defaults and the reason, so the kiosk still starts.
    pub fn load_or_default(path: &Path) -> (Self, Option<String>) {
        match Self::load(path) {
            Ok(config) => (config, None),
            Err(reason) => (Self::default(), Some(format!("{reason}\nusing safe defaults"))),
        }
    }

    /// The policy file the kiosk reads.
    pub fn policy_path(&self) -> PathBuf {
        self.policy.clone().unwrap_or_else(|| self.state_dir.join("policy.toml"))
    }
}

/// `kiosk config check FILE`.
pub fn check(file: &Path) -> Outcome {
    match KioskConfig::load(file) {
        Ok(config) => Outcome::new(
            0,
            format!(
                "{}: valid kiosk configuration; policy file {}\n",
                file.display(),
                config.policy_path().display()
            ),
            String::new(),
        ),
        Err(error) => Outcome::new(1, String::new(), format!("{error}\n")),
    }
}

fn validate(config: &KioskConfig, doc: &Document<'_>) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(printer) = &config.printer
        && !(printer.starts_with("ipp://") || printer.starts_with("ipps://"))
    {
        problems.push(doc.problem(
            KeyPath::root().key("printer"),
            format!("{printer:?} is not an IPP printer URI: expected ipp://host[:port]/path or ipps://…"),
        ));
    }
    if let Some(hash) = &config.volunteer_pin_hash
        && !hash.starts_with("$argon2id$")
    {
        problems.push(doc.problem(
            KeyPath::root().key("volunteer_pin_hash"),
            "is not an argon2id hash: expected a string starting with \"$argon2id$\" (never the PIN itself)",
        ));
    }
    if !(1..=3600).contains(&config.print_timeout_s) {
        problems
            .push(doc.problem(KeyPath::root().key("print_timeout_s"), "must be between 1 and 3600 seconds"));
    }
    if !config.state_dir.is_absolute() {
        problems.push(doc.problem(KeyPath::root().key("state_dir"), "must be an absolute path"));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_file_falls_back_to_defaults_with_the_reason() {
        let dir = std::env::temp_dir().join(format!("kiosk-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("kiosk.toml");
        std::fs::write(&path, "printer = \"http://printer\"\nvolunteer_pin_hash = \"1234\"\n").unwrap();
        let (config, reason) = KioskConfig::load_or_default(&path);
        assert_eq!(config, KioskConfig::default());
        let reason = reason.unwrap();
        assert!(
            reason.contains("kiosk.toml:1:11: printer: \"http://printer\" is not an IPP printer URI"),
            "{reason}"
        );
        assert!(reason.contains("kiosk.toml:2:"), "{reason}");
        std::fs::remove_dir_all(&dir).unwrap();

        let (config, reason) = KioskConfig::load_or_default(&dir.join("missing.toml"));
        assert_eq!(config.policy_path(), Path::new(DEFAULT_STATE_DIR).join("policy.toml"));
        assert!(reason.unwrap().contains("using safe defaults"));
    }
}
