//! The status file the kiosk keeps in the station directory for the agent's health reports:
//! `<state-dir>/kiosk-status.json`, replaced atomically on every change and every minute.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use protocol::health::WipeStatus;
use serde::{Deserialize, Serialize};

/// File name of the status file inside the station directory.
pub const FILE_NAME: &str = "kiosk-status.json";

/// What the kiosk tells the agent about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskStatus {
    /// The kiosk's version.
    pub version: String,
    /// When the file was last written; a stale file means the kiosk is not running.
    pub updated_at: DateTime<Utc>,
    /// The last session wipe.
    pub last_wipe: Option<WipeStatus>,
    /// Why the last policy file was refused, while the last good one stays in force.
    pub policy_error: Option<String>,
    /// Why the last usage record could not be written (e.g. a full disk).
    pub outbox_error: Option<String>,
}

impl KioskStatus {
    /// A fresh status for this kiosk version.
    pub fn new() -> Self {
        Self {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            updated_at: Utc::now(),
            last_wipe: None,
            policy_error: None,
            outbox_error: None,
        }
    }

    /// Writes the status (temporary file, then rename).
    pub fn write(&mut self, state_dir: &Path) -> std::io::Result<()> {
        self.updated_at = Utc::now();
        let path = path(state_dir);
        let temporary = path.with_extension("json.new");
        std::fs::write(&temporary, serde_json::to_vec_pretty(self).expect("statuses serialize"))?;
        std::fs::rename(temporary, path)
    }
}

impl Default for KioskStatus {
    fn default() -> Self {
        Self::new()
    }
}

/// Where the status file of a station directory is.
pub fn path(state_dir: &Path) -> PathBuf {
    state_dir.join(FILE_NAME)
}
